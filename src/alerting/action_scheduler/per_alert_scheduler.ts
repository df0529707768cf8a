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
  const executables: Array<{ action: RuleAction; alert: Alert; resolve?: boolean }> = [];
  for (const action of actions) {
    const filter = filterOf(ctx, action);
    for (const alert of Object.values(ctx.active)) {
      alert.forgetRemovedActions(allUuids);
      if (isExecutableAlert(ctx, alert, action, filter) && isExecutableActiveAlert(ctx, alert, action)) executables.push({ action, alert });
    }
    if (action.group === ctx.recoveryActionGroupId) {
      for (const alert of Object.values(ctx.recovered)) if (isExecutableAlert(ctx, alert, action, filter)) executables.push({ action, alert });
    }
    if (action.followAlert) for (const alert of followedRecoveries(ctx, action, filter)) executables.push({ action, alert, resolve: true });
  }
  ctx.breaker.countGenerated(executables.length);

  const scheduled: ScheduledAction[] = [];
  for (const { action, alert, resolve } of executables) {
    if (action.followAlert && alert.id === '') {
      ctx.logger.warn(`Rule "${ctx.rule.id}" skipped action "${action.id}" for an alert with an empty id: its ticket could not follow it.`);
      continue;
    }
    if (!admitAction(ctx, action)) continue;
    const group = resolve ? ctx.recoveryActionGroupId : action.group;
    const actionGroupName = ctx.actionGroups.find((g) => g.id === group)?.name ?? group;
    scheduled.push({
      kind: 'per-alert',
      action,
      variables: perAlertVariables({ ...ctx, alert, actionGroup: group, actionGroupName, document: ctx.documents.get(alert.uuid) }),
      alert: { id: alert.id, uuid: alert.uuid, actionGroup: group },
      ...(action.followAlert ? { follow: resolve ? ('resolve' as const) : ('fire' as const) } : {}),
    });
    if (resolve) continue;
    if (action.group !== ctx.recoveryActionGroupId) {
      alert.recordScheduledActions(action.group, ctx.now, isActionOnInterval(action) ? action.uuid : undefined);
    }
  }
  return scheduled;
}

/**
 * The recovered alerts whose ticket a follow action resolves: every one its alerts filter
 * selects, muted or not (a silenced alert's ticket would stay open, alertmanager#226), without
 * an action on the recovery group (Kibana hides that group for ticketing types). An alert the
 * action never opened a ticket for only has its episode's end recorded.
 */
function followedRecoveries(ctx: SchedulingContext, action: RuleAction, filter: AlertPredicate | undefined): Alert[] {
  if (action.group === ctx.recoveryActionGroupId) return [];
  return Object.values(ctx.recovered).filter((alert) => {
    if (!filter) return true;
    const doc = ctx.documents.get(alert.uuid);
    return doc !== undefined && filter(doc);
  });
}
