import { KIBANA_COMPATIBILITY_VERSION } from '../common/kibana_version.js';
import { RULE_EVENT_PROVIDER, RULE_SAVED_OBJECT_TYPE, type AnyEventDocument, type EventSavedObject, type RuleEventAction, type RuleEventDocument } from '../event_log/document.js';
import type { Alert } from './alerts/alert.js';
import type { StoppedAlert } from './alerts/lifecycle.js';
import type { ScheduledAction } from './action_scheduler/context.js';

// The documents a rule run writes to the event log (provider `alerting`, reference
// kibana-alerting-rules.md §4.2), in Kibana's fields and messages.

export interface RuleEventSink {
  log(doc: AnyEventDocument): Promise<void>;
}

/** What every event of one rule run shares. */
export interface RuleRunContext {
  executionId: string;
  spaceId: string;
  rule: { id: string; name: string; ruleTypeId: string; consumer: string; revision: number; producer: string; license: string };
  /** When the task was due: the `kibana.task` fields. */
  scheduledAt?: Date;
}

export type RunOutcome = 'success' | 'warning' | 'failure';

export interface RunEnd {
  outcome: RunOutcome;
  /** `kibana.alerting.status`: ok, active, warning or error. */
  status: string;
  /** `event.reason`: the error or warning reason. */
  reason?: string;
  /** The warning text (which replaces the message) or the error's message. */
  text?: string;
  metrics?: Record<string, unknown>;
}

const MS_TO_NS = 1_000_000;
const nsBetween = (start: Date, end: Date) => String((end.getTime() - start.getTime()) * MS_TO_NS);

export class RuleRunEvents {
  private readonly label: string;

  constructor(
    private readonly sink: RuleEventSink,
    private readonly ctx: RuleRunContext,
    private readonly startedAt: Date,
  ) {
    const { rule } = ctx;
    this.label = `${rule.ruleTypeId}:${rule.id}: '${rule.name}'`;
  }

  start(): void {
    this.write('execute-start', { message: `rule execution start: "${this.ctx.rule.id}"`, start: this.startedAt, task: true });
  }

  /** The run's end (`execute`): outcome, status, reason, error and metrics. */
  end(end: RunEnd, at = new Date()): void {
    const failed = end.outcome === 'failure';
    const message = failed ? `rule execution failure: ${this.label}` : end.outcome === 'warning' && end.text ? end.text : `rule executed: ${this.label}`;
    this.write('execute', {
      message,
      start: this.startedAt,
      end: at,
      outcome: failed ? 'failure' : 'success',
      reason: end.reason,
      error: failed ? end.text : undefined,
      alerting: { outcome: end.outcome, status: end.status },
      metrics: end.metrics,
      task: true,
    });
  }

  timeout(timeout: string): void {
    this.write('execute-timeout', { message: `rule: ${this.label} execution cancelled due to timeout - exceeded rule type timeout of ${timeout}` });
  }

  /** Kibana's order: recovered, then new, then active (a new alert is also active). */
  alerts(alerts: { new: Record<string, Alert>; active: Record<string, Alert>; recovered: Record<string, Alert> }): void {
    for (const alert of Object.values(alerts.recovered)) {
      this.alert('recovered-instance', alert, alert.lastScheduledGroup, `${this.label} alert '${alert.id}' has recovered`);
    }
    for (const alert of Object.values(alerts.new)) {
      this.alert('new-instance', alert, alert.actionGroup, `${this.label} created new alert: '${alert.id}'`);
    }
    for (const alert of Object.values(alerts.active)) {
      this.alert('active-instance', alert, alert.actionGroup, `${this.label} active alert: '${alert.id}' in actionGroup: '${alert.actionGroup}'`);
    }
  }

  /** One event per enqueued action: the alert and its group, or a summary's counts. */
  action(scheduled: ScheduledAction): void {
    const { action } = scheduled;
    const connector: EventSavedObject = { rel: 'primary', type: 'action', id: action.id, type_id: action.actionTypeId };
    const target = `action: ${action.actionTypeId}:${action.id}`;
    if (scheduled.alertSummary) {
      const { new: n, ongoing, recovered } = scheduled.alertSummary;
      this.write('execute-action', {
        message: `alert: ${this.label} instanceId: '*' scheduled actionGroup(s): 'summary' ${target}`,
        connector,
        alerting: { summary: { new: { count: n }, ongoing: { count: ongoing }, recovered: { count: recovered } } },
      });
      return;
    }
    const alert = scheduled.alert;
    this.write('execute-action', {
      message: alert ? `alert: ${this.label} instanceId: '${alert.id}' scheduled actionGroup: '${alert.actionGroup}' ${target}` : `rule: ${this.label} scheduled system ${target}`,
      connector,
      alerting: alert ? { instance_id: alert.id, action_group_id: alert.actionGroup } : undefined,
      alertUuid: alert?.uuid,
    });
  }

  /** The end of an alert a disable stopped (recovered-instance, or untracked-instance with untrack). */
  stopped(alert: StoppedAlert): void {
    this.write(alert.status === 'untracked' ? 'untracked-instance' : 'recovered-instance', {
      message: alert.message,
      alerting: { instance_id: alert.id, ...(alert.actionGroup ? { action_group_id: alert.actionGroup } : {}) },
      alertUuid: alert.uuid,
      span: { start: alert.start, end: alert.end, duration: alert.duration },
    });
  }

  private alert(action: RuleEventAction, alert: Alert, group: string | undefined, message: string): void {
    const state = alert.getState();
    const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
    this.write(action, {
      message,
      alerting: { instance_id: alert.id, ...(group ? { action_group_id: group } : {}) },
      alertUuid: alert.uuid,
      flapping: alert.flapping,
      span: { start: text(state.start), end: text(state.end), duration: text(state.duration) },
    });
  }

  private write(
    action: RuleEventAction,
    f: {
      message: string;
      start?: Date;
      end?: Date;
      outcome?: 'success' | 'failure';
      reason?: string;
      error?: string;
      alerting?: RuleEventDocument['kibana']['alerting'];
      alertUuid?: string;
      flapping?: boolean;
      span?: { start?: string; end?: string; duration?: string };
      connector?: EventSavedObject;
      metrics?: Record<string, unknown>;
      task?: boolean;
    },
  ): void {
    const { rule, spaceId, executionId, scheduledAt } = this.ctx;
    const at = f.start ?? new Date();
    const event: RuleEventDocument['event'] = { provider: RULE_EVENT_PROVIDER, action, kind: 'alert', category: [rule.producer] };
    if (f.start) {
      event.start = f.start.toISOString();
      if (f.end) {
        event.end = f.end.toISOString();
        event.duration = nsBetween(f.start, f.end);
      }
    } else if (f.span) {
      if (f.span.start) event.start = f.span.start;
      if (f.span.end) event.end = f.span.end;
      if (f.span.duration) event.duration = f.span.duration;
    }
    if (f.outcome) event.outcome = f.outcome;
    if (f.reason) event.reason = f.reason;
    const ruleObject: EventSavedObject = { rel: 'primary', type: RULE_SAVED_OBJECT_TYPE, id: rule.id, type_id: rule.ruleTypeId };
    if (spaceId !== 'default') ruleObject.namespace = spaceId;
    const alert: RuleEventDocument['kibana']['alert'] = {
      rule: { rule_type_id: rule.ruleTypeId, consumer: rule.consumer, revision: rule.revision, execution: { uuid: executionId } },
    };
    if (f.metrics) alert.rule.execution.metrics = f.metrics;
    if (f.alertUuid) alert.uuid = f.alertUuid;
    if (f.flapping !== undefined) alert.flapping = f.flapping;
    const kibana: RuleEventDocument['kibana'] = { alert, saved_objects: f.connector ? [ruleObject, f.connector] : [ruleObject], space_ids: [spaceId], version: KIBANA_COMPATIBILITY_VERSION };
    if (f.alerting) kibana.alerting = f.alerting;
    if (f.task && scheduledAt) kibana.task = { scheduled: scheduledAt.toISOString(), schedule_delay: Math.max(0, (this.startedAt.getTime() - scheduledAt.getTime()) * MS_TO_NS) };
    const doc: RuleEventDocument = {
      '@timestamp': at.toISOString(),
      event,
      kibana,
      rule: { id: rule.id, license: rule.license, category: rule.ruleTypeId, ruleset: rule.producer, name: rule.name },
      message: f.message,
    };
    if (f.error !== undefined) doc.error = { message: f.error };
    void this.sink.log(doc);
  }
}
