import type { ValidatorContext } from '../../actions/types.js';
import type { SlackApiSecrets } from './schema.js';
import { slackApiBase } from './service.js';

/** Slack's Web API must be reachable under allowedHosts (Kibana checks it with the secrets). */
export function validateSlackApiSecrets(_secrets: SlackApiSecrets, { configurationUtilities }: ValidatorContext): void {
  try {
    configurationUtilities.allowedHosts.ensureUriAllowed(slackApiBase(configurationUtilities));
  } catch (err) {
    throw new Error(`error configuring slack action: ${(err as Error).message}`);
  }
}
