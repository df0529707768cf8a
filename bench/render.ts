/**
 * How long rendering templates holds the server's event loop (issue 14): `_render` requests
 * with typical alert templates, with the heaviest templates the limits allow (which go to the
 * render thread), and with templates over the limits (refused), each beside GET /api/status
 * measured in the same run, each at a fixed rate that leaves the machine idle most of the time. The figure that matters is the server's own event-loop delay
 * (the largest and the 99th percentile, from its /metrics, read before and after each
 * scenario), not the requests' latency, which includes waiting for the render thread.
 *
 *   npm run bench -- render
 *   BENCH_DURATION=5 npm run bench -- render   # seconds per scenario (default 10)
 */
import autocannon from 'autocannon';
import { request } from 'undici';
import { ApiClient, authHeaders, WRITE_HEADERS } from './lib/client.js';
import { startServer, type BenchServer } from './lib/server.js';
import { fmtInt, fmtMs, renderTable } from './lib/table.js';
import { machineLine, positiveNumber, progress } from './lib/report.js';

const DURATION_S = positiveNumber(process.env.BENCH_DURATION ?? '10', 'BENCH_DURATION');
const WARMUP_S = 1;
const CONNECTIONS = 2;
// Requests per second: well below what the server can take, so that the delay measured is
// the event loop being held, not two cores shared by more busy threads than they have.
const LIGHT_RATE = 200;
const HEAVY_RATE = 10;

type Request = { method: 'GET' | 'POST'; path: string; body?: string };

interface Scenario {
  name: string;
  /** Answers the scenario expects: 200, or 400 for templates over a limit. */
  status: number;
  /** Requests per second sent. */
  rate: number;
  requests: Request[];
}

const nested = (name: string, depth: number, inner: string) => `{{#${name}}}`.repeat(depth) + inner + `{{/${name}}}`.repeat(depth);

const render = (connector: string, params: unknown, variables: unknown = {}): Request => ({
  method: 'POST',
  path: `/api/actions/connector/${connector}/_render`,
  body: JSON.stringify({ params, variables }),
});

/** An alert's variables as a rule passes them: a few dozen values. */
const alertVariables = {
  rule: { id: 'r-1', name: 'CPU high', tags: ['prod', 'web'], url: 'https://kibana.example/app/rules/r-1' },
  context: { message: 'CPU at 97% on web-1 "eu-west"', value: 97.2, threshold: 90, hosts: ['web-1', 'web-2'] },
  alert: { id: 'a-1', uuid: '2c1f', actionGroup: 'threshold met', flapping: false },
  'kibana.alert.reason': 'system.cpu.total.pct is 97.2% in the last 5 minutes',
  date: '2026-12-06T10:00:00.000Z',
};

function scenarios(): Scenario[] {
  const typicalBody = JSON.stringify({
    text: '{{context.message}}',
    rule: '{{rule.name}} ({{rule.id}})',
    reason: '{{kibana.alert.reason}}',
    tags: '{{rule.tags}}',
    link: '{{{rule.url}}}',
    at: '{{#FormatDate}}{{date}}; Europe/Paris; LLL{{/FormatDate}}',
    over: '{{#EvalMath}}context.value - context.threshold{{/EvalMath}}',
  });
  const manyItems = Array.from({ length: 15_000 }, (_, i) => ({ host: `web-${i}`, cpu: i % 100 }));
  return [
    { name: 'GET /api/status (baseline)', status: 200, rate: LIGHT_RATE, requests: [{ method: 'GET', path: '/api/status' }] },
    {
      name: '_render, typical alert templates',
      status: 200,
      rate: LIGHT_RATE,
      requests: [render('hook', { body: typicalBody }, alertVariables), render('log', { message: 'Alert {{alert.id}}: {{context.message}}', level: 'warn' }, alertVariables)],
    },
    // The heaviest templates the limits allow, one kind per row.
    { name: '_render, the longest template: 13,000 tags', status: 200, rate: HEAVY_RATE, requests: [render('log', { message: '{{x}}'.repeat(13_000) }, { x: 'é' })] },
    { name: '_render, lambdas nested 31 deep around 3,000 characters', status: 200, rate: HEAVY_RATE, requests: [render('log', { message: nested('EncodeURI', 31, 'x'.repeat(3_000)) })] },
    { name: '_render, 900 EvalMath sections', status: 200, rate: HEAVY_RATE, requests: [render('log', { message: '{{#EvalMath}}a * 2 + 1{{/EvalMath}} '.repeat(900) }, { a: 20 })] },
    { name: '_render, a list of 15,000 items (45,000 values, 437 KB)', status: 200, rate: HEAVY_RATE, requests: [render('hook', { body: '{{#items}}{{host}}={{cpu}} {{/items}}' }, { items: manyItems })] },
    {
      // What receiving such variables costs before anything is rendered: parsing and checking the body.
      name: '_render, the same list, no template (receiving the body only)',
      status: 200,
      rate: HEAVY_RATE,
      requests: [render('hook', { body: 'no template' }, { items: manyItems })],
    },
    {
      name: '_render, over the limits (400)',
      status: 400,
      rate: HEAVY_RATE,
      requests: [
        render('log', { message: nested('EvalMath', 2_000, '1') }),
        render('log', { message: '{{#EvalMath}}a * 2 + 1{{/EvalMath}} '.repeat(1_800) }, { a: 20 }),
        render('hook', { body: '{{#items}}{{host}}={{cpu}} {{host}} {{cpu}} {{/items}}' }, { items: manyItems }),
      ],
    },
  ];
}

interface Row {
  scenario: string;
  reqPerSec: number;
  p99Ms: number;
  loopMaxMs: number;
  loopP99Ms: number;
}

export default async function run(): Promise<void> {
  console.log(machineLine());
  console.log(
    `settings: ${DURATION_S} s per scenario after ${WARMUP_S} s warm-up; ${CONNECTIONS} connections at ${LIGHT_RATE} requests/s (light) or ${HEAVY_RATE} (heavy); ` +
      'server in a child process on the same machine (SQLite)',
  );
  progress('starting the server');
  const server = await startServer();
  try {
    const client = new ApiClient(server.url, server.password, 2);
    await client.request('POST', '/api/actions/connector/log', { name: 'Log', connector_type_id: '.server-log' });
    await client.request('POST', '/api/actions/connector/hook', { name: 'Hook', connector_type_id: '.webhook', config: { url: 'http://127.0.0.1:9/never', hasAuth: false }, secrets: {} });
    const rows: Row[] = [];
    for (const scenario of scenarios()) rows.push(await measure(server, client, scenario));
    await client.close();
    printTable(rows);
  } finally {
    await server.stop();
  }
}

async function measure(server: BenchServer, client: ApiClient, scenario: Scenario): Promise<Row> {
  const options = (duration: number): autocannon.Options => ({
    url: server.url,
    connections: CONNECTIONS,
    overallRate: scenario.rate,
    duration,
    headers: { ...authHeaders(server.password), ...WRITE_HEADERS },
    requests: scenario.requests,
  });
  progress(`${scenario.name}: ${scenario.rate} requests/s, ${DURATION_S} s`);
  // Each request once first: the first heavy one also starts the render thread.
  for (const request of scenario.requests) await prime(server, scenario, request);
  check(scenario, await autocannon(options(WARMUP_S)));
  await eventLoopDelay(client); // resets the server's delay histogram
  const result = await autocannon(options(DURATION_S));
  const loop = await eventLoopDelay(client);
  check(scenario, result);
  return { scenario: scenario.name, reqPerSec: result.requests.average, p99Ms: result.latency.p99, ...loop };
}

async function prime(server: BenchServer, scenario: Scenario, { method, path, body }: Request): Promise<void> {
  const res = await request(`${server.url}${path}`, { method, body, headers: { ...authHeaders(server.password), ...WRITE_HEADERS } });
  const text = await res.body.text();
  if (res.statusCode !== scenario.status) throw new Error(`${scenario.name}: ${path} answered ${res.statusCode}: ${text.slice(0, 300)}`);
}

/** The server's event-loop delay since the last scrape (prom-client resets it on each). */
async function eventLoopDelay(client: ApiClient): Promise<{ loopMaxMs: number; loopP99Ms: number }> {
  const text = await client.text('/metrics');
  const gauge = (name: string) => {
    const match = new RegExp(`^plugboard_nodejs_eventloop_lag_${name}_seconds (\\S+)$`, 'm').exec(text);
    if (!match) throw new Error(`/metrics has no plugboard_nodejs_eventloop_lag_${name}_seconds`);
    return Number(match[1]) * 1000;
  };
  return { loopMaxMs: gauge('max'), loopP99Ms: gauge('p99') };
}

function check(scenario: Scenario, result: autocannon.Result): void {
  const statuses = Object.keys(result.statusCodeStats ?? {});
  if (result.errors > 0 || statuses.length !== 1 || statuses[0] !== String(scenario.status)) {
    throw new Error(`${scenario.name}: expected only ${scenario.status} answers, got ${JSON.stringify(result.statusCodeStats)} and ${result.errors} errors`);
  }
}

function printTable(rows: Row[]): void {
  console.log(
    '\n' +
      renderTable(
        ['scenario', 'req/s', 'request p99 ms', 'event loop delay max ms', 'event loop delay p99 ms'],
        rows.map((r) => [r.scenario, fmtInt(r.reqPerSec), fmtMs(r.p99Ms), r.loopMaxMs.toFixed(1), r.loopP99Ms.toFixed(1)]),
      ),
  );
  console.log(
    '\nThe event-loop delay is what any other request or running action waits at most; the baseline row is the server under plain load. ' +
      'Templates beyond the small on-loop budget render on the render thread, so their own latency grows, not the delay.',
  );
}
