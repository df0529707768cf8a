import { sql } from 'kysely';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { availableDialects, openTestDatabase, type DialectName } from '../../test/helpers/databases.js';
import { eventually } from '../../test/helpers/wait.js';
import { deleteEventsBefore } from '../event_log/retention.js';
import type { PlugboardDatabase } from '../storage/database.js';
import { GroupCommit } from '../storage/group_commit.js';
import { retryDelayMs } from './backoff.js';
import { FlowControl, type FlowControlConfig } from './flow_control.js';
import { retentionTaskDefinition } from './retention.js';
import { AiConversationsRepository } from '../storage/ai_conversations_repository.js';
import { TaskManager, type TaskManagerOptions } from './task_manager.js';
import { TaskStore } from './task_store.js';
import { ShutdownInterruption, type NewTask, type TaskDefinition } from './types.js';

const dialects = await availableDialects();
const logger = pino({ level: 'silent' });

interface Harness {
  database: PlugboardDatabase;
  store: TaskStore;
  writes: GroupCommit;
  manager(options?: Partial<TaskManagerOptions>, flow?: Partial<FlowControlConfig>): TaskManager;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function harness(dialect: DialectName): Promise<Harness> {
  const { database, close } = await openTestDatabase(dialect);
  cleanups.push(close);
  const writes = new GroupCommit(database.db, logger, { pool: database.pool });
  const store = new TaskStore(database, writes);
  return {
    database,
    store,
    writes,
    manager(options = {}, flow = {}) {
      const tm = new TaskManager(
        store,
        new FlowControl({ defaults: { concurrency: 20 }, types: {}, connectors: {}, ...flow }),
        { maxConcurrency: 50, claimBatchSize: 50, leaseMs: 30_000, pollIntervalMs: 50, defaultTimeoutMs: 60_000, shutdownGraceMs: 1000, ...options },
        logger,
        (task) => task.type,
      );
      cleanups.push(() => tm.stop());
      return tm;
    },
  };
}

const task = (id: string, extra: Partial<NewTask> = {}): NewTask => ({
  id,
  type: 'test:work',
  scope: 'test',
  spaceId: 'default',
  params: {},
  maxAttempts: 3,
  ...extra,
});

/**
 * Counts the writes to each task row with a trigger of the test's own: a claim and a finish are
 * two; a task claimed and put back again costs more.
 */
async function countTaskWrites(h: Harness): Promise<() => Promise<Map<string, number>>> {
  const { db, dialect } = h.database;
  await sql`create table task_writes (task_id text not null)`.execute(db);
  if (dialect === 'sqlite') {
    await sql`create trigger task_writes_count after update on tasks begin insert into task_writes (task_id) values (new.id); end`.execute(db);
  } else {
    await sql`create function count_task_write() returns trigger language plpgsql as $$ begin insert into task_writes (task_id) values (new.id); return null; end $$`.execute(db);
    await sql`create trigger task_writes_count after update on tasks for each row execute function count_task_write()`.execute(db);
  }
  return async () => {
    const { rows } = await sql<{ task_id: string; n: number }>`select task_id, count(*) as n from task_writes group by task_id`.execute(db);
    return new Map(rows.map((r) => [r.task_id, Number(r.n)]));
  };
}

/** A handler whose runs wait until the test lets them go, one by one or all at once. */
function gate() {
  const waiting: Array<() => void> = [];
  return {
    run: () => new Promise<void>((resolve) => waiting.push(resolve)),
    get waiting() {
      return waiting.length;
    },
    releaseOne: () => waiting.shift()?.(),
    releaseAll: () => waiting.splice(0).forEach((resolve) => resolve()),
  };
}

describe('retry backoff', () => {
  it("follows Kibana's schedule: 30 s, then up to 5 min × 2^(n−2), capped at an hour", () => {
    expect(retryDelayMs(1)).toBe(30_000);
    expect(retryDelayMs(2, () => 1)).toBe(300_000);
    expect(retryDelayMs(3, () => 1)).toBe(600_000);
    expect(retryDelayMs(10, () => 1)).toBe(3_600_000);
    expect(retryDelayMs(3, () => 0.5)).toBe(300_000);
  });
});

describe('group commit', () => {
  it('writes everything submitted in one tick in one transaction, and isolates a bad write', async () => {
    const { database, writes } = await harness('sqlite');
    const spy = vi.spyOn(database.db, 'transaction');
    const ok = Array.from({ length: 50 }, (_, i) =>
      writes.submit((trx) => trx.insertInto('connector_pauses').values({ connector_id: `c${i}`, paused_until: 1, reason: null }).execute()),
    );
    const bad = writes.submit((trx) => trx.insertInto('connector_pauses').values({ connector_id: 'c1', paused_until: 1, reason: null }).execute());
    await Promise.all(ok);
    await expect(bad).rejects.toThrow();
    // One transaction for the batch, then (because one write failed) one each.
    expect(spy.mock.calls.length).toBe(1 + 51);
    const rows = await database.db.selectFrom('connector_pauses').select('connector_id').execute();
    expect(rows.length).toBe(50);
    spy.mockRestore();

    const spy2 = vi.spyOn(database.db, 'transaction');
    await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        writes.submit((trx) => trx.insertInto('connector_pauses').values({ connector_id: `d${i}`, paused_until: 1, reason: null }).execute()),
      ),
    );
    expect(spy2.mock.calls.length).toBe(1);
    spy2.mockRestore();
  });
});

describe.each(dialects)('task store on %s', (dialect) => {
  it('writes batches of tasks whole, leaves an existing id alone, and finishes only its own claims', async () => {
    const { store } = await harness(dialect);
    const runAt = new Date(Date.now() - 1000);
    await Promise.all([
      store.schedule([task('a', { connectorId: 'c1', params: { text: 'é "quoted" \n' }, priority: 70, runAt }), task('b', { intervalMs: 60_000 })]),
      store.schedule([task('c', { runAt })]),
    ]);
    // Same id again, other params: the stored task stays as it was.
    await store.schedule([task('a', { params: { text: 'replaced' } }), task('d')]);
    const a = await store.get('a');
    expect(a).toMatchObject({ connectorId: 'c1', params: { text: 'é "quoted" \n' }, priority: 70, status: 'idle', attempts: 0, intervalMs: null });
    expect(a?.runAt.getTime()).toBe(runAt.getTime());
    expect(await store.get('b')).toMatchObject({ connectorId: null, intervalMs: 60_000, priority: 50 });

    const claimed = await store.claim('me', 10, 30_000);
    expect(claimed.map((t) => t.id).sort()).toEqual(['a', 'b', 'c', 'd']);
    // Another owner's finish changes nothing; ours record status, result and error.
    await Promise.all([
      store.finish('a', 'someone-else', 'failed', undefined, 'not mine'),
      store.finish('b', 'me', 'succeeded', { status: 'ok', data: [1, null] }),
      store.finish('c', 'me', 'failed', undefined, 'it broke'),
    ]);
    expect(await store.get('a')).toMatchObject({ status: 'running', lastError: null });
    expect(await store.get('b')).toMatchObject({ status: 'succeeded', result: { status: 'ok', data: [1, null] }, lastError: null });
    expect(await store.get('c')).toMatchObject({ status: 'failed', result: undefined, lastError: 'it broke' });
  });

  it('writes the requeues, pauses and lease renewals of one tick together, each as asked', async () => {
    const { store, database } = await harness(dialect);
    const past = new Date(Date.now() - 1000);
    await store.schedule(['counted', 'refunded', 'interrupted', 'reset', 'theirs', 'renewed', 'done'].map((id) => task(id, { connectorId: 'c1', runAt: past, state: { n: 0 } })));
    await store.claim('me', 10, 30_000);
    await store.finish('done', 'me', 'succeeded', undefined);
    const later = new Date(Date.now() + 60_000);
    const lease = async (id: string) => (await database.db.selectFrom('tasks').select('lease_expires_at').where('id', '=', id).executeTakeFirstOrThrow()).lease_expires_at;
    const leaseBefore = await lease('renewed');
    // All in one tick: one write of the group commit.
    await Promise.all([
      store.requeue('counted', 'me', later, { error: 'try again', result: { status: 'error' } }),
      store.requeue('refunded', 'me', later, { refundAttempt: true }),
      store.requeue('interrupted', 'me', later, { interrupted: true, error: 'interrupted by shutdown' }),
      store.requeue('reset', 'me', later, { resetAttempts: true, state: { n: 1 }, result: { status: 'ok' } }),
      store.requeue('theirs', 'someone-else', later, { error: 'not mine' }),
      store.pauseConnector('c1', new Date(Date.now() + 1000), 'first'),
      store.pauseConnector('c1', later, 'second'),
      store.renewLeases('me', ['renewed', 'done'], 120_000),
      store.renewLeases('someone-else', ['theirs'], 120_000),
    ]);
    const idle = { status: 'idle', runAt: later };
    expect(await store.get('counted')).toMatchObject({ ...idle, attempts: 1, interruptedAttempts: 0, lastError: 'try again', result: { status: 'error' }, state: { n: 0 } });
    expect(await store.get('refunded')).toMatchObject({ ...idle, attempts: 0, interruptedAttempts: 0, lastError: null });
    expect(await store.get('interrupted')).toMatchObject({ ...idle, attempts: 1, interruptedAttempts: 1, lastError: 'interrupted by shutdown' });
    const reset = await store.get('reset');
    expect(reset).toMatchObject({ ...idle, attempts: 0, interruptedAttempts: 0, state: { n: 1 }, result: { status: 'ok' } });
    expect(reset?.scheduledAt.getTime()).toBe(later.getTime());
    expect(await store.get('theirs')).toMatchObject({ status: 'running', attempts: 1, lastError: null });
    expect(await lease('theirs')).toBeLessThan(Date.now() + 60_000);
    expect(await lease('renewed')).toBeGreaterThan(Number(leaseBefore));
    expect(await store.get('done')).toMatchObject({ status: 'succeeded' });
    expect(await lease('done')).toBeNull();
    // Of two pauses of a connector, the later one stands.
    expect(await database.db.selectFrom('connector_pauses').selectAll().execute()).toEqual([{ connector_id: 'c1', paused_until: later.getTime(), reason: 'second' }]);
  });

  it("claims no more of a connector's tasks than its room, past another's backlog, and none of a paused or full one", async () => {
    const { store, writes } = await harness(dialect);
    const base = Date.now() - 60_000;
    const at = (ms: number) => new Date(base + ms);
    await store.schedule([
      // A backlog scheduled before everything else, with room for 3.
      ...Array.from({ length: 30 }, (_, i) => task(`busy-${i}`, { connectorId: 'busy', runAt: at(i) })),
      // Higher priority, later: the default room of 5 of its 7.
      ...Array.from({ length: 7 }, (_, i) => task(`urgent-${i}`, { connectorId: 'urgent', priority: 90, runAt: at(100 + i) })),
      task('plain', { runAt: at(200) }),
      task('quiet-1', { connectorId: 'quiet', runAt: at(300) }),
      task('quiet-2', { connectorId: 'quiet', runAt: at(301) }),
      task('full-1', { connectorId: 'full', runAt: at(0) }),
      task('paused-1', { connectorId: 'paused', runAt: at(0) }),
      task('later', { connectorId: 'quiet', runAt: new Date(Date.now() + 60_000) }),
    ]);
    await store.pauseConnector('paused', new Date(Date.now() + 60_000), 'rate limited');
    await writes.flush();

    const room = { byConnector: [{ connector_id: 'busy', room: 3 }, { connector_id: 'full', room: 0 }], otherwise: 5 };
    const claimed = await store.claim('me', 10, 30_000, room);
    // Of the heads (5 urgent, 3 busy, plain, 2 quiet), the first 10 by priority, then run_at.
    expect(claimed.map((t) => t.id)).toEqual([...Array.from({ length: 5 }, (_, i) => `urgent-${i}`), 'busy-0', 'busy-1', 'busy-2', 'plain', 'quiet-1']);
    expect(claimed.every((t) => t.status === 'running' && t.attempts === 1)).toBe(true);
    // The next claim, with the same room, takes the rest of the heads and nothing past them.
    const next = await store.claim('me', 10, 30_000, room);
    expect(next.map((t) => t.id)).toEqual([...Array.from({ length: 2 }, (_, i) => `urgent-${5 + i}`), 'busy-3', 'busy-4', 'busy-5', 'quiet-2']);
    expect(await store.get('full-1')).toMatchObject({ status: 'idle', attempts: 0 });
    expect(await store.get('paused-1')).toMatchObject({ status: 'idle', attempts: 0 });
    expect(await store.get('later')).toMatchObject({ status: 'idle', attempts: 0 });
  });
});

describe.each(dialects)('task manager on %s', (dialect) => {
  it('runs recurring tasks again at their interval, carrying their state', async () => {
    const h = await harness(dialect);
    const tm = h.manager();
    const seen: number[] = [];
    tm.register({
      type: 'test:counter',
      async run(t) {
        const count = Number(t.state.count ?? 0) + 1;
        seen.push(count);
        return { kind: 'succeeded', state: { count } };
      },
    });
    tm.start();
    await tm.schedule([task('recurring', { type: 'test:counter', intervalMs: 30 })]);
    await eventually(() => (seen.length >= 3 ? true : undefined));
    expect(seen.slice(0, 3)).toEqual([1, 2, 3]);
    const row = await h.store.get('recurring');
    expect(row?.intervalMs).toBe(30);
  });

  it('requeues a recurring task at the earlier run its outcome asks for, never later than its interval nor in the past', async () => {
    const h = await harness(dialect);
    const tm = h.manager();
    const asked = new Map<string, Date>();
    const done = new Set<string>();
    tm.register({
      type: 'test:asks',
      async run(t) {
        return { kind: 'succeeded', runAt: asked.get(t.id) };
      },
    });
    tm.onOutcome((t) => void done.add(t.id));
    tm.start();
    const hour = 3_600_000;
    const before = Date.now();
    asked.set('earlier', new Date(before + 60_000));
    asked.set('later', new Date(before + 2 * hour));
    asked.set('past', new Date(before - hour));
    await tm.schedule(['earlier', 'later', 'past', 'none'].map((id) => task(id, { type: 'test:asks', intervalMs: hour })));
    await eventually(() => (done.size === 4 ? true : undefined));
    await tm.stop();
    const runAt = async (id: string) => (await h.store.get(id))!.runAt.getTime();
    expect(await runAt('earlier')).toBe(before + 60_000);
    for (const id of ['later', 'none']) expect(await runAt(id), id).toBeGreaterThanOrEqual(before + hour);
    for (const id of ['later', 'none']) expect(await runAt(id), id).toBeLessThan(before + 2 * hour);
    expect(await runAt('past')).toBeGreaterThanOrEqual(before);
    expect(await runAt('past')).toBeLessThan(before + hour);
  });

  it('claims only tasks of the types it has a handler for; the others wait untouched', async () => {
    const h = await harness(dialect);
    const tm = h.manager();
    const ran: string[] = [];
    const handler = (type: string): TaskDefinition => ({
      type,
      async run(t) {
        ran.push(t.id);
        return { kind: 'succeeded' };
      },
    });
    tm.register(handler('test:work'));
    tm.register(handler('pref:'));
    // Due together: one claim would take them all if it took any type.
    await h.store.schedule([
      task('exact'),
      task('prefixed', { type: 'pref:anything' }),
      task('rule', { type: 'alerting:no-runner-yet', intervalMs: 60_000 }),
      task('bound', { type: 'unknown:type', connectorId: 'c1' }),
    ]);
    tm.start();
    await eventually(() => (ran.length === 2 ? true : undefined));
    expect(ran.sort()).toEqual(['exact', 'prefixed']);
    for (const id of ['rule', 'bound']) {
      expect(await h.store.get(id)).toMatchObject({ status: 'idle', attempts: 0, lastError: null });
    }
    // The store's claim with the same types agrees; without types it takes any.
    expect(await h.store.claim('other', 10, 30_000, undefined, { exact: ['test:work'], prefixes: ['pref:'] })).toEqual([]);
    expect((await h.store.claim('other', 10, 30_000)).map((t) => t.id).sort()).toEqual(['bound', 'rule']);
  });

  it("claims again a task whose worker died once its lease has expired", async () => {
    const h = await harness(dialect);
    await h.store.schedule([task('orphan')]);
    // A worker that claimed it and vanished.
    const claimed = await h.store.claim('dead-worker', 10, 1);
    expect(claimed.map((t) => t.id)).toEqual(['orphan']);
    await new Promise((r) => setTimeout(r, 20));
    const tm = h.manager();
    const runs: number[] = [];
    tm.register({ type: 'test:work', run: async (t) => (runs.push(t.attempts), { kind: 'succeeded' }) });
    tm.start();
    await eventually(async () => ((await h.store.get('orphan'))?.status === 'succeeded' ? true : undefined));
    expect(runs).toEqual([2]);
  });

  it('does not claim a task another worker holds under a live lease', async () => {
    const h = await harness(dialect);
    await h.store.schedule([task('held'), task('free')]);
    const first = await h.store.claim('worker-a', 1, 60_000);
    const second = await h.store.claim('worker-b', 10, 60_000);
    expect(first.length + second.length).toBe(2);
    expect(new Set([...first, ...second].map((t) => t.id))).toEqual(new Set(['held', 'free']));
    expect(await h.store.claim('worker-c', 10, 60_000)).toEqual([]);
    expect(await h.store.recoverExpired()).toBe(0);
  });

  it('hands the handler an AbortSignal that fires at the timeout, and retries the task', async () => {
    const h = await harness(dialect);
    const tm = h.manager();
    let aborted = false;
    tm.register({
      type: 'test:work',
      timeoutMs: 100,
      run: (_t, signal) =>
        new Promise((resolve) => {
          signal.addEventListener('abort', () => {
            aborted = true;
            resolve({ kind: 'retry', error: 'timed out', runAt: new Date(Date.now() + 60_000) });
          });
        }),
    });
    tm.start();
    await tm.schedule([task('slow')]);
    await eventually(async () => {
      const t = await h.store.get('slow');
      return t?.status === 'idle' && t.attempts === 1 ? t : undefined;
    });
    expect(aborted).toBe(true);
  });

  it('fails a task for good after its last attempt, and records it', async () => {
    const h = await harness(dialect);
    const tm = h.manager();
    tm.register({ type: 'test:work', run: async () => ({ kind: 'retry', error: 'still broken', runAt: new Date() }) });
    tm.start();
    await tm.schedule([task('doomed', { maxAttempts: 3 })]);
    const failed = await eventually(async () => {
      const t = await h.store.get('doomed');
      return t?.status === 'failed' ? t : undefined;
    });
    expect(failed.attempts).toBe(3);
    expect(failed.lastError).toBe('still broken');
    expect(tm.stats.recentFailures[0]).toMatchObject({ id: 'doomed', error: 'still broken' });
  });

  it('keeps to per-connector concurrency while other connectors run alongside', async () => {
    const h = await harness(dialect);
    const tm = h.manager({}, { connectors: { slow: { concurrency: 1 } } });
    const running = new Map<string, number>();
    const peak = new Map<string, number>();
    tm.register({
      type: 'test:work',
      async run(t) {
        const c = t.connectorId!;
        running.set(c, (running.get(c) ?? 0) + 1);
        peak.set(c, Math.max(peak.get(c) ?? 0, running.get(c)!));
        await new Promise((r) => setTimeout(r, 30));
        running.set(c, running.get(c)! - 1);
        return { kind: 'succeeded' };
      },
    });
    tm.start();
    await tm.schedule([
      ...Array.from({ length: 6 }, (_, i) => task(`s${i}`, { connectorId: 'slow' })),
      ...Array.from({ length: 6 }, (_, i) => task(`f${i}`, { connectorId: 'fast' })),
    ]);
    await eventually(async () => {
      const rows = await h.database.db.selectFrom('tasks').select('id').where('status', '=', 'succeeded').execute();
      return rows.length === 12 ? true : undefined;
    });
    expect(peak.get('slow')).toBe(1);
    expect(peak.get('fast')).toBeGreaterThan(1);
    // Held-back tasks were not charged an attempt.
    const attempts = await h.database.db.selectFrom('tasks').select('attempts').execute();
    expect(attempts.every((a) => a.attempts === 1)).toBe(true);
  });

  it('never puts a task back for lack of room: a connector at its limit costs no write', async () => {
    const h = await harness(dialect);
    const writesPerTask = await countTaskWrites(h);
    const tm = h.manager({ claimBatchSize: 50 }, { connectors: { narrow: { concurrency: 2 } } });
    const held = gate();
    let mostRunning = 0;
    const returned = new Set<string>();
    tm.register({
      type: 'test:work',
      async run(t) {
        // What the database holds as claimed for this connector, less the tasks whose handler
        // has returned (their slot is free; they stay claimed until their outcome is written):
        // never more than it can run.
        const rows = await h.database.db.selectFrom('tasks').select('id').where('connector_id', '=', 'narrow').where('status', '=', 'running').execute();
        mostRunning = Math.max(mostRunning, rows.filter((r) => !returned.has(r.id)).length);
        await held.run();
        returned.add(t.id);
        return { kind: 'succeeded' };
      },
    });
    tm.start();
    const succeeded = async (n: number) => {
      const rows = await h.database.db.selectFrom('tasks').select('id').where('status', '=', 'succeeded').execute();
      return rows.length === n ? true : undefined;
    };
    // Once the instance has seen the connector, it knows its limits (the default ones it would
    // assume before: see the next tests for the first sight of other limits).
    await tm.schedule([task('first', { connectorId: 'narrow' })]);
    await eventually(() => (held.waiting > 0 ? true : undefined));
    held.releaseOne();
    await eventually(() => succeeded(1));
    mostRunning = 0;
    await tm.schedule(Array.from({ length: 12 }, (_, i) => task(`n${i}`, { connectorId: 'narrow' })));
    for (let done = 0; done < 12; done++) {
      await eventually(() => (held.waiting > 0 ? true : undefined));
      held.releaseOne();
    }
    await eventually(() => succeeded(13));
    expect(mostRunning).toBe(2);
    // Each row written twice: claimed once, finished once. A task claimed beyond the room and
    // put back would show a third write (and a fourth when claimed again).
    const counted = await writesPerTask();
    expect([...counted.values()]).toEqual(Array(13).fill(2));
  });

  it("does not let one connector's backlog hold up another's tasks", async () => {
    const h = await harness(dialect);
    // Small batches: a claim that read the queue in order would see only the backlog.
    const tm = h.manager({ claimBatchSize: 5 }, { connectors: { slow: { concurrency: 1 } } });
    const slow = gate();
    let slowOpen = false;
    const ran: string[] = [];
    tm.register({
      type: 'test:work',
      async run(t) {
        ran.push(t.id);
        if (t.connectorId === 'slow' && !slowOpen) await slow.run();
        return { kind: 'succeeded' };
      },
    });
    const earlier = new Date(Date.now() - 60_000);
    await h.store.schedule(Array.from({ length: 40 }, (_, i) => task(`s${i}`, { connectorId: 'slow', runAt: earlier })));
    tm.start();
    await eventually(() => (slow.waiting === 1 ? true : undefined));
    await tm.schedule([task('o1', { connectorId: 'other' }), task('o2', { connectorId: 'other' }), task('o3', { connectorId: 'other' })]);
    // While the slow connector's first action is still running, the others all run.
    await eventually(() => (['o1', 'o2', 'o3'].every((id) => ran.includes(id)) ? true : undefined));
    expect(ran.filter((id) => id.startsWith('s'))).toEqual(['s0']);
    // The rest of the backlog runs through, so that the manager can stop.
    slowOpen = true;
    slow.releaseAll();
  });

  it('holds, without a write, the tasks a first claim took beyond limits it did not know yet, and runs them as slots free up', async () => {
    const h = await harness(dialect);
    const writesPerTask = await countTaskWrites(h);
    // The type's limit is only known once a task of it is seen: the first claim takes the
    // default room (20) of a connector this instance has no state for.
    const tm = h.manager({}, { types: { 'test:single': { concurrency: 1 } } });
    let running = 0;
    let mostRunning = 0;
    const order: string[] = [];
    tm.register({
      type: 'test:single',
      async run(t) {
        order.push(t.id);
        mostRunning = Math.max(mostRunning, ++running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        return { kind: 'succeeded' };
      },
    });
    const base = Date.now() - 1000;
    await h.store.schedule(Array.from({ length: 6 }, (_, i) => task(`h${i}`, { type: 'test:single', connectorId: 'single', runAt: new Date(base + i) })));
    tm.start();
    await eventually(async () => {
      const rows = await h.database.db.selectFrom('tasks').select('id').where('status', '=', 'succeeded').execute();
      return rows.length === 6 ? true : undefined;
    });
    expect(mostRunning).toBe(1);
    expect(order).toEqual(['h0', 'h1', 'h2', 'h3', 'h4', 'h5']);
    expect([...(await writesPerTask()).values()]).toEqual(Array(6).fill(2));
    const attempts = await h.database.db.selectFrom('tasks').select('attempts').execute();
    expect(attempts.every((a) => a.attempts === 1)).toBe(true);
  });

  it('on stop, gives held tasks back to the queue as never started', async () => {
    const h = await harness(dialect);
    const tm = h.manager({ shutdownGraceMs: 50 }, { types: { 'test:single': { concurrency: 1 } } });
    tm.register({
      type: 'test:single',
      run: (_t, signal) => new Promise((resolve) => signal.addEventListener('abort', () => resolve({ kind: 'retry', error: 'aborted' }))),
    });
    await h.store.schedule(Array.from({ length: 4 }, (_, i) => task(`g${i}`, { type: 'test:single', connectorId: 'single', runAt: new Date(Date.now() - 1000 + i) })));
    tm.start();
    // One runs; the first claim took the other three too, which wait for its slot.
    await eventually(() => (tm.stats.running === 4 ? true : undefined));
    await tm.stop();
    await h.writes.flush();
    expect(await h.store.get('g0')).toMatchObject({ status: 'idle', attempts: 1, interruptedAttempts: 1 });
    for (const id of ['g1', 'g2', 'g3']) expect(await h.store.get(id)).toMatchObject({ status: 'idle', attempts: 0, interruptedAttempts: 0 });
  });

  it('spaces the starts of a rate-limited connector (token bucket)', async () => {
    const h = await harness(dialect);
    const tm = h.manager({}, { connectors: { metered: { rate: { perSecond: 10, burst: 1 } } } });
    const starts: number[] = [];
    tm.register({ type: 'test:work', run: async () => (starts.push(Date.now()), { kind: 'succeeded' }) });
    tm.start();
    await tm.schedule(Array.from({ length: 5 }, (_, i) => task(`m${i}`, { connectorId: 'metered' })));
    await eventually(() => (starts.length === 5 ? true : undefined));
    const gaps = starts.slice(1).map((t, i) => t - starts[i]);
    // 10 per second with a burst of 1: starts at least ~100 ms apart (a lower bound, not a speed).
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(90);
  });

  it('skips connectors paused in the database by any instance', async () => {
    const h = await harness(dialect);
    await h.store.schedule([task('paused-1', { connectorId: 'p' }), task('free-1', { connectorId: 'q' })]);
    await h.store.pauseConnector('p', new Date(Date.now() + 60_000), 'rate limited');
    await h.writes.flush();
    const claimed = await h.store.claim('w', 10, 60_000);
    expect(claimed.map((t) => t.id)).toEqual(['free-1']);
  });

  it('on stop, releases tasks cut short as interrupted: the next run is the next attempt, and the limit does not count it', async () => {
    const h = await harness(dialect);
    const first = h.manager({ shutdownGraceMs: 100 });
    let abortReason: unknown;
    first.register({
      type: 'test:work',
      run: (_t, signal) =>
        new Promise((resolve) => {
          signal.addEventListener('abort', () => {
            abortReason = signal.reason;
            resolve({ kind: 'retry', error: 'aborted' });
          });
        }),
    });
    const outcomes: string[] = [];
    first.onOutcome((_t, outcome) => outcomes.push(outcome.kind));
    first.start();
    // Two attempts allowed: were the interruption counted, the first failure after it would be the last.
    await first.schedule([task('stuck', { maxAttempts: 2 })]);
    await eventually(async () => ((await h.store.get('stuck'))?.status === 'running' ? true : undefined));
    await first.stop();
    await h.writes.flush();
    expect(abortReason).toBeInstanceOf(ShutdownInterruption);
    expect(await h.store.get('stuck')).toMatchObject({ status: 'idle', attempts: 1, interruptedAttempts: 1, lastError: 'interrupted by shutdown' });
    // Not an outcome: metrics see nothing of it.
    expect(outcomes).toEqual([]);

    const second = h.manager();
    const attemptsSeen: number[] = [];
    second.register({ type: 'test:work', run: async (t) => (attemptsSeen.push(t.attempts), { kind: 'retry', error: 'down', runAt: new Date() }) });
    second.start();
    const failed = await eventually(async () => {
      const t = await h.store.get('stuck');
      return t?.status === 'failed' ? t : undefined;
    });
    // Attempts 2 and 3 are the two that count.
    expect(attemptsSeen).toEqual([2, 3]);
    expect(failed).toMatchObject({ attempts: 3, interruptedAttempts: 1, lastError: 'down' });
  });

  it('releases a task its handler cannot run here, uncounted, and leaves its connector alone meanwhile', async () => {
    const h = await harness(dialect);
    const tm = h.manager();
    const ran: string[] = [];
    tm.register({
      type: 'test:work',
      run: async (t) => {
        ran.push(t.id);
        return { kind: 'release', error: 'no key here', runAt: new Date(Date.now() + 60_000), avoidConnectorUntil: new Date(Date.now() + 60_000) };
      },
    });
    tm.start();
    await tm.schedule([task('r1', { connectorId: 'locked' })]);
    const released = await eventually(async () => {
      const t = await h.store.get('r1');
      return t?.status === 'idle' && t.lastError ? t : undefined;
    });
    expect(released).toMatchObject({ attempts: 0, interruptedAttempts: 0, lastError: 'no key here' });
    expect(released.runAt.getTime()).toBeGreaterThan(Date.now());
    // Another task of that connector, due now, is not claimed by this instance; others are.
    await tm.schedule([task('r2', { connectorId: 'locked' }), task('other', { connectorId: 'free' })]);
    await eventually(() => (ran.includes('other') ? true : undefined));
    expect(await h.store.get('r2')).toMatchObject({ status: 'idle', attempts: 0 });
    expect(ran).toEqual(['r1', 'other']);
  });

  it('deletes old events and finished tasks in the retention task', async () => {
    const h = await harness(dialect);
    const { db } = h.database;
    const old = Date.now() - 40 * 86_400_000;
    for (const [id, ts] of [['old-event', old], ['new-event', Date.now()]] as const) {
      await db.insertInto('event_log').values({ id, timestamp: ts, provider: 'actions', action: 'execute', outcome: 'success', space_id: 'default', connector_id: 'c', connector_type_id: '.webhook', connector_name: 'c', execution_uuid: id, source: 'http_request', attempt: 1, duration_ns: 1, schedule_delay_ns: null, message: 'm', error_message: null, document: '{}' }).execute();
    }
    await h.store.schedule([task('old-task'), task('new-task')]);
    await db.updateTable('tasks').set({ status: 'succeeded', updated_at: old }).where('id', '=', 'old-task').execute();
    await db.updateTable('tasks').set({ status: 'succeeded' }).where('id', '=', 'new-task').execute();
    const conversations = new AiConversationsRepository(db);
    const conversation = { spaceId: 'default', title: 't', connectorId: 'llm', connectorTypeId: '.gen-ai', messages: [], ruleId: null, ruleExecutionId: null, actionExecutionId: null, usage: null, status: 'ok' as const, error: null };
    const oldConversation = await conversations.save(conversation);
    await db.updateTable('ai_conversations').set({ created_at: old }).where('id', '=', oldConversation).execute();
    const newConversation = await conversations.save(conversation);
    const outcome = await retentionTaskDefinition(db, h.store, 30 * 86_400_000).run({} as never, new AbortController().signal);
    expect(outcome).toMatchObject({ kind: 'succeeded', result: { deletedEvents: 1, deletedTasks: 1, deletedAiConversations: 1 } });
    expect((await db.selectFrom('ai_conversations').select('id').execute()).map((r) => r.id)).toEqual([newConversation]);
    expect((await db.selectFrom('event_log').select('id').execute()).map((r) => r.id)).toEqual(['new-event']);
    expect((await db.selectFrom('tasks').select('id').execute()).map((r) => r.id)).toEqual(['new-task']);
    expect(await deleteEventsBefore(db, new Date(0))).toBe(0);
  });
});
