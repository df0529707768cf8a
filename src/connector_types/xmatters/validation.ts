import type { ValidatorContext } from '../../actions/types.js';
import type { XmattersConfig, XmattersSecrets } from './schema.js';

const CONFIG_PREFIX = 'Error configuring xMatters action';

/** Only basic authentication uses configUrl; a null one is caught by the connector check. */
export function validateXmattersConfig(config: XmattersConfig, { configurationUtilities }: ValidatorContext): void {
  if (!config.usesBasic || !config.configUrl) return;
  try {
    new URL(config.configUrl);
  } catch (err) {
    throw new Error(`${CONFIG_PREFIX}: unable to parse url: ${(err as Error).message}`);
  }
  try {
    configurationUtilities.allowedHosts.ensureUriAllowed(config.configUrl);
  } catch (err) {
    throw new Error(`${CONFIG_PREFIX}: ${(err as Error).message}`);
  }
}

/**
 * Either a secretsUrl alone, or both user and password. A secretsUrl holds the API key, so
 * a failure never quotes it: Kibana's allowedHosts message would, and it is replaced here by
 * one naming the host only.
 */
export function validateXmattersSecrets(secrets: XmattersSecrets, { configurationUtilities }: ValidatorContext): void {
  const { user, password, secretsUrl } = secrets;
  if (!secretsUrl && !user && !password) throw new Error('Provide either secretsUrl link or user/password to authenticate');

  if (!secretsUrl) {
    if (!user || !password) throw new Error('Both user and password must be specified.');
    return;
  }
  if (user || password) {
    throw new Error('Cannot use user/password for URL authentication. Provide valid secretsUrl or use Basic Authentication.');
  }
  let url: URL;
  try {
    url = new URL(secretsUrl);
  } catch (err) {
    throw new Error(`Invalid secretsUrl: ${String(err)}`);
  }
  if (!configurationUtilities.allowedHosts.isUriAllowed(secretsUrl)) {
    throw new Error(`target url "${redactedUrl(url)}" is not added to the Kibana config xpack.actions.allowedHosts`);
  }
}

/** The URL without what can hold a credential (user info, query, fragment). */
export function redactedUrl(url: URL): string {
  return `${url.origin}${url.pathname}${url.search || url.hash ? '?[REDACTED]' : ''}`;
}

/** Which fields go with which authentication; a problem is returned as Kibana words it. */
export function validateXmattersConnector(config: XmattersConfig, secrets: XmattersSecrets): string | null {
  const { user, password, secretsUrl } = secrets;
  if (config.usesBasic) {
    if (secretsUrl) return 'secretsUrl should not be provided when usesBasic is true';
    if (user == null) return 'Provide valid Username';
    if (password == null) return 'Provide valid Password';
    if (config.configUrl == null) return 'Provide valid configUrl';
    return null;
  }
  if (user || password) return 'Username and password should not be provided when usesBasic is false';
  if (config.configUrl) return 'configUrl should not be provided when usesBasic is false';
  if (secretsUrl == null) return 'Provide valid secretsUrl with API Key';
  return null;
}
