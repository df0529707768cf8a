import type { EnqueueItem } from '../../actions/actions_client.js';
import type { ScheduledAction } from './context.js';

/** The source an action run from a rule carries (its events' `kibana.action.execution.source`, Kibana's saved-object type). */
export const RULE_ACTION_SOURCE = 'alert';

/** The rule run that enqueues: what each of its actions carries (reference §3.6). */
export interface EnqueuingRun {
  executionId: string;
  spaceId: string;
  rule: { id: string; ruleTypeId: string; consumer: string };
}

/**
 * What the queue is given for one scheduled action (reference §3.6), in the shape of
 * ActionsClient.bulkEnqueue: the connector, the rendered params, the source, and the rule link
 * (the run's execution uuid, the rule as related saved object, the action uuid, the consumer),
 * by which the action's events name the rule. Plugboard has no API keys to pass on.
 */
export function toEnqueueItem(run: EnqueuingRun, scheduled: ScheduledAction, params: Record<string, unknown>): EnqueueItem {
  const { rule } = run;
  return {
    id: scheduled.action.id,
    params,
    source: RULE_ACTION_SOURCE,
    rule: {
      executionId: run.executionId,
      rule: { id: rule.id, typeId: rule.ruleTypeId, ...(run.spaceId !== 'default' ? { namespace: run.spaceId } : {}) },
      actionUuid: scheduled.action.uuid,
      consumer: rule.consumer,
    },
  };
}

/** Renders each scheduled action's params (system actions come built) and shapes the queue's items, in order. */
export async function toEnqueueItems(
  run: EnqueuingRun,
  scheduled: ScheduledAction[],
  render: (action: ScheduledAction, variables: Record<string, unknown>) => Promise<Record<string, unknown>>,
): Promise<EnqueueItem[]> {
  const items: EnqueueItem[] = [];
  for (const action of scheduled) items.push(toEnqueueItem(run, action, action.params ?? (await render(action, action.variables ?? {}))));
  return items;
}
