import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { migrationProvider } from './migrations/index.js';
import type { Database, Dialect } from './schema.js';

export interface DatabaseOptions {
  /** A postgres:// URL selects PostgreSQL; otherwise SQLite in `dataDir`. */
  url?: string;
  dataDir: string;
  poolMax?: number;
  /** Told about errors of idle pooled connections (a server restart), which are otherwise fatal. */
  onPoolError?: (err: Error) => void;
}

export interface PlugboardDatabase {
  db: Kysely<Database>;
  dialect: Dialect;
  /** Where the SQLite file lives; undefined on PostgreSQL. */
  file?: string;
  /**
   * The better-sqlite3 connection under `db`, for hot paths that run statements prepared once
   * on the driver; undefined on PostgreSQL. Use it only while holding `db.connection()`, so
   * that its statements never land inside a transaction of the query builder's.
   */
  sqlite?: SQLite.Database;
  /**
   * The pg pool under `db`, for statements prepared once on the driver (named statements);
   * undefined on SQLite.
   */
  pool?: pg.Pool;
  /** The PostgreSQL URL, for connections of its own (LISTEN); undefined on SQLite. */
  url?: string;
  /** The PostgreSQL schema that search_path selects; undefined on SQLite. */
  schema?: string;
  close(): Promise<void>;
}

export const SQLITE_FILE_NAME = 'plugboard.sqlite';

export async function openDatabase(options: DatabaseOptions): Promise<PlugboardDatabase> {
  const opened = options.url ? openPostgres(options.url, options.poolMax ?? 10, options.onPoolError) : openSqlite(options.dataDir);
  try {
    if (opened.dialect === 'postgres') {
      opened.schema = (await sql<{ schema: string }>`select current_schema() as schema`.execute(opened.db)).rows[0].schema;
    }
    await migrate(opened.db, opened.schema);
  } catch (err) {
    await opened.db.destroy();
    throw err;
  }
  return opened;
}

function openSqlite(dataDir: string): PlugboardDatabase {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, SQLITE_FILE_NAME);
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  return { db, dialect: 'sqlite', file, sqlite, close: () => db.destroy() };
}

// bigint columns hold epoch milliseconds and nanosecond durations, all well inside 2^53:
// read them as numbers, as SQLite does, instead of pg's default strings.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely prepares every statement anew; preparing costs as much as running the small
 * statements of the hot paths (claim, finish, event insert). Statements are reusable, and the
 * SQLite connection runs one query at a time, so they are cached by their SQL text.
 */
function withStatementCache(sqlite: SQLite.Database): SQLite.Database {
  const cache = new Map<string, SQLite.Statement>();
  const prepare = sqlite.prepare.bind(sqlite);
  return new Proxy(sqlite, {
    get(target, property, receiver) {
      if (property !== 'prepare') return Reflect.get(target, property, receiver);
      return (source: string) => {
        let statement = cache.get(source);
        if (!statement) {
          if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
          statement = prepare(source);
          cache.set(source, statement);
        }
        return statement;
      };
    },
  });
}

function openPostgres(url: string, max: number, onPoolError?: (err: Error) => void): PlugboardDatabase {
  const pool = new pg.Pool({ connectionString: url, max });
  // An idle client losing its connection emits 'error' on the pool; unheard, it would end the
  // process. The pool replaces the client on next use.
  pool.on('error', (err) => onPoolError?.(err));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect: 'postgres', pool, url, close: () => db.destroy() };
}

async function migrate(db: Kysely<Database>, schema: string | undefined): Promise<void> {
  // Kysely looks for its bookkeeping tables in every schema unless told which one; name the
  // schema that search_path selects, so databases with several schemas migrate correctly.
  const migrator = new Migrator({ db, provider: migrationProvider, ...(schema ? { migrationTableSchema: schema } : {}) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`Database migration ${failed?.migrationName ?? ''} failed: ${(error as Error).message ?? error}`);
  }
}
