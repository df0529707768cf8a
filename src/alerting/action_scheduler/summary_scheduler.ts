import { parseDuration } from '../../config/units.js';
import type { AlertDocument } from '../alert_document.js';
import type { ThrottledActions } from '../alerts/task_state.js';
import { summaryVariables, type SummarizedAlerts } from '../action_variables.js';
import { compileAlertsFilter } from './alerts_filter.js';
import { admitAction, type ScheduledAction, type SchedulingContext } from './context.js';
import type { SummaryGroup } from '../types.js';
import { summarizeGroup, summarizeRun, summarizeWindow } from './summarize.js';
import { isActionOnInterval, isSummaryAction, type RuleAction } from './types.js';

// Summary actions (reference §3.3; Kibana's summary_action_scheduler.ts).

/** The task state's `summaryActions` kept only for summary actions the rule still has. */
export function summaryActionsForRule(actions: RuleAction[], stored: ThrottledActions): ThrottledActions {
  const uuids = new Set(actions.filter(isSummaryAction).map((a) => a.uuid));
  return Object.fromEntries(Object.entries(stored).filter(([uuid]) => uuids.has(uuid)));
}

function isThrottled(action: RuleAction, throttled: ThrottledActions, now: Date): boolean {
  if (!isActionOnInterval(action)) return false;
  const last = throttled[action.uuid];
  if (!last) return false;
  return new Date(last.date).getTime() + (parseDuration(action.frequency.throttle) ?? 0) > now.getTime();
}

/**
 * Summary actions: per run (this run's alerts) or on an interval (the alerts of the last
 * `throttle`, from `history` and this run, at most once per throttle as `summaryActions` says);
 * muted alerts left out; only when there is at least one alert. Updates `throttled` in place.
 * `history`: the latest documents of the rule's alerts from earlier runs (Kibana reads them
 * from its alerts index), needed only by summaries on an interval.
 */
export function scheduleSummaryActions(ctx: SchedulingContext, throttled: ThrottledActions, history: Iterable<AlertDocument> = []): ScheduledAction[] {
  // Alerts muted for this run are left out as the rule's muted alerts are.
  const mutedThisRun = [...Object.values(ctx.active), ...Object.values(ctx.recovered)].filter((a) => a.muted).map((a) => a.id);
  const excludedInstanceIds = new Set([...ctx.rule.mutedInstanceIds, ...mutedThisRun]);
  const executables: Array<{ action: RuleAction; alerts: SummarizedAlerts; group?: SummaryGroup }> = [];
  for (const action of ctx.rule.actions.filter(isSummaryAction)) {
    if (isThrottled(action, throttled, ctx.now)) continue;
    let filter;
    try {
      filter = action.alertsFilter ? compileAlertsFilter(action.alertsFilter, ctx.now.getTime()) : undefined;
    } catch (err) {
      ctx.logger.error(`Rule "${ctx.rule.id}" skipped action "${action.id}": its alerts filter is invalid: ${(err as Error).message}`);
      continue;
    }
    let alerts: SummarizedAlerts;
    if (isActionOnInterval(action)) {
      const start = new Date(ctx.now.getTime() - (parseDuration(action.frequency.throttle) ?? 0));
      const latest = new Map<string, AlertDocument>();
      for (const doc of history) latest.set(doc['kibana.alert.uuid'], doc);
      for (const [uuid, doc] of ctx.documents) latest.set(uuid, doc);
      alerts = summarizeWindow(latest.values(), start, ctx.now, { excludedInstanceIds, filter });
    } else if (ctx.summaryGroups) {
      for (const group of ctx.summaryGroups) {
        const grouped = summarizeGroup(group, ctx.documents.values(), { excludedInstanceIds, filter });
        if (grouped.all.count > 0) executables.push({ action, alerts: grouped, group });
      }
      continue;
    } else {
      alerts = summarizeRun(ctx.documents.values(), { excludedInstanceIds, filter });
    }
    if (alerts.all.count > 0) executables.push({ action, alerts });
  }
  ctx.breaker.countGenerated(executables.length);

  const scheduled: ScheduledAction[] = [];
  for (const { action, alerts, group } of executables) {
    if (!admitAction(ctx, action)) continue;
    if (isActionOnInterval(action)) throttled[action.uuid] = { date: ctx.now.toISOString() };
    scheduled.push({
      kind: 'summary',
      action,
      variables: { ...summaryVariables({ ...ctx, alerts }), ...(group ? { group: group.variables } : {}) },
      alertSummary: { new: alerts.new.count, ongoing: alerts.ongoing.count, recovered: alerts.recovered.count },
    });
  }
  return scheduled;
}
