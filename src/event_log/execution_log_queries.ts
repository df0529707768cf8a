import { sql, type Expression, type Kysely, type RawBuilder, type SqlBool } from 'kysely';
import type { Database } from '../storage/schema.js';
import { EVENT_PROVIDER } from './document.js';
import type { EventLogEb, EventLogFilter } from './kql.js';

// The connectors execution log (reference §5.2) over the event_log table. Kibana buckets event
// documents by execution uuid in Elasticsearch; here the same is a GROUP BY execution_uuid.
//
// As in Kibana, the filter selects events, not executions: every figure of an execution is
// computed over its events that match (date range, spaces, KQL). An execution's status, message
// and connector come from its "last" matching event: the `execute` event with the highest
// attempt, then the latest; failing any, the latest event (a timeout). Its time and schedule
// delay are those of its first matching attempt, so that the two describe the same run.

/** Kibana considers at most this many executions for the log, and this many for the KPI. */
export const EXECUTION_LOG_MAX_EXECUTIONS = 1000;
export const EXECUTION_KPI_MAX_EXECUTIONS = 10_000;

export const EXECUTION_LOG_SORT_FIELDS = ['timestamp', 'execution_duration', 'schedule_delay'] as const;
export type ExecutionLogSortField = (typeof EXECUTION_LOG_SORT_FIELDS)[number];
export interface ExecutionLogSort {
  field: ExecutionLogSortField;
  order: 'asc' | 'desc';
}

export interface ExecutionEventsQuery {
  /** Epoch ms, inclusive. */
  dateStart: number;
  /** Epoch ms, inclusive. */
  dateEnd: number;
  /** Space ids whose events count; undefined means every space. */
  spaceIds?: string[];
  /** A compiled KQL filter (see kql.ts), AND-ed with the rest. */
  filter?: EventLogFilter;
}

export interface ExecutionLogQuery extends ExecutionEventsQuery {
  /** Applied in order; empty means timestamp descending. */
  sort: ExecutionLogSort[];
  /** 1-based. */
  page: number;
  perPage: number;
}

export interface ExecutionLogItem {
  id: string;
  timestamp: string;
  duration_ms: number;
  status: string;
  message: string;
  version: string;
  schedule_delay_ms: number;
  space_ids: string[];
  connector_name: string;
  connector_id: string;
  timed_out: boolean;
  source: string;
  /** Plugboard: the number of `execute` events (attempts) of the execution. */
  attempts: number;
}

export interface ExecutionLogResult {
  total: number;
  data: ExecutionLogItem[];
}

export interface ExecutionKpi {
  success: number;
  unknown: number;
  failure: number;
  warning: number;
}

const ref = (column: string) => sql.ref(column);
const ifExecute = (column: string) => sql`case when ${ref('action')} = ${sql.lit('execute')} then ${ref(column)} end`;

// Per-execution aggregates. They are repeated in ORDER BY rather than referenced by alias,
// because PostgreSQL accepts an alias there only on its own, not inside an expression.
const AGGREGATES = {
  startMs: () => sql<number>`coalesce(min(${ifExecute('timestamp')}), min(${ref('timestamp')}))`,
  durationNs: () => sql<number | null>`max(${ifExecute('duration_ns')})`,
  scheduleDelayNs: () => firstExecuteValue('schedule_delay_ns'),
  attempts: () => sql<number>`sum(case when ${ref('action')} = ${sql.lit('execute')} then 1 else 0 end)`,
  timedOut: () => sql<number>`max(case when ${ref('action')} = ${sql.lit('execute-timeout')} then 1 else 0 end)`,
};

const SORT_EXPRESSIONS: Record<ExecutionLogSortField, () => RawBuilder<number | null>> = {
  timestamp: AGGREGATES.startMs,
  execution_duration: AGGREGATES.durationNs,
  schedule_delay: AGGREGATES.scheduleDelayNs,
};

// Outcomes as small integers, so that the outcome of an execution's last `execute` event can
// ride along in one integer key, max()-ed by GROUP BY: (attempt, timestamp, outcome code).
// Epoch ms stay below 10^13 until the year 2286; with attempts below 200,000 the key (plus the
// offset below) fits in int64. JS never reads it as a number: it stays in SQL or in text.
const OUTCOME_CODES = ['unknown', 'failure', 'warning', 'success'] as const;
const outcomeCode = () =>
  sql<number>`case ${ref('outcome')} when ${sql.lit('failure')} then 1 when ${sql.lit('warning')} then 2 when ${sql.lit('success')} then 3 else 0 end`;
const executeKey = () => sql<number>`coalesce(${ref('attempt')}, 0) * ${sql.lit(40_000_000_000_000)} + ${ref('timestamp')} * 4 + ${outcomeCode()}`;
const lastExecuteKey = () => sql<number | null>`max(case when ${ref('action')} = ${sql.lit('execute')} then ${executeKey()} end)`;

// The id of the last event rides in a string key: 19 fixed-width digits (offset by 10^18), then
// the id, so max() picks the last event and the rows are then read by primary key. Events other
// than `execute` (a lone timeout) only count when there is no `execute` event.
const KEY_DIGITS = 19;
const KEY_OFFSET = sql.lit(1_000_000_000_000_000_000);
/**
 * A column of the first `execute` event (lowest attempt, then earliest), by the same string-key
 * trick: the fixed-width key, then the value, min()-ed; null when that event has none.
 */
const firstExecuteValue = (column: string) =>
  sql<number | null>`cast(nullif(substr(min(case when ${ref('action')} = ${sql.lit('execute')} then cast(${executeKey()} + ${KEY_OFFSET} as text) || coalesce(cast(${ref(column)} as text), '') end), ${sql.lit(KEY_DIGITS + 1)}), '') as bigint)`;
const lastEventKey = () =>
  sql<string>`coalesce(max(case when ${ref('action')} = ${sql.lit('execute')} then cast(${executeKey()} + ${KEY_OFFSET} as text) || ${ref('id')} end), max(cast(${ref('timestamp')} + ${KEY_OFFSET} as text) || ${ref('id')}))`;

function matching(query: ExecutionEventsQuery) {
  return (eb: EventLogEb): Expression<SqlBool> => {
    const conditions: Expression<SqlBool>[] = [
      eb('provider', '=', EVENT_PROVIDER),
      eb('action', '<>', 'execute-start'),
      eb('execution_uuid', 'is not', null),
      eb('timestamp', '>=', query.dateStart),
      eb('timestamp', '<=', query.dateEnd),
    ];
    if (query.spaceIds) conditions.push(eb('space_id', 'in', query.spaceIds));
    if (query.filter) conditions.push(query.filter(eb));
    return eb.and(conditions);
  };
}

const toNumber = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export async function getExecutionLog(db: Kysely<Database>, query: ExecutionLogQuery): Promise<ExecutionLogResult> {
  if (query.spaceIds?.length === 0) return { total: 0, data: [] };
  const where = matching(query);

  const countExecutions = async () => {
    const row = await db
      .selectFrom('event_log')
      .where(where)
      .select((eb) => eb.fn.count<number>('execution_uuid').distinct().as('total'))
      .executeTakeFirst();
    return Number(row?.total ?? 0);
  };

  const offset = (query.page - 1) * query.perPage;
  const limit = Math.min(query.perPage, EXECUTION_LOG_MAX_EXECUTIONS - offset);
  if (limit <= 0) return { total: await countExecutions(), data: [] };

  let page = db
    .selectFrom('event_log')
    .where(where)
    .select([
      'execution_uuid',
      AGGREGATES.startMs().as('start_ms'),
      AGGREGATES.durationNs().as('duration_ns'),
      AGGREGATES.scheduleDelayNs().as('schedule_delay_ns'),
      AGGREGATES.attempts().as('attempts'),
      AGGREGATES.timedOut().as('timed_out'),
      lastEventKey().as('last_event_key'),
      // Counted over the groups before LIMIT: the total without a second scan.
      sql<number>`count(*) over ()`.as('total'),
    ])
    .groupBy('execution_uuid');
  const sort: ExecutionLogSort[] = query.sort.length > 0 ? query.sort : [{ field: 'timestamp', order: 'desc' }];
  for (const { field, order } of sort) {
    const expression = SORT_EXPRESSIONS[field];
    // Missing values last in both directions, as Elasticsearch sorts them (the dialects differ).
    page = page.orderBy(sql`case when ${expression()} is null then 1 else 0 end`).orderBy(expression(), order);
  }
  const groups = await page.orderBy('execution_uuid').limit(limit).offset(offset).execute();
  if (groups.length === 0) return { total: offset === 0 ? 0 : await countExecutions(), data: [] };
  const total = Number(groups[0].total);

  const lastEvents = await db
    .selectFrom('event_log')
    .where('id', 'in', groups.map((g) => g.last_event_key.slice(KEY_DIGITS)))
    .select(['id', 'action', 'outcome', 'message', 'error_message', 'connector_id', 'connector_name', 'source', 'space_id', 'document'])
    .execute();
  const byId = new Map(lastEvents.map((e) => [e.id, e]));

  const data = groups.map((group): ExecutionLogItem => {
    const last = byId.get(group.last_event_key.slice(KEY_DIGITS));
    const status = last?.action === 'execute' ? (last.outcome ?? 'unknown') : 'unknown';
    const doc = parseDocument(last?.document);
    const message = last?.message ?? '';
    return {
      id: group.execution_uuid as string,
      timestamp: new Date(Number(group.start_ms)).toISOString(),
      duration_ms: (toNumber(group.duration_ns) ?? 0) / 1_000_000,
      status,
      message: status === 'failure' && last?.error_message ? `${message} - ${last.error_message}` : message,
      version: typeof doc?.kibana?.version === 'string' ? doc.kibana.version : '',
      schedule_delay_ms: (toNumber(group.schedule_delay_ns) ?? 0) / 1_000_000,
      space_ids: Array.isArray(doc?.kibana?.space_ids) ? doc.kibana.space_ids : last ? [last.space_id] : [],
      connector_name: last?.connector_name ?? '',
      connector_id: last?.connector_id ?? '',
      timed_out: Number(group.timed_out) > 0,
      source: last?.source ?? '',
      attempts: Number(group.attempts),
    };
  });
  return { total, data };
}

/** Executions by status, over the most recent EXECUTION_KPI_MAX_EXECUTIONS. */
export async function getExecutionKpi(db: Kysely<Database>, query: ExecutionEventsQuery): Promise<ExecutionKpi> {
  const kpi: ExecutionKpi = { success: 0, unknown: 0, failure: 0, warning: 0 };
  if (query.spaceIds?.length === 0) return kpi;
  const rows = await db
    .selectFrom((qb) =>
      qb
        .selectFrom('event_log')
        .where(matching(query))
        .select(lastExecuteKey().as('last_key'))
        .groupBy('execution_uuid')
        .orderBy(sql`max(${ref('timestamp')})`, 'desc')
        .orderBy('execution_uuid')
        .limit(EXECUTION_KPI_MAX_EXECUTIONS)
        .as('executions'),
    )
    // An execution without an `execute` event (only a timeout) has no key: unknown.
    .select((eb) => [sql<number>`coalesce(${ref('last_key')} % 4, 0)`.as('code'), eb.fn.countAll<number>().as('count')])
    .groupBy(sql`coalesce(${ref('last_key')} % 4, 0)`)
    .execute();
  for (const row of rows) {
    const status = OUTCOME_CODES[Number(row.code)] ?? 'unknown';
    kpi[status] += Number(row.count);
  }
  return kpi;
}

interface DocumentFields {
  kibana?: { version?: unknown; space_ids?: string[] };
}

function parseDocument(text: string | undefined): DocumentFields | undefined {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as DocumentFields;
  } catch {
    return undefined;
  }
}
