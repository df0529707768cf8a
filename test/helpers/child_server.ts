import { text } from 'node:stream/consumers';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { closeServer, listenOnLoopback } from '../../src/connector_types/lib/simulator_server.js';
import { createPostgresSchema, type DialectName } from './databases.js';
import { BASIC_AUTH, TEST_ENCRYPTION_KEY, TEST_PASSWORD } from './plugboard.js';

// Runs `plugboard serve` as a real child process (through tsx), for tests that kill it
// (SIGKILL) or need a separate process; and a delivery sink to aim its connectors at.

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const OUTPUT_LIMIT = 256 * 1024;

/** Environment variables a child must not inherit from the test run unless given. */
const SCRUBBED_ENV = ['PLUGBOARD_DATABASE_URL', 'PLUGBOARD_CONFIG', 'PLUGBOARD_PORT', 'PLUGBOARD_DATA_DIR', 'PLUGBOARD_ELASTIC_PASSWORD'];

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ChildServerOptions {
  dataDir: string;
  /** A YAML configuration file. */
  configFile?: string;
  /** Extra environment variables, e.g. PLUGBOARD_DATABASE_URL. */
  env?: Record<string, string>;
  /** How long to wait for `Plugboard listening on URL`; tsx start-up is slow on a loaded machine. */
  startTimeoutMs?: number;
}

export interface ChildApiResponse {
  status: number;
  body: any;
  text: string;
}

export interface ChildServer {
  url: string;
  pid: number;
  process: ChildProcess;
  /** Resolves when the process has exited. */
  exited: Promise<ChildExit>;
  running(): boolean;
  /** The last 256 KiB of stdout and stderr, for failure messages. */
  output(): string;
  /** Sends a request as the elastic superuser. */
  api(method: string, url: string, body?: unknown): Promise<ChildApiResponse>;
  /** Sends `signal` (if still running) and waits for the exit, SIGKILLing after `timeoutMs`. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<ChildExit>;
}

const live = new Set<ChildServer>();

/** SIGKILLs every child server still running (for afterEach / finally). */
export async function killAllChildServers(): Promise<void> {
  const all = [...live];
  await Promise.all(all.map((c) => c.stop('SIGKILL')));
}

export async function startChildServer(opts: ChildServerOptions): Promise<ChildServer> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of SCRUBBED_ENV) delete env[key];
  Object.assign(env, { PLUGBOARD_ELASTIC_PASSWORD: TEST_PASSWORD }, opts.env);
  const args = ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', '0', '--host', '127.0.0.1', '--data-dir', opts.dataDir];
  if (opts.configFile) args.push('--config', opts.configFile);
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });

  let output = '';
  let url: string | undefined;
  const append = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    if (url === undefined) url = /Plugboard listening on (http:\/\/\S+)/.exec(output)?.[1];
    if (output.length > OUTPUT_LIMIT) output = output.slice(-OUTPUT_LIMIT);
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);

  let hasExited = false;
  const exited = new Promise<ChildExit>((resolve) => {
    child.once('exit', (code, signal) => {
      hasExited = true;
      resolve({ code, signal });
    });
  });

  const server: ChildServer = {
    url: '',
    pid: child.pid ?? -1,
    process: child,
    exited,
    running: () => !hasExited,
    output: () => output,
    async api(method, route, body) {
      const headers: Record<string, string> = { authorization: BASIC_AUTH, 'kbn-xsrf': 'true' };
      if (body !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(`${server.url}${route}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON: keep the text
      }
      return { status: res.status, body: parsed, text };
    },
    async stop(signal = 'SIGTERM', timeoutMs = 30_000) {
      if (!hasExited) child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const killed = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          if (!hasExited) child.kill('SIGKILL');
          resolve();
        }, timeoutMs);
      });
      await Promise.race([exited, killed]);
      clearTimeout(timer);
      const exit = await exited;
      live.delete(server);
      return exit;
    },
  };
  live.add(server);
  exited.then(() => live.delete(server), () => undefined);

  const deadline = Date.now() + (opts.startTimeoutMs ?? 90_000);
  while (url === undefined) {
    if (hasExited) {
      const exit = await exited;
      throw new Error(`plugboard serve exited (code ${exit.code}, signal ${exit.signal}) before listening:\n${output}`);
    }
    if (Date.now() > deadline) {
      await server.stop('SIGKILL');
      throw new Error(`plugboard serve did not listen within ${opts.startTimeoutMs ?? 90_000} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  server.url = url;
  return server;
}

export interface ChildServerData {
  dataDir: string;
  /** On PostgreSQL, the URL of a schema of its own; undefined on SQLite. */
  databaseUrl?: string;
  /** A YAML file with the given settings, the test encryption key and warn-level logging. */
  configFile: string;
  /** Starts `plugboard serve` on this data (again, for restart tests). */
  start(): Promise<ChildServer>;
  /** Drops the schema and deletes the directory. */
  remove(): Promise<void>;
}

/** A data directory (and on PostgreSQL a schema) that child servers run on, one after another or side by side. */
export async function childServerData(dialect: DialectName, settings: string[] = []): Promise<ChildServerData> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'plugboard-child-'));
  const schema = dialect === 'postgres' ? await createPostgresSchema() : undefined;
  const configFile = path.join(dataDir, 'plugboard.yml');
  writeFileSync(configFile, [...settings, `xpack.encryptedSavedObjects.encryptionKey: ${TEST_ENCRYPTION_KEY}`, 'logging.root.level: warn', ''].join('\n'));
  return {
    dataDir,
    databaseUrl: schema?.url,
    configFile,
    start: () => startChildServer({ dataDir, configFile, env: schema ? { PLUGBOARD_DATABASE_URL: schema.url } : {} }),
    async remove() {
      await schema?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * For a describe block: sinks and data made in a test are closed and removed after it, once
 * every child server is killed.
 */
export function childServerFixtures(): {
  sink(opts?: { delayMs?: number }): Promise<DeliverySink>;
  data(dialect: DialectName, settings?: string[]): Promise<ChildServerData>;
} {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await killAllChildServers();
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  return {
    async sink(opts) {
      const sink = await startDeliverySink(opts);
      cleanups.push(() => sink.close());
      return sink;
    },
    async data(dialect, settings) {
      const data = await childServerData(dialect, settings);
      cleanups.push(() => data.remove());
      return data;
    },
  };
}

export interface Delivery {
  /** The sequence number from the JSON body `{"n": 17}`; NaN when the body has none. */
  n: number;
  url: string;
  headers: IncomingMessage['headers'];
  /** Date.now() when the whole request had arrived. */
  at: number;
}

export interface DeliverySink {
  url: string;
  /** Every request, in order of arrival, recorded as soon as its body has arrived. */
  deliveries: Delivery[];
  /** How many times each sequence number arrived. */
  counts: Map<number, number>;
  /** Called for every delivery, synchronously, right after it is recorded. */
  onDelivery(listener: ((d: Delivery) => void) | undefined): void;
  /** Requests are recorded but not answered until `release()` (work stays in flight). */
  hold(): void;
  release(): void;
  close(): Promise<void>;
}

/**
 * A keep-alive HTTP endpoint that records every request whose body carries a sequence number
 * and answers 200 after `delayMs`, so that a few actions are always in flight. Tolerates
 * clients that die mid-request.
 */
export async function startDeliverySink(opts: { delayMs?: number } = {}): Promise<DeliverySink> {
  const delayMs = opts.delayMs ?? 30;
  const deliveries: Delivery[] = [];
  const counts = new Map<number, number>();
  let listener: ((d: Delivery) => void) | undefined;
  let held: Array<() => void> | undefined;
  const timers = new Set<NodeJS.Timeout>();

  const answer = (res: ServerResponse) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (res.destroyed || res.writableEnded) return;
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    }, delayMs);
    timers.add(timer);
  };

  const server = createServer((req, res) => {
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    void text(req).then((body) => {
      let n = Number.NaN;
      try {
        const parsed = JSON.parse(body) as { n?: unknown };
        if (typeof parsed.n === 'number') n = parsed.n;
      } catch {
        // not one of ours
      }
      const delivery: Delivery = { n, url: req.url ?? '', headers: req.headers, at: Date.now() };
      deliveries.push(delivery);
      if (!Number.isNaN(n)) counts.set(n, (counts.get(n) ?? 0) + 1);
      listener?.(delivery);
      if (held) held.push(() => answer(res));
      else answer(res);
    });
  });
  server.on('clientError', (_err, socket) => socket.destroy());

  return {
    url: await listenOnLoopback(server),
    deliveries,
    counts,
    onDelivery(fn) {
      listener = fn;
    },
    hold() {
      held ??= [];
    },
    release() {
      const waiting = held ?? [];
      held = undefined;
      for (const go of waiting) go();
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      held = undefined;
      await closeServer(server);
    },
  };
}
