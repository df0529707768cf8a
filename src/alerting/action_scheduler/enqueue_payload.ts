import type { EnqueueItem } from '../../actions/actions_client.js';
import type { FollowLink } from '../../actions/follow/policy.js';
import type { ScheduledAction } from './context.js';

/** The source an action run from a rule carries (its events' `kibana.action.execution.source`, Kibana's saved-object type). */
export const RULE_ACTION_SOURCE = 'alert';

/** The rule run that enqueues: what each of its actions carries (reference §3.6). */
export interface EnqueuingRun {
  executionId: string;
  spaceId: string;
  rule: { id: string; ruleTypeId: string; consumer: string; apiKeyOwner?: string | null };
}

/**
 * What the queue is given for one scheduled action (reference §3.6), in the shape of
 * ActionsClient.bulkEnqueue: the connector, the rendered params, the source, and the rule link
 * (the run's execution uuid, the rule as related saved object, the action uuid, the consumer),
 * by which the action's events name the rule. Plugboard has no API keys to pass on.
 */
export function toEnqueueItem(run: EnqueuingRun, scheduled: ScheduledAction, params: Record<string, unknown>, follow?: FollowLink): EnqueueItem {
  const { rule } = run;
  return {
    ...(follow ? { follow } : {}),
    id: scheduled.action.id,
    params,
    source: RULE_ACTION_SOURCE,
    rule: {
      executionId: run.executionId,
      rule: { id: rule.id, typeId: rule.ruleTypeId, ...(run.spaceId !== 'default' ? { namespace: run.spaceId } : {}) },
      actionUuid: scheduled.action.uuid,
      consumer: rule.consumer,
      ...(rule.apiKeyOwner ? { apiKeyOwner: rule.apiKeyOwner } : {}),
    },
  };
}

type Render = (action: ScheduledAction, params: Record<string, unknown>, variables: Record<string, unknown>) => Promise<Record<string, unknown>>;

/** What a follow action's run carries: the alert, its episode, the phase and option, and the rendered resolve comment. */
async function followLinkOf(scheduled: ScheduledAction, render: Render): Promise<FollowLink | undefined> {
  const option = 'followAlert' in scheduled.action ? scheduled.action.followAlert : undefined;
  if (!scheduled.follow || !option || !scheduled.alert) return undefined;
  const link: FollowLink = { alertId: scheduled.alert.id, episode: scheduled.alert.uuid, phase: scheduled.follow, option };
  if (scheduled.follow === 'fire' || option.resolve === 'none') return link;
  const rendered = await render(scheduled, { comment: option.resolveComment }, scheduled.variables ?? {});
  return { ...link, comment: String(rendered.comment) };
}

/** Renders each scheduled action's params (system actions come built) and shapes the queue's items, in order. */
export async function toEnqueueItems(run: EnqueuingRun, scheduled: ScheduledAction[], render: Render): Promise<EnqueueItem[]> {
  const items: EnqueueItem[] = [];
  for (const action of scheduled) {
    const params = action.params ?? (await render(action, action.action.params, action.variables ?? {}));
    items.push(toEnqueueItem(run, action, params, await followLinkOf(action, render)));
  }
  return items;
}
