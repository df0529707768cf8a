import { startPagerDutySimulator } from '../connector_types/pagerduty/simulator.js';
import { startSlackApiSimulator } from '../connector_types/slack_api/simulator.js';

export interface DemoServices {
  /** plugboard.serviceUrlOverrides entries that point the types at the simulators. */
  overrides: Record<string, string>;
  /** One line per simulator, for the console. */
  description: string[];
  close(): Promise<void>;
}

/**
 * `plugboard serve --demo`: the simulators of the services whose address is fixed (Slack's Web
 * API, PagerDuty's Events API) run in the server's process on loopback ports, and those
 * connector types are pointed at them, so that they can be tried without accounts. Only
 * this flag turns it on; an override set in the configuration wins over the demo's.
 */
export async function startDemoServices(): Promise<DemoServices> {
  const [slack, pagerduty] = await Promise.all([startSlackApiSimulator(), startPagerDutySimulator()]);
  return {
    overrides: { '.slack_api': slack.url, '.pagerduty': `${pagerduty.url}/v2/enqueue` },
    description: [
      `.slack_api → simulated Slack Web API at ${slack.url} (bot token ${slack.token}; channels ${slack.channels.map((c) => `#${c.name} ${c.id}`).join(', ')})`,
      `.pagerduty → simulated PagerDuty Events API at ${pagerduty.url}/v2/enqueue (any 32-character alphanumeric routing key)`,
    ],
    close: async () => {
      await Promise.all([slack.close(), pagerduty.close()]);
    },
  };
}
