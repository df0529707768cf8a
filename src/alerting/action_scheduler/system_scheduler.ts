import { admitAction, type ScheduledAction, type SchedulingContext } from './context.js';
import { summarizeRun } from './summarize.js';
import type { RuleActionAdapter } from '../../actions/types.js';
import type { RuleSystemAction } from './types.js';

// System actions (reference §3.4; Kibana's system_action_scheduler.ts).

/** Builds a system action's params from the run (Kibana's connector adapter; declared by the connector type). */
export type ConnectorAdapter = Pick<RuleActionAdapter, 'buildActionParams'>;

/**
 * Each system action once per run when the run has at least one alert (muted ones left out),
 * its params built by the adapter of its connector type; without one it is skipped with
 * Kibana's warning.
 */
export function scheduleSystemActions(ctx: SchedulingContext, adapterFor: (actionTypeId: string) => ConnectorAdapter | undefined = () => undefined): ScheduledAction[] {
  // Summarizing a run costs a copy of each alert's document: none without a system action.
  if (ctx.rule.systemActions.length === 0) return [];
  const alerts = summarizeRun(ctx.documents.values(), { excludedInstanceIds: new Set(ctx.rule.mutedInstanceIds) });
  if (alerts.all.count === 0) return [];
  const actions: RuleSystemAction[] = ctx.rule.systemActions;
  ctx.breaker.countGenerated(actions.length);
  const scheduled: ScheduledAction[] = [];
  for (const action of actions) {
    const adapter = adapterFor(action.actionTypeId);
    if (!adapter) {
      ctx.logger.warn(`Rule "${ctx.rule.id}" skipped scheduling system action "${action.id}" because no connector adapter is configured`);
      continue;
    }
    if (!admitAction(ctx, action)) continue;
    const { rule } = ctx;
    const params = adapter.buildActionParams({
      alerts,
      rule: { id: rule.id, tags: rule.tags, name: rule.name, consumer: rule.consumer, producer: rule.producer, ruleTypeId: rule.ruleTypeId },
      ruleUrl: ctx.ruleUrl,
      spaceId: ctx.spaceId,
      params: action.params,
    });
    scheduled.push({ kind: 'system', action, params, alertSummary: { new: alerts.new.count, ongoing: alerts.ongoing.count, recovered: alerts.recovered.count } });
  }
  return scheduled;
}
