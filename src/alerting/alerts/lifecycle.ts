import type { Alert } from './alert.js';
import { determineDelayedAlerts, type DelayResult } from './alert_delay.js';
import type { RunAlertsReporter } from './alerts_reporter.js';
import { determineFlappingAlerts, type FlappingSettings } from './flapping.js';
import { processAlerts, type Alerts } from './process_alerts.js';
import type { RawAlertInstance } from './task_state.js';

export type RunAlerts = DelayResult;

/**
 * Everything that happens to the run's alerts between the executor and the actions
 * (reference §2.3 step 5): new / active / recovered, then flapping (when enabled), then the
 * alert delay. Call after the executor and `reporter.checkLimitUsage()`.
 */
export function processRunAlerts(opts: {
  reporter: RunAlertsReporter;
  autoRecoverAlerts: boolean;
  flappingSettings: FlappingSettings;
  /** The rule's `alert_delay.active` (0 when it has none). */
  alertDelay: number;
  defaultActionGroupId: string;
  startedAt: Date;
}): RunAlerts {
  const { reporter } = opts;
  const processed = processAlerts({
    reported: reporter.reported,
    trackedActive: reporter.tracked.active,
    hasReachedAlertLimit: reporter.hasReachedAlertLimit,
    maxAlerts: reporter.maxAlerts,
    autoRecoverAlerts: opts.autoRecoverAlerts,
    startedAt: opts.startedAt,
  });
  const flapping = opts.flappingSettings.enabled
    ? determineFlappingAlerts({
        settings: opts.flappingSettings,
        processed,
        previouslyRecovered: reporter.tracked.recovered,
        defaultActionGroupId: opts.defaultActionGroupId,
      })
    : { ...processed, trackedActive: { ...processed.active }, trackedRecovered: { ...processed.recovered } };
  return determineDelayedAlerts(flapping, opts.alertDelay, opts.startedAt);
}

export interface TaskStateAlerts {
  alertInstances: Record<string, RawAlertInstance>;
  alertRecoveredInstances: Record<string, RawAlertInstance>;
  /** `Recovered alerts have exceeded the max alert limit …` when some were dropped. */
  warning?: string;
}

/**
 * The alerts part of the next task state; call after the actions are scheduled (they update
 * `lastScheduledActions`). Recovered alerts are kept only while flapping can still concern them
 * (flapping, or a status change in their history), and at most `maxAlerts` of them, the
 * youngest histories first (Kibana's optimizeTaskStateForFlapping).
 */
export function toTaskStateAlerts(alerts: Pick<RunAlerts, 'trackedActive' | 'trackedRecovered'>, maxAlerts: number): TaskStateAlerts {
  const alertInstances = mapValues(alerts.trackedActive, (alert) => alert.toRaw());
  let recovered = Object.values(alerts.trackedRecovered);
  let warning: string | undefined;
  if (recovered.length > maxAlerts) {
    const sorted = [...recovered].sort((a, b) => a.flappingHistory.length - b.flappingHistory.length);
    const dropped = sorted.length - maxAlerts;
    recovered = sorted.slice(0, maxAlerts);
    warning = `Recovered alerts have exceeded the max alert limit of ${maxAlerts} : dropping ${dropped} ${dropped > 1 ? 'alerts' : 'alert'}.`;
  }
  const kept = recovered.filter((alert) => alert.flapping || alert.flappingHistory.some(Boolean));
  const alertRecoveredInstances = Object.fromEntries(kept.map((alert) => [alert.id, alert.toRaw(true)]));
  return { alertInstances, alertRecoveredInstances, ...(warning ? { warning } : {}) };
}

function mapValues(alerts: Alerts, fn: (alert: Alert) => RawAlertInstance): Record<string, RawAlertInstance> {
  return Object.fromEntries(Object.entries(alerts).map(([id, alert]) => [id, fn(alert)]));
}

/** An alert a disabled rule stops tracking, with what its event-log document needs. */
export interface StoppedAlert {
  id: string;
  uuid: string | undefined;
  actionGroup: string | undefined;
  /** The span as the alert's state has it after its last run (Kibana's event takes it from there). */
  start: string | undefined;
  end: string | undefined;
  duration: string | undefined;
  /** `untracked` when the rule was disabled with `untrack: true`, else `recovered`. */
  status: 'recovered' | 'untracked';
  message: string;
}

/**
 * The alerts still active in a rule's task state when it is disabled: each gets a
 * `recovered-instance` event with Kibana's message; with `untrack`, an `untracked-instance`
 * event with Kibana's other message (untrack_rule_alerts.ts) and the status `untracked`. As
 * Kibana's, the event's span is the alert state's (`start`, and `duration` as of the last run),
 * and it says nothing of flapping.
 */
export function alertsStoppedByDisable(alertInstances: Record<string, RawAlertInstance>, opts: { untrack: boolean }): StoppedAlert[] {
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return Object.entries(alertInstances).map(([id, raw]) => {
    return {
      id,
      uuid: raw.meta?.uuid,
      actionGroup: raw.meta?.lastScheduledActions?.group,
      start: text(raw.state?.start),
      end: text(raw.state?.end),
      duration: text(raw.state?.duration),
      status: opts.untrack ? 'untracked' : 'recovered',
      message: opts.untrack ? `instance '${id}' has been untracked because the rule was disabled` : `instance '${id}' has recovered due to the rule was disabled`,
    };
  });
}
