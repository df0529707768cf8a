import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findServiceBinary, freePort, spawnService } from './local_services.js';

// A real Prometheus server (Debian's `prometheus`), started by the test on a free 127.0.0.1 port
// with a configuration of the test's and its storage in a temporary directory. Tests skip
// without the binary, but fail when PLUGBOARD_REQUIRE_SERVICES=1 (CI).

export interface ScrapeTarget {
  scrapePool: string;
  health: 'up' | 'down' | 'unknown';
  lastError: string;
}

export interface Prometheus {
  url: string;
  /** The active targets, from Prometheus' own API. */
  targets(): Promise<ScrapeTarget[]>;
  /** The result vector of an instant query. */
  query(expr: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>>;
  /** stdout and stderr, for failure messages. */
  output(): string;
  /** SIGTERM (SIGKILL after 5 s), then removes the directory. Idempotent. */
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 30_000;

/** Starts Prometheus with `config` (prometheus.yml text) and extra command-line `flags`; undefined (skip) without the binary. */
export async function startPrometheus(config: string, files: Record<string, string> = {}, flags: string[] = []): Promise<Prometheus | undefined> {
  const bin = await findServiceBinary('prometheus', 'PROMETHEUS_BIN');
  if (!bin) return undefined;
  const dir = await mkdtemp(path.join(tmpdir(), 'plugboard-prometheus-'));
  for (const [name, content] of Object.entries(files)) await writeFile(path.join(dir, name), content, { mode: 0o600 });
  await writeFile(path.join(dir, 'prometheus.yml'), config);
  const port = await freePort();
  const service = spawnService(
    bin,
    [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, ...flags],
    // Relative paths in the config (credentials files) resolve against the config's directory.
    { cwd: dir },
  );
  const stop = async () => {
    await service.stop();
    await rm(dir, { recursive: true, force: true });
  };

  const url = `http://127.0.0.1:${port}`;
  const api = async (route: string) => {
    const res = await fetch(`${url}${route}`);
    const body = (await res.json()) as { status: string; data: any; error?: string };
    if (body.status !== 'success') throw new Error(`Prometheus ${route}: ${body.error}`);
    return body.data;
  };
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (service.exited()) throw new Error(`prometheus exited before it was ready:\n${service.output()}`);
    const ready = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus was not ready within ${START_TIMEOUT_MS} ms:\n${service.output()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    async targets() {
      const data = (await api('/api/v1/targets?state=active')) as { activeTargets: ScrapeTarget[] };
      return data.activeTargets.map(({ scrapePool, health, lastError }) => ({ scrapePool, health, lastError }));
    },
    async query(expr) {
      return ((await api(`/api/v1/query?query=${encodeURIComponent(expr)}`)) as { result: any[] }).result;
    },
    output: service.output,
    stop,
  };
}
