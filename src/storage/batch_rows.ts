import type pg from 'pg';
import type { PlugboardDatabase } from './database.js';

export type ColumnType = 'text' | 'integer' | 'bigint';
export type Columns<Row> = { [K in keyof Row & string]: ColumnType };

// The batched writes of the hot path (event rows, task writes) use statements whose text does
// not depend on how many rows there are, so they are prepared once on the driver:
//  - SQLite runs one cached single-row statement per row, in process, which costs less than
//    any multi-row form (bound parameters or json_each);
//  - PostgreSQL gets all rows in one round trip, as one array parameter per column read by
//    unnest, in a named statement (parsed and planned once per connection).

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
export function rowsWriter<Row extends object>(database: Pick<PlugboardDatabase, 'sqlite'>, statement: RowsStatement<Row>): RowsWriter<Row> {
  if (database.sqlite) {
    const prepared = database.sqlite.prepare<[Row]>(statement.sqlite);
    return (rows) => {
      for (const row of rows) prepared.run(row);
    };
  }
  const query = pgQuery(statement);
  return (rows, client) => pgClient(statement, client).query(query(rows));
}

/**
 * Like rowsWriter, for an update (see updateFromRows) whose caller must know which rows found
 * nothing to update: resolves to those. better-sqlite3 tells by each row's count of changes;
 * PostgreSQL returns the `key` columns of the rows that found one, matched to the rows by
 * `keyOf` (pg reads a bigint as its text: `keyOf` must name a number and its text alike).
 */
export function rowsUpdater<Row extends object, Key extends keyof Row & string>(
  database: Pick<PlugboardDatabase, 'sqlite'>,
  statement: RowsStatement<Row>,
  key: readonly Key[],
  keyOf: (row: NoInfer<Pick<Row, Key>>) => string,
): (rows: readonly Row[], client: pg.ClientBase | undefined) => Promise<Row[]> {
  if (database.sqlite) {
    const prepared = database.sqlite.prepare<[Row]>(statement.sqlite);
    return async (rows) => rows.filter((row) => prepared.run(row).changes === 0);
  }
  const query = pgQuery({ ...statement, postgres: `${statement.postgres} returning ${key.map((column) => `r."${column}"`).join(', ')}` });
  return async (rows, client) => {
    const result = await pgClient(statement, client).query<Pick<Row, Key>>(query(rows));
    const found = new Set(result.rows.map(keyOf));
    return rows.filter((row) => !found.has(keyOf(row)));
  };
}

/** The transaction's client, on which the named statements run. */
function pgClient({ name }: { name: string }, client: pg.ClientBase | undefined): pg.ClientBase {
  if (!client) throw new Error(`${name}: PostgreSQL writes need their transaction's client (the group commit's pool option)`);
  return client;
}

/** The named statement over rows: one array of values per column. */
function pgQuery<Row extends object>({ name, postgres: text, columns }: RowsStatement<Row>): (rows: readonly Row[]) => pg.QueryConfig {
  const names = Object.keys(columns) as Array<keyof Row>;
  return (rows) => ({ name, text, values: names.map((column) => rows.map((row) => row[column])) });
}
