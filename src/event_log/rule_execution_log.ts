import { sql, type Kysely } from 'kysely';
import { PlugboardError } from '../common/errors.js';
import type { Database } from '../storage/schema.js';
import { EVENT_PROVIDER, RULE_EVENT_PROVIDER, type RuleEventDocument } from './document.js';
import type { EventLogFilter } from './kql.js';

// A rule's execution log (reference kibana-alerting-rules.md §4.3) over the event_log table;
// without a rule id, every rule's of the spaces given (Kibana's global execution log).
// As in Kibana: an execution is listed when its rule `execute` event matches the filter; its
// figures come from that event, `timed_out` from any `execute-timeout`, and its succeeded and
// errored actions from the `actions` `execute` events of the same rule execution uuid. More
// than 10,000 events of the rule (or of every rule of the spaces) in the range is Kibana's 413.

export const RULE_EXECUTION_LOG_MAX_DOCUMENTS = 10_000;
export const RULE_EXECUTION_LOG_TOO_MANY = 'Results are limited to 10,000 documents, refine your search to see others.';

export const RULE_EXECUTION_LOG_SORT_FIELDS = [
  'timestamp',
  'execution_duration',
  'total_search_duration',
  'es_search_duration',
  'schedule_delay',
  'num_triggered_actions',
  'num_generated_actions',
  'num_active_alerts',
  'num_recovered_alerts',
  'num_new_alerts',
] as const;
export type RuleExecutionLogSortField = (typeof RULE_EXECUTION_LOG_SORT_FIELDS)[number];

export interface RuleEventsQuery {
  /** The rule whose runs are read; without it, every rule's runs in the spaces. */
  ruleId?: string;
  /** The spaces read (one for a rule's log; those the caller may read for the global log). */
  spaceIds: string[];
  dateStart: number;
  dateEnd: number;
  filter?: EventLogFilter;
}

export interface RuleExecutionLogQuery extends RuleEventsQuery {
  sort: Array<{ field: RuleExecutionLogSortField; order: 'asc' | 'desc' }>;
  page: number;
  perPage: number;
}

export interface RuleExecutionLogItem {
  id: string;
  timestamp: string;
  duration_ms: number;
  status: string;
  message: string;
  version: string;
  num_active_alerts: number;
  num_new_alerts: number;
  num_recovered_alerts: number;
  num_triggered_actions: number;
  num_generated_actions: number;
  num_succeeded_actions: number;
  num_errored_actions: number;
  total_search_duration_ms: number;
  es_search_duration_ms: number;
  schedule_delay_ms: number;
  timed_out: boolean;
  rule_id: string;
  space_ids: string[];
  rule_name: string;
  maintenance_window_ids: string[];
}

const NS_PER_MS = 1_000_000;

/** The value each sort field reads from an item. */
const SORT_VALUES: Record<RuleExecutionLogSortField, (item: RuleExecutionLogItem) => number> = {
  timestamp: (i) => Date.parse(i.timestamp) || 0,
  execution_duration: (i) => i.duration_ms,
  total_search_duration: (i) => i.total_search_duration_ms,
  es_search_duration: (i) => i.es_search_duration_ms,
  schedule_delay: (i) => i.schedule_delay_ms,
  num_triggered_actions: (i) => i.num_triggered_actions,
  num_generated_actions: (i) => i.num_generated_actions,
  num_active_alerts: (i) => i.num_active_alerts,
  num_recovered_alerts: (i) => i.num_recovered_alerts,
  num_new_alerts: (i) => i.num_new_alerts,
};

const num = (v: unknown) => (typeof v === 'number' ? v : 0);

export async function getRuleExecutionLog(db: Kysely<Database>, query: RuleExecutionLogQuery): Promise<{ total: number; data: RuleExecutionLogItem[] }> {
  const items = await ruleExecutions(db, query);
  const sort = query.sort.length > 0 ? query.sort : [{ field: 'timestamp' as const, order: 'desc' as const }];
  const sorted = items.sort((a, b) => {
    for (const { field, order } of sort) {
      const diff = SORT_VALUES[field](a) - SORT_VALUES[field](b);
      if (diff !== 0) return order === 'asc' ? diff : -diff;
    }
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
  const offset = (query.page - 1) * query.perPage;
  return { total: sorted.length, data: sorted.slice(offset, offset + query.perPage) };
}

/** Kibana's rule KPI: executions by outcome, and their alerts and actions summed. */
export async function getRuleExecutionKpi(db: Kysely<Database>, query: RuleEventsQuery) {
  const kpi = { success: 0, unknown: 0, failure: 0, warning: 0, activeAlerts: 0, newAlerts: 0, recoveredAlerts: 0, erroredActions: 0, triggeredActions: 0 };
  for (const item of await ruleExecutions(db, query)) {
    if (item.status === 'success' || item.status === 'failure' || item.status === 'warning') kpi[item.status]++;
    else kpi.unknown++;
    kpi.activeAlerts += item.num_active_alerts;
    kpi.newAlerts += item.num_new_alerts;
    kpi.recoveredAlerts += item.num_recovered_alerts;
    kpi.erroredActions += item.num_errored_actions;
    kpi.triggeredActions += item.num_triggered_actions;
  }
  return kpi;
}

/** Every execution of the rule (or of every rule) in the range whose `execute` event matches the filter. */
async function ruleExecutions(db: Kysely<Database>, query: RuleEventsQuery): Promise<RuleExecutionLogItem[]> {
  if (query.spaceIds.length === 0) return [];
  const ofRule = db
    .selectFrom('event_log')
    // Without a rule id, `is not null`: every rule's events (and the actions they queued).
    .where('rule_id', query.ruleId === undefined ? 'is not' : '=', query.ruleId ?? null)
    .where('space_id', query.spaceIds.length === 1 ? '=' : 'in', query.spaceIds.length === 1 ? query.spaceIds[0] : query.spaceIds)
    .where('timestamp', '>=', query.dateStart)
    .where('timestamp', '<=', query.dateEnd);

  const counted = await db
    .selectFrom(ofRule.select(sql.lit(1).as('one')).limit(RULE_EXECUTION_LOG_MAX_DOCUMENTS).as('capped'))
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirst();
  if (Number(counted?.n ?? 0) >= RULE_EXECUTION_LOG_MAX_DOCUMENTS) throw new PlugboardError(413, RULE_EXECUTION_LOG_TOO_MANY);

  let executes = ofRule.where('provider', '=', RULE_EVENT_PROVIDER).where('action', '=', 'execute');
  if (query.filter) executes = executes.where(query.filter);
  const executeRows = await executes.select(['execution_uuid', 'document']).orderBy('id').execute();
  const side = await ofRule
    .where('rule_execution_uuid', 'is not', null)
    .select([
      'rule_execution_uuid',
      sql<number>`sum(case when provider = ${EVENT_PROVIDER} and action = 'execute' and outcome = 'success' then 1 else 0 end)`.as('succeeded'),
      sql<number>`sum(case when provider = ${EVENT_PROVIDER} and action = 'execute' and outcome = 'failure' then 1 else 0 end)`.as('errored'),
      sql<number>`max(case when provider = ${RULE_EVENT_PROVIDER} and action = 'execute-timeout' then 1 else 0 end)`.as('timed_out'),
    ])
    .groupBy('rule_execution_uuid')
    .execute();
  const sideOf = new Map(side.map((s) => [s.rule_execution_uuid, s]));

  const items = new Map<string, RuleExecutionLogItem>();
  for (const row of executeRows) {
    const uuid = row.execution_uuid as string;
    if (items.has(uuid)) continue;
    const doc = JSON.parse(row.document) as RuleEventDocument;
    const metrics = (doc.kibana.alert.rule.execution.metrics ?? {}) as Record<string, unknown> & { alert_counts?: Record<string, unknown> };
    const status = doc.kibana.alerting?.outcome ?? doc.event.outcome ?? '';
    const extra = sideOf.get(uuid);
    items.set(uuid, {
      id: uuid,
      timestamp: doc.event.start ?? doc['@timestamp'],
      duration_ms: Number(doc.event.duration ?? 0) / NS_PER_MS,
      status,
      message: status === 'failure' ? `${doc.message} - ${doc.error?.message ?? ''}` : doc.message,
      version: doc.kibana.version ?? '',
      num_active_alerts: num(metrics.alert_counts?.active),
      num_new_alerts: num(metrics.alert_counts?.new),
      num_recovered_alerts: num(metrics.alert_counts?.recovered),
      num_triggered_actions: num(metrics.number_of_triggered_actions),
      num_generated_actions: num(metrics.number_of_generated_actions),
      num_succeeded_actions: Number(extra?.succeeded ?? 0),
      num_errored_actions: Number(extra?.errored ?? 0),
      total_search_duration_ms: num(metrics.total_search_duration_ms),
      es_search_duration_ms: num(metrics.es_search_duration_ms),
      schedule_delay_ms: num(doc.kibana.task?.schedule_delay) / NS_PER_MS,
      timed_out: Number(extra?.timed_out ?? 0) > 0,
      rule_id: doc.rule?.id ?? '',
      space_ids: doc.kibana.space_ids ?? [],
      rule_name: doc.rule?.name ?? '',
      maintenance_window_ids: doc.kibana.alert.maintenance_window_ids ?? [],
    });
  }
  return [...items.values()];
}
