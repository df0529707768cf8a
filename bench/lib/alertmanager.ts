import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { findServiceBinary, freePort, spawnService, type ServiceProcess } from '../../test/helpers/local_services.js';

// Debian's prometheus-alertmanager as the point of comparison: a throwaway configuration whose
// only receiver is a webhook to the bench's sink, every alert its own group (group_by '...')
// sent at once (group_wait 0s), storage in a fresh directory, no cluster.

const START_TIMEOUT_MS = 30_000;

export interface Alertmanager {
  url: string;
  pid: number;
  /** As it reports itself, e.g. 0.25.0. */
  version: string;
  /** Posts alerts to the v2 API; each becomes one notification to the webhook. */
  postAlerts(alerts: Array<{ labels: Record<string, string> }>): Promise<void>;
  output(): string;
  /** SIGTERM, then removes its directory. */
  stop(): Promise<void>;
}

/** Starts Alertmanager with its webhook aimed at `webhookUrl`; undefined when it is not installed. */
export async function startAlertmanager(webhookUrl: string): Promise<Alertmanager | undefined> {
  const bin = await findServiceBinary('prometheus-alertmanager', 'ALERTMANAGER_BIN');
  if (!bin) return undefined;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'plugboard-bench-alertmanager-'));
  const config = [
    'route:',
    '  receiver: sink',
    "  group_by: ['...']",
    '  group_wait: 0s',
    '  group_interval: 1m',
    '  repeat_interval: 24h',
    'receivers:',
    '  - name: sink',
    '    webhook_configs:',
    `      - url: ${JSON.stringify(webhookUrl)}`,
    '        send_resolved: false',
    '',
  ].join('\n');
  await writeFile(path.join(dir, 'alertmanager.yml'), config);
  const port = await freePort();
  let service: ServiceProcess | undefined;
  const stop = async () => {
    await service?.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    service = spawnService(bin, [
      `--config.file=${path.join(dir, 'alertmanager.yml')}`,
      `--storage.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // An empty address turns clustering (and its gossip settling delay) off.
      '--cluster.listen-address=',
      '--log.level=warn',
    ]);
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!(await fetch(`${url}/-/ready`).then((r) => r.ok, () => false))) {
      if (service.exited()) throw new Error(`alertmanager exited before it was ready:\n${service.output()}`);
      if (Date.now() > deadline) throw new Error(`alertmanager was not ready within ${START_TIMEOUT_MS} ms:\n${service.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const running = service;
    const status = (await (await fetch(`${url}/api/v2/status`)).json()) as { versionInfo?: { version?: string } };
    return {
      url,
      pid: running.pid,
      version: status.versionInfo?.version ?? 'unknown version',
      async postAlerts(alerts) {
        const res = await fetch(`${url}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts) });
        if (!res.ok) throw new Error(`alertmanager answered ${res.status}: ${(await res.text()).slice(0, 500)}`);
        await res.arrayBuffer();
      },
      output: running.output,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
