/**
 * Alert ingest, beside Debian's prometheus-alertmanager doing the same work on this machine in
 * the same run:
 *
 * - **accepted alerts/s**: BENCH_INGEST_ALERTS (10,000) distinct alerts posted to
 *   `POST /api/v2/alerts` in batches of 100 (BENCH_INGEST_CONCURRENCY posts in flight), first as
 *   new alerts, then BENCH_INGEST_RESENDS rounds of the same alerts again with a later end, as
 *   Prometheus re-sends its firing alerts (10,000 distinct active alerts throughout);
 * - **notifications/s end to end**: each new alert is one notification to a local HTTP sink,
 *   counted from the first post to the last first arrival. Plugboard: `plugboard.incoming-alerts`
 *   rules (one per shard of RULE_SHARDS, since a rule tracks at most
 *   `xpack.alerting.rules.run.alerts.max` alerts) with a `.webhook` action per alert on its
 *   action group change; Alertmanager: every alert its own group (`group_by: ['...']`,
 *   group_wait 0s), its webhook receiver on the same sink.
 *
 * Plugboard runs on SQLite and on PostgreSQL, each a server of its own in a child process, built
 * as `npm start` runs it (bench/lib/server.ts); the sink is in this process.
 *
 *   npm run bench -- ingest
 *   BENCH_INGEST_ALERTS=2000 BENCH_ONLY=sqlite npx tsx bench/ingest.ts   # quick run
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { Pool } from 'undici';
import { createPostgresSchema, postgresAvailable, TEST_POSTGRES_URL } from '../test/helpers/databases.js';
import { startAlertmanager, type Alertmanager } from './lib/alertmanager.js';
import { ApiClient, authHeaders } from './lib/client.js';
import { machineLine, peakRss, positiveInt, progress } from './lib/report.js';
import { startServer } from './lib/server.js';
import { now } from './lib/sink.js';
import { fmtInt, fmtRatio, renderTable } from './lib/table.js';


const ALERTS = positiveInt(process.env.BENCH_INGEST_ALERTS ?? '10000', 'BENCH_INGEST_ALERTS');
const RESENDS = positiveInt(process.env.BENCH_INGEST_RESENDS ?? '5', 'BENCH_INGEST_RESENDS');
const CONCURRENCY = positiveInt(process.env.BENCH_INGEST_CONCURRENCY ?? '4', 'BENCH_INGEST_CONCURRENCY');
const ONLY = process.env.BENCH_ONLY;
if (ONLY !== undefined && !['sqlite', 'postgres', 'alertmanager'].includes(ONLY)) throw new Error(`BENCH_ONLY must be sqlite, postgres or alertmanager, got "${ONLY}"`);
const BATCH = 100;
/** Rules that share the alerts; each tracks ALERTS / RULE_SHARDS of them (≤ alerts.max). */
const RULE_SHARDS = Math.max(1, Math.ceil(ALERTS / 1000));
const STALL_MS = 60_000;
/** The server's settings: room for the bench's alerts, and a queue deep enough for a notification each. */
const CONFIG_LINES = [`plugboard.ingest.maxActiveAlerts: ${ALERTS * 2}`, 'plugboard.tasks.maxConcurrency: 200', 'plugboard.actions.flowControl.defaults.concurrency: 50'];

/** The alerts of the run: `n` numbers them, `shard` picks their rule. */
function alertAt(n: number, endsAt: Date): { labels: Record<string, string>; annotations: Record<string, string>; startsAt: string; endsAt: string } {
  return {
    labels: { alertname: 'BenchIngest', bench: 'ingest', instance: `host-${n}`, n: String(n), shard: String(n % RULE_SHARDS), severity: n % 10 === 0 ? 'page' : 'warning' },
    annotations: { summary: `host-${n} is over its threshold`, description: 'A benchmark alert, one of many.' },
    startsAt: new Date(Date.now() - 60_000).toISOString(),
    endsAt: endsAt.toISOString(),
  };
}

/** Arrivals per alert number, whichever sender notified: Plugboard's body `{"n":…}`, Alertmanager's webhook payload. */
class NotificationSink {
  private server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = now();
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { n?: string; alerts?: Array<{ labels?: { n?: string } }> };
        const numbers = body.alerts ? body.alerts.map((a) => a.labels?.n) : [body.n];
        for (const n of numbers) this.record(Number(n), at);
      } catch {
        this.unknown++;
      }
      res.writeHead(200).end('ok');
    });
  });
  url = '';
  unknown = 0;
  private arrivals = new Float64Array(0);
  unique = 0;
  total = 0;
  last = 0;

  async listen(): Promise<void> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Starts counting a new round of `size` alerts. */
  reset(size: number): void {
    this.arrivals = new Float64Array(size).fill(Number.NaN);
    this.unique = 0;
    this.total = 0;
    this.last = 0;
  }

  private record(n: number, at: number): void {
    this.total++;
    if (!(n >= 0 && n < this.arrivals.length) || !Number.isNaN(this.arrivals[n])) return;
    this.arrivals[n] = at;
    this.unique++;
    this.last = at;
  }

  /** Resolves when every alert of the round has arrived; fails after STALL_MS without progress. */
  async waitForAll(describe: () => Promise<string>): Promise<void> {
    let seen = this.unique;
    let progressAt = now();
    while (this.unique < this.arrivals.length) {
      await new Promise((r) => setTimeout(r, 100));
      if (this.unique !== seen) {
        seen = this.unique;
        progressAt = now();
      } else if (now() - progressAt > STALL_MS) {
        throw new Error(`notifications stalled at ${this.unique} of ${this.arrivals.length}: ${await describe()}`);
      }
    }
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

interface IngestResult {
  label: string;
  /** Alerts/s accepted while they were new (each also becomes a notification). */
  newPerSec: number;
  /** Alerts/s accepted as re-sends of the active ones. */
  resendPerSec: number;
  /** First post → last first arrival at the sink. */
  notificationsPerSec: number;
  duplicates: number;
  peakRss: number | undefined;
}

/** Posts `alerts` in batches of BATCH, CONCURRENCY in flight; alerts per second accepted. */
async function postAll(post: (batch: unknown[]) => Promise<void>, alerts: unknown[]): Promise<number> {
  const batches: unknown[][] = [];
  for (let i = 0; i < alerts.length; i += BATCH) batches.push(alerts.slice(i, i + BATCH));
  let next = 0;
  const started = now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < batches.length) await post(batches[next++]);
    }),
  );
  return alerts.length / ((now() - started) / 1000);
}

/** The work of one target: new alerts (with their notifications), then re-sends. */
async function measure(label: string, post: (batch: unknown[]) => Promise<void>, sink: NotificationSink, pid: number, describe: () => Promise<string>): Promise<IngestResult> {
  const ends = (minutes: number) => new Date(Date.now() + minutes * 60_000);
  sink.reset(ALERTS);
  progress(`${label}: ${fmtInt(ALERTS)} new alerts in batches of ${BATCH}`);
  const firstPost = now();
  const newPerSec = await postAll(post, Array.from({ length: ALERTS }, (_, n) => alertAt(n, ends(30))));
  await sink.waitForAll(describe);
  const notificationsPerSec = ALERTS / ((sink.last - firstPost) / 1000);
  progress(`${label}: ${fmtInt(newPerSec)} new alerts/s accepted, ${fmtInt(notificationsPerSec)} notifications/s; ${RESENDS} rounds of re-sends`);
  let resendSeconds = 0;
  for (let round = 1; round <= RESENDS; round++) {
    const alerts = Array.from({ length: ALERTS }, (_, n) => alertAt(n, ends(30 + round)));
    const started = now();
    await postAll(post, alerts);
    resendSeconds += (now() - started) / 1000;
  }
  return { label, newPerSec, resendPerSec: (ALERTS * RESENDS) / resendSeconds, notificationsPerSec, duplicates: sink.total - sink.unique, peakRss: peakRss(pid) };
}

async function benchPlugboard(label: string, databaseUrl: string | undefined, sink: NotificationSink): Promise<IngestResult> {
  progress(`${label}: starting the server`);
  const server = await startServer({ databaseUrl, configLines: CONFIG_LINES });
  const client = new ApiClient(server.url, server.password, 8);
  const pool = new Pool(server.url, { connections: CONCURRENCY });
  try {
    const connector = await client.request<{ id: string }>('POST', '/api/actions/connector', {
      name: 'ingest sink',
      connector_type_id: '.webhook',
      config: { url: `${sink.url}/plugboard`, method: 'post', hasAuth: false, headers: { 'content-type': 'application/json' } },
      secrets: {},
    });
    for (let shard = 0; shard < RULE_SHARDS; shard++) {
      await client.request('POST', '/api/alerting/rule', {
        name: `ingest shard ${shard}`,
        rule_type_id: 'plugboard.incoming-alerts',
        consumer: 'alerts',
        schedule: { interval: '1h' },
        params: { matchers: ['bench="ingest"', `shard="${shard}"`], group_by: ['...'] },
        actions: [
          {
            id: connector.id,
            group: 'firing',
            params: { body: '{"n":"{{alert.labels.n}}"}' },
            frequency: { summary: false, notify_when: 'onActionGroupChange', throttle: null },
          },
        ],
      });
    }
    const post = async (batch: unknown[]) => {
      const res = await pool.request({ method: 'POST', path: '/api/v2/alerts', headers: { ...authHeaders(server.password), 'content-type': 'application/json' }, body: JSON.stringify(batch) });
      const text = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`POST /api/v2/alerts answered ${res.statusCode}: ${text.slice(0, 300)}`);
    };
    const describe = async () => `task manager: ${JSON.stringify(await client.request('GET', '/api/task_manager/_health').catch((e: Error) => e.message)).slice(0, 600)}`;
    return await measure(label, post, sink, server.pid, describe);
  } finally {
    await pool.close();
    await client.close();
    await server.stop();
  }
}

async function benchAlertmanager(sink: NotificationSink): Promise<{ result: IngestResult; version: string } | undefined> {
  const am: Alertmanager | undefined = await startAlertmanager(`${sink.url}/alertmanager`);
  if (!am) return undefined;
  const pool = new Pool(am.url, { connections: CONCURRENCY });
  try {
    const post = async (batch: unknown[]) => {
      const res = await pool.request({ method: 'POST', path: '/api/v2/alerts', headers: { 'content-type': 'application/json' }, body: JSON.stringify(batch) });
      const text = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`Alertmanager answered ${res.statusCode}: ${text.slice(0, 300)}`);
    };
    const label = `Alertmanager ${am.version}`;
    return { result: await measure(label, post, sink, am.pid, async () => am.output().slice(-500)), version: am.version };
  } finally {
    await pool.close();
    await am.stop();
  }
}

export default async function run(): Promise<void> {
  console.log(machineLine());
  console.log(
    `settings: ${fmtInt(ALERTS)} distinct alerts (BENCH_INGEST_ALERTS) posted in batches of ${BATCH}, ${CONCURRENCY} posts in flight (BENCH_INGEST_CONCURRENCY); ` +
      `then ${RESENDS} rounds of re-sends (BENCH_INGEST_RESENDS); one notification per new alert to a local sink ` +
      `(Plugboard: ${RULE_SHARDS} plugboard.incoming-alerts rules with a .webhook action per alert; Alertmanager: each alert its own group, group_wait 0s); ` +
      `Plugboard config: ${CONFIG_LINES.join(', ')}`,
  );
  const sink = new NotificationSink();
  await sink.listen();
  const results: IngestResult[] = [];
  let alertmanager: IngestResult | undefined;
  try {
    if (!ONLY || ONLY === 'alertmanager') {
      const am = await benchAlertmanager(sink);
      if (am) {
        alertmanager = am.result;
        results.push(am.result);
      } else console.log('\nAlertmanager: SKIPPED, prometheus-alertmanager is not installed (apt-get install prometheus-alertmanager)');
    }
    if (!ONLY || ONLY === 'sqlite') results.push(await benchPlugboard('Plugboard, SQLite', undefined, sink));
    if (!ONLY || ONLY === 'postgres') {
      if (!(await postgresAvailable())) console.log(`\nPostgreSQL: SKIPPED, unreachable at ${TEST_POSTGRES_URL}`);
      else {
        const schema = await createPostgresSchema();
        try {
          results.push(await benchPlugboard('Plugboard, PostgreSQL', schema.url, sink));
        } finally {
          await schema.drop();
        }
      }
    }
  } finally {
    await sink.close();
  }
  if (sink.unknown > 0) throw new Error(`the sink received ${sink.unknown} requests it could not read`);
  const ratio = (value: number, of: number | undefined) => (of ? fmtRatio(value / of) : '-');
  console.log(`\nSummary (÷ AM: of Alertmanager's figure in this run)`);
  console.log(
    renderTable(
      ['target', 'new alerts/s accepted', '÷ AM', 're-sent alerts/s accepted', '÷ AM', 'notifications/s', '÷ AM', 'duplicates', 'peak RSS MiB'],
      results.map((r) => [
        r.label,
        fmtInt(r.newPerSec),
        ratio(r.newPerSec, alertmanager?.newPerSec),
        fmtInt(r.resendPerSec),
        ratio(r.resendPerSec, alertmanager?.resendPerSec),
        fmtInt(r.notificationsPerSec),
        ratio(r.notificationsPerSec, alertmanager?.notificationsPerSec),
        r.duplicates,
        r.peakRss === undefined ? '-' : fmtInt(r.peakRss / 1024 / 1024),
      ]),
    ),
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await run();
}
