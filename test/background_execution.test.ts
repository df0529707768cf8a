import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDialects } from './helpers/databases.js';
import { startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';
import { startStatusSink, type StatusSink } from './helpers/status_sink.js';
import { eventually } from './helpers/wait.js';

const dialects = await availableDialects();

describe.each(dialects)('background execution on %s', (dialect) => {
  let pb: TestPlugboard;
  let sink: StatusSink;
  const hook = (id: string, path = id) =>
    pb.api('POST', `/api/actions/connector/${id}`, { name: id, connector_type_id: '.webhook', config: { url: `${sink.url}/${path}`, hasAuth: false } });
  const enqueue = async (id: string, body = 'hello') => {
    const res = await pb.api('POST', `/api/actions/connector/${id}/_enqueue`, { params: { body } });
    expect(res.status).toBe(202);
    return res.body.execution_id as string;
  };
  const execution = (executionId: string) => pb.api('GET', `/api/actions/execution/${executionId}`);
  const settled = (executionId: string, status: string) =>
    eventually(async () => {
      const res = await execution(executionId);
      return res.body.status === status ? res.body : undefined;
    }, 20_000, `execution ${executionId} to be ${status}`);

  beforeAll(async () => {
    sink = await startStatusSink();
    pb = await startTestPlugboard({
      dialect,
      settings: { 'plugboard.tasks.pollInterval': '200ms', 'xpack.actions.run.connectorTypeOverrides': [{ id: '.webhook', maxAttempts: 2 }] },
    });
  });
  afterAll(async () => {
    await pb.close();
    await sink.close();
  });

  it('runs a queued action in the background and shows its state and events', async () => {
    await hook('bg-ok');
    sink.respondWith({ status: 200, body: 'ok' });
    const id = await enqueue('bg-ok', 'payload-1');
    const done = await settled(id, 'ok');
    expect(done).toMatchObject({ execution_id: id, connector_id: 'bg-ok', attempts: 1, max_attempts: 2, result: { status: 'ok', connector_id: 'bg-ok', data: 'payload-1' } });
    expect(done).not.toHaveProperty('next_attempt_at');
    expect(done.events.map((e: { event: { action: string } }) => e.event.action)).toEqual(['execute-start', 'execute']);
    const execute = done.events[1];
    expect(execute).toMatchObject({
      event: { provider: 'actions', action: 'execute', kind: 'action', outcome: 'success' },
      kibana: {
        saved_objects: [{ rel: 'primary', type: 'action', id: 'bg-ok', type_id: '.webhook' }],
        space_ids: ['default'],
        action: { id: 'bg-ok', name: 'bg-ok', type_id: '.webhook', execution: { uuid: id, source: 'http_request', attempt: 1 } },
      },
      message: 'action executed: .webhook:bg-ok: bg-ok',
    });
    expect(Number(execute.event.duration)).toBeGreaterThan(0);
    expect(execute.kibana.task.schedule_delay).toBeGreaterThanOrEqual(0);
    expect(sink.requests.some((r) => r.url === '/bg-ok' && r.body === 'payload-1')).toBe(true);
  });

  it('retries a 5xx with backoff and logs every attempt; a failure that stays is a failed task', async () => {
    await hook('bg-retry');
    sink.respondWith({ status: 503, body: '{}' });
    const id = await enqueue('bg-retry');
    // First attempt failed: back in the queue for Kibana's first backoff of 30 s.
    const waiting = await eventually(async () => {
      const row = await pb.plugboard.database.db.selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirst();
      return row && row.status === 'idle' && row.attempts === 1 ? row : undefined;
    });
    expect(waiting.run_at - Date.now()).toBeGreaterThan(20_000);
    expect(waiting.last_error).toContain('error calling webhook, retry later');
    // Between retries the API says when the next attempt may start and how many are allowed.
    const between = (await execution(id)).body;
    expect(between).toMatchObject({ status: 'queued', attempts: 1, interrupted_attempts: 0, max_attempts: 2 });
    expect(between.next_attempt_at).toBe(new Date(waiting.run_at).toISOString());
    // Let the backoff pass.
    await pb.plugboard.database.db.updateTable('tasks').set({ run_at: Date.now() }).where('id', '=', id).execute();
    pb.plugboard.taskManager.wake();
    const failed = await settled(id, 'error');
    expect(failed.attempts).toBe(2);
    expect(failed).not.toHaveProperty('next_attempt_at');
    const executes = failed.events.filter((e: { event: { action: string } }) => e.event.action === 'execute');
    expect(executes.map((e: { kibana: { action: { execution: { attempt: number } } } }) => e.kibana.action.execution.attempt)).toEqual([1, 2]);
    expect(executes.every((e: { event: { outcome: string } }) => e.event.outcome === 'failure')).toBe(true);
    expect(executes[0].error.message).toBe('error calling webhook, retry later: [503] Service Unavailable; retry: true');
    expect(failed.result).toMatchObject({ status: 'error', retry: true });
  });

  it('never retries a 4xx other than 429, though its result (Kibana\'s) sets no retry', async () => {
    await hook('bg-400');
    sink.respondWith({ status: 400, body: '{}' });
    const failed = await settled(await enqueue('bg-400'), 'error');
    expect(failed.attempts).toBe(1);
    expect(failed.result).toMatchObject({ status: 'error', message: 'error calling webhook, invalid response', errorSource: 'user' });
    expect(failed.result).not.toHaveProperty('retry');
  });

  it('logs a params validation failure as a failed execution, without retrying it', async () => {
    await hook('bg-bad-params');
    const res = await pb.api('POST', '/api/actions/connector/bg-bad-params/_enqueue', { params: { body: 42 } });
    const failed = await settled(res.body.execution_id, 'error');
    expect(failed.attempts).toBe(1);
    expect(failed.events.map((e: { event: { action: string } }) => e.event.action)).toEqual(['execute']);
    expect(failed.events[0].error.message).toContain('error validating action params: Field "body": Expected string, received number');
  });

  it('pauses a connector on 429 with Retry-After without spending an attempt, while others keep flowing', async () => {
    await hook('bg-limited', 'limited');
    await hook('bg-other', 'other');
    sink.respondWith({ status: 429, headers: { 'retry-after': '2' }, body: '{}' });
    const limited = await enqueue('bg-limited');
    const paused = await eventually(async () => {
      const row = await pb.plugboard.database.db.selectFrom('connector_pauses').selectAll().where('connector_id', '=', 'bg-limited').executeTakeFirst();
      return row;
    });
    expect(paused.paused_until).toBeGreaterThan(Date.now());
    const task = await pb.plugboard.database.db.selectFrom('tasks').selectAll().where('id', '=', limited).executeTakeFirstOrThrow();
    // The pause and the requeue commit together: the attempt is already refunded.
    expect(task).toMatchObject({ status: 'idle', attempts: 0 });
    sink.respondWith({ status: 200, body: 'ok' });
    // Another connector is not held up by the pause.
    const other = await settled(await enqueue('bg-other'), 'ok');
    expect(other.attempts).toBe(1);
    const limitedRequestsDuringPause = sink.requests.filter((r) => r.url === '/limited').length;
    expect(limitedRequestsDuringPause).toBe(1);
    const done = await settled(limited, 'ok');
    expect(done.attempts).toBe(1);
    expect(sink.requests.filter((r) => r.url === '/limited').length).toBe(2);
  });

  it('shows queued executions, with their attempts, in the execution log and KPI routes', async () => {
    const log = await pb.api('POST', '/internal/actions/_global_connector_execution_logs', {
      date_start: 'now-1h',
      filter: 'kibana.action.id:bg-retry or kibana.action.id:bg-ok',
    });
    expect(log.status).toBe(200);
    const byConnector = Object.fromEntries(log.body.data.map((d: { connector_id: string }) => [d.connector_id, d]));
    expect(byConnector['bg-ok']).toMatchObject({ status: 'success', attempts: 1, connector_name: 'bg-ok', source: 'http_request', space_ids: ['default'] });
    expect(byConnector['bg-retry']).toMatchObject({ status: 'failure', attempts: 2, timed_out: false });
    expect(byConnector['bg-retry'].message).toContain('action execution failure: .webhook:bg-retry: bg-retry - error calling webhook, retry later');
    const kpi = await pb.api('POST', '/internal/actions/_global_connector_execution_kpi', { date_start: 'now-1h' });
    expect(kpi.body.success).toBeGreaterThanOrEqual(1);
    expect(kpi.body.failure).toBeGreaterThanOrEqual(3);
  });

  it('answers 404 for an unknown connector or execution, and keeps executions inside their space', async () => {
    expect((await pb.api('POST', '/api/actions/connector/nope/_enqueue', { params: {} })).status).toBe(404);
    expect((await execution('no-such-execution')).status).toBe(404);
    await hook('bg-space');
    sink.respondWith({ status: 200, body: 'ok' });
    const id = await enqueue('bg-space');
    await pb.api('POST', '/api/spaces/space', { id: 'elsewhere', name: 'Elsewhere' });
    expect((await pb.api('GET', `/s/elsewhere/api/actions/execution/${id}`)).status).toBe(404);
  });
});

describe.each(dialects)('queueing rules on %s', (dialect) => {
  let pb: TestPlugboard;
  beforeAll(async () => {
    pb = await startTestPlugboard({ dialect, runTasks: false, settings: { 'xpack.actions.queued.max': 3 } });
    for (const id of ['q-1', 'q-2']) {
      await pb.api('POST', `/api/actions/connector/${id}`, { name: id, connector_type_id: '.server-log' });
    }
  });
  afterAll(async () => pb.close());

  it("bulk-enqueues, skips connectors missing secrets with Kibana's warning, and refuses past queued.max", async () => {
    await pb.plugboard.database.db.updateTable('connectors').set({ is_missing_secrets: 1 }).where('id', '=', 'q-2').execute();
    const res = await pb.api('POST', '/api/actions/_bulk_enqueue', {
      actions: [
        { id: 'q-1', params: { message: 'a' } },
        { id: 'q-2', params: { message: 'b' } },
        { id: 'q-1', params: { message: 'c' } },
        { id: 'q-1', params: { message: 'd' } },
        { id: 'q-1', params: { message: 'e' } },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.errors).toBe(true);
    expect(res.body.items.map((i: { response: string }) => i.response)).toEqual([
      'success',
      'missingSecretsError',
      'success',
      'success',
      'queuedActionsLimitError',
    ]);
    expect(res.body.items[1].message).toBe('Unable to execute action because no secrets are defined for the "q-2" connector.');
    expect(res.body.items[0].execution_id).toEqual(expect.any(String));
    const queued = await pb.plugboard.database.db.selectFrom('tasks').select(['id', 'status']).where('scope', '=', 'actions').execute();
    expect(queued.length).toBe(3);
    const single = await pb.api('POST', '/api/actions/connector/q-1/_enqueue', { params: { message: 'f' } });
    expect(single.status).toBe(429);
    const state = await pb.api('GET', `/api/actions/execution/${res.body.items[0].execution_id}`);
    expect(state.body).toMatchObject({ status: 'queued', attempts: 0, events: [] });
  });

  it('rejects an unknown connector in a bulk request and queues nothing', async () => {
    const before = await pb.plugboard.database.db.selectFrom('tasks').select('id').execute();
    const res = await pb.api('POST', '/api/actions/_bulk_enqueue', { actions: [{ id: 'q-1', params: {} }, { id: 'ghost', params: {} }] });
    expect(res.status).toBe(404);
    expect(await pb.plugboard.database.db.selectFrom('tasks').select('id').execute()).toEqual(before);
  });

  it('reports health', async () => {
    const res = await pb.api('GET', '/api/task_manager/_health');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'OK', stats: { capacity: 200, running: 0, backlog_by_type: { 'actions:.server-log': 3 } } });
  });
});

describe('metrics', () => {
  it('exposes executions, durations and queue depth in Prometheus format, behind authentication', async () => {
    const sink = await startStatusSink();
    const pb = await startTestPlugboard({ settings: { 'plugboard.tasks.pollInterval': '200ms' } });
    try {
      await pb.api('POST', '/api/actions/connector/m-hook', { name: 'm', connector_type_id: '.webhook', config: { url: sink.url, hasAuth: false } });
      const queued = await pb.api('POST', '/api/actions/connector/m-hook/_enqueue', { params: { body: 'x' } });
      await eventually(async () => ((await pb.api('GET', `/api/actions/execution/${queued.body.execution_id}`)).body.status === 'ok' ? true : undefined));
      const res = await pb.api('GET', '/metrics');
      expect(res.status).toBe(200);
      expect(String(res.headers['content-type'])).toMatch(/^text\/plain/);
      expect(res.text).toMatch(/plugboard_action_executions_total\{connector_type="\.webhook",outcome="success",source="queue"\} 1/);
      expect(res.text).toMatch(/plugboard_action_execution_duration_seconds_count\{connector_type="\.webhook",source="queue"\} 1/);
      expect(res.text).toContain('plugboard_task_queue_depth');
      expect((await pb.api('GET', '/metrics', undefined, { headers: { authorization: '' } })).status).toBe(401);
    } finally {
      await pb.close();
      await sink.close();
    }
  });
});

describe('execution timeout', () => {
  it('aborts a hanging action, writes execute-timeout, and reports the execution as timed out', async () => {
    const { hangingType } = await import('./helpers/test_types.js');
    const pb = await startTestPlugboard({
      extraConnectorTypes: [hangingType],
      settings: { 'plugboard.tasks.timeout': '300ms', 'plugboard.tasks.pollInterval': '100ms', 'xpack.actions.run.maxAttempts': 1 },
    });
    try {
      await pb.api('POST', '/api/actions/connector/hangs', { name: 'Hangs', connector_type_id: '.test-hanging' });
      const queued = await pb.api('POST', '/api/actions/connector/hangs/_enqueue', { params: {} });
      const done = await eventually(async () => {
        const res = await pb.api('GET', `/api/actions/execution/${queued.body.execution_id}`);
        return res.body.status === 'timeout' ? res.body : undefined;
      });
      expect(done.attempts).toBe(1);
      const actions = done.events.map((e: { event: { action: string } }) => e.event.action);
      // The execute event carries the attempt's start time, so it sorts before the timeout.
      expect(actions).toEqual(['execute-start', 'execute', 'execute-timeout']);
      expect(done.events[2].message).toBe(`action: .test-hanging:hangs: 'Hangs' execution cancelled due to timeout - exceeded default timeout of "300ms"`);
      expect(done.result).toMatchObject({ status: 'error', message: 'an error occurred while running the action', service_message: 'execution cancelled due to timeout - exceeded timeout of 300ms' });
    } finally {
      await pb.close();
    }
  });
});
