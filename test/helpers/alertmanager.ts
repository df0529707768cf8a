import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findServiceBinary, freePort, spawnService } from './local_services.js';

// A real Alertmanager (Debian's `prometheus-alertmanager` 0.25), started by a test on a free
// 127.0.0.1 port, clustering off, its storage in a temporary directory. Tests skip without the
// binary, but fail when PLUGBOARD_REQUIRE_SERVICES=1 (CI).

export interface Alertmanager {
  url: string;
  output(): string;
  /** Stops it and removes its directory. Idempotent. */
  stop(): Promise<void>;
}

const MINIMAL_CONFIG = 'route:\n  receiver: default\nreceivers:\n  - name: default\n';
const START_TIMEOUT_MS = 30_000;

/** The amtool binary (Debian's package prometheus-alertmanager ships it), if installed. */
export const findAmtool = () => findServiceBinary('amtool', 'AMTOOL_BIN');

export async function startAlertmanager(config = MINIMAL_CONFIG): Promise<Alertmanager | undefined> {
  const bin = await findServiceBinary('prometheus-alertmanager', 'ALERTMANAGER_BIN');
  if (!bin) return undefined;
  const dir = await mkdtemp(path.join(tmpdir(), 'plugboard-alertmanager-'));
  await writeFile(path.join(dir, 'alertmanager.yml'), config);
  const port = await freePort();
  const service = spawnService(bin, [
    `--config.file=${path.join(dir, 'alertmanager.yml')}`,
    `--storage.path=${path.join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--cluster.listen-address=',
  ]);
  const stop = async () => {
    await service.stop();
    await rm(dir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (service.exited()) throw new Error(`alertmanager exited before it was ready:\n${service.output()}`);
    if (await fetch(`${url}/-/ready`).then((r) => r.ok, () => false)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`alertmanager was not ready within ${START_TIMEOUT_MS} ms:\n${service.output()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url, output: service.output, stop };
}
