import { sql, type RawBuilder } from 'kysely';
import type { PlugboardDatabase } from '../storage/database.js';
import { executeEndsOf } from './connector_execution_stats.js';
import { EVENT_PROVIDER } from './document.js';

// The tokens generative-AI connectors used, summed from the event log (issue 20 point 6): each
// successful run's `kibana.action.execution.gen_ai.usage`, kept in the row's gen_ai_usage column
// (JSON), summed per connector and per hour of the attempt's start.

export const HOUR_MS = 3_600_000;

export interface TokenUsageQuery {
  spaceId: string;
  /** Only this connector; undefined means every connector with usage in the space. */
  connectorId?: string;
  /** Epoch ms, inclusive. */
  dateStart: number;
  /** Epoch ms, inclusive. */
  dateEnd: number;
}

export interface TokenCounts {
  /** Runs that recorded a usage. */
  executions: number;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface ConnectorTokenUsage extends TokenCounts {
  connector_id: string;
  connector_name: string;
  connector_type_id: string;
  /** The hours with usage, oldest first; `start` is the hour's start (ISO, UTC). */
  hours: Array<TokenCounts & { start: string }>;
}

const ref = (column: string) => sql.ref(column);

/** A field of the usage JSON as a number (both databases read JSON text natively). */
function usageField(dialect: PlugboardDatabase['dialect'], field: keyof Omit<TokenCounts, 'executions'>): RawBuilder<number> {
  return dialect === 'postgres'
    ? sql<number>`cast(cast(${ref('gen_ai_usage')} as json) ->> ${sql.lit(field)} as bigint)`
    : sql<number>`json_extract(${ref('gen_ai_usage')}, ${sql.lit(`$.${field}`)})`;
}

const add = (into: TokenCounts, from: TokenCounts) => {
  into.executions += from.executions;
  into.prompt_tokens += from.prompt_tokens;
  into.completion_tokens += from.completion_tokens;
  into.total_tokens += from.total_tokens;
};

/** Each connector's tokens over the range, and by hour; connectors by id. */
export async function getTokenUsage({ db, dialect }: Pick<PlugboardDatabase, 'db' | 'dialect'>, query: TokenUsageQuery): Promise<ConnectorTokenUsage[]> {
  const hour = sql<number>`(${ref('timestamp')} / ${sql.lit(HOUR_MS)}) * ${sql.lit(HOUR_MS)}`;
  const rows = await db
    .selectFrom('event_log')
    .where(executeEndsOf({ ...query, ...(query.connectorId ? { connectorIds: [query.connectorId] } : {}) }, dialect))
    .where('gen_ai_usage', 'is not', null)
    .select((eb) => [
      'connector_id',
      hour.as('hour'),
      eb.fn.max('connector_name').as('connector_name'),
      eb.fn.max('connector_type_id').as('connector_type_id'),
      eb.fn.countAll<number>().as('executions'),
      eb.fn.sum(usageField(dialect, 'prompt_tokens')).as('prompt_tokens'),
      eb.fn.sum(usageField(dialect, 'completion_tokens')).as('completion_tokens'),
      eb.fn.sum(usageField(dialect, 'total_tokens')).as('total_tokens'),
    ])
    .groupBy(['connector_id', hour])
    .orderBy('connector_id')
    .orderBy(hour)
    .execute();
  const byConnector = new Map<string, ConnectorTokenUsage>();
  for (const row of rows) {
    if (row.connector_id === null) continue;
    let usage = byConnector.get(row.connector_id);
    if (!usage) {
      usage = {
        connector_id: row.connector_id,
        connector_name: row.connector_name ?? '',
        connector_type_id: row.connector_type_id ?? '',
        executions: 0,
        prompt_tokens: 0,
        completion_tokens: 0,
        total_tokens: 0,
        hours: [],
      };
      byConnector.set(row.connector_id, usage);
    }
    const counts: TokenCounts = {
      executions: Number(row.executions),
      prompt_tokens: Number(row.prompt_tokens ?? 0),
      completion_tokens: Number(row.completion_tokens ?? 0),
      total_tokens: Number(row.total_tokens ?? 0),
    };
    usage.hours.push({ start: new Date(Number(row.hour)).toISOString(), ...counts });
    add(usage, counts);
  }
  return [...byConnector.values()];
}

export interface SpentTokensQuery {
  /** Epoch ms, inclusive: the attempts that started since then. */
  since: number;
  /** The width of a bucket, in ms. */
  bucketMs: number;
  /** Only connectors of these types or with these ids; both undefined means every connector. */
  typeIds?: string[];
  connectorIds?: string[];
}

export interface SpentTokensBucket {
  spaceId: string;
  connectorId: string;
  connectorTypeId: string;
  /** The latest end of the bucket's runs (epoch ms). */
  at: number;
  totalTokens: number;
}

/**
 * The tokens each connector's runs used since a time, summed by the database per bucket of
 * attempt start, so that reading a day of a busy log returns at most a row per connector and
 * bucket. A bucket is dated by its latest run's end, so that what is rebuilt from it never
 * frees a budget earlier than the runs themselves would.
 */
export async function getSpentTokenBuckets({ db, dialect }: Pick<PlugboardDatabase, 'db' | 'dialect'>, query: SpentTokensQuery): Promise<SpentTokensBucket[]> {
  const { typeIds = [], connectorIds = [] } = query;
  const every = query.typeIds === undefined && query.connectorIds === undefined;
  if (!every && typeIds.length === 0 && connectorIds.length === 0) return [];
  const bucket = sql<number>`(${ref('timestamp')} / ${sql.lit(query.bucketMs)})`;
  const end = sql<number>`${ref('timestamp')} + coalesce(${ref('duration_ns')}, 0) / ${sql.lit(1_000_000)}`;
  const rows = await db
    .selectFrom('event_log')
    .where('timestamp', '>=', query.since)
    .where('provider', '=', EVENT_PROVIDER)
    .where('action', '=', 'execute')
    .where('gen_ai_usage', 'is not', null)
    .where('connector_id', 'is not', null)
    .$if(!every, (qb) =>
      qb.where((eb) =>
        eb.or([
          ...(typeIds.length > 0 ? [eb('connector_type_id', 'in', typeIds)] : []),
          ...(connectorIds.length > 0 ? [eb('connector_id', 'in', connectorIds)] : []),
        ]),
      ),
    )
    .select((eb) => [
      'space_id',
      'connector_id',
      eb.fn.max('connector_type_id').as('connector_type_id'),
      eb.fn.max(end).as('at'),
      eb.fn.sum(usageField(dialect, 'total_tokens')).as('total_tokens'),
    ])
    .groupBy(['space_id', 'connector_id', bucket])
    .execute();
  return rows.map((row) => ({
    spaceId: row.space_id,
    connectorId: row.connector_id ?? '',
    connectorTypeId: row.connector_type_id ?? '',
    at: Number(row.at),
    totalTokens: Number(row.total_tokens ?? 0),
  }));
}
