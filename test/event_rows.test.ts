import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi, type MockInstance } from 'vitest';
import { timeOrderedUuid } from '../src/common/ids.js';
import { actionEvent, type ExecutionEventContext } from '../src/event_log/action_events.js';
import { toEventRow, type EventDocument } from '../src/event_log/document.js';
import { EventLogger } from '../src/event_log/event_logger.js';
import { executionEvents } from '../src/event_log/event_reader.js';
import { getExecutionKpi, getExecutionLog, type ExecutionEventsQuery, type ExecutionLogQuery } from '../src/event_log/execution_log_queries.js';
import { kqlFilter } from '../src/event_log/kql.js';
import { deleteEventsBefore } from '../src/event_log/retention.js';
import { GroupCommit } from '../src/storage/group_commit.js';
import { migrationProvider } from '../src/storage/migrations/index.js';
import type { Database } from '../src/storage/schema.js';
import { childServerFixtures, startDeliverySink, type DeliverySink } from './helpers/child_server.js';
import { availableDialects, createPostgresSchema, type DialectName, type TestSchema } from './helpers/databases.js';
import { traceDriverStatements } from './helpers/driver_statements.js';
import { startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';
import { startStatusSink, type StatusSink } from './helpers/status_sink.js';
import { hangingType, secretEchoType } from './helpers/test_types.js';
import { eventually } from './helpers/wait.js';

// An attempt is one event_log row (see EventRow in src/event_log/document.ts). The executor's
// documents, stored the way they were before (one row each), read the same as when stored one
// row per attempt, and the same after migration 011 joins the old rows: the documents of each
// execution, the execution log and KPI under many filters and sorts, and what retention deletes.

const dialects = await availableDialects();

const MIGRATION = '011_event_rows_per_attempt';
const migrationNames = Object.keys(await migrationProvider.getMigrations());
/** The last migration before this one: the shape "before". */
const BEFORE = migrationNames[migrationNames.indexOf(MIGRATION) - 1];

const uuidOf = (doc: EventDocument) => doc.kibana.action.execution.uuid;
const ORDER_IN_ATTEMPT: Record<string, number> = { 'execute-start': 0, 'execute-timeout': 1 };

/** What the reader answered before: an execution's documents by attempt, time, then start < timeout < the rest. */
function expectedEvents(docs: EventDocument[], executionId: string): EventDocument[] {
  const key = (d: EventDocument) => [d.kibana.action.execution.attempt, Date.parse(d['@timestamp']), ORDER_IN_ATTEMPT[d.event.action] ?? 2];
  return docs
    .filter((d) => uuidOf(d) === executionId)
    .sort((a, b) => {
      const [x, y] = [key(a), key(b)];
      return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
    });
}

/** A database on the schema before migration 011, migrated further on request. */
async function databaseBefore(dialect: DialectName) {
  let db: Kysely<Database>;
  let schema: TestSchema | undefined;
  let dataDir: string | undefined;
  let migrationTableSchema: string | undefined;
  if (dialect === 'sqlite') {
    dataDir = mkdtempSync(path.join(tmpdir(), 'plugboard-event-rows-'));
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: new SQLite(path.join(dataDir, 'before.sqlite')) }) });
  } else {
    schema = await createPostgresSchema();
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: schema.url, max: 2 }) }) });
    migrationTableSchema = (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0].schema;
  }
  const migrator = new Migrator({ db, provider: migrationProvider, ...(migrationTableSchema ? { migrationTableSchema } : {}) });
  const migrate = async (run: Promise<{ error?: unknown }>) => {
    const { error } = await run;
    if (error) throw error;
  };
  await migrate(migrator.migrateTo(BEFORE));
  return {
    db,
    up: () => migrate(migrator.migrateToLatest()),
    down: () => migrate(migrator.migrateTo(BEFORE)),
    async close() {
      await db.destroy();
      await schema?.drop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Rows as the event logger wrote them before: one per document. */
async function insertOneRowPerDocument(db: Kysely<Database>, docs: EventDocument[]) {
  const rows = docs.map((doc) => {
    const { events: _, rule_id: _ruleId, rule_execution_uuid: _ruleExecution, gen_ai_usage: _genAiUsage, ...row } = toEventRow(timeOrderedUuid(), doc);
    return row;
  });
  for (let i = 0; i < rows.length; i += 200) await db.insertInto('event_log').values(rows.slice(i, i + 200)).execute();
}

describe.each(dialects)('one event row per attempt on %s', (dialect) => {
  let pb: TestPlugboard;
  let sink: StatusSink;
  let held: DeliverySink;
  let logged: MockInstance<EventLogger['log']>;
  /** Every document the executor logged, in order. */
  let docs: EventDocument[];
  let executionIds: string[];

  const api = async (method: string, url: string, body?: unknown, status = 200) => {
    const res = await pb.api(method, url, body);
    expect(res.status, res.text).toBe(status);
    return res.body;
  };
  const execute = (id: string, params: unknown, space = '') => api('POST', `${space}/api/actions/connector/${id}/_execute`, { params });
  const enqueue = async (id: string, params: unknown) => (await api('POST', `/api/actions/connector/${id}/_enqueue`, { params }, 202)).execution_id as string;
  const settled = (executionId: string, status: string) =>
    eventually(async () => {
      const view = await api('GET', `/api/actions/execution/${executionId}`);
      return view.status === status ? view : undefined;
    }, 30_000, `execution ${executionId} to be ${status}`);

  beforeAll(async () => {
    logged = vi.spyOn(EventLogger.prototype, 'log');
    sink = await startStatusSink();
    held = await startDeliverySink({ delayMs: 0 });
    pb = await startTestPlugboard({
      dialect,
      extraConnectorTypes: [hangingType, secretEchoType],
      settings: {
        'plugboard.tasks.pollInterval': '100ms',
        'plugboard.tasks.timeout': '2s',
        'plugboard.tasks.shutdownGrace': '100ms',
        'xpack.actions.run.connectorTypeOverrides': [
          { id: '.webhook', maxAttempts: 2 },
          { id: '.test-hanging', maxAttempts: 1 },
        ],
        'xpack.actions.preconfigured': { 'pre-log': { name: 'Preconfigured log', actionTypeId: '.server-log' } },
      },
    });
    const hook = (id: string, url: string, space = '') =>
      api('POST', `${space}/api/actions/connector/${id}`, { name: `hook ${id}`, connector_type_id: '.webhook', config: { url, hasAuth: false } });
    await hook('hook', `${sink.url}/hook`);
    await hook('held', `${held.url}/held`);
    await api('POST', '/api/spaces/space', { id: 'ops', name: 'Ops' });
    await hook('ops-hook', `${sink.url}/ops`, '/s/ops');
    await api('POST', '/api/actions/connector/echo', { name: 'echo', connector_type_id: '.test-secret-echo', config: {}, secrets: { token: 'echo-token-123' } });
    await api('POST', '/api/actions/connector/hangs', { name: 'Hangs', connector_type_id: '.test-hanging' });

    // Run over HTTP: answered, failed at the destination, refused by validation (no start).
    sink.respondWith({ status: 200, body: 'ok' });
    expect(await execute('hook', { body: 'one' })).toMatchObject({ status: 'ok' });
    sink.respondWith({ status: 500, body: '{}' });
    expect(await execute('hook', { body: 'two' })).toMatchObject({ status: 'error' });
    expect(await execute('hook', { body: 42 })).toMatchObject({ status: 'error' });
    // Ended within the tick of the start: joined before either is written.
    expect(await execute('echo', {})).toMatchObject({ status: 'ok' });
    expect(await execute('echo', { fail: true })).toMatchObject({ status: 'error' });
    expect(await execute('pre-log', { message: 'hello' })).toMatchObject({ status: 'ok' });
    sink.respondWith({ status: 200, body: 'ok' });
    expect(await execute('ops-hook', { body: 'ops' }, '/s/ops')).toMatchObject({ status: 'ok' });

    // Queued: delivered; failed once, then delivered; timed out.
    await settled(await enqueue('hook', { body: 'queued' }), 'ok');
    sink.respondWith({ status: 503, body: '{}' });
    const retried = await enqueue('hook', { body: 'retried' });
    await eventually(async () => {
      const task = await pb.plugboard.database.db.selectFrom('tasks').select(['status', 'attempts']).where('id', '=', retried).executeTakeFirst();
      return task?.status === 'idle' && task.attempts === 1 ? task : undefined;
    });
    sink.respondWith({ status: 200, body: 'ok' });
    await pb.plugboard.database.db.updateTable('tasks').set({ run_at: Date.now() }).where('id', '=', retried).execute();
    pb.plugboard.taskManager.wake();
    await settled(retried, 'ok');
    await settled(await enqueue('hangs', {}), 'timeout');

    // Cut short by a shutdown while its destination holds the request.
    held.hold();
    const interrupted = await enqueue('held', { body: JSON.stringify({ n: 1 }) });
    await eventually(() => (held.counts.get(1) ? true : undefined), 30_000, 'the held delivery');
    await pb.plugboard.taskManager.stop();
    held.release();
    await settled(interrupted, 'queued');
    await pb.plugboard.flushWrites();

    docs = logged.mock.calls.map(([doc]) => doc as EventDocument);
    executionIds = [...new Set(docs.map(uuidOf))];
  }, 120_000);

  afterAll(async () => {
    logged?.mockRestore();
    await pb?.close();
    await sink?.close();
    await held?.close();
  });

  it('covers every kind of event, one row per attempt', async () => {
    const actions = new Set(docs.map((d) => d.event.action));
    expect([...actions].sort()).toEqual(['execute', 'execute-interrupted', 'execute-start', 'execute-timeout']);
    const rows = await pb.plugboard.database.db.selectFrom('event_log').select(['action', 'events']).execute();
    const attempts = docs.filter((d) => d.event.action === 'execute-start').length;
    // Every started attempt is one row of two events; the validation failure and the timeout are rows of their own.
    expect(rows.filter((r) => r.events === 2)).toHaveLength(attempts);
    expect(rows).toHaveLength(docs.length - attempts);
  });

  it('answers every execution with the documents the executor logged, in the order read before', async () => {
    for (const id of executionIds) {
      expect(await executionEvents(pb.plugboard.database.db, id), id).toEqual(expectedEvents(docs, id));
    }
    // The same through the routes: a queued execution's view, and the Logs page's event detail of its space.
    const queued = docs.find((d) => d.kibana.task && d.event.action === 'execute-interrupted')!;
    expect((await api('GET', `/api/actions/execution/${uuidOf(queued)}`)).events).toEqual(expectedEvents(docs, uuidOf(queued)));
    const inOps = docs.find((d) => d.kibana.space_ids[0] === 'ops')!;
    expect(await api('GET', `/s/ops/internal/actions/execution_events/${uuidOf(inOps)}`)).toEqual(expectedEvents(docs, uuidOf(inOps)));
  });

  describe('against the rows of before, and migration 011', () => {
    let before: Awaited<ReturnType<typeof databaseBefore>>;
    let range: { dateStart: number; dateEnd: number };

    beforeAll(async () => {
      before = await databaseBefore(dialect);
      await insertOneRowPerDocument(before.db, docs);
      const times = docs.map((d) => Date.parse(d['@timestamp']));
      range = { dateStart: Math.min(...times), dateEnd: Math.max(...times) + 1 };
    });
    afterAll(async () => {
      await before?.close();
    });

    /** The execution log and KPI under filters, spaces, sorts and pages. */
    async function readings(db: Kysely<Database>) {
      const filters = [
        undefined,
        'event.outcome:failure',
        'not event.outcome:success',
        'event.action:execute-timeout',
        'event.action:execute-interrupted',
        'event.action:execute-start',
        'message:started',
        'message:executed',
        'error.message:*',
        'kibana.action.id:hook',
        'kibana.action.execution.attempt >= 2',
        'event.duration > 0',
        'kibana.task.schedule_delay:*',
      ];
      const queries: ExecutionEventsQuery[] = filters.flatMap((filter) =>
        [undefined, ['default'], ['ops']].map((spaceIds) => ({ ...range, spaceIds, filter: filter === undefined ? undefined : kqlFilter(filter, { now: Date.now() }) })),
      );
      const pages: ExecutionLogQuery[] = (['timestamp', 'execution_duration', 'schedule_delay'] as const).flatMap((field) =>
        (['asc', 'desc'] as const).flatMap((order) => [1, 2, 3].map((page) => ({ ...range, sort: [{ field, order }], page, perPage: 4 }))),
      );
      const out: unknown[] = [];
      for (const q of queries) out.push(await getExecutionLog(db, { ...q, sort: [], page: 1, perPage: 100 }), await getExecutionKpi(db, q));
      for (const q of pages) out.push(await getExecutionLog(db, q));
      return out;
    }

    it('reads the same execution log and KPI from one row per attempt as from one row per event', async () => {
      const expected = await readings(before.db);
      // Not vacuous: the log lists every execution that has more than a start.
      expect((expected[0] as { total: number }).total).toBe(executionIds.length);
      expect(await readings(pb.plugboard.database.db)).toEqual(expected);
    });

    it('joins the old rows of each attempt into one, reading the same documents, log and KPI', async () => {
      const expected = await readings(before.db);
      await before.up();
      const rows = await before.db.selectFrom('event_log').select('events').execute();
      expect(rows).toHaveLength((await pb.plugboard.database.db.selectFrom('event_log').select('id').execute()).length);
      for (const id of executionIds) expect(await executionEvents(before.db, id), id).toEqual(expectedEvents(docs, id));
      expect(await readings(before.db)).toEqual(expected);
    });

    it('splits them again when migrated down', async () => {
      await before.down();
      const rows = await before.db.selectFrom('event_log').select('document').execute();
      expect(rows.map((r) => r.document).sort()).toEqual(docs.map((d) => JSON.stringify(d)).sort());
      await before.up();
    });

    it('deletes the same events as before at every retention cutoff, counting each', async () => {
      const times = [...new Set(docs.map((d) => Date.parse(d['@timestamp'])))].sort((a, b) => a - b);
      let left = docs;
      for (const cutoff of times.flatMap((t) => [t, t + 1])) {
        const kept = left.filter((d) => Date.parse(d['@timestamp']) >= cutoff);
        for (const db of [pb.plugboard.database.db, before.db]) {
          expect(await deleteEventsBefore(db, new Date(cutoff))).toBe(left.length - kept.length);
          for (const id of executionIds) expect(await executionEvents(db, id)).toEqual(expectedEvents(kept, id));
        }
        left = kept;
      }
      expect(left).toEqual([]);
    });
  });
});

/** Counts the inserts and updates of event_log that reach the database drivers, below the query builder. */
function countEventLogWrites() {
  const written = { inserts: 0, updates: 0 };
  const count = (text: string) => {
    if (!/"event_log"/.test(text)) return;
    if (/^\s*insert/i.test(text)) written.inserts++;
    else if (/^\s*update/i.test(text)) written.updates++;
  };
  return {
    written,
    reset() {
      written.inserts = written.updates = 0;
    },
    restore: traceDriverStatements(({ text }) => count(text)),
  };
}

describe.each(dialects)('event-log writes on %s', (dialect) => {
  let pb: TestPlugboard;
  let sink: StatusSink;
  let counter: ReturnType<typeof countEventLogWrites>;

  beforeAll(async () => {
    sink = await startStatusSink();
    pb = await startTestPlugboard({ dialect });
    // One connector at default settings.
    const created = await pb.api('POST', '/api/actions/connector/hook', { name: 'hook', connector_type_id: '.webhook', config: { url: `${sink.url}/x`, hasAuth: false } });
    expect(created.status, created.text).toBe(200);
    await pb.plugboard.flushWrites();
    counter = countEventLogWrites();
  });
  afterAll(async () => {
    counter?.restore();
    await pb?.close();
    await sink?.close();
  });

  /** An event logger of its own, on the plugboard's database. */
  const eventLogger = () =>
    new EventLogger(new GroupCommit(pb.plugboard.database.db, pino({ level: 'silent' }), { pool: pb.plugboard.database.pool }), pb.plugboard.database, (err) => {
      throw err;
    });
  /** The start and end of attempt 1 of execution `executionId`. */
  const attempt = (executionId: string): [EventDocument, EventDocument] => {
    const ctx: ExecutionEventContext = { spaceId: 'default', connector: { id: 'hook', name: 'hook', typeId: '.webhook', inMemory: false }, executionId, source: 'http_request', attempt: 1 };
    const start = new Date();
    return [
      actionEvent(ctx, 'execute-start', { message: 'action started: .webhook:hook: hook', end: start }),
      actionEvent(ctx, 'execute', { message: 'action executed: .webhook:hook: hook', start, end: new Date(start.getTime() + 7), outcome: 'success' }),
    ];
  };

  it('joins an end logged in the tick of its start to its insert, and otherwise updates the start row', async () => {
    const db = pb.plugboard.database.db;
    const events = eventLogger();
    counter.reset();
    const sameTick = attempt('same-tick');
    void events.log(sameTick[0]);
    await events.log(sameTick[1]);
    expect(counter.written).toEqual({ inserts: 1, updates: 0 });
    const later = attempt('later');
    await events.log(later[0]);
    await events.log(later[1]);
    expect(counter.written).toEqual({ inserts: 2, updates: 1 });
    expect(await executionEvents(db, 'same-tick')).toEqual(sameTick);
    expect(await executionEvents(db, 'later')).toEqual(later);
  });

  it('writes an end whose start is not in the table as a row of its own, beside the ends that found theirs', async () => {
    const db = pb.plugboard.database.db;
    const events = eventLogger();
    const found = attempt('found');
    const lone = attempt('lone');
    await events.log(found[0]);
    counter.reset();
    // One write: both ends are tried as updates; the one that found no start is then inserted.
    void events.log(found[1]);
    await events.log(lone[1]);
    expect(counter.written).toEqual(dialect === 'sqlite' ? { inserts: 1, updates: 2 } : { inserts: 1, updates: 1 });
    expect(await executionEvents(db, 'found')).toEqual(found);
    expect(await executionEvents(db, 'lone')).toEqual([lone[1]]);
    const rows = await db.selectFrom('event_log').select(['execution_uuid', 'events']).where('execution_uuid', 'in', ['found', 'lone']).orderBy('execution_uuid').execute();
    expect(rows).toEqual([
      { execution_uuid: 'found', events: 2 },
      { execution_uuid: 'lone', events: 1 },
    ]);
  });

  it('writes one row per delivered action: one insert and at most one update', async () => {
    const db = pb.plugboard.database.db;
    counter.reset();
    const ACTIONS = 200;
    const res = await pb.api('POST', '/api/actions/_bulk_enqueue', { actions: Array.from({ length: ACTIONS }, (_, i) => ({ id: 'hook', params: { body: String(i) } })) });
    expect(res.status, res.text).toBe(200);
    const delivered = () => db.selectFrom('tasks').select(db.fn.countAll<number>().as('n')).where('status', '=', 'succeeded').executeTakeFirstOrThrow();
    await eventually(async () => (Number((await delivered()).n) === ACTIONS ? true : undefined), 60_000, 'every action delivered');
    await pb.plugboard.flushWrites();
    const executionIds = (res.body.items as Array<{ execution_id: string }>).map((i) => i.execution_id);
    const rows = await db.selectFrom('event_log').select('events').where('execution_uuid', 'in', executionIds).execute();
    expect(rows).toHaveLength(ACTIONS);
    expect(rows.every((r) => r.events === 2)).toBe(true);
    if (dialect === 'sqlite') {
      // A statement per row: the start's insert, and the end's update unless it joined the insert.
      expect(counter.written.inserts).toBe(ACTIONS);
      expect(counter.written.updates).toBeLessThanOrEqual(ACTIONS);
    } else {
      // The rows of a tick are one statement.
      expect(counter.written.inserts + counter.written.updates).toBeLessThan(ACTIONS);
    }
  }, 90_000);
});

describe.each(dialects)('an attempt cut short by a crash on %s', (dialect) => {
  const fixtures = childServerFixtures();

  it(
    'still shows its execute-start',
    async () => {
      const sink = await fixtures.sink({ delayMs: 0 });
      const data = await fixtures.data(dialect, ['plugboard.tasks.pollInterval: 200ms']);
      const server = await data.start();
      const created = await server.api('POST', '/api/actions/connector/crash-hook', { name: 'crash-hook', connector_type_id: '.webhook', config: { url: `${sink.url}/deliver`, hasAuth: false } });
      expect(created.status, created.text).toBe(200);
      sink.hold();
      const queued = await server.api('POST', '/api/actions/connector/crash-hook/_enqueue', { params: { body: JSON.stringify({ n: 1 }) } });
      expect(queued.status, queued.text).toBe(202);
      const id: string = queued.body.execution_id;
      await eventually(() => (sink.counts.get(1) ? true : undefined), 30_000, 'the action to reach the sink');
      // The start is written while the action runs; nothing ends it.
      await eventually(async () => ((await server.api('GET', `/api/actions/execution/${id}`)).body.events?.length ? true : undefined));
      expect(await server.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });

      const after = await startTestPlugboard({ dialect, dataDir: data.dataDir, databaseUrl: data.databaseUrl, runTasks: false });
      try {
        const view = await after.api('GET', `/api/actions/execution/${id}`);
        expect(view.body.events.map((e: EventDocument) => [e.kibana.action.execution.attempt, e.event.action, e.message])).toEqual([
          [1, 'execute-start', 'action started: .webhook:crash-hook: crash-hook'],
        ]);
        expect((await after.api('GET', `/internal/actions/execution_events/${id}`)).body).toEqual(view.body.events);
      } finally {
        await after.close();
      }
    },
    120_000,
  );
});
