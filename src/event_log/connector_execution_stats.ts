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

function matching(query: ConnectorExecutionStatsQuery, dialect: PlugboardDatabase['dialect']) {
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
  const rows = database.dialect === 'postgres' ? await statsOnPostgres(database, query) : await statsOnSqlite(database, query);
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

/** One pass grouped by connector; percentile_cont sorts each group's durations (nulls ignored). */
function statsOnPostgres({ db }: Pick<PlugboardDatabase, 'db'>, query: ConnectorExecutionStatsQuery): Promise<StatsRow[]> {
  return db
    .selectFrom('event_log')
    .where(matching(query, 'postgres'))
    .select((eb) => [
      'connector_id',
      eb.fn.countAll<number>().as('executions'),
      failures().as('failures'),
      sql<number | null>`percentile_cont(${sql.lit(PERCENTILE)}) within group (order by ${ref('duration_ns')})`.as('p99_ns'),
    ])
    .groupBy('connector_id')
    .execute();
}

/**
 * SQLite has no percentile aggregate: window functions rank each connector's durations (nulls
 * last), and the two rows around the percentile's position `p·(n−1)` (n durations) are weighted
 * by its fraction, which is percentile_cont's interpolation. When the position is whole, the
 * first CASE branch takes its row with weight 1 and the next row gets weight 0.
 */
function statsOnSqlite({ db }: Pick<PlugboardDatabase, 'db'>, query: ConnectorExecutionStatsQuery): Promise<StatsRow[]> {
  const byDuration = sql`partition by ${ref('connector_id')} order by ${ref('duration_ns')} nulls last`;
  return db
    .selectFrom((qb) =>
      qb
        .selectFrom('event_log')
        .where(matching(query, 'sqlite'))
        .select([
          'connector_id',
          'outcome',
          'duration_ns',
          sql<number>`row_number() over (${byDuration})`.as('rank'),
          sql<number>`${sql.lit(PERCENTILE)} * (count(${ref('duration_ns')}) over (partition by ${ref('connector_id')}) - 1)`.as('position'),
        ])
        .as('attempts'),
    )
    .select((eb) => [
      'connector_id',
      eb.fn.countAll<number>().as('executions'),
      failures().as('failures'),
      sql<number | null>`sum(case
        when ${ref('rank')} = cast(${ref('position')} as integer) + 1 then ${ref('duration_ns')} * (1 - (${ref('position')} - cast(${ref('position')} as integer)))
        when ${ref('rank')} = cast(${ref('position')} as integer) + 2 then ${ref('duration_ns')} * (${ref('position')} - cast(${ref('position')} as integer))
      end)`.as('p99_ns'),
    ])
    .groupBy('connector_id')
    .execute();
}
