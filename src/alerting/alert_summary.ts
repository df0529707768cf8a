import type { Kysely } from 'kysely';
import { RULE_EVENT_PROVIDER, type RuleEventDocument } from '../event_log/document.js';
import type { RuleRecord } from '../storage/rules_repository.js';
import type { Database } from '../storage/schema.js';

// A rule's alert summary (Kibana's GET _alert_summary): each alert's status from the rule's
// events, oldest first, the rule's status from its last `execute`, and the durations of its
// last executions. Keys as Kibana's route answers them: snake_case at the top, the alerts'
// own fields in camelCase.

/** Kibana reads at most this many events of the rule. */
const MAX_EVENTS = 10_000;
/** Executions whose duration is reported, and intervals looked back by default. */
export const DEFAULT_SUMMARY_EXECUTIONS = 60;

export interface SummaryAlert {
  uuid?: string;
  status: 'OK' | 'Active';
  muted: boolean;
  actionGroupId?: string;
  activeStartDate?: string;
  flapping: boolean;
  tracked: boolean;
  maintenanceWindowIds?: string[];
}

export async function getAlertSummary(db: Kysely<Database>, rule: RuleRecord, opts: { dateStart: Date; dateEnd: Date; numberOfExecutions: number }) {
  const rows = await db
    .selectFrom('event_log')
    .select('document')
    .where('rule_id', '=', rule.id)
    .where('space_id', '=', rule.spaceId)
    .where('provider', '=', RULE_EVENT_PROVIDER)
    .where('action', '<>', 'execute-start')
    .where('timestamp', '>=', opts.dateStart.getTime())
    .where('timestamp', '<=', opts.dateEnd.getTime())
    .orderBy('timestamp', 'desc')
    .orderBy('id', 'desc')
    .limit(MAX_EVENTS)
    .execute();
  const events = rows.map((r) => JSON.parse(r.document) as RuleEventDocument).reverse();

  let status: 'OK' | 'Active' | 'Error' = 'OK';
  let lastRun: string | undefined;
  const errorMessages: Array<{ date: string; message: string }> = [];
  const alerts = new Map<string, SummaryAlert>();
  const alertOf = (id: string, uuid?: string) => {
    let alert = alerts.get(id);
    if (!alert) {
      alert = { uuid, status: 'OK', muted: false, actionGroupId: undefined, activeStartDate: undefined, flapping: false, tracked: true };
      alerts.set(id, alert);
    }
    return alert;
  };
  const executes: RuleEventDocument[] = [];
  for (const event of events) {
    const at = event['@timestamp'];
    const action = event.event.action;
    if (action === 'execute') {
      executes.push(event);
      lastRun = at;
      if (event.error?.message !== undefined) {
        status = 'Error';
        errorMessages.push({ date: at, message: event.error.message });
      } else {
        status = 'OK';
      }
      continue;
    }
    const alertId = event.kibana.alerting?.instance_id;
    if (alertId === undefined) continue;
    const alert = alertOf(alertId, event.kibana.alert.uuid);
    if (event.kibana.alert.flapping) alert.flapping = true;
    if (event.kibana.alert.maintenance_window_ids?.length) alert.maintenanceWindowIds = event.kibana.alert.maintenance_window_ids;
    if (action === 'new-instance' || action === 'active-instance') {
      if (action === 'new-instance') alert.activeStartDate = at;
      alert.status = 'Active';
      alert.actionGroupId = event.kibana.alerting?.action_group_id;
    } else if (action === 'recovered-instance') {
      alert.status = 'OK';
      alert.activeStartDate = undefined;
      alert.actionGroupId = undefined;
    }
    alert.tracked = action !== 'untracked-instance';
  }
  for (const id of rule.mutedInstanceIds) alertOf(id).muted = true;
  if (status !== 'Error' && [...alerts.values()].some((a) => a.status === 'Active')) status = 'Active';
  errorMessages.sort((a, b) => a.date.localeCompare(b.date));

  const durations: Record<string, number> = {};
  const recent = executes.slice(-opts.numberOfExecutions);
  for (const event of recent) if (event.event.duration) durations[event['@timestamp']] = Number(event.event.duration) / 1_000_000;
  const values = Object.values(durations);

  return {
    id: rule.id,
    name: rule.name,
    tags: rule.tags,
    rule_type_id: rule.alertTypeId,
    consumer: rule.consumer,
    status_start_date: opts.dateStart.toISOString(),
    status_end_date: opts.dateEnd.toISOString(),
    status,
    mute_all: rule.muteAll,
    throttle: rule.throttle ?? null,
    enabled: rule.enabled,
    last_run: lastRun,
    error_messages: errorMessages,
    alerts: Object.fromEntries([...alerts.keys()].sort().map((id) => [id, alerts.get(id)!])),
    execution_duration: {
      average: values.length > 0 ? Math.round(values.reduce((a, b) => a + b, 0) / values.length) : 0,
      values_with_timestamp: durations,
    },
    revision: rule.revision,
  };
}
