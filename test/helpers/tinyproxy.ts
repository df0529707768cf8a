import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findServiceBinary, freePort, spawnService } from './local_services.js';

// A real forward HTTP proxy for outbound-networking tests: Debian's `tinyproxy`, started by the
// test in the foreground on a free 127.0.0.1 port, with its own config and log in a temporary
// directory (a system tinyproxy service, if any, is never used). Tests skip without the
// binary, but fail when PLUGBOARD_REQUIRE_SERVICES=1 (CI).
//
// Config semantics (tinyproxy.conf(5), 1.11): with no `ConnectPort` line CONNECT is allowed to
// every port; `Allow 127.0.0.1` denies every other client; `BasicAuth user password` makes
// every request need `Proxy-Authorization: Basic ...`. The Via header is left on (tinyproxy adds
// `Via: 1.1 tinyproxy (tinyproxy/1.11.1)` to plain forwarded requests), so an origin server can
// tell that a plain-HTTP request really came through the proxy.
//
// Behaviour seen with tinyproxy 1.11.1:
// - no Proxy-Authorization            -> 407 Proxy Authentication Required (`Proxy-Authenticate: Basic realm="Tinyproxy"`)
// - wrong Basic credentials           -> 401 Unauthorized (`WWW-Authenticate`), NOT 407
// - one request per client connection: it answers with `Connection: close`.
// - the log is written with plain write(2) calls, no buffering; the `Request` line is logged as
//   soon as the request line and headers are read, before authentication or connecting
//   upstream, so it is in the file before the client gets any answer.

/** BasicAuth user and password must match tinyproxy's config grammar (`[-a-z0-9._]+`). */
const AUTH_TOKEN = /^[-a-zA-Z0-9._]+$/;

export interface TinyproxyOptions {
  /** Require `Proxy-Authorization: Basic base64(user:password)`. Only `[-a-zA-Z0-9._]` characters. */
  basicAuth?: { user: string; password: string };
}

export interface ProxiedRequest {
  /** `CONNECT`, `GET`, ... as sent to the proxy. */
  method: string;
  /** The request target exactly as logged: `host:port` for CONNECT, an absolute URL otherwise. */
  target: string;
  /** `target` normalised to `host:port`, see `Tinyproxy.targets()`. */
  hostPort: string;
}

export interface Tinyproxy {
  /** `http://127.0.0.1:PORT` */
  url: string;
  port: number;
  pid: number;
  /**
   * Every target the proxy was asked for, in order, always as `host:port` (lower-case host,
   * IPv6 in brackets, explicit port):
   * - `CONNECT 127.0.0.1:44321`            -> `127.0.0.1:44321` (as sent)
   * - `GET http://127.0.0.1:8080/a?b HTTP` -> `127.0.0.1:8080`
   * - `GET http://localhost/`              -> `localhost:80`   (default port of the scheme)
   * - `GET http://[::1]:81/`               -> `[::1]:81`
   * A target that is not in either form (e.g. origin-form `/x` sent to the proxy directly) is
   * returned unchanged. Requests the proxy refused (407/401, denied port, unreachable upstream)
   * are included too: this is what the proxy was asked, not what it managed to reach. Read it
   * before `stop()`.
   */
  targets(): Promise<string[]>;
  /** The same, with method and raw target. */
  requests(): Promise<ProxiedRequest[]>;
  /** The whole tinyproxy log (for failure messages). */
  log(): Promise<string>;
  /** stdout and stderr of the process. */
  output(): string;
  /** SIGTERM (SIGKILL after 5 s), then removes the temporary directory. Idempotent. */
  stop(): Promise<void>;
}

/**
 * The tinyproxy binary (`$TINYPROXY_BIN`, $PATH, /usr/sbin, ...), or undefined when there is
 * none. Throws when there is none and PLUGBOARD_REQUIRE_SERVICES=1.
 */
export function findTinyproxy(): Promise<string | undefined> {
  return findServiceBinary('tinyproxy', 'TINYPROXY_BIN');
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

function configFile(port: number, dir: string, opts: TinyproxyOptions): string {
  const lines = [
    `Port ${port}`,
    'Listen 127.0.0.1',
    'Allow 127.0.0.1',
    'Timeout 30',
    'MaxClients 100',
    // Info also logs upstream connection attempts; the `Request` lines needed by targets() are
    // logged from level Connect up.
    'LogLevel Info',
    `LogFile "${path.join(dir, 'tinyproxy.log')}"`,
    `PidFile "${path.join(dir, 'tinyproxy.pid')}"`,
    // No ConnectPort lines: CONNECT is allowed to every port.
  ];
  if (opts.basicAuth) lines.push(`BasicAuth ${opts.basicAuth.user} ${opts.basicAuth.password}`);
  return `${lines.join('\n')}\n`;
}

// `NOTICE/CONNECT/INFO  Mon DD HH:MM:SS.mmm [pid]: Request (file descriptor 5): CONNECT 127.0.0.1:44321 HTTP/1.1`
const REQUEST_LINE = /\]: Request \(file descriptor \d+\): (\S+) (\S+)(?: HTTP\/\d(?:\.\d)?)?\s*$/;

function toHostPort(method: string, target: string): string {
  if (method.toUpperCase() === 'CONNECT') return target.toLowerCase();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) {
    try {
      const url = new URL(target);
      const port = url.port || (url.protocol === 'https:' ? '443' : url.protocol === 'ftp:' ? '21' : '80');
      return `${url.hostname}:${port}`;
    } catch {
      return target;
    }
  }
  return target;
}

/** Parses the `Request` lines of a tinyproxy log (complete lines only). */
export function parseTinyproxyLog(log: string): ProxiedRequest[] {
  const complete = log.slice(0, log.lastIndexOf('\n') + 1);
  const out: ProxiedRequest[] = [];
  for (const line of complete.split('\n')) {
    const m = REQUEST_LINE.exec(line);
    if (!m) continue;
    const [, method, target] = m;
    out.push({ method, target, hostPort: toHostPort(method, target) });
  }
  return out;
}

const START_ATTEMPTS = 3;
const START_TIMEOUT_MS = 10_000;

/**
 * Starts a private tinyproxy on a free 127.0.0.1 port. Resolves to undefined (skip the test)
 * when the binary is absent; throws instead when PLUGBOARD_REQUIRE_SERVICES=1.
 */
export async function startTinyproxy(opts: TinyproxyOptions = {}): Promise<Tinyproxy | undefined> {
  const bin = await findTinyproxy();
  if (!bin) return undefined;
  if (opts.basicAuth && !(AUTH_TOKEN.test(opts.basicAuth.user) && AUTH_TOKEN.test(opts.basicAuth.password))) {
    throw new Error('tinyproxy BasicAuth user and password may only contain letters, digits, "-", "." and "_"');
  }

  let lastError: Error | undefined;
  // The free port can be taken by someone else between our probe and tinyproxy's bind: retry.
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
    const dir = await mkdtemp(path.join(tmpdir(), 'plugboard-tinyproxy-'));
    try {
      const port = await freePort();
      const conf = path.join(dir, 'tinyproxy.conf');
      await writeFile(conf, configFile(port, dir, opts));
      const proxy = await launch(bin, conf, dir, port);
      if (proxy) return proxy;
    } catch (err) {
      lastError = err as Error;
    }
    await rm(dir, { recursive: true, force: true });
  }
  throw lastError ?? new Error(`tinyproxy did not start after ${START_ATTEMPTS} attempts`);
}

/** Undefined when tinyproxy exited before listening (port taken), to retry on another port. */
async function launch(bin: string, conf: string, dir: string, port: number): Promise<Tinyproxy | undefined> {
  const logFile = path.join(dir, 'tinyproxy.log');
  const service = spawnService(bin, ['-d', '-c', conf]);
  const readLog = () => readFile(logFile, 'utf8').catch(() => '');
  const stop = async () => {
    await service.stop();
    await rm(dir, { recursive: true, force: true });
  };

  // Ready when the port accepts connections and the log says tinyproxy itself is listening
  // (the port may have been taken by someone else since freePort(); tinyproxy then exits with
  // "Could not create listening sockets"). Older tinyproxy versions that do not log the
  // "Accepting connections" line count as ready once they survive 500 ms of accepting.
  const deadline = Date.now() + START_TIMEOUT_MS;
  let acceptingSince: number | undefined;
  for (;;) {
    if (service.exited()) {
      const log = await readLog();
      if (/address already in use|could not create listening sockets|unable to bind/i.test(log + service.output())) return undefined;
      throw new Error(`tinyproxy exited before listening on 127.0.0.1:${port}:\n${service.output()}\n${log}`);
    }
    if (await canConnect(port)) {
      acceptingSince ??= Date.now();
      if (/Accepting connections/.test(await readLog()) || Date.now() - acceptingSince > 500) {
        if (!service.exited()) break;
        continue;
      }
    }
    if (Date.now() > deadline) {
      const log = await readLog();
      await stop();
      throw new Error(`tinyproxy did not listen on 127.0.0.1:${port} within ${START_TIMEOUT_MS} ms:\n${service.output()}\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }

  const requests = async () => parseTinyproxyLog(await readLog());
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    pid: service.pid,
    requests,
    targets: async () => (await requests()).map((r) => r.hostPort),
    log: readLog,
    output: service.output,
    stop,
  };
}
