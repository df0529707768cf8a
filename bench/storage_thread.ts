/**
 * Issue 16, point 5: would the server gain from doing its storage writes in a worker thread?
 * The writes of a queued action on SQLite — its task inserted (enqueue), taken (claim), finished,
 * and its attempt's event row — are made for BENCH_ACTIONS actions in ticks of TICK_ACTIONS,
 * each tick's writes in one transaction, as the group commit does, two ways:
 *
 *  - main thread: statements prepared once on better-sqlite3, run on the event loop (today's design);
 *  - worker thread: the same statements on a connection of a worker thread; the event loop
 *    sends each tick's rows (structured clone) and waits for the commit, as durability needs.
 *
 * Rows are built on the event loop in both (the server builds them there either way). Figures:
 * the event loop's busy time per action (what the server's one JavaScript thread would get
 * back), the process's CPU per action (all threads: what the second core would pay), and
 * actions/s with TICKS_IN_FLIGHT ticks outstanding.
 *
 *   npm run bench -- storage_thread
 *   BENCH_ACTIONS=100000 npx tsx bench/storage_thread.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { timeOrderedUuid } from '../src/common/ids.js';
import { actionEvent } from '../src/event_log/action_events.js';
import { toEventRow } from '../src/event_log/document.js';
import { EVENT_WRITES } from '../src/event_log/event_logger.js';
import { openDatabase } from '../src/storage/database.js';
import { TASK_WRITES } from '../src/tasks/task_store.js';
import { machineLine, positiveInt, progress } from './lib/report.js';
import { fmtInt, renderTable } from './lib/table.js';

const ACTIONS = positiveInt(process.env.BENCH_ACTIONS ?? '40000', 'BENCH_ACTIONS');
/** About what one claim takes in bench/throughput's peak run (65 tasks per claim). */
const TICK_ACTIONS = 64;
/** Ticks whose commit is awaited at once: enqueue, claim and finish overlap in the server. */
const TICKS_IN_FLIGHT = 3;
const WARMUP_ACTIONS = 4000;
const OWNER = 'plugboard-bench';

type Row = Record<string, unknown>;
/** One tick's writes: statement name → rows, in order. */
type Writes = Array<[string, Row[]]>;

const STATEMENTS: Record<string, string> = {
  insert: TASK_WRITES.insert.sqlite,
  claim: `update tasks set status = 'running', owner = @owner, lease_expires_at = @lease_expires_at, attempts = attempts + 1, updated_at = @updated_at where id = @id and status = 'idle'`,
  finish: TASK_WRITES.finish.sqlite,
  event: EVENT_WRITES.insert.sqlite,
};

function eventDocument(executionId: string, attempt: number) {
  const start = new Date();
  return actionEvent(
    {
      spaceId: 'default',
      connector: { id: 'bench-webhook-0', name: 'Bench webhook 0', typeId: '.webhook', inMemory: false },
      executionId,
      source: 'HTTP_REQUEST',
      attempt,
      scheduledAt: start,
    },
    'execute-start',
    { message: 'action started: .webhook:bench-webhook-0: Bench webhook 0', end: start },
  );
}

/** The writes of tick `k`: the inserts of its actions, the claims of the previous tick's, the finishes and events of the one before. */
function tickWrites(ids: string[][], k: number): Writes {
  const now = Date.now();
  const fresh = Array.from({ length: TICK_ACTIONS }, () => timeOrderedUuid());
  ids.push(fresh);
  const body = JSON.stringify({ id: fresh[0], seq: k, padding: 'x'.repeat(200) });
  const writes: Writes = [
    [
      'insert',
      fresh.map((id) => ({
        id,
        type: 'actions:.webhook',
        scope: 'actions',
        space_id: 'default',
        connector_id: 'bench-webhook-0',
        params: JSON.stringify({ params: { body }, source: 'HTTP_REQUEST' }),
        state: '{}',
        status: 'idle',
        priority: 0,
        run_at: now,
        scheduled_at: now,
        attempts: 0,
        max_attempts: 3,
        interval_ms: null,
        created_at: now,
        updated_at: now,
      })),
    ],
  ];
  if (k >= 1) writes.push(['claim', ids[k - 1].map((id) => ({ id, owner: OWNER, lease_expires_at: now + 30_000, updated_at: now }))]);
  if (k >= 2) {
    writes.push(['finish', ids[k - 2].map((id) => ({ id, owner: OWNER, status: 'succeeded', result: `{"status":"ok","actionId":"bench-webhook-0"}`, error: null, updated_at: now }))]);
    writes.push(['event', ids[k - 2].map((id) => ({ ...toEventRow(timeOrderedUuid(), eventDocument(id, 1)), events: 2 }))]);
  }
  return writes;
}

interface Writer {
  write(writes: Writes): Promise<void>;
  close(): Promise<void>;
}

function mainThreadWriter(sqlite: import('better-sqlite3').Database): Writer {
  const prepared = Object.fromEntries(Object.entries(STATEMENTS).map(([name, text]) => [name, sqlite.prepare(text)]));
  const tick = sqlite.transaction((writes: Writes) => {
    for (const [name, rows] of writes) for (const row of rows) prepared[name].run(row);
  });
  // Resolved on the next turn, as the group commit answers its submitters.
  return { write: async (writes) => void tick.immediate(writes), close: async () => undefined };
}

function workerThreadWriter(file: string): Writer {
  const worker = new Worker(new URL('./lib/storage_writer_worker.mjs', import.meta.url), { workerData: { file, statements: STATEMENTS } });
  const pending = new Map<number, { resolve(): void; reject(err: Error): void }>();
  let next = 0;
  worker.on('message', (message: { id: number; error?: string }) => {
    const waiter = pending.get(message.id)!;
    pending.delete(message.id);
    if (message.error) waiter.reject(new Error(message.error));
    else waiter.resolve();
  });
  worker.on('error', (err) => {
    for (const waiter of pending.values()) waiter.reject(err);
    pending.clear();
  });
  return {
    write: (writes) =>
      new Promise<void>((resolve, reject) => {
        const id = next++;
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, writes });
      }),
    close: async () => {
      worker.postMessage('close');
      await new Promise((resolve) => worker.once('exit', resolve));
    },
  };
}

interface Result {
  mode: string;
  loopUsPerAction: number;
  cpuUsPerAction: number;
  actionsPerSec: number;
}

/** Writes `actions` actions' rows through `writer`, TICKS_IN_FLIGHT ticks outstanding. */
async function drive(writer: Writer, ids: string[][], actions: number): Promise<void> {
  const ticks = Math.ceil(actions / TICK_ACTIONS);
  const first = ids.length;
  const inFlight = new Set<Promise<void>>();
  for (let k = first; k < first + ticks; k++) {
    const p: Promise<void> = writer.write(tickWrites(ids, k)).then(() => void inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= TICKS_IN_FLIGHT) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
}

async function measure(mode: string, makeWriter: (database: { file: string; sqlite: import('better-sqlite3').Database }) => Writer): Promise<Result> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'plugboard-bench-storage-'));
  const database = await openDatabase({ dataDir: dir });
  const writer = makeWriter({ file: database.file!, sqlite: database.sqlite! });
  try {
    const ids: string[][] = [];
    progress(`${mode}: warm-up, ${fmtInt(WARMUP_ACTIONS)} actions`);
    await drive(writer, ids, WARMUP_ACTIONS);
    progress(`${mode}: ${fmtInt(ACTIONS)} actions`);
    const loopBefore = performance.eventLoopUtilization();
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    await drive(writer, ids, ACTIONS);
    const seconds = (performance.now() - started) / 1000;
    const loop = performance.eventLoopUtilization(loopBefore);
    const cpu = process.cpuUsage(cpuBefore);
    const written = database.sqlite!.prepare(`select count(*) as n from event_log`).get() as { n: number };
    if (written.n < ACTIONS) throw new Error(`${mode}: ${written.n} event rows for ${ACTIONS} actions`);
    return {
      mode,
      loopUsPerAction: (loop.active * 1000) / ACTIONS,
      cpuUsPerAction: (cpu.user + cpu.system) / ACTIONS,
      actionsPerSec: ACTIONS / seconds,
    };
  } finally {
    await writer.close();
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export default async function run(): Promise<void> {
  console.log(machineLine());
  console.log(
    `settings: ${fmtInt(ACTIONS)} actions (BENCH_ACTIONS) after ${fmtInt(WARMUP_ACTIONS)} unmeasured; ${TICK_ACTIONS} actions per tick, one transaction each ` +
      `(${TICK_ACTIONS} task inserts, claims, finishes and event rows); ${TICKS_IN_FLIGHT} ticks in flight; SQLite, WAL, synchronous NORMAL`,
  );
  const results: Result[] = [];
  // Twice each, alternating, so that a drift of the machine shows as spread.
  for (let round = 0; round < 2; round++) {
    results.push(await measure('main thread', ({ sqlite }) => mainThreadWriter(sqlite)));
    results.push(await measure('worker thread', ({ file }) => workerThreadWriter(file)));
  }
  console.log(
    '\n' +
      renderTable(
        ['writes on', 'event loop µs/action', 'process CPU µs/action', 'actions/s'],
        results.map((r) => [r.mode, r.loopUsPerAction.toFixed(1), r.cpuUsPerAction.toFixed(1), fmtInt(r.actionsPerSec)]),
      ),
  );
  console.log(
    'event loop µs/action: performance.eventLoopUtilization() active time (the one JavaScript thread of the server); ' +
      'process CPU: process.cpuUsage(), every thread, building the rows included in both.',
  );
}

// Also runnable on its own: `npx tsx bench/storage_thread.ts`.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await run();
}
