import type { Logger } from 'pino';
import { matchesLabels } from '../../../ingest/matchers.js';
import type { AlertChange, IncomingAlert, IngestListener } from '../../../ingest/types.js';
import type { RuleRecord } from '../../../storage/rules_repository.js';
import { StoredRuleMatchers } from './params.js';
import { INCOMING_ALERTS_RULE_TYPE_ID } from './rule_type.js';

// Notifications when alerts arrive, not at the rule's next interval: after a post that changed
// alerts, each enabled incoming-alerts rule of the space whose matchers select a changed alert
// runs now, through the task manager's runSoon (what `_run_soon` does). Bursts coalesce: a rule
// already due only has its run moved to now again, and a rule running gets a dirty mark, which
// makes one more run once the current one is over (it may not have seen the change).

export interface IncomingAlertsTriggerDeps {
  rules: { listBySpace(spaceId: string): Promise<Pick<RuleRecord, 'id' | 'alertTypeId' | 'enabled' | 'params' | 'scheduledTaskId'>[]> };
  /** The task manager's runSoon. */
  runSoon(taskId: string): Promise<'scheduled' | 'running' | 'missing'>;
  logger: Logger;
  /**
   * How long a dirty mark waits for the end of a run that this instance does not see (a run of
   * another instance, or one that ended before the mark): then runSoon is tried again.
   */
  retryMs: number;
}

export class IncomingAlertsTrigger implements IngestListener {
  /** Rule tasks that must run once more after their current run, with their fallback timer. */
  private readonly dirty = new Map<string, NodeJS.Timeout>();
  private readonly pending = new Set<Promise<void>>();
  private readonly matchers = new StoredRuleMatchers();
  private closed = false;

  constructor(private readonly deps: IncomingAlertsTriggerDeps) {}

  alertsChanged(spaceId: string, changed: ReadonlyArray<{ alert: IncomingAlert; change: AlertChange }>): void {
    const alerts = changed.filter((c) => c.change !== 'unchanged').map((c) => c.alert);
    if (alerts.length === 0 || this.closed) return;
    const work = this.trigger(spaceId, alerts)
      .catch((err: unknown) => this.deps.logger.error({ err, spaceId }, 'running the incoming-alerts rules of a post failed'))
      .finally(() => this.pending.delete(work));
    this.pending.add(work);
  }

  /** Call with each finished task run (the task manager's onOutcome): a dirty rule runs again. */
  runFinished(taskId: string): void {
    const timer = this.dirty.get(taskId);
    if (timer === undefined || this.closed) return;
    clearTimeout(timer);
    this.dirty.delete(taskId);
    this.track(this.runSoon(taskId));
  }

  /** Resolves once the triggers in progress (and those they started) are done. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** Waits for the triggers in progress and forgets the dirty marks (server shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    await this.settled();
    for (const timer of this.dirty.values()) clearTimeout(timer);
    this.dirty.clear();
  }

  private track(work: Promise<void>): void {
    const tracked = work
      .catch((err: unknown) => this.deps.logger.error({ err }, 'running an incoming-alerts rule soon failed'))
      .finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  private async trigger(spaceId: string, alerts: IncomingAlert[]): Promise<void> {
    const rules = (await this.deps.rules.listBySpace(spaceId)).filter((r) => r.enabled && r.alertTypeId === INCOMING_ALERTS_RULE_TYPE_ID);
    await Promise.all(
      rules.map(async (rule) => {
        const matchers = this.matchers.of(rule.params);
        // Invalid params fail the rule's own runs; nothing to hurry.
        if (!matchers || !alerts.some((alert) => matchesLabels(matchers, alert.labels))) return;
        await this.runSoon(rule.scheduledTaskId ?? rule.id);
      }),
    );
  }

  private async runSoon(taskId: string): Promise<void> {
    const answer = await this.deps.runSoon(taskId);
    if (answer !== 'running' || this.dirty.has(taskId) || this.closed) return;
    const timer = setTimeout(() => {
      this.dirty.delete(taskId);
      this.track(this.runSoon(taskId));
    }, this.deps.retryMs);
    timer.unref();
    this.dirty.set(taskId, timer);
  }
}
