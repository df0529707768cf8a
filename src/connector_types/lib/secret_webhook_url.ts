import type { ValidatorContext } from '../../actions/types.js';
import { hostnameOf } from '../../net/allowed_hosts.js';

/**
 * A secrets validator for types whose webhook URL is a secret (Slack, Teams): the URL must
 * parse, with a host that allowedHosts lets through. The refusal quotes the whole URL, in
 * Kibana's words: it goes back only to whoever sent it (a 400 of create, update or `_validate`);
 * at execution the executor redacts secret values from results and events, and start-up
 * redacts them from the error of a preconfigured connector.
 */
export function secretWebhookUrlValidator(prefix: string): (secrets: { webhookUrl: string }, ctx: ValidatorContext) => void {
  return (secrets, { configurationUtilities }) => {
    if (hostnameOf(secrets.webhookUrl) === undefined) throw new Error(`${prefix}: unable to parse host name from webhookUrl`);
    try {
      configurationUtilities.allowedHosts.ensureUriAllowed(secrets.webhookUrl);
    } catch (err) {
      throw new Error(`${prefix}: ${(err as Error).message}`);
    }
  };
}
