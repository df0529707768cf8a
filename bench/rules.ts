/**
 * Rules on their schedule: BENCH_RULES (1,000) enabled `plugboard.connector-health` rules, every
 * 10 s, each with one `.webhook` action to a local sink, on SQLite and on PostgreSQL. After a
 * warm-up, over a steady window it reports rule runs per second, schedule drift (how late each
 * run started against the run_at its task was scheduled for), run durations, the actions the
 * rules queued and delivered, and the server's CPU and RSS. It also measures what the rules cost
 * the action queue: bench/throughput's peak (BENCH_ACTIONS actions through four .webhook
 * connectors) on the same server before the rules exist and again while they run.
 *
 * Why connector health and not .index-threshold: its executor reads the event log of the
 * server's own database, so a run costs what Plugboard itself does (rules store, task store,
 * event log, action queue) on both databases, with no Elasticsearch simulator in the bench
 * process to share the two cores with. The rules watch the four connectors their own actions go
 * through, with a p99 threshold of 1 µs, so every run finds its connector unhealthy and queues
 * its action (notify on every active run); those executions keep the connectors in the window.
 *
 * Drift is read from the database, not the API: the bench polls the rules and tasks tables (a
 * read-only SQLite connection / a PostgreSQL client of its own) every POLL_MS. A task's run_at
 * while it waits or runs is the time its run was due; the rule's
 * execution_status.last_execution_date is when the runner started it; drift is the difference.
 *
 *   npx tsx bench/rules.ts
 *   npm run bench -- rules
 *   BENCH_RULES=100 BENCH_RULES_WINDOW=20 BENCH_ACTIONS=5000 npx tsx bench/rules.ts   # quick run
 *   BENCH_ONLY=sqlite npx tsx bench/rules.ts            # one database
 *   BENCH_CPU_PROF=/tmp/prof npx tsx bench/rules.ts     # also profile the server, print hot spots
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { createPostgresSchema, postgresAvailable, TEST_POSTGRES_URL } from '../test/helpers/databases.js';
import { sample } from '../test/helpers/prometheus_text.js';
import { ApiClient, forEachBounded } from './lib/client.js';
import { loadAverage, machineLine, peakRss, positiveInt, progress } from './lib/report.js';
import { startServer, type BenchServer } from './lib/server.js';
import { now, Sink, type DeliveryRun } from './lib/sink.js';
import { fmtInt, fmtRatio, renderTable } from './lib/table.js';
import {
  ACTIONS,
  createConnectors,
  describeQueue,
  enqueueAll,
  measurePeak,
  printProfile,
  SCENARIOS,
  settled,
  STALL_MS,
  WARMUP_ACTIONS,
  type PeakResult,
} from './throughput.js';

const RULES = positiveInt(process.env.BENCH_RULES ?? '1000', 'BENCH_RULES');
/** Seconds of the steady window, after RULE_WARMUP_S of unmeasured runs. */
const WINDOW_S = positiveInt(process.env.BENCH_RULES_WINDOW ?? '30', 'BENCH_RULES_WINDOW');
const RULE_WARMUP_S = positiveInt(process.env.BENCH_RULES_WARMUP ?? '20', 'BENCH_RULES_WARMUP');
const CPU_PROF_DIR = process.env.BENCH_CPU_PROF ? path.resolve(process.env.BENCH_CPU_PROF) : undefined;
const ONLY = process.env.BENCH_ONLY;
if (ONLY !== undefined && ONLY !== 'sqlite' && ONLY !== 'postgres') throw new Error(`BENCH_ONLY must be sqlite or postgres, got "${ONLY}"`);

const INTERVAL = '10s';
const INTERVAL_MS = 10_000;
/** The connectors the rules watch and send their actions through ("a few connectors"). */
const RULE_CONNECTORS = 4;
/** The event log window each run reads. */
const HEALTH_WINDOW = '1m';
const POLL_MS = 1000;
/** Rules created in parallel through the API. */
const CREATE_CONCURRENCY = 16;
/** The throughput bench's four-connector scenario: its server settings and connectors. */
const SCENARIO = SCENARIOS[0];
/** Its settings, and a minimum schedule interval that lets a 10 s rule be created without a warning. */
const CONFIG_LINES = [...SCENARIO.configLines, `xpack.alerting.rules.minimumScheduleInterval.value: ${INTERVAL}`];

/** One rule run seen by the poller. */
interface RunSample {
  startedAt: number;
  /** startedAt − the task's run_at; undefined when the run_at it was due at was not seen. */
  driftMs: number | undefined;
  durationMs: number;
  status: string;
}

interface RuleResult {
  label: string;
  rulesCreateSeconds: number;
  runs: RunSample[];
  /** Runs that were due in the window but never seen (rules that fell behind), at its end. */
  overdueAtEnd: number;
  queued: number;
  delivered: number;
  /** Rule start → arrival of its action at the sink, ms, sorted. */
  actionLatencies: Float64Array;
  cpuSeconds: number;
  rss: number | undefined;
  peakRss: number | undefined;
  without: PeakResult;
  with: PeakResult;
  /** Rule runs per second while the throughput peak ran beside them. */
  runsPerSecDuringPeak: number;
  failedRuns: number;
}

export default async function run(): Promise<void> {
  console.log(machineLine());
  console.log(
    `settings: ${fmtInt(RULES)} plugboard.connector-health rules (BENCH_RULES), interval ${INTERVAL}, each watching 1 of ${RULE_CONNECTORS} .webhook connectors ` +
      `(window ${HEALTH_WINDOW}, p99 threshold 1 µs: always unhealthy) with one .webhook action on every active run (notify_when onActiveAlert) to a local sink; ` +
      `${RULE_WARMUP_S} s warm-up (BENCH_RULES_WARMUP), ${WINDOW_S} s steady window (BENCH_RULES_WINDOW); ` +
      `throughput peak of ${fmtInt(ACTIONS)} actions (BENCH_ACTIONS) through ${SCENARIO.connectors} other connectors before the rules exist and while they run; ` +
      `server config: ${CONFIG_LINES.join(', ')}; drift and runs read by polling the rules and tasks tables every ${POLL_MS} ms` +
      (CPU_PROF_DIR ? `; servers CPU-profiled into ${CPU_PROF_DIR}` : ''),
  );
  const withPostgres = await postgresAvailable();
  if (CPU_PROF_DIR) await mkdir(CPU_PROF_DIR, { recursive: true });
  const sink = new Sink();
  await sink.listen();
  const ruleSink = new RuleSink();
  await ruleSink.listen();
  const results: RuleResult[] = [];
  try {
    if (ONLY !== 'postgres') results.push(await benchDialect('SQLite', undefined, sink, ruleSink));
    if (ONLY === 'sqlite') {
      // left out on request
    } else if (!withPostgres) {
      console.log(`\nPostgreSQL: SKIPPED, unreachable at ${TEST_POSTGRES_URL} (set PLUGBOARD_REQUIRE_SERVICES=1 to make this an error)`);
    } else {
      const schema = await createPostgresSchema();
      try {
        results.push(await benchDialect('PostgreSQL', schema.url, sink, ruleSink));
      } finally {
        await schema.drop();
      }
    }
  } finally {
    await sink.close();
    await ruleSink.close();
  }
  if (sink.unknown > 0 || ruleSink.unknown > 0) throw new Error(`the sinks received ${sink.unknown + ruleSink.unknown} requests that were not benchmark actions`);
  for (const r of results) printResult(r);
  printSummary(results);
}

async function benchDialect(label: string, databaseUrl: string | undefined, sink: Sink, ruleSink: RuleSink): Promise<RuleResult> {
  progress(`${label}: starting the server`);
  const startedAt = Date.now();
  const server = await startServer({
    databaseUrl,
    configLines: CONFIG_LINES,
    nodeArgs: CPU_PROF_DIR ? ['--cpu-prof', '--cpu-prof-dir', CPU_PROF_DIR] : [],
  });
  const client = new ApiClient(server.url, server.password, 32);
  const reader = await openReader(server, databaseUrl);
  let result: RuleResult;
  try {
    const ids = await createConnectors(client, sink, SCENARIO.connectors);
    const ruleConnectors = await createRuleConnectors(client, ruleSink);
    const runs: DeliveryRun[] = [];

    progress(`${label}: throughput without rules: warm-up ${fmtInt(WARMUP_ACTIONS)}, peak ${fmtInt(ACTIONS)} actions`);
    const warmup = sink.startRun(WARMUP_ACTIONS);
    runs.push(warmup);
    await enqueueAll(client, warmup, ids);
    await sink.waitForAll(warmup, STALL_MS, () => describeQueue(client));
    await settled(client);
    const without = await measurePeak(client, sink, ids, runs);
    progress(`${label}: ${fmtInt(without.deliveriesPerSec)} deliveries/s without rules`);
    await settled(client);

    // Executions in every watched connector's window before the first rule runs.
    await bootstrapRuleConnectors(client, ruleSink, ruleConnectors);
    progress(`${label}: creating ${fmtInt(RULES)} rules`);
    const createStart = now();
    await forEachBounded(RULES, CREATE_CONCURRENCY, (i) => createRule(client, i, ruleConnectors[i % ruleConnectors.length]));
    const rulesCreateSeconds = (now() - createStart) / 1000;

    const poller = new RunPoller(reader);
    const polling = poller.start();
    try {
      progress(`${label}: rules created in ${rulesCreateSeconds.toFixed(1)} s; warm-up ${RULE_WARMUP_S} s`);
      await sleep(RULE_WARMUP_S * 1000);
      const before = await client.text('/metrics');
      const windowStart = Date.now();
      const deliveredBefore = ruleSink.arrivals.length;
      progress(`${label}: steady window ${WINDOW_S} s`);
      await sleep(WINDOW_S * 1000);
      const windowEnd = Date.now();
      const after = await client.text('/metrics');
      const deliveredInWindow = ruleSink.arrivals.slice(deliveredBefore).filter((a) => a.at < windowEnd);
      const rss = currentRss(server.pid);

      progress(`${label}: throughput with the rules running, peak ${fmtInt(ACTIONS)} actions`);
      const peakStart = Date.now();
      const withRules = await measurePeak(client, sink, ids, runs);
      const peakEnd = Date.now();
      progress(`${label}: ${fmtInt(withRules.deliveriesPerSec)} deliveries/s with rules`);
      // Runs that started in the window but ended after it are written late: one more poll.
      await sleep(2 * POLL_MS);
      const inWindow = poller.samples.filter((s) => s.startedAt >= windowStart && s.startedAt < windowEnd);
      const duringPeak = poller.samples.filter((s) => s.startedAt >= peakStart && s.startedAt < peakEnd).length;
      const missing = runs.reduce((n, r) => n + (r.size - r.unique), 0);
      if (missing > 0) throw new Error(`${label}: ${missing} throughput actions were never delivered`);
      result = {
        label,
        rulesCreateSeconds,
        runs: inWindow,
        overdueAtEnd: await reader.overdue(windowEnd),
        queued: await reader.actionsQueued(ruleConnectors, windowStart, windowEnd),
        delivered: deliveredInWindow.length,
        actionLatencies: Float64Array.from(deliveredInWindow.map((a) => a.at - a.ruleStartedAt)).sort(),
        cpuSeconds: cpuSeconds(after) - cpuSeconds(before),
        rss,
        peakRss: peakRss(server.pid),
        without,
        with: withRules,
        runsPerSecDuringPeak: duringPeak / ((peakEnd - peakStart) / 1000),
        failedRuns: inWindow.filter((s) => s.status === 'error').length,
      };
    } finally {
      await poller.stop();
      await polling;
    }
  } finally {
    await reader.close();
    await client.close();
    await server.stop();
  }
  if (CPU_PROF_DIR) await printProfile(label, server.pid, startedAt);
  return result;
}

const cpuSeconds = (text: string) => (sample(text, 'plugboard_process_cpu_user_seconds_total') ?? NaN) + (sample(text, 'plugboard_process_cpu_system_seconds_total') ?? NaN);

/** The .webhook connectors the rules watch and act through, each at its own path of the rule sink. */
async function createRuleConnectors(client: ApiClient, ruleSink: RuleSink): Promise<string[]> {
  const ids = Array.from({ length: RULE_CONNECTORS }, (_, i) => `bench-rule-hook-${i}`);
  for (const [i, id] of ids.entries()) {
    await client.request('POST', `/api/actions/connector/${id}`, {
      name: `Bench rule hook ${i}`,
      connector_type_id: '.webhook',
      config: { url: `${ruleSink.url}/r${i}`, method: 'post', hasAuth: false },
      secrets: {},
    });
  }
  return ids;
}

/** One action through each rule connector, delivered, so that the rules' first runs find executions. */
async function bootstrapRuleConnectors(client: ApiClient, ruleSink: RuleSink, ids: string[]): Promise<void> {
  const target = ruleSink.bootstraps + ids.length;
  await client.request('POST', '/api/actions/_bulk_enqueue', { actions: ids.map((id) => ({ id, params: { body: '{"bootstrap":true}' } })) });
  const deadline = Date.now() + STALL_MS;
  while (ruleSink.bootstraps < target) {
    if (Date.now() > deadline) throw new Error(`bootstrap actions not delivered (${await describeQueue(client)})`);
    await sleep(20);
  }
  await settled(client);
}

function createRule(client: ApiClient, i: number, connectorId: string): Promise<void> {
  return client.request<unknown>('POST', `/api/alerting/rule/bench-rule-${i}`, {
    name: `Bench rule ${i}`,
    rule_type_id: 'plugboard.connector-health',
    consumer: 'alerts',
    schedule: { interval: INTERVAL },
    params: { connectorIds: [connectorId], window: HEALTH_WINDOW, maxFailureRate: 1, minExecutions: 1, maxP99Ms: 0.001 },
    actions: [
      {
        group: 'unhealthy',
        id: connectorId,
        params: { body: '{"rule":"{{rule.id}}","date":"{{date}}"}' },
        frequency: { summary: false, notify_when: 'onActiveAlert', throttle: null },
      },
    ],
  }).then(() => undefined);
}

/** A row of the poll: a rule's last start and its task's due time and status. */
interface PollRow {
  id: string;
  execution_status: string;
  run_at: number | string;
  status: string;
}

interface Reader {
  poll(): Promise<PollRow[]>;
  /** Rule tasks due before `at` that have not started since they were due. */
  overdue(at: number): Promise<number>;
  /** Action tasks created for the rule connectors in [start, end). */
  actionsQueued(connectorIds: string[], start: number, end: number): Promise<number>;
  close(): Promise<void>;
}

const POLL_SQL = `select r.id, r.execution_status, t.run_at, t.status from rules r join tasks t on t.id = r.id`;

/** A connection of the bench's own to the server's database, for reading only. */
async function openReader(server: BenchServer, databaseUrl: string | undefined): Promise<Reader> {
  if (!databaseUrl) {
    const db = new SQLite(path.join(server.dataDir, 'plugboard.sqlite'), { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    const poll = db.prepare(POLL_SQL);
    const overdue = db.prepare(`select count(*) as n from tasks where type like 'alerting:%' and status = 'idle' and run_at < ?`);
    return {
      poll: async () => poll.all() as PollRow[],
      overdue: async (at) => (overdue.get(at) as { n: number }).n,
      actionsQueued: async (ids, start, end) =>
        (db.prepare(`select count(*) as n from tasks where connector_id in (${ids.map(() => '?').join(',')}) and created_at >= ? and created_at < ?`).get(...ids, start, end) as { n: number }).n,
      close: async () => {
        db.close();
      },
    };
  }
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  return {
    poll: async () => (await client.query<PollRow>(POLL_SQL)).rows,
    overdue: async (at) => Number((await client.query<{ n: string }>(`select count(*) as n from tasks where type like 'alerting:%' and status = 'idle' and run_at < $1`, [at])).rows[0].n),
    actionsQueued: async (ids, start, end) =>
      Number((await client.query<{ n: string }>(`select count(*) as n from tasks where connector_id = any($1) and created_at >= $2 and created_at < $3`, [ids, start, end])).rows[0].n),
    close: () => client.end(),
  };
}

/**
 * Polls every rule's last start and its task's run_at. The run_at seen while a task waits (or
 * runs) after a rule's previous start is the time its next run is due; when a new start
 * appears, its drift is the start minus that run_at.
 */
class RunPoller {
  readonly samples: RunSample[] = [];
  private readonly lastStart = new Map<string, number>();
  private readonly due = new Map<string, number>();
  private stopped = false;

  constructor(private readonly reader: Reader) {}

  async start(): Promise<void> {
    while (!this.stopped) {
      const at = Date.now();
      this.observe(await this.reader.poll());
      await sleep(Math.max(0, POLL_MS - (Date.now() - at)));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
  }

  private observe(rows: PollRow[]): void {
    for (const row of rows) {
      const status = JSON.parse(row.execution_status) as { status: string; lastExecutionDate: string; lastDuration?: number };
      const runAt = Number(row.run_at);
      const previous = this.lastStart.get(row.id);
      if (status.status !== 'pending') {
        const started = Date.parse(status.lastExecutionDate);
        if (started !== previous) {
          const due = this.due.get(row.id);
          // The due time counts only if it was seen after the previous start (so it is this run's).
          const driftMs = due !== undefined && previous !== undefined && due > previous && due <= started ? started - due : undefined;
          if (previous !== undefined) this.samples.push({ startedAt: started, driftMs, durationMs: status.lastDuration ?? NaN, status: status.status });
          this.lastStart.set(row.id, started);
        }
      }
      const last = this.lastStart.get(row.id);
      if (last === undefined || runAt > last) this.due.set(row.id, runAt);
    }
  }
}

/** The rules' action deliveries: which rule, the start of the run that queued it, and the arrival. */
class RuleSink {
  private readonly server: http.Server;
  readonly arrivals: Array<{ at: number; ruleStartedAt: number }> = [];
  bootstraps = 0;
  unknown = 0;
  url = '';

  constructor() {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const at = now();
        this.record(Buffer.concat(chunks).toString('utf8'), at);
        res.writeHead(200, { 'content-length': '0' });
        res.end();
      });
    });
    this.server.keepAliveTimeout = 65_000;
    this.server.headersTimeout = 66_000;
  }

  private record(body: string, at: number): void {
    try {
      const parsed = JSON.parse(body) as { bootstrap?: boolean; rule?: string; date?: string };
      if (parsed.bootstrap === true) this.bootstraps++;
      else if (typeof parsed.rule === 'string' && typeof parsed.date === 'string') this.arrivals.push({ at, ruleStartedAt: Date.parse(parsed.date) });
      else this.unknown++;
    } catch {
      this.unknown++;
    }
  }

  async listen(): Promise<void> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((err) => (err ? reject(err) : resolve())));
  }
}

/** VmRSS of a process now, in bytes. */
function currentRss(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

const sorted = (values: number[]) => Float64Array.from(values).sort();
const mean = (values: Float64Array) => values.reduce((sum, v) => sum + v, 0) / Math.max(1, values.length);
const fmtMs = (ms: number) => (Number.isNaN(ms) ? 'n/a' : ms < 10 ? ms.toFixed(1) : fmtInt(ms));
const fmtMiB = (bytes: number | undefined) => (bytes === undefined ? 'n/a' : fmtInt(bytes / 2 ** 20));
const expectedRunsPerSec = RULES / (INTERVAL_MS / 1000);

function printResult(r: RuleResult): void {
  const drifts = sorted(r.runs.flatMap((s) => (s.driftMs === undefined ? [] : [s.driftMs])));
  const durations = sorted(r.runs.map((s) => s.durationMs).filter((d) => !Number.isNaN(d)));
  // Drift over the window: the first and last quarter of its runs, to show whether it grows.
  const byStart = [...r.runs].filter((s) => s.driftMs !== undefined).sort((a, b) => a.startedAt - b.startedAt);
  const quarter = Math.max(1, Math.floor(byStart.length / 4));
  const median = (runs: RunSample[]) => percentile(sorted(runs.map((s) => s.driftMs!)), 0.5);
  const runsPerSec = r.runs.length / WINDOW_S;
  console.log(`\n${r.label}: ${fmtInt(RULES)} connector-health rules every ${INTERVAL}, ${WINDOW_S} s steady window after ${RULE_WARMUP_S} s warm-up (rules created in ${r.rulesCreateSeconds.toFixed(1)} s)`);
  console.log(
    renderTable(
      ['metric', 'value', 'detail'],
      [
        ['rule runs/s', runsPerSec.toFixed(1), `${fmtInt(r.runs.length)} runs started in the window; ${fmtInt(RULES)} rules / ${INTERVAL} = ${fmtInt(expectedRunsPerSec)}/s if every run started on time`],
        [
          'runs/s, next run from the end',
          fmtInt(RULES / ((INTERVAL_MS + mean(drifts) + mean(durations)) / 1000)),
          `${fmtInt(RULES)} / (${INTERVAL} + mean drift + mean duration): what the window can hold when a task's next run_at is its end + the interval`,
        ],
        ['drift p50 ms', fmtMs(percentile(drifts, 0.5)), `last_execution_date − the task's run_at, ${fmtInt(drifts.length)} runs whose run_at was seen`],
        ['drift p99 ms', fmtMs(percentile(drifts, 0.99)), `max ${fmtMs(drifts[drifts.length - 1] ?? NaN)} ms; median of the first quarter ${fmtMs(median(byStart.slice(0, quarter)))} ms, of the last ${fmtMs(median(byStart.slice(-quarter)))} ms`],
        ['rules overdue at the end', fmtInt(r.overdueAtEnd), 'rule tasks still waiting past their run_at when the window closed'],
        ['run duration p50 / p99 ms', `${fmtMs(percentile(durations, 0.5))} / ${fmtMs(percentile(durations, 0.99))}`, `execution_status.last_duration; ${r.failedRuns} runs failed`],
        ['actions queued / delivered', `${fmtInt(r.queued)} / ${fmtInt(r.delivered)}`, 'action tasks created for the rule connectors in the window / arrivals at the sink in the window'],
        ['action latency p50 / p99 ms', `${fmtMs(percentile(r.actionLatencies, 0.5))} / ${fmtMs(percentile(r.actionLatencies, 0.99))}`, 'rule run start ({{date}}) → arrival of its action'],
        ['server CPU', `${((r.cpuSeconds / WINDOW_S) * 100).toFixed(0)}%`, `of one core over the window (${r.cpuSeconds.toFixed(1)} s; ${fmtInt((r.cpuSeconds * 1e6) / Math.max(1, r.runs.length))} µs per run, its action included)`],
        ['server RSS MiB', `${fmtMiB(r.rss)} (peak ${fmtMiB(r.peakRss)})`, 'VmRSS at the end of the window (VmHWM over the server\'s life)'],
        ['deliveries/s without rules', fmtInt(r.without.deliveriesPerSec), `bench/throughput's peak, ${fmtInt(ACTIONS)} actions, before the rules were created`],
        ['deliveries/s with rules', fmtInt(r.with.deliveriesPerSec), `${fmtRatio(r.with.deliveriesPerSec / r.without.deliveriesPerSec)} of without; rules ran ${r.runsPerSecDuringPeak.toFixed(1)}/s meanwhile`],
      ],
    ),
  );
}

function printSummary(results: RuleResult[]): void {
  const rows = results.map((r) => {
    const drifts = sorted(r.runs.flatMap((s) => (s.driftMs === undefined ? [] : [s.driftMs])));
    return [
      r.label,
      (r.runs.length / WINDOW_S).toFixed(1),
      fmtMs(percentile(drifts, 0.5)),
      fmtMs(percentile(drifts, 0.99)),
      `${fmtInt(r.queued)} / ${fmtInt(r.delivered)}`,
      `${((r.cpuSeconds / WINDOW_S) * 100).toFixed(0)}%`,
      fmtMiB(r.rss),
      fmtInt(r.without.deliveriesPerSec),
      fmtInt(r.with.deliveriesPerSec),
      fmtRatio(r.with.deliveriesPerSec / r.without.deliveriesPerSec),
    ];
  });
  console.log(`\nSummary (${fmtInt(RULES)} rules every ${INTERVAL}: ${fmtInt(expectedRunsPerSec)} runs/s on time)`);
  console.log(renderTable(['database', 'runs/s', 'drift p50 ms', 'drift p99 ms', 'actions queued / delivered', 'server CPU', 'RSS MiB', 'deliveries/s w/o rules', 'with rules', 'with ÷ w/o'], rows));
  console.log(`load average at the end: ${loadAverage()} on ${os.cpus().length} CPUs`);
}

// Also runnable on its own: `npx tsx bench/rules.ts`.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await run();
}
