import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { findServiceBinary, freePort, spawnService, waitUntilReady } from './local_services.js';
import { startPrometheus, type Prometheus } from './prometheus.js';

// The real alert senders of issue 19, started by tests: Debian's `prometheus` evaluating an
// alerting rule on a gauge the test sets, Debian's `prometheus-alertmanager` with a webhook
// receiver, and `amtool`. Each runs on free 127.0.0.1 ports with a temporary configuration and
// is ready (its /-/ready answered) when the start function returns. Without a binary the start
// functions return undefined (the test skips), unless PLUGBOARD_REQUIRE_SERVICES=1.

/** Credentials a sender puts on its requests (Prometheus's and Alertmanager's http_config). */
export type SenderAuth = { basic: { username: string; password: string } } | { authorization: { type?: string; credentials: string } };

/** The http_config fragment for `auth`, secrets in files written beside the config. */
function httpConfig(auth: SenderAuth | undefined, files: Record<string, string>, prefix: string): Record<string, unknown> {
  if (!auth) return {};
  if ('basic' in auth) {
    files[`${prefix}.password`] = auth.basic.password;
    return { basic_auth: { username: auth.basic.username, password_file: `${prefix}.password` } };
  }
  files[`${prefix}.credentials`] = auth.authorization.credentials;
  return { authorization: { type: auth.authorization.type ?? 'Bearer', credentials_file: `${prefix}.credentials` } };
}

/** A `/metrics` endpoint with one gauge whose value the test sets. */
export interface GaugeTarget {
  /** host:port, for a static scrape config. */
  address: string;
  set(value: number): void;
  close(): Promise<void>;
}

export async function startGaugeTarget(metric: string, initial = 0): Promise<GaugeTarget> {
  let value = initial;
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(`# TYPE ${metric} gauge\n${metric} ${value}\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    set: (v) => {
      value = v;
    },
    close: () => closeServer(server),
  };
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

export interface AlertingPrometheusOptions {
  /** The scrape target (startGaugeTarget's address). */
  target: string;
  /** The alerting rule's PromQL, e.g. `probe_gauge > 1`; `for: 0s`. */
  expr: string;
  alertname: string;
  ruleLabels?: Record<string, string>;
  ruleAnnotations?: Record<string, string>;
  /** Where alerts go: `http://host:port`; Prometheus appends `<path_prefix>/api/v2/alerts`. */
  alertmanagerUrl: string;
  pathPrefix?: string;
  auth?: SenderAuth;
  externalLabels?: Record<string, string>;
}

/**
 * Prometheus scraping `target` every second, evaluating the rule every second and re-sending
 * firing alerts every second (`--rules.alert.resend-delay=1s`), to the given Alertmanager URL.
 */
export async function startAlertingPrometheus(opts: AlertingPrometheusOptions): Promise<Prometheus | undefined> {
  const am = new URL(opts.alertmanagerUrl);
  const files: Record<string, string> = {};
  const rule: Record<string, unknown> = { alert: opts.alertname, expr: opts.expr, for: '0s' };
  if (opts.ruleLabels) rule.labels = opts.ruleLabels;
  if (opts.ruleAnnotations) rule.annotations = opts.ruleAnnotations;
  files['rules.yml'] = YAML.stringify({ groups: [{ name: 'probe', interval: '1s', rules: [rule] }] });
  const config = {
    global: { scrape_interval: '1s', evaluation_interval: '1s', ...(opts.externalLabels ? { external_labels: opts.externalLabels } : {}) },
    rule_files: ['rules.yml'],
    scrape_configs: [{ job_name: 'probe', static_configs: [{ targets: [opts.target] }] }],
    alerting: {
      alertmanagers: [
        {
          scheme: am.protocol.replace(':', ''),
          path_prefix: opts.pathPrefix ?? '/',
          api_version: 'v2',
          timeout: '5s',
          static_configs: [{ targets: [am.host] }],
          ...httpConfig(opts.auth, files, 'alertmanager'),
        },
      ],
    },
  };
  return startPrometheus(YAML.stringify(config), files, ['--rules.alert.resend-delay=1s']);
}

export interface Alertmanager {
  /** http://127.0.0.1:port */
  url: string;
  output(): string;
  /** SIGTERM (SIGKILL after 5 s), then removes the directory. Idempotent. */
  stop(): Promise<void>;
}

export interface AlertmanagerOptions {
  /** The webhook receiver's URL. */
  webhookUrl: string;
  webhookAuth?: SenderAuth;
  groupBy?: string[];
  /** Short by default (1s) so that tests wait for events, not for Alertmanager's defaults. */
  groupWait?: string;
  groupInterval?: string;
  repeatInterval?: string;
  receiver?: string;
}

/** Debian's prometheus-alertmanager with one webhook receiver, clustering off; undefined without the binary. */
export async function startAlertmanager(opts: AlertmanagerOptions): Promise<Alertmanager | undefined> {
  const bin = await findServiceBinary('prometheus-alertmanager', 'ALERTMANAGER_BIN');
  if (!bin) return undefined;
  const dir = await mkdtemp(path.join(tmpdir(), 'plugboard-alertmanager-'));
  const files: Record<string, string> = {};
  const receiver = opts.receiver ?? 'plugboard';
  const config = {
    route: {
      receiver,
      group_by: opts.groupBy ?? ['alertname'],
      group_wait: opts.groupWait ?? '1s',
      group_interval: opts.groupInterval ?? '1s',
      repeat_interval: opts.repeatInterval ?? '1h',
    },
    receivers: [
      {
        name: receiver,
        webhook_configs: [{ url: opts.webhookUrl, send_resolved: true, http_config: httpConfig(opts.webhookAuth, files, 'webhook') }],
      },
    ],
  };
  for (const [name, content] of Object.entries(files)) await writeFile(path.join(dir, name), content, { mode: 0o600 });
  await writeFile(path.join(dir, 'alertmanager.yml'), YAML.stringify(config));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const service = spawnService(
    bin,
    [
      `--config.file=${path.join(dir, 'alertmanager.yml')}`,
      `--storage.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--web.external-url=${url}`,
      // An empty address turns clustering (gossip on 9094) off.
      '--cluster.listen-address=',
    ],
    { cwd: dir },
  );
  const stop = async () => {
    await service.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilReady('prometheus-alertmanager', service, `${url}/-/ready`);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, output: service.output, stop };
}

export interface AmtoolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs Debian's `amtool` against `alertmanagerUrl` with `args` (e.g. `['alert', 'add',
 * 'alertname=X']`), with an http config file for `auth`, and HOME in a temporary directory so
 * that no amtool.yml of the machine's applies; undefined without the binary.
 */
export async function runAmtool(alertmanagerUrl: string, args: string[], auth?: SenderAuth): Promise<AmtoolResult | undefined> {
  const bin = await findServiceBinary('amtool', 'AMTOOL_BIN');
  if (!bin) return undefined;
  const dir = await mkdtemp(path.join(tmpdir(), 'plugboard-amtool-'));
  try {
    const files: Record<string, string> = {};
    const config = httpConfig(auth, files, path.join(dir, 'amtool'));
    const flags = [`--alertmanager.url=${alertmanagerUrl}`];
    for (const [name, content] of Object.entries(files)) await writeFile(name, content, { mode: 0o600 });
    if (auth) {
      await writeFile(path.join(dir, 'http.yml'), YAML.stringify(config), { mode: 0o600 });
      flags.push(`--http.config.file=${path.join(dir, 'http.yml')}`);
    }
    return await new Promise((resolve) => {
      execFile(bin, [...flags, ...args], { env: { ...process.env, HOME: dir }, timeout: 30_000 }, (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      });
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** One request a RecordingServer received. */
export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Epoch ms when the body had arrived. */
  receivedAt: number;
}

/** An HTTP server that answers every request 200 with an empty body and keeps what came. */
export interface RecordingServer {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startRecordingServer(): Promise<RecordingServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), receivedAt: Date.now() });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, close: () => closeServer(server) };
}
