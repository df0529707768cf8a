import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openDatabase, type PlugboardDatabase } from '../../src/storage/database.js';

// Tests run against both dialects. PostgreSQL tests skip on a laptop without PostgreSQL, but
// fail when PLUGBOARD_REQUIRE_SERVICES=1 (CI) so a missing service is never silently skipped.

export const TEST_POSTGRES_URL = process.env.PLUGBOARD_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REQUIRE_SERVICES = process.env.PLUGBOARD_REQUIRE_SERVICES === '1';

export type DialectName = 'sqlite' | 'postgres';

let postgresUp: Promise<boolean> | undefined;

export function postgresAvailable(): Promise<boolean> {
  postgresUp ??= (async () => {
    const client = new pg.Client({ connectionString: TEST_POSTGRES_URL, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.query('select 1');
      return true;
    } catch (err) {
      if (REQUIRE_SERVICES) throw new Error(`PostgreSQL is required (PLUGBOARD_REQUIRE_SERVICES=1) but unreachable at ${TEST_POSTGRES_URL}: ${(err as Error).message}`);
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return postgresUp;
}

/** The dialects to run a suite against: PostgreSQL only where it can be reached. */
export async function availableDialects(): Promise<DialectName[]> {
  return (await postgresAvailable()) ? ['sqlite', 'postgres'] : ['sqlite'];
}

export interface TestSchema {
  url: string;
  drop(): Promise<void>;
}

/** A fresh PostgreSQL schema, so test files never see each other's rows. */
export async function createPostgresSchema(): Promise<TestSchema> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const url = new URL(TEST_POSTGRES_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
    },
  };
}

/** An open, migrated database of `dialect` in a data directory (and schema) of its own; `close` removes them. */
export async function openTestDatabase(dialect: DialectName): Promise<{ database: PlugboardDatabase; close(): Promise<void> }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'plugboard-test-db-'));
  const schema = dialect === 'postgres' ? await createPostgresSchema() : undefined;
  const database = await openDatabase({ dataDir: dir, url: schema?.url });
  return {
    database,
    async close() {
      await database.close();
      await schema?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
