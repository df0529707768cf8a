import type { AlertsReporter, RecoveredAlert, SummaryGroup } from '../types.js';
import { Alert } from './alert.js';
import type { RawAlertInstance } from './task_state.js';

/** Kibana's hard cap on alerts per run, whatever `rules.run.alerts.max` says. */
export const ALLOWED_MAX_ALERTS = 5000;
/** `xpack.alerting.rules.run.alerts.max` when unset. */
export const DEFAULT_MAX_ALERTS = 1000;

export interface AlertsReporterOptions {
  /** `xpack.alerting.rules.run.alerts.max`. */
  maxAlerts: number;
  autoRecoverAlerts: boolean;
  doesSetRecoveryContext: boolean;
}

/**
 * The alerts one run reports (Kibana's alert factory under the alerts client, reference §2.4),
 * over the alerts the previous run left in the task state. After the executor, the task runner
 * calls `checkLimitUsage()` and hands `tracked` and `reported` to processAlerts.
 */
export class RunAlertsReporter implements AlertsReporter {
  readonly maxAlerts: number;
  /** The previous run's alerts, untouched. */
  readonly tracked: { active: Record<string, Alert>; recovered: Record<string, Alert> };
  /** The previous run's active alerts (copies) and the alerts reported this run. */
  readonly reported: Record<string, Alert> = {};
  /** The summary groups the executor set, if it set any. */
  summaryGroups: SummaryGroup[] | undefined;
  private created = 0;
  private limitReached = false;
  private limitRequested = false;
  private limitReported = false;
  private done = false;

  constructor(
    previous: { alertInstances: Record<string, RawAlertInstance>; alertRecoveredInstances: Record<string, RawAlertInstance> },
    private readonly options: AlertsReporterOptions,
  ) {
    this.maxAlerts = Math.min(options.maxAlerts, ALLOWED_MAX_ALERTS);
    const build = (raw: Record<string, RawAlertInstance>) => Object.fromEntries(Object.entries(raw).map(([id, instance]) => [id, new Alert(id, instance)]));
    this.tracked = { active: build(previous.alertInstances), recovered: build(previous.alertRecoveredInstances) };
    for (const [id, alert] of Object.entries(this.tracked.active)) this.reported[id] = alert.copy();
  }

  report({ id, actionGroup, context, state, payload, muted }: Parameters<AlertsReporter['report']>[0]): void {
    if (this.done) throw new Error("Can't create new alerts after calling done() in AlertsFactory.");
    if (this.created++ >= this.maxAlerts) {
      this.limitReached = true;
      throw new Error(`Rule reported more than ${this.maxAlerts} alerts.`);
    }
    const alert = (this.reported[id] ??= new Alert(id));
    if (state) alert.replaceState(state);
    alert.schedule(actionGroup, context);
    if (payload) alert.setPayload(payload);
    if (muted) alert.setMuted(true);
  }

  setSummaryGroups(groups: SummaryGroup[]): void {
    this.summaryGroups = groups;
  }

  getAlertLimitValue(): number {
    this.limitRequested = true;
    return this.maxAlerts;
  }

  setAlertLimitReached(reached: boolean): void {
    this.limitReported = true;
    this.limitReached = reached;
  }

  get hasReachedAlertLimit(): boolean {
    return this.limitReached;
  }

  /**
   * Kibana's check after the executor: a type that asked for the limit must say whether it
   * reached it.
   */
  checkLimitUsage(): void {
    if (this.limitRequested && !this.limitReported) {
      throw new Error('Rule has not reported whether alert limit has been reached after requesting limit value!');
    }
  }

  getRecoveredAlerts(): RecoveredAlert[] {
    // Kibana offers them only to types that set recovery context and recover automatically.
    if (!this.options.doesSetRecoveryContext || !this.options.autoRecoverAlerts) return [];
    this.done = true;
    if (this.limitReached) return [];
    return Object.values(this.reported)
      .filter((alert) => !alert.isScheduled() && Object.hasOwn(this.tracked.active, alert.id))
      .map((alert) => ({
        id: alert.id,
        setContext: (context) => alert.setContext(context),
        setPayload: (payload) => alert.setPayload(payload),
        mute: () => alert.setMuted(true),
      }));
  }
}
