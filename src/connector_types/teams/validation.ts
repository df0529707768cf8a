import type { ValidatorContext } from '../../actions/types.js';
import { hostnameOf } from '../../net/allowed_hosts.js';
import type { TeamsSecrets } from './schema.js';

const PREFIX = 'error configuring teams action';

/**
 * The webhook URL must parse, with a host that allowedHosts lets through. Kibana quotes the
 * whole URL in the allowedHosts message; here only its hostname is quoted, because the URL
 * itself is the credential and the message reaches API clients and logs.
 */
export function validateTeamsSecrets(secrets: TeamsSecrets, { configurationUtilities }: ValidatorContext): void {
  const hostname = hostnameOf(secrets.webhookUrl);
  if (hostname === undefined) throw new Error(`${PREFIX}: unable to parse host name from webhookUrl`);
  try {
    configurationUtilities.allowedHosts.ensureHostnameAllowed(hostname);
  } catch (err) {
    throw new Error(`${PREFIX}: ${(err as Error).message}`);
  }
}
