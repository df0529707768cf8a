import type { ValidatorContext } from '../../actions/types.js';
import { AuthType, SSLCertType, type WebhookConfig, type WebhookSecrets } from './schema.js';

const PREFIX = 'error validation webhook action config';

export const ADDITIONAL_FIELDS_ERROR = `${PREFIX}: additionalFields must be a non-empty JSON object.`;

export const INVALID_SECRETS_ERROR =
  'must specify one of the following schemas: user and password; crt and key (with optional password); pfx (with optional password); or clientSecret (for OAuth2)';

function ensureParsableUrl(url: string): void {
  try {
    new URL(url);
  } catch (err) {
    throw new Error(`${PREFIX}: unable to parse url: ${String(err)}`);
  }
}

function ensureAllowed(url: string, { configurationUtilities }: ValidatorContext): void {
  try {
    configurationUtilities.allowedHosts.ensureUriAllowed(url);
  } catch (err) {
    throw new Error(`${PREFIX}: ${(err as Error).message}`);
  }
}

function isNonEmptyJsonObject(text: string): boolean {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && Object.keys(parsed).length > 0;
  } catch {
    return false;
  }
}

/** Checks that need more than the schema; the order matches Kibana's, so the first failure wins. */
export function validateWebhookConfig(config: WebhookConfig, ctx: ValidatorContext): void {
  ensureParsableUrl(config.url);
  ensureAllowed(config.url, ctx);

  if (config.authType && !config.hasAuth) {
    throw new Error(`${PREFIX}: authType must be null or undefined if hasAuth is false`);
  }

  if (config.certType === SSLCertType.PFX && !ctx.configurationUtilities.webhookPfxEnabled) {
    throw new Error(`${PREFIX}: certType "${SSLCertType.PFX}" is disabled`);
  }

  if (config.additionalFields && !isNonEmptyJsonObject(config.additionalFields)) {
    throw new Error(ADDITIONAL_FIELDS_ERROR);
  }

  if (config.authType === AuthType.OAuth2ClientCredentials) {
    const missing: string[] = [];
    if (!config.accessTokenUrl) missing.push('Access Token URL (accessTokenUrl)');
    if (!config.clientId) missing.push('Client ID (clientId)');
    if (missing.length > 0) throw new Error(`${PREFIX}: missing ${missing.join(', ')} fields`);
    ensureParsableUrl(config.accessTokenUrl!);
    ensureAllowed(config.accessTokenUrl!, ctx);
  }
}

/**
 * The allowed secret combinations: nothing; user and password; crt and key (password optional,
 * as the passphrase); pfx (password optional); clientSecret alone. Empty strings count as absent.
 */
export function validateWebhookSecrets(secrets: WebhookSecrets): void {
  const { user, password, crt, key, pfx, clientSecret } = secrets;
  const ok =
    (!password && !user && !crt && !key && !pfx && !clientSecret) ||
    (password && user && !crt && !key && !pfx && !clientSecret) ||
    (crt && key && !user && !pfx && !clientSecret) ||
    (!crt && !key && !user && pfx && !clientSecret) ||
    (!password && !user && !crt && !key && !pfx && clientSecret);
  if (!ok) throw new Error(INVALID_SECRETS_ERROR);
}
