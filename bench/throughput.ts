/**
 * Throughput and latency of queued actions (POST /api/actions/_bulk_enqueue → task manager →
 * `.webhook` connector → HTTP), on SQLite and on PostgreSQL, in two scenarios: four connectors
 * with their concurrency raised, and one connector at default settings (what a new user gets).
 * The webhooks point at a keep-alive sink in this process, which records the arrival of every
 * action; the baseline is plain undici POSTing bodies of the same size to the same sink with as
 * many requests in flight as the four-connector server may run, measured in the same run, so
 * results from different machines compare by their ratio. When Debian's
 * `prometheus-alertmanager` is installed, it delivers the same number of alerts (each its own
 * group) to the same sink through its webhook receiver, for comparison.
 *
 * Besides deliveries/s and latency, each scenario reports the server's CPU per action and the
 * share of it spent in garbage collection (from the server's own /metrics, read before and after
 * the peak run), and the server's peak RSS.
 *
 *   npx tsx bench/throughput.ts
 *   npm run bench -- throughput
 *   BENCH_ACTIONS=50000 BENCH_DURATION=20 npx tsx bench/throughput.ts
 *   BENCH_RATE=500 npx tsx bench/throughput.ts          # steady load other than 1,000 actions/s
 *   BENCH_CPU_PROF=/tmp/prof npx tsx bench/throughput.ts   # also profile the server, print hot spots
 *   BENCH_ONLY=sqlite:4 npx tsx bench/throughput.ts      # one database and scenario (sqlite|postgres,
 *                                                        # :4|:1), no Alertmanager: for profiling
 *   BENCH_SERVER_NODE_ARGS='--max-semi-space-size=8' npx tsx bench/throughput.ts   # V8 settings for the server
 */
import { writeFileSync } from 'node:fs';
import { mkdir, readdir, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { createPostgresSchema, postgresAvailable, TEST_POSTGRES_URL } from '../test/helpers/databases.js';
import { sample, sampleSum } from '../test/helpers/prometheus_text.js';
import { startAlertmanager } from './lib/alertmanager.js';
import { ApiClient } from './lib/client.js';
import { summarizeCpuProfile, type HotSpot } from './lib/cpu_profile.js';
import { measureRaw, type RawResult } from './lib/raw_load.js';
import { startServer } from './lib/server.js';
import { BODY_BYTES, makeBody, now, Sink, type DeliveryRun } from './lib/sink.js';
import { fmtInt, fmtRatio, renderTable } from './lib/table.js';
import { loadAverage, machineLine, peakRss, positiveInt, positiveNumber, progress } from './lib/report.js';

export const ACTIONS = positiveInt(process.env.BENCH_ACTIONS ?? '20000', 'BENCH_ACTIONS');
const DURATION_S = positiveNumber(process.env.BENCH_DURATION ?? '10', 'BENCH_DURATION');
const CPU_PROF_DIR = process.env.BENCH_CPU_PROF ? path.resolve(process.env.BENCH_CPU_PROF) : undefined;

const BULK_SIZE = 1000;
/** Actions run (and discarded) before anything is measured: JIT, connection pools, caches. */
export const WARMUP_ACTIONS = 2000;
const RAW_WARMUP_S = 1;
/** The steady-load scenario: actions per second, enqueued every TICK_MS in equal batches. */
const STEADY_RATE = positiveInt(process.env.BENCH_RATE ?? '1000', 'BENCH_RATE');
const TICK_MS = 50;
/** Fail when no action arrives for this long (beyond the 30 s lease, so a redelivery would show). */
export const STALL_MS = 45_000;

// plugboard.tasks.maxConcurrency is left at its default (200, written out here for the record);
// in the four-connector scenario the per-connector limit is raised from its default of 20 so
// that the connectors can use all of it: 4 × 20 would cap the server at 80 requests in flight.
const MAX_CONCURRENCY = 200;
const CONNECTOR_CONCURRENCY = 50;
const DEFAULT_CONNECTOR_CONCURRENCY = 20;

export interface Scenario {
  name: string;
  connectors: number;
  configLines: string[];
  /** Requests in flight at most. */
  inFlight: number;
}

export const SCENARIOS: Scenario[] = [
  {
    name: `4 connectors, concurrency ${CONNECTOR_CONCURRENCY}`,
    connectors: 4,
    configLines: [`plugboard.tasks.maxConcurrency: ${MAX_CONCURRENCY}`, `plugboard.actions.flowControl.defaults.concurrency: ${CONNECTOR_CONCURRENCY}`],
    inFlight: Math.min(MAX_CONCURRENCY, 4 * CONNECTOR_CONCURRENCY),
  },
  { name: '1 connector, defaults', connectors: 1, configLines: [], inFlight: DEFAULT_CONNECTOR_CONCURRENCY },
];
/** `BENCH_ONLY=<database>[:<connectors>]`: a run of that database (and scenario) alone, without Alertmanager. */
function parseOnly(value: string | undefined): { database: 'sqlite' | 'postgres'; connectors?: number } | undefined {
  if (!value) return undefined;
  const match = /^(sqlite|postgres)(?::(\d+))?$/.exec(value);
  const connectors = match?.[2] === undefined ? undefined : Number(match[2]);
  if (!match || (connectors !== undefined && !SCENARIOS.some((s) => s.connectors === connectors))) {
    throw new Error(`BENCH_ONLY must be sqlite or postgres, optionally with :${SCENARIOS.map((s) => s.connectors).join(' or :')}; got "${value}"`);
  }
  return { database: match[1] as 'sqlite' | 'postgres', connectors };
}

const ONLY = parseOnly(process.env.BENCH_ONLY);

/** The raw baseline runs with as many requests in flight as the most any scenario may have. */
const RAW_IN_FLIGHT = Math.max(...SCENARIOS.map((s) => s.inFlight));

interface BulkResponse {
  errors: boolean;
  items: Array<{ id: string; response: string; message?: string }>;
}

interface Health {
  stats: {
    running: number;
    claims: number;
    backlog_by_type: Record<string, number>;
    recent_failures: Array<{ id: string; type: string; error: string }>;
  };
}

export interface PeakResult {
  deliveriesPerSec: number;
  seconds: number;
  enqueueSeconds: number;
  claims: number;
}

interface SteadyResult {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  actions: number;
  /** Enqueue rate achieved by the pacer. */
  enqueueRate: number;
  /** Most a batch went out after its scheduled time (the bench's own event loop lag). */
  pacerLagMs: number;
}

/** Server-side cost of a run, from the server's /metrics before and after it. */
interface ServerCost {
  /** process.cpuUsage() of the server (user + system), µs per action. */
  cpuPerActionUs: number;
  /** Garbage collection (nodejs_gc_duration_seconds) as a share of that CPU time. */
  gcShare: number;
}

interface ScenarioResult {
  scenario: Scenario;
  peak: PeakResult;
  cost: ServerCost;
  steady: SteadyResult;
  delivered: number;
  duplicates: number;
  serverPeakRss: number | undefined;
}

interface DialectResult {
  label: string;
  /** Mean of the two raw runs, before and after Plugboard's. */
  raw: RawResult;
  rawRuns: [RawResult, RawResult];
  scenarios: ScenarioResult[];
  benchPeakRss: number | undefined;
  benchRssReset: boolean;
}

interface AlertmanagerResult {
  notificationsPerSec: number;
  seconds: number;
  postSeconds: number;
  delivered: number;
  duplicates: number;
  peakRss: number | undefined;
}

export default async function run(): Promise<void> {
  printMachine();
  // Checked first so that a required but missing PostgreSQL (PLUGBOARD_REQUIRE_SERVICES=1) fails
  // fast: postgresAvailable() throws in that case.
  const withPostgres = await postgresAvailable();
  if (CPU_PROF_DIR) await mkdir(CPU_PROF_DIR, { recursive: true });

  const sink = new Sink();
  await sink.listen();
  const results: DialectResult[] = [];
  let alertmanager: AlertmanagerResult | undefined;
  try {
    // Each scenario's server gets a database of its own: a new data directory, or a new schema.
    if (ONLY?.database !== 'postgres') results.push(await benchDialect('SQLite', async () => ({ drop: async () => undefined }), sink));
    if (ONLY?.database === 'sqlite') {
      // left out on request
    } else if (!withPostgres) {
      console.log(`\nPostgreSQL: SKIPPED, unreachable at ${TEST_POSTGRES_URL} (set PLUGBOARD_REQUIRE_SERVICES=1 to make this an error)`);
    } else {
      results.push(await benchDialect('PostgreSQL', createPostgresSchema, sink));
    }
    if (!ONLY) alertmanager = await benchAlertmanager(sink);
  } finally {
    await sink.close();
  }
  if (sink.unknown > 0) throw new Error(`the sink received ${sink.unknown} requests that were not benchmark actions`);
  printSummary(results, alertmanager);
}

function printMachine(): void {
  console.log(machineLine());
  console.log(
    `settings: ${fmtInt(ACTIONS)} actions (BENCH_ACTIONS) in bulk requests of ${fmtInt(BULK_SIZE)}; ` +
      `steady load ${fmtInt(STEADY_RATE)} actions/s (BENCH_RATE) for ${DURATION_S} s (BENCH_DURATION); raw baseline ${DURATION_S} s (after ${RAW_WARMUP_S} s warm-up) with ${RAW_IN_FLIGHT} requests in flight, before and again after Plugboard's runs; ` +
      `${BODY_BYTES}-byte bodies; ${fmtInt(WARMUP_ACTIONS)} unmeasured warm-up actions per server`,
  );
  for (const scenario of SCENARIOS) {
    console.log(
      `scenario "${scenario.name}": ${scenario.connectors} .webhook connector(s), at most ${scenario.inFlight} requests in flight; server config: ${scenario.configLines.join(', ') || 'defaults'}`,
    );
  }
  console.log(
    'a server of its own per scenario, in a child process; sink in the bench process, raw sender in another child process, all on this machine' +
      (CPU_PROF_DIR ? `; servers CPU-profiled into ${CPU_PROF_DIR}` : ''),
  );
}

/** A database for one server: a PostgreSQL URL, or none for the embedded SQLite. */
type NewDatabase = () => Promise<{ url?: string; drop(): Promise<void> }>;

async function benchDialect(label: string, newDatabase: NewDatabase, sink: Sink): Promise<DialectResult> {
  const benchRssReset = resetPeakRss();
  const rawBefore = await raw(label, sink);
  const scenarios: ScenarioResult[] = [];
  for (const scenario of SCENARIOS) {
    if (ONLY?.connectors !== undefined && scenario.connectors !== ONLY.connectors) continue;
    const database = await newDatabase();
    try {
      scenarios.push(await benchScenario(label, scenario, database.url, sink, rawBefore));
    } finally {
      await database.drop();
    }
  }
  // Again afterwards: on a shared machine the baseline moves, and the spread shows by how much.
  const rawAfter = await raw(label, sink);
  const result: DialectResult = {
    label,
    raw: {
      deliveriesPerSec: (rawBefore.deliveriesPerSec + rawAfter.deliveriesPerSec) / 2,
      deliveries: rawBefore.deliveries + rawAfter.deliveries,
      seconds: rawBefore.seconds + rawAfter.seconds,
      senderCpuPerRequestUs: (rawBefore.senderCpuPerRequestUs + rawAfter.senderCpuPerRequestUs) / 2,
    },
    rawRuns: [rawBefore, rawAfter],
    scenarios,
    benchPeakRss: peakRss('self'),
    benchRssReset,
  };
  printTable(result);
  return result;
}

async function benchScenario(label: string, scenario: Scenario, databaseUrl: string | undefined, sink: Sink, rawBefore: RawResult): Promise<ScenarioResult> {
  const title = `${label}, ${scenario.name}`;
  progress(`${title}: starting the server`);
  const startedAt = Date.now();
  const server = await startServer({
    databaseUrl,
    configLines: scenario.configLines,
    nodeArgs: CPU_PROF_DIR ? ['--cpu-prof', '--cpu-prof-dir', CPU_PROF_DIR] : [],
  });
  const client = new ApiClient(server.url, server.password, 32);
  const runs: DeliveryRun[] = [];
  let result: ScenarioResult;
  try {
    const ids = await createConnectors(client, sink, scenario.connectors);

    progress(`${title}: warm-up, ${fmtInt(WARMUP_ACTIONS)} actions`);
    const warmup = sink.startRun(WARMUP_ACTIONS);
    runs.push(warmup);
    await enqueueAll(client, warmup, ids);
    await sink.waitForAll(warmup, STALL_MS, () => describeQueue(client));
    await settled(client);

    progress(`${title}: peak, ${fmtInt(ACTIONS)} actions`);
    const before = await client.text('/metrics');
    const peak = await measurePeak(client, sink, ids, runs);
    const cost = serverCost(before, await client.text('/metrics'), ACTIONS);
    progress(
      `${title}: peak ${fmtInt(peak.deliveriesPerSec)} deliveries/s (${fmtRatio(peak.deliveriesPerSec / rawBefore.deliveriesPerSec)} of raw), ` +
        `${fmtInt(cost.cpuPerActionUs)} µs CPU per action, ${fmtPercent(cost.gcShare)} of it GC`,
    );
    await settled(client);

    progress(`${title}: steady ${fmtInt(STEADY_RATE)} actions/s for ${DURATION_S} s`);
    const steady = await measureSteady(client, sink, ids, runs);
    progress(`${title}: steady p50 ${fmtLatency(steady.p50)} ms, p99 ${fmtLatency(steady.p99)} ms`);
    const health = await settled(client);

    const failures = health.stats.recent_failures.filter((f) => f.type.startsWith('actions:'));
    if (failures.length > 0) throw new Error(`${title}: ${failures.length} actions failed, e.g. ${failures[0].error}`);
    const missing = runs.reduce((n, r) => n + (r.size - r.unique), 0);
    if (missing > 0) throw new Error(`${title}: ${missing} actions were never delivered`);
    result = {
      scenario,
      peak,
      cost,
      steady,
      delivered: runs.reduce((n, r) => n + r.unique, 0),
      duplicates: 0,
      serverPeakRss: peakRss(server.pid),
    };
  } finally {
    await client.close();
    await server.stop();
  }
  // Deliveries that arrive after the server stopped cannot happen; duplicates are final now.
  result.duplicates = runs.reduce((n, r) => n + r.duplicates, 0);
  if (CPU_PROF_DIR) await printProfile(title, server.pid, startedAt);
  return result;
}

/** CPU and GC seconds of the server between two scrapes of its /metrics, per action. */
function serverCost(before: string, after: string, actions: number): ServerCost {
  const cpu = (text: string) => (sample(text, 'plugboard_process_cpu_user_seconds_total') ?? NaN) + (sample(text, 'plugboard_process_cpu_system_seconds_total') ?? NaN);
  const gc = (text: string) => sampleSum(text, 'plugboard_nodejs_gc_duration_seconds_sum');
  const cpuSeconds = cpu(after) - cpu(before);
  return { cpuPerActionUs: (cpuSeconds * 1e6) / actions, gcShare: (gc(after) - gc(before)) / cpuSeconds };
}

async function raw(label: string, sink: Sink): Promise<RawResult> {
  progress(`${label}: raw undici baseline, ${RAW_IN_FLIGHT} requests in flight, ${DURATION_S} s`);
  const result = await measureRaw(sink, RAW_IN_FLIGHT, RAW_WARMUP_S, DURATION_S);
  progress(`${label}: raw baseline ${fmtInt(result.deliveriesPerSec)} deliveries/s, sender CPU ${fmtInt(result.senderCpuPerRequestUs)} µs per request`);
  return result;
}

/** `count` .webhook connectors, each at its own path of the sink. */
export async function createConnectors(client: ApiClient, sink: Sink, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, i) => `bench-webhook-${i}`);
  for (const [i, id] of ids.entries()) {
    await client.request('POST', `/api/actions/connector/${id}`, {
      name: `Bench webhook ${i}`,
      connector_type_id: '.webhook',
      config: { url: `${sink.url}/c${i}`, method: 'post', hasAuth: false },
      secrets: {},
    });
  }
  return ids;
}

/** The bulk request for actions [first, end) of a run, round-robin over the connectors. */
function bulkBody(run: DeliveryRun, ids: string[], first: number, end: number, enqueuedAt: number) {
  const actions = [];
  for (let seq = first; seq < end; seq++) actions.push({ id: ids[seq % ids.length], params: { body: makeBody(run.id, seq, enqueuedAt) } });
  return { actions };
}

async function bulkEnqueue(client: ApiClient, run: DeliveryRun, ids: string[], first: number, end: number, enqueuedAt: number): Promise<void> {
  const res = await client.request<BulkResponse>('POST', '/api/actions/_bulk_enqueue', bulkBody(run, ids, first, end, enqueuedAt));
  const bad = res.items.filter((i) => i.response !== 'success');
  if (res.items.length !== end - first || bad.length > 0) {
    throw new Error(`bulk enqueue: ${res.items.length} items for ${end - first} actions, ${bad.length} not queued: ${JSON.stringify(bad[0])}`);
  }
}

/** Enqueues every action of the run, one bulk request after the other. */
export async function enqueueAll(client: ApiClient, run: DeliveryRun, ids: string[]): Promise<void> {
  for (let first = 0; first < run.size; first += BULK_SIZE) {
    await bulkEnqueue(client, run, ids, first, Math.min(first + BULK_SIZE, run.size), now());
  }
}

/** All ACTIONS enqueued back to back; deliveries/s from just before the first request to the last arrival. */
export async function measurePeak(client: ApiClient, sink: Sink, ids: string[], runs: DeliveryRun[]): Promise<PeakResult> {
  const run = sink.startRun(ACTIONS);
  runs.push(run);
  const claimsBefore = (await health(client)).stats.claims;
  const started = now();
  await enqueueAll(client, run, ids);
  const enqueueSeconds = (now() - started) / 1000;
  await sink.waitForAll(run, STALL_MS, () => describeQueue(client));
  const seconds = (run.lastFirstArrival - started) / 1000;
  const claims = (await health(client)).stats.claims - claimsBefore;
  return { deliveriesPerSec: run.size / seconds, seconds, enqueueSeconds, claims };
}

/**
 * STEADY_RATE actions/s for DURATION_S, in batches every TICK_MS on a fixed schedule (open loop:
 * a slow response does not delay the next batch). Latency runs from just before each bulk
 * request to the action's first arrival at the sink.
 */
async function measureSteady(client: ApiClient, sink: Sink, ids: string[], runs: DeliveryRun[]): Promise<SteadyResult> {
  const perTick = Math.max(1, Math.round((STEADY_RATE * TICK_MS) / 1000));
  const ticks = Math.max(1, Math.round((DURATION_S * 1000) / TICK_MS));
  const run = sink.startRun(perTick * ticks);
  runs.push(run);
  const requests: Promise<void>[] = [];
  let pacerLagMs = 0;
  const start = now() + 10;
  for (let k = 0; k < ticks; k++) {
    const due = start + k * TICK_MS;
    const wait = due - now();
    if (wait > 0) await sleep(wait);
    const sentAt = now();
    pacerLagMs = Math.max(pacerLagMs, sentAt - due);
    const request = bulkEnqueue(client, run, ids, k * perTick, (k + 1) * perTick, sentAt);
    request.catch(() => undefined); // awaited below; keeps an early failure from being unhandled
    requests.push(request);
  }
  const enqueueRate = run.size / ((now() - start) / 1000 + TICK_MS / 1000);
  await Promise.all(requests);
  await sink.waitForAll(run, STALL_MS, () => describeQueue(client));
  const latencies = run.latencies();
  return {
    p50: percentile(latencies, 0.5),
    p90: percentile(latencies, 0.9),
    p99: percentile(latencies, 0.99),
    max: latencies[latencies.length - 1],
    actions: run.size,
    enqueueRate,
    pacerLagMs,
  };
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

export function health(client: ApiClient): Promise<Health> {
  return client.request<Health>('GET', '/api/task_manager/_health');
}

const actionBacklog = (h: Health) =>
  Object.entries(h.stats.backlog_by_type)
    .filter(([type]) => type.startsWith('actions:'))
    .reduce((n, [, count]) => n + count, 0);

export async function describeQueue(client: ApiClient): Promise<string> {
  try {
    const h = await health(client);
    return `server: ${h.stats.running} running, ${actionBacklog(h)} queued, ${h.stats.recent_failures.length} recent failures${h.stats.recent_failures[0] ? `, e.g. ${h.stats.recent_failures[0].error}` : ''}`;
  } catch (err) {
    return `health unavailable: ${(err as Error).message}`;
  }
}

/** Waits until no action task is queued or running (their completions are written). */
export async function settled(client: ApiClient): Promise<Health> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const h = await health(client);
    if (h.stats.running === 0 && actionBacklog(h) === 0) return h;
    if (Date.now() > deadline) throw new Error(`the queue did not drain: ${h.stats.running} running, ${actionBacklog(h)} queued`);
    await sleep(50);
  }
}

/** Resets this process's VmHWM to its current RSS (Linux ≥ 4.0), so each dialect gets its own peak. */
export function resetPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

function printTable(r: DialectResult): void {
  console.log(`\n${r.label} — .webhook connectors → local sink; raw undici ${fmtInt(r.raw.deliveriesPerSec)} deliveries/s with ${RAW_IN_FLIGHT} in flight (mean of ${fmtInt(r.rawRuns[0].deliveriesPerSec)} before and ${fmtInt(r.rawRuns[1].deliveriesPerSec)} after); the raw sender's own CPU ${fmtInt(r.raw.senderCpuPerRequestUs)} µs per request`);
  for (const s of r.scenarios) {
    const ratio = s.peak.deliveriesPerSec / r.raw.deliveriesPerSec;
    console.log(`\n${r.label}, ${s.scenario.name} (${s.scenario.configLines.join(', ') || 'default settings'})`);
    console.log(
      renderTable(
        ['metric', 'value', 'detail'],
        [
          ['Plugboard deliveries/s', fmtInt(s.peak.deliveriesPerSec), `${fmtInt(ACTIONS)} actions, first enqueue → last delivery ${s.peak.seconds.toFixed(2)} s`],
          ['Plugboard ÷ raw', fmtRatio(ratio), `the goal is ≥ 0.5 on SQLite${r.label === 'SQLite' ? `: ${ratio >= 0.5 ? 'met' : 'NOT met'}` : ''}`],
          ['server CPU µs/action', fmtInt(s.cost.cpuPerActionUs), 'process.cpuUsage() of the server over the peak run (its /metrics before and after), enqueue requests included'],
          ['GC share of server CPU', fmtPercent(s.cost.gcShare), 'nodejs_gc_duration_seconds over the same run'],
          [`p50 ms at ${fmtInt(STEADY_RATE)}/s`, fmtLatency(s.steady.p50), `enqueue → arrival at the sink, ${fmtInt(s.steady.actions)} actions, ${fmtInt((STEADY_RATE * TICK_MS) / 1000)} every ${TICK_MS} ms`],
          [`p99 ms at ${fmtInt(STEADY_RATE)}/s`, fmtLatency(s.steady.p99), `p90 ${fmtLatency(s.steady.p90)} ms, max ${fmtLatency(s.steady.max)} ms`],
          ['server peak RSS MiB', fmtMiB(s.serverPeakRss), 'VmHWM of the server process over its whole life'],
          ['delivered / duplicates', `${fmtInt(s.delivered)} / ${fmtInt(s.duplicates)}`, `every action delivered ${s.duplicates === 0 ? 'exactly once' : 'at least once'} (warm-up, peak and steady runs)`],
        ],
      ),
    );
    console.log(
      `peak: all enqueued after ${s.peak.enqueueSeconds.toFixed(2)} s; ${fmtInt(s.peak.claims)} claims, ${fmtInt(ACTIONS / Math.max(1, s.peak.claims))} tasks per claim. ` +
        `steady: enqueued at ${fmtInt(s.steady.enqueueRate)}/s, the pacer at most ${fmtLatency(s.steady.pacerLagMs)} ms late.`,
    );
    if (s.peak.deliveriesPerSec < STEADY_RATE) {
      console.log(
        `OVERLOAD: ${fmtInt(STEADY_RATE)} actions/s is above the peak throughput (${fmtInt(s.peak.deliveriesPerSec)}/s), so the queue grew ` +
          'during the whole steady run and its latencies are mostly time spent in the backlog (BENCH_RATE sets a lower rate).',
      );
    }
  }
  console.log(
    `\nbench peak RSS ${fmtMiB(r.benchPeakRss)} MiB (VmHWM of this process, sink and enqueuer${r.benchRssReset ? ', reset at the start of this dialect' : ', since it started'}); ` +
      `load average after the run: ${loadAverage()} on ${os.cpus().length} CPUs`,
  );
}

function printSummary(results: DialectResult[], alertmanager: AlertmanagerResult | undefined): void {
  const rows: (string | number)[][] = [];
  for (const r of results) {
    for (const s of r.scenarios) {
      rows.push([
        `${r.label}, ${s.scenario.name}`,
        fmtInt(s.peak.deliveriesPerSec),
        fmtRatio(s.peak.deliveriesPerSec / r.raw.deliveriesPerSec),
        fmtLatency(s.steady.p50),
        fmtLatency(s.steady.p99),
        fmtInt(s.cost.cpuPerActionUs),
        fmtPercent(s.cost.gcShare),
        fmtMiB(s.serverPeakRss),
        s.duplicates,
      ]);
    }
  }
  if (alertmanager) {
    const raw = results[0]?.raw.deliveriesPerSec ?? NaN;
    rows.push(['Alertmanager (notifications)', fmtInt(alertmanager.notificationsPerSec), fmtRatio(alertmanager.notificationsPerSec / raw), '-', '-', '-', '-', fmtMiB(alertmanager.peakRss), alertmanager.duplicates]);
  }
  console.log('\nSummary (÷ raw: of the same dialect\'s raw baseline; Alertmanager: of the first dialect\'s)');
  console.log(
    renderTable(['scenario', 'deliveries/s', '÷ raw', `p50 ms @${fmtInt(STEADY_RATE)}/s`, `p99 ms @${fmtInt(STEADY_RATE)}/s`, 'CPU µs/action', 'GC share', 'server RSS MiB', 'duplicates'], rows),
  );
  console.log(`load average at the end: ${loadAverage()} on ${os.cpus().length} CPUs`);
}

/**
 * Alertmanager delivering ACTIONS alerts, each its own group and so its own notification, to the
 * same sink; notifications/s from just before the first POST to the last arrival.
 */
async function benchAlertmanager(sink: Sink): Promise<AlertmanagerResult | undefined> {
  const am = await startAlertmanager(`${sink.url}/alertmanager`);
  if (!am) {
    console.log('\nAlertmanager: SKIPPED, prometheus-alertmanager is not installed (apt-get install prometheus-alertmanager)');
    return undefined;
  }
  const runs: DeliveryRun[] = [];
  try {
    const postAll = async (run: DeliveryRun) => {
      for (let first = 0; first < run.size; first += BULK_SIZE) {
        const at = now();
        const alerts = [];
        for (let seq = first; seq < Math.min(first + BULK_SIZE, run.size); seq++) {
          // Distinct labels per alert: with group_by '...' each alert is its own group.
          alerts.push({ labels: { alertname: 'PlugboardBench', r: String(run.id), s: String(seq), t: at.toFixed(3) } });
        }
        await am.postAlerts(alerts);
      }
    };
    const describe = async () => `alertmanager output: ${am.output().slice(-500)}`;
    progress(`Alertmanager: warm-up, ${fmtInt(WARMUP_ACTIONS)} alerts`);
    const warmup = sink.startRun(WARMUP_ACTIONS);
    runs.push(warmup);
    await postAll(warmup);
    await sink.waitForAll(warmup, STALL_MS, describe);

    progress(`Alertmanager: peak, ${fmtInt(ACTIONS)} alerts`);
    const run = sink.startRun(ACTIONS);
    runs.push(run);
    const started = now();
    await postAll(run);
    const postSeconds = (now() - started) / 1000;
    await sink.waitForAll(run, STALL_MS, describe);
    const seconds = (run.lastFirstArrival - started) / 1000;
    const result: AlertmanagerResult = {
      notificationsPerSec: run.size / seconds,
      seconds,
      postSeconds,
      delivered: runs.reduce((n, r) => n + r.unique, 0),
      duplicates: 0,
      peakRss: peakRss(am.pid),
    };
    progress(`Alertmanager: ${fmtInt(result.notificationsPerSec)} notifications/s`);
    await am.stop();
    result.duplicates = runs.reduce((n, r) => n + r.duplicates, 0);
    console.log(
      `\nAlertmanager (${am.version}, in memory, not durable): ${fmtInt(result.notificationsPerSec)} notifications/s, ` +
        `${fmtInt(ACTIONS)} alerts posted in ${postSeconds.toFixed(2)} s, last notification after ${seconds.toFixed(2)} s; ` +
        `peak RSS ${fmtMiB(result.peakRss)} MiB; ${fmtInt(result.delivered)} delivered, ${fmtInt(result.duplicates)} duplicates`,
    );
    return result;
  } finally {
    await am.stop();
  }
}

/** Hot spots of the server's main thread, from the profile written when it exited. */
export async function printProfile(label: string, pid: number, startedAt: number): Promise<void> {
  const dir = CPU_PROF_DIR!;
  const candidates: Array<{ file: string; size: number }> = [];
  for (const name of await readdir(dir)) {
    if (!name.endsWith('.cpuprofile') || !name.includes(`.${pid}.`)) continue;
    const info = await stat(path.join(dir, name));
    if (info.mtimeMs >= startedAt) candidates.push({ file: path.join(dir, name), size: info.size });
  }
  // The main thread's profile is the largest (tsx's loader thread writes a small one too).
  const main = candidates.sort((a, b) => b.size - a.size)[0];
  if (!main) {
    console.log(`\n${label}: no CPU profile of process ${pid} found in ${dir}`);
    return;
  }
  const summary = await summarizeCpuProfile(main.file);
  const rows = (spots: HotSpot[]) => spots.map((s) => [s.name, fmtInt(s.ms), `${(s.share * 100).toFixed(1)}%`]);
  console.log(`\n${label}: server CPU profile ${main.file}: ${fmtInt(summary.totalMs)} ms sampled, ${(summary.idleShare * 100).toFixed(0)}% idle; shares are of busy time`);
  console.log(`\nself time by area\n${renderTable(['area', 'ms', 'share'], rows(summary.byArea.slice(0, 12)))}`);
  console.log(`\nself time by function\n${renderTable(['function', 'ms', 'share'], rows(summary.self))}`);
  console.log(`\ninclusive time, the server's own functions (dist/: src/ compiled)\n${renderTable(['function', 'ms', 'share'], rows(summary.inclusiveOwn))}`);
}

const fmtLatency = (ms: number) => (ms < 10 ? ms.toFixed(1) : fmtInt(ms));
const fmtMiB = (bytes: number | undefined) => (bytes === undefined ? 'n/a' : fmtInt(bytes / 2 ** 20));
const fmtPercent = (share: number) => (Number.isFinite(share) ? `${(share * 100).toFixed(1)}%` : 'n/a');

// Also runnable on its own: `npx tsx bench/throughput.ts`.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await run();
}
