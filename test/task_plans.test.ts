import pino from 'pino';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlugboardDatabase } from '../src/storage/database.js';
import { GroupCommit } from '../src/storage/group_commit.js';
import { TaskStore } from '../src/tasks/task_store.js';
import type { NewTask } from '../src/tasks/types.js';
import { availableDialects, openTestDatabase } from './helpers/databases.js';
import { traceDriverStatements, type DriverStatement } from './helpers/driver_statements.js';

// The plan of every statement the task store runs, on a table that holds what a busy server
// keeps: each finds its rows through the index meant for it, none reads the whole table, and
// every index of the table serves one of them (docs/task-queue.md shows these plans).

const dialects = await availableDialects();
const DAY = 86_400_000;
const FINISHED = 40_000;
const QUEUED = 1_000;
const CONNECTORS = 50;
const RUNNING = 100;

describe.each(dialects)('tasks query plans on %s', (dialect) => {
  let database: PlugboardDatabase;
  let close: () => Promise<void>;
  let store: TaskStore;
  let writes: GroupCommit;
  const now = Date.now();
  const pk = dialect === 'sqlite' ? 'sqlite_autoindex_tasks_1' : 'tasks_pkey';

  const task = (id: string, extra: Partial<NewTask> = {}): NewTask => ({ id, type: 'actions:.webhook', scope: 'actions', spaceId: 'default', params: {}, maxAttempts: 3, ...extra });

  /** The statements `act` runs on the driver, transaction control left out. */
  async function statementsOf(act: () => Promise<unknown>): Promise<DriverStatement[]> {
    const seen: DriverStatement[] = [];
    const stop = traceDriverStatements((statement) => seen.push(statement));
    try {
      await act();
      await writes.flush();
    } finally {
      stop();
    }
    return seen.filter((s) => !/^\s*(begin|commit|rollback|savepoint|release)\b/i.test(s.text));
  }

  /** The plan of each statement (once per text), as the database prints it. */
  async function plansOf(act: () => Promise<unknown>): Promise<string[]> {
    const plans: string[] = [];
    const statements = new Map((await statementsOf(act)).reverse().map((s) => [s.text, s.params]));
    for (const [text, params] of statements) {
      if (dialect === 'sqlite') {
        const rows = database.sqlite!.prepare<unknown[], { detail: string }>(`explain query plan ${text}`).all(...params);
        plans.push(rows.map((r) => r.detail).join('\n'));
      } else {
        const { rows } = await database.pool!.query<{ 'QUERY PLAN': string }>(`explain (costs off) ${text}`, params);
        plans.push(rows.map((r) => r['QUERY PLAN']).join('\n'));
      }
    }
    return plans;
  }

  const fullScan = dialect === 'sqlite' ? /^SCAN tasks$/m : /Seq Scan on tasks/;

  beforeAll(async () => {
    ({ database, close } = await openTestDatabase(dialect));
    writes = new GroupCommit(database.db, pino({ level: 'silent' }), { pool: database.pool });
    store = new TaskStore(database, writes);
    // A month of finished actions, a backlog over many connectors, a few running.
    await store.schedule(Array.from({ length: FINISHED }, (_, i) => task(`done-${i}`, { connectorId: `c${i % CONNECTORS}` })));
    await sql`update tasks set status = case when id like '%7' then 'failed' else 'succeeded' end, attempts = 1,
      updated_at = ${sql.lit(now)} - cast(substr(id, 6) as bigint) * ${sql.lit((30 * DAY) / FINISHED)}`.execute(database.db);
    await store.schedule(Array.from({ length: QUEUED }, (_, i) => task(`queued-${i}`, { connectorId: `c${i % CONNECTORS}`, runAt: new Date(now - 1000 + i) })));
    await store.schedule([task('plugboard-retention', { type: 'plugboard:retention', scope: 'plugboard', intervalMs: 3_600_000 })]);
    await store.claim('other-instance', RUNNING, 30_000);
    if (dialect === 'postgres') await sql`analyze tasks`.execute(database.db);
  }, 120_000);

  afterAll(async () => {
    await close();
  });

  it('finds every statement its rows through an index, and has no index that none uses', async () => {
    const used = new Set<string>();
    /** Checks that `act` uses each of `indexes` (a list: any one of them). */
    const check = async (label: string, act: () => Promise<unknown>, indexes: Array<string | string[]>) => {
      const plans = await plansOf(act);
      if (process.env.PRINT_PLANS) console.log(`\n### ${label}\n${plans.join('\n--\n')}`);
      expect(plans.length, label).toBeGreaterThan(0);
      const all = plans.join('\n');
      for (const wanted of indexes) {
        const found = [wanted].flat().filter((index) => all.includes(index));
        expect(found, `${label} uses ${String(wanted)}`).not.toEqual([]);
        for (const index of found) used.add(index);
      }
      expect(all, `${label} reads the whole table`).not.toMatch(fullScan);
    };

    const claimed = await store.claim('me', 10, 30_000);
    expect(claimed.length).toBe(10);
    const [done, failed, retried, paused, interrupted] = claimed;

    await check('enqueue', () => store.schedule([task('new-1', { connectorId: 'c1' }), task('new-2')]), dialect === 'postgres' ? [pk] : []);
    await check('claim', () => store.claim('me', 20, 30_000, { byConnector: [{ connector_id: 'c3', room: 2 }], otherwise: 5 }), ['tasks_claim_queue', pk]);
    await check('finish', () => Promise.all([store.finish(done.id, 'me', 'succeeded', { ok: true }), store.finish(failed.id, 'me', 'failed', undefined, 'no')]), [pk]);
    await check('retry, pause, interruption', () =>
      Promise.all([
        store.requeue(retried.id, 'me', new Date(now + 30_000), { error: 'later' }),
        store.pauseConnector(paused.connectorId!, new Date(now + 60_000), 'rate limited'),
        store.requeue(paused.id, 'me', new Date(now + 60_000), { refundAttempt: true, error: 'rate limited' }),
        store.requeue(interrupted.id, 'me', new Date(), { interrupted: true }),
      ]),
      [pk],
    );
    // By id, or (PostgreSQL, for a few) the running tasks, which are few, joined with the ids.
    await check('lease renewal', () => store.renewLeases('me', claimed.slice(5).map((t) => t.id), 30_000), [[pk, 'tasks_lease']]);
    await check('lease recovery', () => store.recoverExpired(), ['tasks_lease']);
    await check('queue limit (xpack.actions.queued.max)', () => store.countActive('actions'), ['tasks_active_scope']);
    // Either index of the tasks not finished: a planner may read the queued ones among both.
    await check('backlog (health route, metrics)', () => store.backlogByType(), [['tasks_claim_queue', 'tasks_active_scope']]);
    await check('an execution (GET /api/actions/execution/{id})', () => store.get(done.id), [pk]);
    await check('retention', () => store.deleteFinished(new Date(now - 20 * DAY)), ['tasks_finished']);

    const { rows } =
      dialect === 'sqlite'
        ? await sql<{ name: string }>`select name from sqlite_master where type = 'index' and tbl_name = 'tasks'`.execute(database.db)
        : await sql<{ name: string }>`select indexname as name from pg_indexes where tablename = 'tasks' and schemaname = current_schema()`.execute(database.db);
    expect(rows.map((r) => r.name).sort()).toEqual([...used].sort());
  });
});
