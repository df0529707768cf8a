import type { Alert } from '../alerts/alert.js';
import { perAlertVariables } from '../action_variables.js';
import { compileAlertsFilter, type AlertPredicate } from './alerts_filter.js';
import { admitAction, type ScheduledAction, type SchedulingContext } from './context.js';
import { isActionOnInterval, isSummaryAction, type RuleAction } from './types.js';

// Per-alert actions (reference §3.2; Kibana's per_alert_action_scheduler.ts).

function filterOf(ctx: SchedulingContext, action: RuleAction): AlertPredicate | undefined {
  if (!action.alertsFilter) return undefined;
  try {
    return compileAlertsFilter(action.alertsFilter, ctx.now.getTime());
  } catch (err) {
    ctx.logger.error(`Rule "${ctx.rule.id}" skipped action "${action.id}": its alerts filter is invalid: ${(err as Error).message}`);
    return () => false;
  }
}

/** Muted, delayed (not given here), pending recovery unless notified on group change, filtered out. */
function isExecutableAlert(ctx: SchedulingContext, alert: Alert, action: RuleAction, filter: AlertPredicate | undefined): boolean {
  if (alert.muted || ctx.rule.mutedInstanceIds.includes(alert.id)) return false;
  const notifyWhen = action.frequency?.notifyWhen ?? ctx.rule.notifyWhen;
  if (alert.pendingRecoveredCount > 0 && notifyWhen !== 'onActionGroupChange') return false;
  if (filter) {
    const doc = ctx.documents.get(alert.uuid);
    if (!doc || !filter(doc)) return false;
  }
  return true;
}

function isExecutableActiveAlert(ctx: SchedulingContext, alert: Alert, action: RuleAction): boolean {
  const group = alert.actionGroup;
  if (group === undefined || !ctx.actionGroups.some((g) => g.id === group) || group !== action.group) return false;
  const notifyWhen = action.frequency?.notifyWhen ?? ctx.rule.notifyWhen;
  if (notifyWhen === 'onActionGroupChange' && !alert.actionGroupHasChanged()) return false;
  if (notifyWhen === 'onThrottleInterval') {
    const throttled = action.frequency?.throttle
      ? alert.isThrottled(action.frequency.throttle, ctx.now, action.uuid)
      : alert.isThrottled(ctx.rule.throttle, ctx.now);
    if (throttled) return false;
  }
  return true;
}

/**
 * For each per-alert action, the active alerts in its group that pass its frequency, and the
 * recovered alerts when it is on the recovery group; then the circuit breaker. Scheduling an
 * active alert's action records it in `lastScheduledActions` (per action uuid when the action
 * has its own throttle).
 */
export function schedulePerAlertActions(ctx: SchedulingContext): ScheduledAction[] {
  const actions = ctx.rule.actions.filter((a) => !isSummaryAction(a));
  const allUuids = new Set(actions.map((a) => a.uuid));
  const executables: Array<{ action: RuleAction; alert: Alert }> = [];
  for (const action of actions) {
    const filter = filterOf(ctx, action);
    for (const alert of Object.values(ctx.active)) {
      alert.forgetRemovedActions(allUuids);
      if (isExecutableAlert(ctx, alert, action, filter) && isExecutableActiveAlert(ctx, alert, action)) executables.push({ action, alert });
    }
    if (action.group === ctx.recoveryActionGroupId) {
      for (const alert of Object.values(ctx.recovered)) if (isExecutableAlert(ctx, alert, action, filter)) executables.push({ action, alert });
    }
  }
  ctx.breaker.countGenerated(executables.length);

  const scheduled: ScheduledAction[] = [];
  for (const { action, alert } of executables) {
    if (!admitAction(ctx, action)) continue;
    const actionGroupName = ctx.actionGroups.find((g) => g.id === action.group)?.name ?? action.group;
    scheduled.push({
      kind: 'per-alert',
      action,
      variables: perAlertVariables({ ...ctx, alert, actionGroup: action.group, actionGroupName, document: ctx.documents.get(alert.uuid) }),
      alert: { id: alert.id, uuid: alert.uuid, actionGroup: action.group },
    });
    if (action.group !== ctx.recoveryActionGroupId) {
      alert.recordScheduledActions(action.group, ctx.now, isActionOnInterval(action) ? action.uuid : undefined);
    }
  }
  return scheduled;
}
