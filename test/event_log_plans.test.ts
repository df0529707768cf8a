import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { CompiledQuery, Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionEvent, type ExecutionEventContext } from '../src/event_log/action_events.js';
import { EventLogger } from '../src/event_log/event_logger.js';
import { executionEvents } from '../src/event_log/event_reader.js';
import { getExecutionKpi, getExecutionLog } from '../src/event_log/execution_log_queries.js';
import { kqlFilter } from '../src/event_log/kql.js';
import { deleteEventsBefore } from '../src/event_log/retention.js';
import { openDatabase, type PlugboardDatabase } from '../src/storage/database.js';
import { GroupCommit } from '../src/storage/group_commit.js';
import type { Database } from '../src/storage/schema.js';
import { availableDialects, createPostgresSchema, type TestSchema } from './helpers/databases.js';

// The plan of every statement on the event_log table, on a month of history: each finds its
// rows through an index, and every index of the table serves one of them (docs/event-log.md
// shows these plans).

const dialects = await availableDialects();
const DAY = 86_400_000;
const ATTEMPTS = 20_000;
const CONNECTORS = 50;
const SPACES = Array.from({ length: 40 }, (_, i) => (i === 0 ? 'default' : `space-${i}`));

describe.each(dialects)('event_log query plans on %s', (dialect) => {
  let database: PlugboardDatabase;
  let schema: TestSchema | undefined;
  let dataDir: string;
  /** The same database through a Kysely that records every statement it runs. */
  let traced: Kysely<Database>;
  /** On SQLite, the traced connection as the event logger's driver (its hot-path statements bypass the builder). */
  let tracedDriver: Pick<PlugboardDatabase, 'dialect' | 'sqlite'>;
  let closeTraced: () => Promise<void>;
  const statements: CompiledQuery[] = [];
  const now = Date.now();

  const hook = (n: number) => ({ id: `c${n % CONNECTORS}`, name: `hook ${n % CONNECTORS}`, typeId: '.webhook', inMemory: false });

  /** Logs, as the executor does, attempt 1 of execution `uuid`, started at `start`; `ended` adds its end. */
  function logAttempt(events: EventLogger, uuid: string, n: number, start: Date, ended = true) {
    const ctx: ExecutionEventContext = { spaceId: SPACES[n % SPACES.length], connector: hook(n), executionId: uuid, source: 'http_request', attempt: 1, scheduledAt: start };
    void events.log(actionEvent(ctx, 'execute-start', { message: 'action started', end: start }));
    if (ended) void events.log(actionEvent(ctx, 'execute', { message: 'action executed', start, end: new Date(start.getTime() + 20), outcome: n % 7 ? 'success' : 'failure' }));
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'plugboard-plans-'));
    schema = dialect === 'postgres' ? await createPostgresSchema() : undefined;
    database = await openDatabase({ dataDir, url: schema?.url });
    const writes = new GroupCommit(database.db, pino({ level: 'silent' }));
    const events = new EventLogger(writes, database, (err) => {
      throw err;
    });
    // A month of attempts, the newest now; one in a hundred has started but not ended.
    for (let n = 0; n < ATTEMPTS; n++) logAttempt(events, `run-${n}`, n, new Date(now - Math.floor((n * 30 * DAY) / ATTEMPTS)), n % 100 !== 99);
    await writes.flush();
    if (dialect === 'postgres') await sql`analyze event_log`.execute(database.db);

    const log = (event: { level: string; query: CompiledQuery }) => {
      if (event.level === 'query') statements.push(event.query);
    };
    if (database.dialect === 'sqlite') {
      const connection = new SQLite(database.file!);
      traced = new Kysely<Database>({ dialect: new SqliteDialect({ database: connection }), log });
      const recording = {
        prepare(text: string) {
          const statement = connection.prepare(text);
          return {
            run(...params: unknown[]) {
              statements.push(CompiledQuery.raw(text, params.length === 1 && Array.isArray(params[0]) ? params[0] : params));
              return statement.run(...params);
            },
          };
        },
      };
      tracedDriver = { dialect: 'sqlite', sqlite: recording as unknown as SQLite.Database };
    } else {
      traced = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: schema!.url, max: 1 }) }), log });
      tracedDriver = database;
    }
    closeTraced = () => traced.destroy();
  }, 120_000);

  afterAll(async () => {
    await closeTraced?.();
    await database?.close();
    await schema?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** The statements `run` makes on event_log, each with the plan the database chooses for it. */
  async function plans(run: () => Promise<unknown>): Promise<Array<{ sql: string; plan: string }>> {
    statements.length = 0;
    await run();
    const own = statements.filter((q) => /event_log/.test(q.sql));
    const out: Array<{ sql: string; plan: string }> = [];
    for (const q of own) {
      const explain = CompiledQuery.raw(`${dialect === 'sqlite' ? 'explain query plan' : 'explain (costs off)'} ${q.sql}`, [...q.parameters]);
      const { rows } = await database.db.executeQuery<Record<string, string>>(explain);
      out.push({ sql: q.sql, plan: rows.map((r) => (dialect === 'sqlite' ? r.detail : r['QUERY PLAN'])).join('\n') });
    }
    return out;
  }

  const PRIMARY_KEY = /^(sqlite_autoindex_event_log_\d+|event_log_pkey)$/;
  /** The event_log indexes a plan reads, the primary key's (named by the database) as `primary key`. */
  const indexesIn = (plan: string) =>
    [...new Set([...plan.matchAll(/\b(event_log_\w+|sqlite_autoindex_event_log_\d+)\b/g)].map((m) => (PRIMARY_KEY.test(m[1]) ? 'primary key' : m[1])))].sort();
  const scansWholeTable = (plan: string) => (dialect === 'sqlite' ? /\bSCAN event_log\b(?! USING)/.test(plan) : /Seq Scan on event_log\b/.test(plan));

  it('finds the rows of every event-log statement through an index, and uses every index', async () => {
    const writes = new GroupCommit(traced, pino({ level: 'silent' }));
    const events = new EventLogger(writes, tracedDriver, (err) => {
      throw err;
    });
    const ctx: ExecutionEventContext = { spaceId: 'default', connector: hook(1), executionId: 'traced', source: 'http_request', attempt: 1 };
    const start = new Date(now);
    // Each run, and the indexes of its statements, in order (an insert reads none).
    const queries: Array<[string, () => Promise<unknown>, string[][]]> = [
      ['start (insert)', () => events.log(actionEvent(ctx, 'execute-start', { message: 'action started', end: start })), [[]]],
      // Written after its start: an update of the start's row.
      ['end (update)', () => events.log(actionEvent(ctx, 'execute', { message: 'action executed', start, end: new Date(now + 5), outcome: 'success' })), [['event_log_execution']]],
      ['events of an execution', () => executionEvents(traced, 'traced'), [['event_log_execution']]],
      [
        'execution log of a space, last 24 hours',
        () => getExecutionLog(traced, { dateStart: now - DAY, dateEnd: now, spaceIds: ['default'], sort: [], page: 1, perPage: 10 }),
        [['event_log_space_time'], ['primary key']],
      ],
      [
        "execution log of a connector (its Logs tab's KQL), last 30 days",
        () => getExecutionLog(traced, { dateStart: now - 30 * DAY, dateEnd: now, spaceIds: ['default'], filter: kqlFilter('kibana.action.id:c0', { now }), sort: [], page: 1, perPage: 10 }),
        [['event_log_connector_time'], ['primary key']],
      ],
      ['KPI of a space, last 24 hours', () => getExecutionKpi(traced, { dateStart: now - DAY, dateEnd: now, spaceIds: ['default'] }), [['event_log_space_time']]],
      ['KPI of every space, last 24 hours', () => getExecutionKpi(traced, { dateStart: now - DAY, dateEnd: now }), [['event_log_timestamp']]],
      ['retention', () => deleteEventsBefore(traced, new Date(now - 29 * DAY)), [['event_log_timestamp'], ['event_log_timestamp']]],
    ];
    const used = new Set<string>();
    for (const [name, run, expected] of queries) {
      const found = await plans(run);
      expect(found.map(({ plan }) => indexesIn(plan)), `${name}:\n${found.map((f) => `${f.sql}\n${f.plan}`).join('\n')}`).toEqual(expected);
      for (const { sql: text, plan } of found) {
        expect(scansWholeTable(plan), `${name}: ${text}\n${plan}`).toBe(false);
        for (const index of indexesIn(plan)) used.add(index);
      }
    }
    const declared =
      dialect === 'sqlite'
        ? await sql<{ name: string }>`select name from sqlite_master where type = 'index' and tbl_name = 'event_log'`.execute(database.db)
        : await sql<{ name: string }>`select indexname as name from pg_indexes where tablename = 'event_log' and schemaname = current_schema()`.execute(database.db);
    expect([...used].sort()).toEqual(declared.rows.map((r) => (PRIMARY_KEY.test(r.name) ? 'primary key' : r.name)).sort());
  });
});
