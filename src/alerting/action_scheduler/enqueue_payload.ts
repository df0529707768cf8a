import type { EnqueueItem } from '../../actions/actions_client.js';
import type { ScheduledAction } from './context.js';

/** The source an action run from a rule carries (its events' `kibana.action.execution.source`, Kibana's saved-object type). */
export const RULE_ACTION_SOURCE = 'alert';

/**
 * What the queue is given for one scheduled action (reference §3.6), in the shape of
 * ActionsClient.bulkEnqueue: the connector, the rendered params and the source. Kibana's
 * payload also carries the action uuid, the rule execution uuid, relatedSavedObjects (the rule),
 * the consumer and the API key; EnqueueItem has no place for them yet.
 */
export function toEnqueueItem(scheduled: ScheduledAction, params: Record<string, unknown>): EnqueueItem {
  return { id: scheduled.action.id, params, source: RULE_ACTION_SOURCE };
}

/** Renders each scheduled action's params (system actions come built) and shapes the queue's items, in order. */
export async function toEnqueueItems(
  scheduled: ScheduledAction[],
  render: (action: ScheduledAction, variables: Record<string, unknown>) => Promise<Record<string, unknown>>,
): Promise<EnqueueItem[]> {
  const items: EnqueueItem[] = [];
  for (const action of scheduled) items.push(toEnqueueItem(action, action.params ?? (await render(action, action.variables ?? {}))));
  return items;
}
