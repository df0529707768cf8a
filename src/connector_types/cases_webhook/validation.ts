import type { ValidatorContext } from '../../actions/types.js';
import { AuthType } from '../webhook/schema.js';
import type { CasesWebhookConfig, CasesWebhookSecrets } from './schema.js';

// Kibana's checks of a saved connector (validators.ts of its cases_webhook type) and of the URLs
// and JSON bodies a push renders from the templates.

const PREFIX = 'error configuring cases webhook action';

export const OAUTH2_NOT_SUPPORTED = 'OAuth2 authentication is not supported for cases webhook connector';
export const INVALID_AUTH = 'must specify a secrets configuration';

const URL_FIELDS = ['createIncidentUrl', 'createCommentUrl', 'viewIncidentUrl', 'getIncidentUrl', 'updateIncidentUrl'] as const;

/** Each URL set must parse as it is (its mustache braces still in) and be allow-listed; OAuth2 is refused. */
export function validateCasesWebhookConfig(config: CasesWebhookConfig, { configurationUtilities }: ValidatorContext): void {
  if (config.authType === AuthType.OAuth2ClientCredentials) throw new Error(OAUTH2_NOT_SUPPORTED);
  for (const key of URL_FIELDS) {
    const url = config[key];
    if (!url) continue;
    try {
      new URL(url);
    } catch (err) {
      throw new Error(`${PREFIX}: unable to parse ${url}: ${String(err)}`);
    }
    try {
      configurationUtilities.allowedHosts.ensureUriAllowed(url);
    } catch (err) {
      throw new Error(`${PREFIX}: ${(err as Error).message}`);
    }
  }
}

/** Authentication required and not one secret given (the schema's nulls and empty values count as none). */
export function validateCasesWebhookConnector(config: CasesWebhookConfig, secrets: CasesWebhookSecrets): string | null {
  const given = Object.values(secrets).some((value) => value != null && value !== '' && !(typeof value === 'object' && Object.keys(value).length === 0));
  return config.hasAuth && !given ? INVALID_AUTH : null;
}

/**
 * A rendered URL as Kibana accepts it: http or https with a host name, allow-listed; then its
 * trailing slash dropped and doubled slashes after the host collapsed. `what` names it in errors.
 */
export function checkedUrl(url: string, what: string, { configurationUtilities }: ValidatorContext): string {
  try {
    const parsed = new URL(url);
    if (!parsed.hostname) throw new Error('URL must contain hostname');
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('Invalid protocol');
    try {
      configurationUtilities.allowedHosts.ensureUriAllowed(url);
    } catch (err) {
      throw new Error(`error configuring connector action: ${(err as Error).message}`);
    }
  } catch (err) {
    // Kibana writes the caught error itself, hence `Error: …`.
    throw new Error(`Invalid ${what}: Error: ${(err as Error).message}`);
  }
  return (url.endsWith('/') ? url.slice(0, -1) : url).replace(/([^:]\/)\/+/g, '$1');
}

/** A rendered body must be JSON; `what` names it (`Create case JSON body`…). */
export function checkedJson(json: string, what: string): string {
  try {
    JSON.parse(json);
  } catch {
    throw new Error(`JSON Error: ${what} must be valid JSON`);
  }
  return json;
}
