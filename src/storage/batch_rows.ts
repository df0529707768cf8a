import { sql, type RawBuilder, type Transaction } from 'kysely';
import type pg from 'pg';
import type { PlugboardDatabase } from './database.js';
import type { Database } from './schema.js';

export type ColumnType = 'text' | 'integer' | 'bigint';
export type Columns<Row> = { [K in keyof Row & string]: ColumnType };

// The batched writes of the hot path (event rows, task writes) use statements whose text does
// not depend on how many rows there are, so they are prepared once:
//  - SQLite runs one cached single-row statement per row, in process, which costs less than
//    any multi-row form (bound parameters or json_each);
//  - PostgreSQL gets all rows in one round trip: as one JSON parameter read by
//    json_to_recordset, or as one array parameter per column read by unnest (rowsWriter).

/** PostgreSQL: `json_to_recordset($n::json) as <alias>("a" text, …)` over `rows`. */
export function pgRecordset<Row extends object>(columns: Columns<Row>, alias: string): (rows: Row[]) => RawBuilder<unknown> {
  const definition = sql.raw(`::json) as ${alias}(${Object.entries(columns).map(([n, t]) => `"${n}" ${t as string}`).join(', ')})`);
  return (rows) => sql`json_to_recordset(${JSON.stringify(rows)}${definition}`;
}

/**
 * Inserts rows into `table`; `onConflict` is appended as is (e.g. `on conflict (id) do
 * nothing`). Runs inside the caller's transaction: on SQLite through a statement prepared once
 * on the driver (the transaction holds its one connection), on PostgreSQL through the builder.
 */
export function rowsInserter<Row extends object>(
  database: Pick<PlugboardDatabase, 'dialect' | 'sqlite'>,
  table: string,
  columns: Columns<Row>,
  onConflict = '',
): (trx: Transaction<Database>, rows: Row[]) => Promise<void> {
  const names = Object.keys(columns) as Array<keyof Row & string>;
  const list = names.map((n) => `"${n}"`).join(', ');
  if (database.sqlite) {
    const prepared = database.sqlite.prepare(`insert into "${table}" (${list}) values (${names.map(() => '?').join(', ')}) ${onConflict}`);
    return async (_trx, rows) => {
      for (const row of rows) prepared.run(names.map((n) => row[n]));
    };
  }
  const recordset = pgRecordset(columns, 'r');
  const head = sql.raw(`insert into "${table}" (${list}) select ${list} from `);
  const tail = sql.raw(` ${onConflict}`);
  return async (trx, rows) => {
    await sql`${head}${recordset(rows)}${tail}`.execute(trx);
  };
}

/** A statement that PostgreSQL parses and plans once per connection (pg's named statements). */
export interface PgStatement {
  name: string;
  text: string;
}

/** One statement over many rows of `columns`, in each dialect's form (see rowsWriter). */
export interface RowsStatement<Row extends object> {
  /** Its name on PostgreSQL connections. */
  name: string;
  columns: Columns<Row>;
  /** One row, as named parameters (`@column`). */
  sqlite: string;
  /** All rows, as one array parameter per column, read by unnest. */
  postgres: string;
}

/** PostgreSQL: `unnest($1::text[], …) as <alias>("a", …)`, the rows as one array per column. */
function pgUnnest<Row extends object>(columns: Columns<Row>, alias: string): string {
  const entries = Object.entries(columns);
  const arrays = entries.map(([, type], i) => `$${i + 1}::${type as string}[]`).join(', ');
  return `unnest(${arrays}) as ${alias}(${entries.map(([name]) => `"${name}"`).join(', ')})`;
}

/** `insert into <table>` of rows, `tail` appended as is (e.g. `on conflict (id) do nothing`). */
export function insertRows<Row extends object>(name: string, table: string, columns: Columns<Row>, tail = ''): RowsStatement<Row> {
  const names = Object.keys(columns);
  const list = names.map((n) => `"${n}"`).join(', ');
  return {
    name,
    columns,
    sqlite: `insert into "${table}" (${list}) values (${names.map((n) => `@${n}`).join(', ')}) ${tail}`,
    postgres: `insert into "${table}" (${list}) select ${list} from ${pgUnnest(columns, 'r')} ${tail}`,
  };
}

/**
 * `update <table>` from rows: `set` and `where` are given a row's column by `value`, which
 * names its parameter on SQLite and its column of the unnest on PostgreSQL. Columns of the
 * table are best qualified, as the rows' names may be the same.
 */
export function updateFromRows<Row extends object>(
  name: string,
  table: string,
  columns: Columns<Row>,
  clauses: (value: (column: keyof Row & string) => string) => { set: string; where: string },
): RowsStatement<Row> {
  const sqlite = clauses((column) => `@${column}`);
  const postgres = clauses((column) => `r."${column}"`);
  return {
    name,
    columns,
    sqlite: `update "${table}" set ${sqlite.set} where ${sqlite.where}`,
    postgres: `update "${table}" set ${postgres.set} from ${pgUnnest(columns, 'r')} where ${postgres.where}`,
  };
}

/** Writes rows inside a write of the group commit; `client` is the one it gives (see WriteOperation). */
export type RowsWriter<Row> = (rows: readonly Row[], client: pg.ClientBase | undefined) => void | Promise<unknown>;

/**
 * A statement over many rows, prepared once on the driver: better-sqlite3 runs it once per
 * row, in the caller's turn; PostgreSQL runs it once for all rows, as a named statement on the
 * transaction's client.
 */
export function rowsWriter<Row extends object>(database: PlugboardDatabase, statement: RowsStatement<Row>): RowsWriter<Row> {
  if (database.sqlite) {
    const prepared = database.sqlite.prepare<[Row]>(statement.sqlite);
    return (rows) => {
      for (const row of rows) prepared.run(row);
    };
  }
  const { name, postgres: text } = statement;
  const columns = Object.keys(statement.columns) as Array<keyof Row>;
  return (rows, client) => {
    if (!client) throw new Error(`${name}: PostgreSQL writes need their transaction's client (the group commit's pool option)`);
    return client.query({ name, text, values: columns.map((column) => rows.map((row) => row[column])) });
  };
}
