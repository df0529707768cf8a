import { CompiledQuery, sql, type RawBuilder, type Transaction } from 'kysely';
import type { Database, Dialect } from './schema.js';

export type ColumnType = 'text' | 'integer' | 'bigint';
export type Columns<Row> = { [K in keyof Row & string]: ColumnType };

// The batched writes of the hot path (event rows, new tasks, finished tasks) use statements
// whose text does not depend on how many rows there are, so they are prepared once:
//  - SQLite runs one cached single-row statement per row, in process, which costs less than
//    any multi-row form (bound parameters or json_each);
//  - PostgreSQL gets all rows as one JSON parameter, read by json_to_recordset, in one round trip.

/** PostgreSQL: `json_to_recordset($n::json) as <alias>("a" text, …)` over `rows`. */
export function pgRecordset<Row extends object>(columns: Columns<Row>, alias: string): (rows: Row[]) => RawBuilder<unknown> {
  const definition = sql.raw(`::json) as ${alias}(${Object.entries(columns).map(([n, t]) => `"${n}" ${t as string}`).join(', ')})`);
  return (rows) => sql`json_to_recordset(${JSON.stringify(rows)}${definition}`;
}

/**
 * Inserts rows into `table`; `onConflict` is appended as is (e.g. `on conflict (id) do
 * nothing`). Runs inside the caller's transaction.
 */
export function rowsInserter<Row extends object>(
  dialect: Dialect,
  table: string,
  columns: Columns<Row>,
  onConflict = '',
): (trx: Transaction<Database>, rows: Row[]) => Promise<void> {
  const names = Object.keys(columns) as Array<keyof Row & string>;
  const list = names.map((n) => `"${n}"`).join(', ');
  if (dialect === 'sqlite') {
    const text = `insert into "${table}" (${list}) values (${names.map(() => '?').join(', ')}) ${onConflict}`;
    return async (trx, rows) => {
      for (const row of rows) await trx.executeQuery(CompiledQuery.raw(text, names.map((n) => row[n])));
    };
  }
  const recordset = pgRecordset(columns, 'r');
  const head = sql.raw(`insert into "${table}" (${list}) select ${list} from `);
  const tail = sql.raw(` ${onConflict}`);
  return async (trx, rows) => {
    await sql`${head}${recordset(rows)}${tail}`.execute(trx);
  };
}
