import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDialects } from './helpers/databases.js';
import { startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';
import { startStatusSink, type StatusSink } from './helpers/status_sink.js';
import { eventually } from './helpers/wait.js';

// An action queued while its connector had secrets, then the connector was overwritten by an
// import without them: the queued run must not go out with empty credentials.

const dialects = await availableDialects();

describe.each(dialects)('a queued action whose connector lost its secrets on %s', (dialect) => {
  let pb: TestPlugboard;
  let sink: StatusSink;

  beforeAll(async () => {
    sink = await startStatusSink();
    pb = await startTestPlugboard({ dialect, runTasks: false, settings: { 'plugboard.net.deniedAddresses': [] } });
  });
  afterAll(async () => {
    await pb.close();
    await sink.close();
  });

  it('fails with the missing-secrets message instead of running', async () => {
    const config = { url: `${sink.url}/hook`, method: 'post', hasAuth: true };
    const created = await pb.api('POST', '/api/actions/connector/queued-hook', {
      name: 'Queued hook',
      connector_type_id: '.webhook',
      config,
      secrets: { user: 'u', password: 'p' },
    });
    expect(created.status).toBe(200);
    const queued = await pb.api('POST', '/api/actions/connector/queued-hook/_enqueue', { params: { body: '{}' } });
    expect(queued.status).toBe(202);

    const object = { id: 'queued-hook', type: 'action', references: [], attributes: { actionTypeId: '.webhook', name: 'Queued hook', config, secrets: {}, isMissingSecrets: true } };
    const boundary = 'plugboard-boundary';
    const raw = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="one.ndjson"\r\nContent-Type: application/ndjson\r\n\r\n${JSON.stringify(object)}\r\n--${boundary}--\r\n`;
    const imported = await pb.api('POST', '/api/saved_objects/_import?overwrite=true', undefined, {
      raw,
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    });
    expect(imported.body).toMatchObject({ success: true, successCount: 1 });

    pb.plugboard.taskManager.start();
    const execution = await eventually(async () => {
      const res = await pb.api('GET', `/api/actions/execution/${queued.body.execution_id}`);
      return res.body.status === 'error' ? res.body : undefined;
    });
    expect(execution.attempts).toBe(1);
    expect(sink.requests).toEqual([]);

    const executed = await pb.api('POST', '/api/actions/connector/queued-hook/_execute', { params: { body: '{}' } });
    expect(executed.body).toMatchObject({
      status: 'error',
      message: 'Unable to execute action because no secrets are defined for the "Queued hook" connector. Edit the connector and enter its secrets again.',
    });
    expect(sink.requests).toEqual([]);
  });
});
