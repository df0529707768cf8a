import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;
/** `BENCH_SERVER_NODE_ARGS='--max-semi-space-size=8'`: node options for the server alone, to try V8 settings. */
const SERVER_NODE_ARGS = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);

export interface BenchServer {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  /** Password of the `elastic` superuser. */
  password: string;
  /** Process id of the server (for /proc/<pid>/status). */
  pid: number;
  /** The server's data directory (its SQLite file lives there). */
  dataDir: string;
  /** SIGTERM the server, wait for it to exit, remove its data directory. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** A postgres:// URL; omitted means the embedded SQLite database. */
  databaseUrl?: string;
  /** Extra lines for the server's YAML config file, e.g. `plugboard.tasks.maxConcurrency: 400`. */
  configLines?: string[];
  /** Extra node options for the server process, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
}

let built: Promise<unknown> | undefined;

/**
 * The server is measured as `npm start` runs it: compiled by tsc into dist/, which is brought up
 * to date first (incremental, so quick when nothing changed). Run from the TypeScript sources
 * through tsx instead, every closure pays for the names its transpiler keeps (`__name` calls)
 * and CPU profiles show its loader.
 */
function buildServer(): Promise<unknown> {
  built ??= promisify(execFile)(path.join(PROJECT_ROOT, 'node_modules/.bin/tsc'), ['-b', 'tsconfig.build.json'], { cwd: PROJECT_ROOT });
  return built;
}

/**
 * Starts `plugboard serve` in a child process, so the load generator in this process never
 * competes with the server for the same event loop.
 */
export async function startServer(options: StartOptions = {}): Promise<BenchServer> {
  await buildServer();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'plugboard-bench-'));
  const configFile = path.join(dataDir, 'plugboard.yml');
  // warn keeps per-request logging out of the measurement; a fixed key skips key generation.
  await writeFile(
    configFile,
    `logging.root.level: warn\nxpack.encryptedSavedObjects.encryptionKey: ${randomBytes(24).toString('hex')}\n` +
      (options.configLines ?? []).map((line) => `${line}\n`).join(''),
  );
  const password = randomBytes(12).toString('hex');

  const child = spawn(
    process.execPath,
    [...SERVER_NODE_ARGS, ...(options.nodeArgs ?? []), 'dist/cli/main.js', 'serve', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir, '--config', configFile],
    { cwd: PROJECT_ROOT, env: serverEnv(password, options.databaseUrl), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    await rm(dataDir, { recursive: true, force: true });
  };

  try {
    const url = await waitForListening(child);
    return { url, password, pid: child.pid!, dataDir, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The bench's environment minus any PLUGBOARD_* settings that could point the server elsewhere. */
function serverEnv(password: string, databaseUrl: string | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('PLUGBOARD_')) env[key] = value;
  env.PLUGBOARD_ELASTIC_PASSWORD = password;
  if (databaseUrl) env.PLUGBOARD_DATABASE_URL = databaseUrl;
  return env;
}

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/** One short line per pino record (level, message, error message) instead of a full stack trace. */
function summarizeLogLine(line: string): string {
  try {
    const record = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string } };
    const level = LEVELS[record.level ?? 0] ?? String(record.level);
    return `${level} ${record.msg ?? ''}${record.err?.message ? `: ${record.err.message}` : ''}`;
  } catch {
    return line;
  }
}

/** Resolves to the URL from the "Plugboard listening on" line; afterwards output is relayed to stderr. */
function waitForListening(child: ReturnType<typeof spawn>): Promise<string> {
  return new Promise((resolve, reject) => {
    let url: string | undefined;
    let stderr = '';
    const timer = setTimeout(() => reject(new Error(`server did not start within ${START_TIMEOUT_MS} ms\n${stderr}`)), START_TIMEOUT_MS);

    createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = url === undefined ? /Plugboard listening on (\S+)/.exec(line) : null;
      if (match) {
        url = match[1];
        clearTimeout(timer);
        resolve(url);
      } else {
        process.stderr.write(`[server] ${summarizeLogLine(line)}\n`);
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      if (url === undefined) stderr += chunk.toString();
      else process.stderr.write(`[server] ${chunk.toString()}`);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (url === undefined) reject(new Error(`server exited before listening (code ${code}, signal ${signal})\n${stderr}`));
    });
  });
}
