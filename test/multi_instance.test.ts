import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDeliverySink, type DeliverySink } from './helpers/child_server.js';
import { postgresAvailable, TEST_POSTGRES_URL } from './helpers/databases.js';
import { startTestPlugboard, type TestPlugboard, type TestPlugboardOptions } from './helpers/plugboard.js';
import { eventually } from './helpers/wait.js';

// Several Plugboards sharing one PostgreSQL database: they wake each other with NOTIFY and
// split the queue between them with SKIP LOCKED claims. (PostgreSQL only: SQLite is one
// process's file.) Skipped without PostgreSQL, unless PLUGBOARD_REQUIRE_SERVICES=1.

const postgres = await postgresAvailable();

interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * A fresh database rather than a schema: LISTEN/NOTIFY channels belong to the database, so
 * instances of other test files (other schemas, same database) would wake ours too and the
 * NOTIFY test could pass without our own NOTIFY.
 */
async function createPostgresDatabase(): Promise<TestDatabase> {
  const name = `plugboard_mi_${randomBytes(6).toString('hex')}`;
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`create database ${name}`);
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      // A closed pool's connections go away a moment after pool.end() resolves; wait for them
      // rather than terminating them (a terminated idle pool connection is an 'error' event).
      for (let i = 0; i < 50; i++) {
        try {
          await admin(`drop database if exists ${name}`);
          return;
        } catch (err) {
          if ((err as { code?: string }).code !== '55006') throw err;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      await admin(`drop database if exists ${name} with (force)`);
    },
  };
}

describe.skipIf(!postgres)('several instances on one PostgreSQL database', () => {
  let database: TestDatabase | undefined;
  let sink: DeliverySink;
  let instances: TestPlugboard[] = [];

  const start = async (opts: Omit<TestPlugboardOptions, 'dialect' | 'databaseUrl'> = {}) => {
    const pb = await startTestPlugboard({ dialect: 'postgres', databaseUrl: database!.url, ...opts });
    instances.push(pb);
    return pb;
  };
  const hook = async (pb: TestPlugboard, id: string) => {
    const res = await pb.api('POST', `/api/actions/connector/${id}`, {
      name: id,
      connector_type_id: '.webhook',
      config: { url: `${sink.url}/${id}`, hasAuth: false },
    });
    expect(res.status, res.text).toBe(200);
  };

  beforeEach(async () => {
    database = await createPostgresDatabase();
    sink = await startDeliverySink({ delayMs: 30 });
  });
  afterEach(async () => {
    // Given a databaseUrl, the helper leaves the database alone: it is dropped here, once.
    await Promise.allSettled(instances.reverse().map((pb) => pb.close()));
    instances = [];
    await sink?.close();
    await database?.drop();
  });

  it(
    'an instance that only queues wakes another through NOTIFY, long before its poll',
    async () => {
      const queuer = await start({ runTasks: false });
      const worker = await start({ settings: { 'plugboard.tasks.pollInterval': '60s' } });
      await hook(queuer, 'notify-hook');

      // Let the worker go to sleep: its first claims (the retention task, the wake-up when
      // that finishes) are over once its claim count stops moving with nothing running.
      await eventually(
        async () => {
          const before = worker.plugboard.taskManager.stats.claims;
          await new Promise((r) => setTimeout(r, 500));
          const { claims, running } = worker.plugboard.taskManager.stats;
          return claims >= 1 && claims === before && running === 0 ? true : undefined;
        },
        30_000,
        'the worker to be idle',
      );
      const claimsBefore = worker.plugboard.taskManager.stats.claims;

      const res = await queuer.api('POST', '/api/actions/connector/notify-hook/_enqueue', { params: { body: JSON.stringify({ n: 1 }) } });
      expect(res.status, res.text).toBe(202);
      const executionId = res.body.execution_id as string;
      // The worker polls every 60 s and the queuer runs nothing: only NOTIFY explains a
      // delivery within 10 s. (A correctness check with a wide margin, not a speed test.)
      await eventually(() => (sink.counts.get(1) ? true : undefined), 10_000, 'the delivery woken by NOTIFY');
      expect(worker.plugboard.taskManager.stats.claims).toBeGreaterThan(claimsBefore);
      expect(queuer.plugboard.taskManager.stats.claims).toBe(0);
      const done = await eventually(
        async () => {
          const view = await queuer.api('GET', `/api/actions/execution/${executionId}`);
          return view.body?.status === 'ok' ? view.body : undefined;
        },
        10_000,
        'the execution to be ok',
      );
      expect(done).toMatchObject({ execution_id: executionId, connector_id: 'notify-hook', attempts: 1 });
      expect(sink.counts.get(1)).toBe(1);
    },
    120_000,
  );

  it(
    'wake-ups come back after the listening connection is cut',
    async () => {
      const queuer = await start({ runTasks: false });
      const worker = await start({ settings: { 'plugboard.tasks.pollInterval': '60s' } });
      await hook(queuer, 'relisten-hook');
      const admin = new pg.Client({ connectionString: database!.url });
      await admin.connect();
      try {
        const listeners = async () =>
          (await admin.query<{ pid: number }>(`select pid from pg_stat_activity where datname = current_database() and query like 'LISTEN%'`)).rows.map((r) => r.pid);
        const before = await eventually(async () => ((await listeners()).length === 2 ? await listeners() : undefined), 30_000, 'two listeners');
        await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where pid = any($1)', [before]);
        // Both instances reconnect on their own, with new backends.
        await eventually(
          async () => {
            const now = await listeners();
            return now.length === 2 && now.every((pid) => !before.includes(pid)) ? true : undefined;
          },
          30_000,
          'the listeners to reconnect',
        );
      } finally {
        await admin.end();
      }
      // Let the worker sleep again (the reconnect wakes it once).
      await new Promise((r) => setTimeout(r, 1000));
      const res = await queuer.api('POST', '/api/actions/connector/relisten-hook/_enqueue', { params: { body: JSON.stringify({ n: 7 }) } });
      expect(res.status, res.text).toBe(202);
      // A 60 s poll: only a restored NOTIFY explains a delivery within 10 s.
      await eventually(() => (sink.counts.get(7) ? true : undefined), 10_000, 'the delivery woken by NOTIFY after reconnecting');
      expect(queuer.plugboard.taskManager.stats.claims).toBe(0);
    },
    120_000,
  );

  it(
    'three instances share a backlog without delivering any action twice',
    async () => {
      const TOTAL = 300;
      // Small per-instance capacity and a slow sink, so that no instance can take it all.
      const settings = { 'plugboard.tasks.maxConcurrency': 10, 'plugboard.tasks.claimBatchSize': 10, 'plugboard.tasks.pollInterval': '500ms' };
      const pbs = [await start({ settings }), await start({ settings }), await start({ settings })];
      const ran = pbs.map(() => [] as string[]);
      pbs.forEach((pb, i) =>
        pb.plugboard.taskManager.onOutcome((task, outcome) => {
          if (task.type.startsWith('actions:')) ran[i].push(`${task.id}:${outcome.kind}`);
        }),
      );
      await hook(pbs[0], 'shared-hook');

      const res = await pbs[0].api('POST', '/api/actions/_bulk_enqueue', {
        actions: Array.from({ length: TOTAL }, (_, i) => ({ id: 'shared-hook', params: { body: JSON.stringify({ n: i + 1 }) } })),
      });
      expect(res.status, res.text).toBe(200);
      expect(res.body.errors).toBe(false);
      const ids = new Set<string>(res.body.items.map((i: { execution_id: string }) => i.execution_id));
      expect(ids.size).toBe(TOTAL);

      await eventually(
        () => (ran.reduce((sum, r) => sum + r.length, 0) >= TOTAL ? true : undefined),
        90_000,
        `all ${TOTAL} actions to finish`,
      );
      const rows = await pbs[0].plugboard.database.db.selectFrom('tasks').select(['id', 'status', 'attempts']).where('type', 'like', 'actions:%').execute();
      expect(rows.length).toBe(TOTAL);
      expect(rows.filter((r) => r.status !== 'succeeded' || r.attempts !== 1)).toEqual([]);

      // Exactly once at the sink, and each task ran on exactly one instance.
      expect(sink.deliveries.length).toBe(TOTAL);
      expect([...sink.counts].filter(([, count]) => count !== 1)).toEqual([]);
      expect(sink.counts.size).toBe(TOTAL);
      const all = ran.flat();
      expect(all.length).toBe(TOTAL);
      expect(new Set(all.map((r) => r.split(':')[0]))).toEqual(ids);
      expect(all.every((r) => r.endsWith(':succeeded'))).toBe(true);
      // The work was spread: more than one instance ran some of it.
      const perInstance = ran.map((r) => r.length);
      expect(perInstance.filter((count) => count > 0).length, `per instance: ${perInstance.join(', ')}`).toBeGreaterThan(1);
      console.info(`[multi instance] actions per instance: ${perInstance.join(', ')}`);
    },
    120_000,
  );
});
