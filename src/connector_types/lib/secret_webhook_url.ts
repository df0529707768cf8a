import type { ValidatorContext } from '../../actions/types.js';
import { hostnameOf } from '../../net/allowed_hosts.js';

/**
 * A secrets validator for types whose webhook URL is a secret (Slack, Teams): the URL must
 * parse, with a host that allowedHosts lets through. Kibana quotes the whole URL in the
 * allowedHosts message; here only its hostname is quoted, because the URL itself is the
 * credential and the message reaches API clients and logs.
 */
export function secretWebhookUrlValidator(prefix: string): (secrets: { webhookUrl: string }, ctx: ValidatorContext) => void {
  return (secrets, { configurationUtilities }) => {
    const hostname = hostnameOf(secrets.webhookUrl);
    if (hostname === undefined) throw new Error(`${prefix}: unable to parse host name from webhookUrl`);
    try {
      configurationUtilities.allowedHosts.ensureHostnameAllowed(hostname);
    } catch (err) {
      throw new Error(`${prefix}: ${(err as Error).message}`);
    }
  };
}
