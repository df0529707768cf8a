import path from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { SQLITE_FILE_NAME } from '../src/storage/database.js';
import { childServerFixtures, type ChildServer } from './helpers/child_server.js';
import { availableDialects, type DialectName } from './helpers/databases.js';
import { eventually } from './helpers/wait.js';

// At-least-once delivery across a crash: a server is SIGKILLed while actions are in flight and
// started again on the same database. Every action must be delivered; only those that were
// running at the kill may be delivered twice.

const dialects = await availableDialects();

const TOTAL = 800;
const BULK_SIZE = 200;
/** plugboard.tasks.maxConcurrency: at most this many tasks can be in flight at the kill. */
const MAX_CONCURRENCY = 50;
/** Distinct deliveries after which the first server is killed. */
const KILL_AT = 300;
const LEASE = '2s';

interface TaskRow {
  id: string;
  status: string;
  attempts: number;
  owner: string | null;
}

/** The action tasks, read with a short-lived connection of the test's own. */
async function readActionTasks(dialect: DialectName, where: { dataDir: string; url?: string }): Promise<TaskRow[]> {
  const query = "select id, status, attempts, owner from tasks where type like 'actions:%'";
  if (dialect === 'postgres') {
    const client = new pg.Client({ connectionString: where.url });
    await client.connect();
    try {
      return (await client.query<TaskRow>(query)).rows;
    } finally {
      await client.end();
    }
  }
  const db = new SQLite(path.join(where.dataDir, SQLITE_FILE_NAME), { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    return db.prepare(query).all() as TaskRow[];
  } finally {
    db.close();
  }
}

function byStatus(rows: TaskRow[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rows) out[r.status] = (out[r.status] ?? 0) + 1;
  return out;
}

describe.each(dialects)('crash safety on %s', (dialect) => {
  const fixtures = childServerFixtures();

  it(
    'delivers every queued action after a SIGKILL and a restart, repeating only actions that were in flight',
    async () => {
      const sink = await fixtures.sink({ delayMs: 30 });
      const data = await fixtures.data(dialect, [
        `plugboard.tasks.leaseDuration: ${LEASE}`,
        'plugboard.tasks.pollInterval: 200ms',
        `plugboard.tasks.maxConcurrency: ${MAX_CONCURRENCY}`,
        // One connector carries every action: let it use the whole instance.
        `plugboard.actions.flowControl.defaults.concurrency: ${MAX_CONCURRENCY}`,
      ]);
      const { start } = data;
      const where = { dataDir: data.dataDir, url: data.databaseUrl };

      // Phase 1: queue everything while the sink holds its answers, then let work flow and
      // kill the server in the middle of it.
      const first: ChildServer = await start();
      const created = await first.api('POST', '/api/actions/connector/crash-hook', {
        name: 'crash-hook',
        connector_type_id: '.webhook',
        config: { url: `${sink.url}/deliver`, hasAuth: false },
      });
      expect(created.status, created.text).toBe(200);

      sink.hold();
      const executionOf = new Map<number, string>();
      for (let from = 1; from <= TOTAL; from += BULK_SIZE) {
        const ns = Array.from({ length: Math.min(BULK_SIZE, TOTAL - from + 1) }, (_, i) => from + i);
        const res = await first.api('POST', '/api/actions/_bulk_enqueue', {
          actions: ns.map((n) => ({ id: 'crash-hook', params: { body: JSON.stringify({ n }) } })),
        });
        expect(res.status, res.text).toBe(200);
        expect(res.body.errors).toBe(false);
        res.body.items.forEach((item: { execution_id: string }, i: number) => executionOf.set(ns[i], item.execution_id));
      }
      expect(executionOf.size).toBe(TOTAL);
      const nOfExecution = new Map([...executionOf].map(([n, id]) => [id, n]));

      let distinctAtKill = -1;
      sink.onDelivery(() => {
        if (distinctAtKill < 0 && sink.counts.size >= KILL_AT) {
          distinctAtKill = sink.counts.size;
          first.process.kill('SIGKILL');
        }
      });
      sink.release();
      const firstExit = await Promise.race([
        first.exited,
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`the first server was never killed; ${sink.counts.size} delivered`)), 90_000).unref()),
      ]);
      sink.onDelivery(undefined);
      expect(firstExit.signal).toBe('SIGKILL');
      expect(distinctAtKill).toBeGreaterThanOrEqual(KILL_AT);
      expect(distinctAtKill).toBeLessThan(TOTAL);
      const deliveredBeforeRestart = new Set(sink.counts.keys());

      // What the dead server left behind: its running tasks are the ones that were in flight.
      const atKill = await readActionTasks(dialect, where);
      expect(atKill.length).toBe(TOTAL);
      const runningAtKill = new Set(atKill.filter((r) => r.status === 'running').map((r) => nOfExecution.get(r.id)!));
      expect(runningAtKill.size).toBeLessThanOrEqual(MAX_CONCURRENCY);
      // A task is marked succeeded only after its delivery.
      const succeededAtKill = atKill.filter((r) => r.status === 'succeeded').map((r) => nOfExecution.get(r.id)!);
      expect(succeededAtKill.filter((n) => !deliveredBeforeRestart.has(n))).toEqual([]);
      expect(succeededAtKill.length).toBeLessThan(TOTAL);

      // Phase 2: the same data directory / database; expired leases bring the tasks back.
      const second = await start();
      await eventually(() => (sink.counts.size >= TOTAL ? true : undefined), 120_000, `all ${TOTAL} actions to be delivered (${sink.counts.size} so far)`);
      // Every task that was running at the kill has run again (or is at least done).
      const inFlightIds = [...runningAtKill].map((n) => executionOf.get(n)!);
      await eventually(
        async () => {
          for (const id of inFlightIds) {
            const res = await second.api('GET', `/api/actions/execution/${id}`);
            if (res.body?.status !== 'ok') return undefined;
          }
          const health = await second.api('GET', '/api/task_manager/_health');
          return health.body?.stats?.backlog_by_type?.['actions:.webhook'] ? undefined : true;
        },
        120_000,
        'the tasks that were in flight at the kill to finish',
      );
      // A clean stop lets anything still running finish; then the table must be settled.
      const secondExit = await second.stop('SIGTERM', 60_000);
      expect(secondExit, second.output()).toEqual({ code: 0, signal: null });

      const after = await readActionTasks(dialect, where);
      expect(byStatus(after)).toEqual({ succeeded: TOTAL });
      expect(after.filter((r) => r.owner !== null)).toEqual([]);

      // Every sequence number delivered; duplicates only for actions in flight at the kill.
      const missing = [...executionOf.keys()].filter((n) => !sink.counts.has(n));
      expect(missing).toEqual([]);
      const duplicated = [...sink.counts].filter(([, count]) => count > 1);
      const duplicates = duplicated.reduce((sum, [, count]) => sum + count - 1, 0);
      expect(duplicated.filter(([n]) => !runningAtKill.has(n))).toEqual([]);
      expect(duplicated.filter(([, count]) => count > 2)).toEqual([]);
      expect(duplicates).toBeLessThanOrEqual(MAX_CONCURRENCY);
      // Every duplicate was first delivered by the server that was killed.
      expect(duplicated.filter(([n]) => !deliveredBeforeRestart.has(n))).toEqual([]);
      expect([...sink.counts.keys()].filter((n) => !executionOf.has(n))).toEqual([]);

      // A recovered task counts the interrupted attempt.
      for (const n of runningAtKill) {
        const row = after.find((r) => r.id === executionOf.get(n))!;
        expect(row.attempts).toBeGreaterThanOrEqual(2);
      }
      console.info(
        `[crash safety, ${dialect}] killed after ${distinctAtKill} delivered; ${runningAtKill.size} running at the kill; ` +
          `${duplicates} duplicate deliveries; ${sink.deliveries.length} deliveries for ${TOTAL} actions`,
      );
    },
    240_000,
  );
});
