/**
 * Throughput and p99 latency of the connectors API with 10,000 connectors in a space, on SQLite
 * and on PostgreSQL. Every figure is printed beside a baseline taken from the same server in the
 * same run (GET /api/status: no auth, no database), so results from different machines can be
 * compared by their ratio rather than their absolute numbers.
 *
 *   npm run bench                   # every benchmark
 *   BENCH_DURATION=5 npm run bench  # seconds per scenario (default 10)
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import { createPostgresSchema, postgresAvailable, TEST_POSTGRES_URL } from '../test/helpers/databases.js';
import { ApiClient, authHeaders, forEachBounded, WRITE_HEADERS } from './lib/client.js';
import { startServer, type BenchServer } from './lib/server.js';
import { fmtInt, fmtMs, fmtRatio, renderTable } from './lib/table.js';
import { loadAverage, machineLine, positiveNumber, progress } from './lib/report.js';

const SPACE = 'bench';
const CONNECTOR_COUNT = 10_000;
const SEED_CONCURRENCY = 32;
const DURATION_S = positiveNumber(process.env.BENCH_DURATION ?? '10', 'BENCH_DURATION');
// A short unmeasured run before each scenario, so JIT warm-up and pool growth are not measured.
const WARMUP_S = 1;
const CONNECTIONS = 32;
// A list response holds every connector (a few MB); more connections would only queue up.
const LIST_CONNECTIONS = 4;

const SETTLE_MS = 1000;
const STATUS_REQUEST = { path: '/api/status', method: 'GET' } as const;

type ScenarioName = 'create' | 'get' | 'list';

interface Scenario {
  name: ScenarioName;
  connections: number;
  /** Request settings for autocannon; url, headers and duration are filled in by `measure`. */
  request: Omit<autocannon.Options, 'url' | 'connections' | 'duration'> & { path: string };
}

interface Measurement {
  reqPerSec: number;
  p99Ms: number;
  requests: number;
}

interface Row {
  scenario: ScenarioName;
  connections: number;
  result: Measurement;
  baseline: Measurement;
}

export default async function run(): Promise<void> {
  printMachine();
  // Checked first so that a required but missing PostgreSQL (PLUGBOARD_REQUIRE_SERVICES=1) fails
  // fast: postgresAvailable() throws in that case.
  const withPostgres = await postgresAvailable();

  await benchDialect('SQLite', undefined);

  if (!withPostgres) {
    console.log(`\nPostgreSQL: SKIPPED, unreachable at ${TEST_POSTGRES_URL} (set PLUGBOARD_REQUIRE_SERVICES=1 to make this an error)`);
    return;
  }
  const schema = await createPostgresSchema();
  try {
    await benchDialect('PostgreSQL', schema.url);
  } finally {
    await schema.drop();
  }
}

function printMachine(): void {
  console.log(machineLine());
  console.log(
    `settings: ${DURATION_S} s per scenario after ${WARMUP_S} s warm-up; ${CONNECTIONS} connections (list: ${LIST_CONNECTIONS}); ` +
      'server in a child process on the same machine',
  );
}

/** Starts a server on one database, seeds it, measures every scenario and prints the table. */
async function benchDialect(label: string, databaseUrl: string | undefined): Promise<void> {
  progress(`${label}: starting the server`);
  const server = await startServer({ databaseUrl });
  try {
    const ids = await seed(label, server);
    const scenarios = buildScenarios(ids);

    // The baseline runs right before each scenario, at its connection count, so both see the
    // same machine load (other processes on a shared machine come and go).
    const rows: Row[] = [];
    for (const scenario of scenarios) {
      const baseline = await measure(server, `${label} baseline for ${scenario.name}`, scenario.connections, STATUS_REQUEST);
      const result = await measure(server, `${label} ${scenario.name}`, scenario.connections, scenario.request);
      rows.push({ scenario: scenario.name, connections: scenario.connections, result, baseline });
    }
    printTable(label, rows);
    // autocannon drops its connections when time is up, but the server may still be working
    // through their requests; let those finish rather than log errors during shutdown.
    await setTimeout(SETTLE_MS);
  } finally {
    await server.stop();
  }
}

/** Creates the space and its connectors through the API; returns the connector ids. */
async function seed(label: string, server: BenchServer): Promise<string[]> {
  const client = new ApiClient(server.url, server.password, SEED_CONCURRENCY);
  try {
    await client.request('POST', '/api/spaces/space', { id: SPACE, name: 'Bench' });

    const ids = Array.from({ length: CONNECTOR_COUNT }, (_, i) => `bench-${String(i).padStart(5, '0')}`);
    progress(`${label}: seeding ${fmtInt(CONNECTOR_COUNT)} connectors, ${SEED_CONCURRENCY} in flight`);
    const started = performance.now();
    await forEachBounded(ids.length, SEED_CONCURRENCY, async (i) => {
      await client.request('POST', `/s/${SPACE}/api/actions/connector/${ids[i]}`, { name: `Connector ${ids[i]}`, connector_type_id: '.server-log' });
    });
    const seconds = (performance.now() - started) / 1000;

    // Sanity check of the data under test; its timing is one cold list.
    const listStarted = performance.now();
    const listed = await client.request<unknown[]>('GET', `/s/${SPACE}/api/actions/connectors`);
    const listMs = performance.now() - listStarted;
    if (listed.length !== CONNECTOR_COUNT) throw new Error(`${label}: expected ${CONNECTOR_COUNT} connectors in the space, listed ${listed.length}`);

    console.log(
      `\n${label}: seeded ${fmtInt(CONNECTOR_COUNT)} connectors in ${seconds.toFixed(1)} s ` +
        `(${fmtInt(CONNECTOR_COUNT / seconds)} creates/s with ${SEED_CONCURRENCY} in flight); ` +
        `first list took ${fmtInt(listMs)} ms for ${(JSON.stringify(listed).length / 2 ** 20).toFixed(1)} MiB`,
    );
    return ids;
  } finally {
    await client.close();
  }
}

function buildScenarios(ids: string[]): Scenario[] {
  const randomId = () => ids[Math.floor(Math.random() * ids.length)];
  const getPath = `/s/${SPACE}/api/actions/connector/`;
  // get and list run before create, so list always sees exactly the seeded connectors.
  return [
    {
      name: 'get',
      connections: CONNECTIONS,
      request: {
        path: `${getPath}${ids[0]}`,
        method: 'GET',
        requests: [{ setupRequest: (req) => ({ ...req, path: `${getPath}${randomId()}` }) }],
      },
    },
    {
      name: 'list',
      connections: LIST_CONNECTIONS,
      request: { path: `/s/${SPACE}/api/actions/connectors`, method: 'GET', timeout: 60 },
    },
    {
      name: 'create',
      connections: CONNECTIONS,
      request: {
        path: `/s/${SPACE}/api/actions/connector`,
        method: 'POST',
        headers: WRITE_HEADERS,
        // The server generates the id; [<id>] gives every connector its own name.
        body: JSON.stringify({ name: 'Created [<id>]', connector_type_id: '.server-log' }),
        idReplacement: true,
      },
    },
  ];
}

/** A warm-up run, then the measured run; fails on any non-2xx response or connection error. */
async function measure(server: BenchServer, label: string, connections: number, request: Scenario['request']): Promise<Measurement> {
  const { path, headers, ...rest } = request;
  const options = (duration: number): autocannon.Options => ({
    ...rest,
    url: `${server.url}${path}`,
    connections,
    duration,
    headers: { ...authHeaders(server.password), ...headers },
  });

  progress(`${label}: ${connections} connections, ${DURATION_S} s`);
  ensureAllOk(`${label} (warm-up)`, await autocannon(options(WARMUP_S)));
  const result = await autocannon(options(DURATION_S));
  ensureAllOk(label, result);
  const measurement = { reqPerSec: result.requests.average, p99Ms: result.latency.p99, requests: result.requests.total };
  progress(`${label}: ${fmtInt(measurement.reqPerSec)} req/s, p99 ${fmtMs(measurement.p99Ms)} ms (${fmtInt(measurement.requests)} requests)`);
  return measurement;
}

function ensureAllOk(label: string, result: autocannon.Result): void {
  const problems: string[] = [];
  if (result.non2xx > 0) problems.push(`${result.non2xx} non-2xx responses, by status: ${JSON.stringify(result.statusCodeStats)}`);
  if (result.errors > 0) problems.push(`${result.errors} connection errors (${result.timeouts} timeouts)`);
  if (result['2xx'] === 0) problems.push('no successful responses');
  if (problems.length > 0) throw new Error(`${label}: ${problems.join('; ')}`);
}

function printTable(label: string, rows: Row[]): void {
  const order: ScenarioName[] = ['create', 'get', 'list'];
  const sorted = [...rows].sort((a, b) => order.indexOf(a.scenario) - order.indexOf(b.scenario));
  console.log(`\n${label} — ${fmtInt(CONNECTOR_COUNT)} connectors in space "${SPACE}"; baseline = GET /api/status at the same connection count`);
  console.log(
    renderTable(
      ['scenario', 'conns', 'req/s', 'p99 ms', 'baseline req/s', 'baseline p99 ms', 'req/s ÷ baseline', 'p99 ÷ baseline'],
      sorted.map(({ scenario, connections, result, baseline }) => [
        scenario,
        connections,
        fmtInt(result.reqPerSec),
        fmtMs(result.p99Ms),
        fmtInt(baseline.reqPerSec),
        fmtMs(baseline.p99Ms),
        fmtRatio(result.reqPerSec / baseline.reqPerSec),
        // A baseline p99 under the 1 ms resolution counts as 1 ms.
        fmtRatio(result.p99Ms / Math.max(baseline.p99Ms, 1)),
      ]),
    ),
  );
  // The server, the load generator (and whatever else runs here) share these CPUs.
  console.log(`load average after the run: ${loadAverage()} on ${os.cpus().length} CPUs`);
}




// Also runnable on its own: `npx tsx bench/api.ts`.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await run();
}
