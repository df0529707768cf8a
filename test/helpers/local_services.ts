import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { REQUIRE_SERVICES } from './databases.js';

// Debian programs that tests start themselves (tinyproxy, prometheus): where to find them, and a
// port to start them on. Without the binary a test skips, unless PLUGBOARD_REQUIRE_SERVICES=1 (CI).

/** Where binaries are looked for, besides $PATH. */
const EXTRA_DIRS = ['/usr/bin', '/usr/sbin', '/usr/local/bin', '/usr/local/sbin'];

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The binary named by `$<envVar>`, or `name` in $PATH, /usr/sbin, ...; undefined when there is
 * none. Throws when there is none and PLUGBOARD_REQUIRE_SERVICES=1.
 */
export async function findServiceBinary(name: string, envVar: string): Promise<string | undefined> {
  const explicit = process.env[envVar];
  const candidates = explicit
    ? [explicit]
    : [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), ...EXTRA_DIRS].map((d) => path.join(d, name));
  for (const candidate of candidates) {
    if (await isExecutable(candidate)) return candidate;
  }
  if (REQUIRE_SERVICES) {
    throw new Error(
      `${name} is required (PLUGBOARD_REQUIRE_SERVICES=1) but was not found (${explicit ? `${envVar}=${explicit}` : 'looked in $PATH and /usr/sbin'}); install it with apt-get install ${name}`,
    );
  }
  return undefined;
}

/** A port that was free a moment ago (listen on 0, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface ServiceProcess {
  pid: number;
  /** The last 64 KiB of stdout and stderr. */
  output(): string;
  exited(): boolean;
  /** SIGTERM, SIGKILL after 5 s; resolves once the process is gone. Idempotent. */
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Runs `bin` in the foreground, killed with the test process if the test never stops it. */
export function spawnService(bin: string, args: string[], opts: { cwd?: string } = {}): ServiceProcess {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const child of live) child.kill('SIGKILL');
    });
  }
  const child = spawn(bin, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let output = '';
  const append = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-64 * 1024);
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    const done = () => {
      exited = true;
      live.delete(child);
      resolve();
    };
    // 'close', not 'exit': the last of stderr (why it stopped) has been read by then.
    child.once('close', done);
    child.once('error', (err) => {
      append(Buffer.from(`spawn failed: ${err.message}\n`));
      done();
    });
  });
  let stopping: Promise<void> | undefined;
  return {
    pid: child.pid ?? -1,
    output: () => output,
    exited: () => exited,
    stop: () =>
      (stopping ??= (async () => {
        if (!exited) child.kill('SIGTERM');
        const timer = setTimeout(() => {
          if (!exited) child.kill('SIGKILL');
        }, 5_000);
        await exit;
        clearTimeout(timer);
      })()),
  };
}

/**
 * Polls `url` (a service's /-/ready) every 100 ms until it answers 2xx; fails when the process
 * exits first or after `timeoutMs`, with its output in the message.
 */
export async function waitUntilReady(name: string, service: ServiceProcess, url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (service.exited()) throw new Error(`${name} exited before it was ready:\n${service.output()}`);
    const ready = await fetch(url).then((r) => r.ok, () => false);
    if (ready) return;
    if (Date.now() > deadline) throw new Error(`${name} was not ready within ${timeoutMs} ms:\n${service.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
