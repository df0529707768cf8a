import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killAllChildServers, startChildServer, startDeliverySink, type DeliverySink } from './helpers/child_server.js';
import { TEST_ENCRYPTION_KEY } from './helpers/plugboard.js';

// On SIGTERM a server first tells load balancers to stop sending (GET /api/status answers 503)
// while the work it has running drains, and only then stops listening and exits.

describe('graceful shutdown', { timeout: 120_000 }, () => {
  let sink: DeliverySink | undefined;
  let dataDir: string | undefined;

  afterEach(async () => {
    await killAllChildServers();
    await sink?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    sink = dataDir = undefined;
  });

  it('answers /api/status with 503 while an action is still running at its sink, then exits 0 once it is done', async () => {
    sink = await startDeliverySink({ delayMs: 0 });
    dataDir = mkdtempSync(path.join(tmpdir(), 'plugboard-shutdown-'));
    const configFile = path.join(dataDir, 'plugboard.yml');
    writeFileSync(
      configFile,
      [
        // Long enough that the held action is still running when the test releases it.
        'plugboard.tasks.shutdownGrace: 90s',
        'plugboard.tasks.pollInterval: 200ms',
        `xpack.encryptedSavedObjects.encryptionKey: ${TEST_ENCRYPTION_KEY}`,
        'logging.root.level: warn',
        '',
      ].join('\n'),
    );
    const server = await startChildServer({ dataDir, configFile });
    const status = async () => {
      const res = await fetch(`${server.url}/api/status`);
      return { status: res.status, level: ((await res.json()) as { status: { overall: { level: string } } }).status.overall.level };
    };
    expect(await status()).toEqual({ status: 200, level: 'available' });
    const created = await server.api('POST', '/api/actions/connector/held-hook', { name: 'held', connector_type_id: '.webhook', config: { url: `${sink.url}/deliver`, hasAuth: false } });
    expect(created.status, created.text).toBe(200);

    sink.hold();
    const arrived = new Promise<void>((resolve) => sink!.onDelivery(() => resolve()));
    const queued = await server.api('POST', '/api/actions/connector/held-hook/_enqueue', { params: { body: JSON.stringify({ n: 1 }) } });
    expect(queued.status, queued.text).toBe(202);
    await arrived;

    server.process.kill('SIGTERM');
    await expect.poll(async () => (await status()).status, { timeout: 30_000 }).toBe(503);
    expect(await status()).toEqual({ status: 503, level: 'unavailable' });
    // Still draining: the action has not been answered, so the process waits for it.
    expect(server.running()).toBe(true);
    expect((await server.api('GET', '/api/actions/connectors')).status).toBe(200);

    sink.release();
    expect(await server.exited, server.output()).toEqual({ code: 0, signal: null });
    expect(sink.counts.get(1)).toBe(1);
  });
});
