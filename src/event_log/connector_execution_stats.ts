import { sql, type Expression, type SqlBool } from 'kysely';
import type { PlugboardDatabase } from '../storage/database.js';
import { EVENT_PROVIDER } from './document.js';
import type { EventLogEb } from './kql.js';

// Per-connector execution statistics over a time window, from the event log: how many attempts
// ended (`execute` events), how many of them failed, and their 99th percentile duration. The
// connector-health rule type judges connectors by them.
//
// An attempt is one row (see EventRow): its `execute` end sets the row's action, outcome and
// duration, and its timestamp is the attempt's start. An attempt still running (`execute-start`)
// or cut short by a shutdown (`execute-interrupted`) is not counted; one that timed out ends in
// a failed `execute` and counts as a failure.

/** The percentile of `p99DurationMs`. */
const PERCENTILE = 0.99;
const NS_PER_MS = 1_000_000;

export interface ConnectorExecutionStatsQuery {
  spaceId: string;
  /** Only these connectors; undefined means every connector with executions in the space. */
  connectorIds?: string[];
  /** Epoch ms, inclusive. */
  dateStart: number;
  /** Epoch ms, inclusive. */
  dateEnd: number;
}

export interface ConnectorExecutionStats {
  connectorId: string;
  executions: number;
  failures: number;
  /**
   * The 99th percentile of the executions' durations, interpolated between the two nearest
   * ranks as PostgreSQL's percentile_cont does; null when no execution has a duration.
   */
  p99DurationMs: number | null;
}

const ref = (column: string) => sql.ref(column);
const failures = () => sql<number>`sum(case when ${ref('outcome')} = ${sql.lit('failure')} then 1 else 0 end)`;

/** The `execute` ends of a space's connectors (some, or all) in a window, found through an index (see below). */
export function executeEndsOf(query: ConnectorExecutionStatsQuery, dialect: PlugboardDatabase['dialect']) {
  return (eb: EventLogEb): Expression<SqlBool> => {
    // Found through event_log_space_time: a space's rows of the window (test/event_log_plans.test.ts).
    // With named connectors, SQLite (which keeps no statistics here) is steered to their own
    // index (connector, time) by a unary + on the space term, SQLite's way to keep a term from
    // choosing an index: else it reads every row of the space in the window (bench/rules: ~40 ms
    // a run beside an action burst, ~3 ms this way). PostgreSQL chooses by its statistics.
    const inSpace =
      dialect === 'sqlite' && query.connectorIds ? sql<SqlBool>`+${ref('space_id')} = ${query.spaceId}` : eb('space_id', '=', query.spaceId);
    const conditions: Expression<SqlBool>[] = [
      inSpace,
      eb('timestamp', '>=', query.dateStart),
      eb('timestamp', '<=', query.dateEnd),
      eb('provider', '=', EVENT_PROVIDER),
      eb('action', '=', 'execute'),
    ];
    if (query.connectorIds) conditions.push(eb('connector_id', 'in', query.connectorIds));
    return eb.and(conditions);
  };
}

interface StatsRow {
  connector_id: string | null;
  executions: number | string;
  failures: number | string | null;
  p99_ns: number | string | null;
}

/** Execution statistics of each connector with at least one execution in the window, by connector id. */
export async function getConnectorExecutionStats(
  database: Pick<PlugboardDatabase, 'db' | 'dialect'>,
  query: ConnectorExecutionStatsQuery,
): Promise<ConnectorExecutionStats[]> {
  if (query.connectorIds?.length === 0) return [];
  const rows = await statsQuery(database, query);
  return rows
    .filter((row): row is StatsRow & { connector_id: string } => row.connector_id !== null)
    .map((row) => ({
      connectorId: row.connector_id,
      executions: Number(row.executions),
      failures: Number(row.failures ?? 0),
      p99DurationMs: row.p99_ns === null ? null : Number(row.p99_ns) / NS_PER_MS,
    }))
    .sort((a, b) => (a.connectorId < b.connectorId ? -1 : a.connectorId > b.connectorId ? 1 : 0));
}

/**
 * One pass grouped by connector. Both databases have percentile_cont with the same interpolation
 * (SQLite's percentile extension, built into better-sqlite3's SQLite, takes the fraction as its
 * second argument); both ignore null durations. On SQLite it replaced a ranking by window
 * functions that cost ~3 ms a run for 1,500 rows (bench/rules).
 */
function statsQuery({ db, dialect }: Pick<PlugboardDatabase, 'db' | 'dialect'>, query: ConnectorExecutionStatsQuery): Promise<StatsRow[]> {
  const duration = ref('duration_ns');
  const p99 =
    dialect === 'postgres'
      ? sql<number | null>`percentile_cont(${sql.lit(PERCENTILE)}) within group (order by ${duration})`
      : sql<number | null>`percentile_cont(${duration}, ${sql.lit(PERCENTILE)})`;
  return db
    .selectFrom('event_log')
    .where(executeEndsOf(query, dialect))
    .select((eb) => ['connector_id', eb.fn.countAll<number>().as('executions'), failures().as('failures'), p99.as('p99_ns')])
    .groupBy('connector_id')
    .execute();
}
