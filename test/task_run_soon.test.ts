import type { KyselyPlugin, QueryId } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlugboardDatabase } from '../src/storage/database.js';
import { GroupCommit } from '../src/storage/group_commit.js';
import { TaskStore } from '../src/tasks/task_store.js';
import type { NewTask } from '../src/tasks/types.js';
import { availableDialects, openTestDatabase } from './helpers/databases.js';

// TaskStore.runSoon, which ingest calls for each incoming-alerts rule after a post: a queued
// task is moved to now, a running one is answered `running` (its caller marks it to run once
// more), an unknown one `missing`; and a task whose run ends between the store's two statements
// is moved too, not answered `missing`: that run may have read the alerts before the post.

const dialects = await availableDialects();
const HOUR = 3_600_000;

describe.each(dialects)('runSoon on %s', (dialect) => {
  let database: PlugboardDatabase;
  let close: () => Promise<void>;
  let store: TaskStore;
  /** Runs once, right after the next runSoon update that moved nothing (a run ending at that moment). */
  let afterMissedUpdate: (() => Promise<unknown>) | undefined;

  const updates = new Set<QueryId>();
  const runEnding: KyselyPlugin = {
    transformQuery({ node, queryId }) {
      if (node.kind === 'UpdateQueryNode') updates.add(queryId);
      return node;
    },
    async transformResult({ result, queryId }) {
      if (updates.delete(queryId) && afterMissedUpdate && Number(result.numAffectedRows ?? 0n) === 0) {
        const act = afterMissedUpdate;
        afterMissedUpdate = undefined;
        await act();
      }
      return result;
    },
  };

  const rule = (id: string): NewTask => ({ id, type: 'alerting:test', scope: 'alerting', spaceId: 'default', params: {}, maxAttempts: 1, intervalMs: HOUR, runAt: new Date(Date.now() - 1000) });
  const task = (id: string) => database.db.selectFrom('tasks').select(['status', 'run_at']).where('id', '=', id).executeTakeFirstOrThrow();
  /**
   * What the end of a run leaves: queued for its next interval. On SQLite, straight on the driver:
   * the query builder's one connection is the store's, busy with the statement that calls this.
   */
  const endRun = async (id: string) => {
    const runAt = Date.now() + HOUR;
    if (database.sqlite) database.sqlite.prepare(`update tasks set status = 'idle', owner = null, run_at = ? where id = ?`).run(runAt, id);
    else await database.db.updateTable('tasks').set({ status: 'idle', owner: null, run_at: runAt }).where('id', '=', id).execute();
  };

  beforeAll(async () => {
    ({ database, close } = await openTestDatabase(dialect));
    const writes = new GroupCommit(database.db, pino({ level: 'silent' }), { pool: database.pool });
    store = new TaskStore({ ...database, db: database.db.withPlugin(runEnding) }, writes);
  });

  afterAll(async () => {
    await close?.();
  });

  it('moves a queued task to now, answers running for a running one and missing for none', async () => {
    await store.schedule([{ ...rule('queued'), runAt: new Date(Date.now() + HOUR) }]);
    const before = Date.now();
    expect(await store.runSoon('queued')).toBe('scheduled');
    expect(Number((await task('queued')).run_at)).toBeLessThanOrEqual(Date.now());
    expect(Number((await task('queued')).run_at)).toBeGreaterThanOrEqual(before);

    await store.schedule([rule('running')]);
    expect((await store.claim('instance', 10, 30_000)).map((t) => t.id)).toEqual(expect.arrayContaining(['running']));
    expect(await store.runSoon('running')).toBe('running');
    expect(await store.runSoon('unknown')).toBe('missing');
  });

  it('moves a task whose run ended between its two statements', async () => {
    await store.schedule([rule('ending')]);
    expect((await store.claim('instance', 10, 30_000)).map((t) => t.id)).toContain('ending');
    afterMissedUpdate = () => endRun('ending');
    expect(await store.runSoon('ending')).toBe('scheduled');
    expect(afterMissedUpdate).toBeUndefined();
    const moved = await task('ending');
    expect(moved.status).toBe('idle');
    expect(Number(moved.run_at)).toBeLessThanOrEqual(Date.now());
  });
});
