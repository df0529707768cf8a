import type { AlertDocument } from '../alert_document.js';
import type { ThrottledActions } from '../alerts/task_state.js';
import { ActionsCircuitBreaker, MAX_EXECUTABLE_ACTIONS_WARNING, type RunActionsConfig } from './circuit_breaker.js';
import type { ScheduledAction, SchedulingContext } from './context.js';
import { schedulePerAlertActions } from './per_alert_scheduler.js';
import { scheduleSummaryActions, summaryActionsForRule } from './summary_scheduler.js';
import { scheduleSystemActions, type ConnectorAdapter } from './system_scheduler.js';

export interface ScheduleActionsResult {
  /** In Kibana's order: summary, system, per-alert. */
  actions: ScheduledAction[];
  /** The next task state's `summaryActions`. */
  summaryActions: ThrottledActions;
  numberOfGeneratedActions: number;
  numberOfTriggeredActions: number;
  /** Set when the circuit breaker left actions out (lastRun warning `maxExecutableActions`). */
  warning?: { reason: 'maxExecutableActions'; message: string };
}

/**
 * The actions of one run (reference §3.1): none while the rule is muted (`mute_all`, which
 * Kibana counts as snoozed); otherwise summary, system, then per-alert actions, all under one
 * circuit breaker.
 */
export function scheduleActions(
  ctx: Omit<SchedulingContext, 'breaker'> & {
    actionsConfig?: RunActionsConfig;
    /** The previous task state's `summaryActions`. */
    summaryActions: ThrottledActions;
    /** Earlier runs' alert documents, for summaries on an interval. */
    alertHistory?: Iterable<AlertDocument>;
    adapterFor?: (actionTypeId: string) => ConnectorAdapter | undefined;
  },
): ScheduleActionsResult {
  const summaryActions = summaryActionsForRule(ctx.rule.actions, ctx.summaryActions);
  if (ctx.rule.muteAll) {
    ctx.logger.debug(`no scheduling of actions for rule ${ctx.rule.ruleTypeId}:${ctx.rule.id}: '${ctx.rule.name}': rule is snoozed.`);
    return { actions: [], summaryActions, numberOfGeneratedActions: 0, numberOfTriggeredActions: 0 };
  }
  const breaker = new ActionsCircuitBreaker(ctx.actionsConfig);
  const full: SchedulingContext = { ...ctx, breaker };
  const actions = [...scheduleSummaryActions(full, summaryActions, ctx.alertHistory), ...scheduleSystemActions(full, ctx.adapterFor), ...schedulePerAlertActions(full)];
  return {
    actions,
    summaryActions,
    numberOfGeneratedActions: breaker.numberOfGeneratedActions,
    numberOfTriggeredActions: breaker.numberOfTriggeredActions,
    ...(breaker.status === 'partial' ? { warning: { reason: 'maxExecutableActions' as const, message: MAX_EXECUTABLE_ACTIONS_WARNING } } : {}),
  };
}
