import type { ValidatorContext } from '../../actions/types.js';
import type { TorqConfig } from './schema.js';

const PREFIX = 'error configuring send to Torq action';
const TORQ_HOSTNAME = /^hooks\.(eu\.)?torq\.io$/;

/**
 * In Kibana's order: the URL parses, passes allowedHosts, and is a Torq hook (or localhost, for
 * tests; the scheme is not checked).
 */
export function validateTorqConfig(config: TorqConfig, { configurationUtilities }: ValidatorContext): void {
  let url: URL;
  try {
    url = new URL(config.webhookIntegrationUrl);
  } catch (err) {
    throw new Error(`${PREFIX}: unable to parse url: ${String(err)}`);
  }
  try {
    configurationUtilities.allowedHosts.ensureUriAllowed(config.webhookIntegrationUrl);
  } catch (err) {
    throw new Error(`${PREFIX}: ${(err as Error).message}`);
  }
  if (!TORQ_HOSTNAME.test(url.hostname) && url.hostname !== 'localhost') {
    throw new Error(`${PREFIX}: url must begin with https://hooks.torq.io or https://hooks.eu.torq.io`);
  }
}
