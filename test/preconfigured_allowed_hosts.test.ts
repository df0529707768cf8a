import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDialects } from './helpers/databases.js';
import { captureLogger } from './helpers/logs.js';
import { startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';
import { startStatusSink, type StatusSink } from './helpers/status_sink.js';
import { eventually } from './helpers/wait.js';

// Kibana's API test server starts with preconfigured connectors whose hosts are not in its
// xpack.actions.allowedHosts (x-pack/platform/test/alerting_api_integration/common/config.ts):
// Kibana does not check them at start-up, and refuses them when they run. Plugboard starts
// too, warns once per connector, and refuses each execution with the validation message.

const dialects = await availableDialects();

/** Kibana's test server list: the sink below listens on 127.0.0.1, which it does not hold. */
const KIBANA_TEST_ALLOWED_HOSTS = ['localhost', 'some.non.existent.com', 'smtp-mail.outlook.com', 'slack.com'];
const SLACK_HOOK_PATH = '/services/abcd/efgh/ijklmnopqrstuvwxyz';
const PREFIX = 'xpack.actions.preconfigured';

describe.each(dialects)('preconfigured connectors outside xpack.actions.allowedHosts, on %s', (dialect) => {
  let sink: StatusSink;
  let pb: TestPlugboard;
  let records: ReturnType<typeof captureLogger>['records'];
  let outsideUrl: string;

  beforeAll(async () => {
    sink = await startStatusSink();
    outsideUrl = `${sink.url}/hook`;
    const captured = captureLogger();
    records = captured.records;
    pb = await startTestPlugboard({
      dialect,
      logger: captured.logger,
      settings: {
        'xpack.actions.allowedHosts': KIBANA_TEST_ALLOWED_HOSTS,
        'xpack.actions.run.maxAttempts': 1,
        'xpack.actions.preconfigured': {
          'my-slack1': { name: 'Slack#xyz', actionTypeId: '.slack', secrets: { webhookUrl: `https://hooks.slack.com${SLACK_HOOK_PATH}` } },
          'outside-hook': { name: 'Outside', actionTypeId: '.webhook', config: { url: outsideUrl } },
          'inside-hook': { name: 'Inside', actionTypeId: '.webhook', config: { url: `http://localhost:${new URL(sink.url).port}/hook` } },
        },
      },
    });
  });
  afterAll(async () => {
    await pb.close();
    await sink.close();
  });

  const warnings = () => records().filter((r) => r.level === 40 && String(r.msg).startsWith(`${PREFIX}.`));

  it('starts, warning once per such connector with the host it names', () => {
    expect(warnings().map((r) => r.msg)).toEqual([
      `${PREFIX}.my-slack1: the host "hooks.slack.com" is not in xpack.actions.allowedHosts; the connector is available, but each of its actions is refused until it is added.`,
      `${PREFIX}.outside-hook: the host "127.0.0.1" is not in xpack.actions.allowedHosts; the connector is available, but each of its actions is refused until it is added.`,
    ]);
    // The Slack URL is a credential: only its host is named.
    expect(JSON.stringify(records())).not.toContain(SLACK_HOOK_PATH);
  });

  it('lists them like any other preconfigured connector', async () => {
    const list = await pb.api('GET', '/api/actions/connectors');
    const ids = (list.body as { id: string; is_preconfigured: boolean }[]).filter((c) => c.is_preconfigured).map((c) => c.id);
    expect(ids).toEqual(expect.arrayContaining(['my-slack1', 'outside-hook', 'inside-hook']));
  });

  it('refuses each execution with the message creating such a connector gets, sending nothing', async () => {
    const created = await pb.api('POST', '/api/actions/connector', { name: 'x', connector_type_id: '.webhook', config: { url: outsideUrl } });
    expect(created.status).toBe(400);
    expect(created.body.message).toBe(
      `error validating connector type config: error validation webhook action config: target url "${outsideUrl}" is not added to the Kibana config xpack.actions.allowedHosts`,
    );

    const run = await pb.api('POST', '/api/actions/connector/outside-hook/_execute', { params: { body: 'hello' } });
    expect(run.status).toBe(200);
    expect(run.body).toEqual({ status: 'error', connector_id: 'outside-hook', message: created.body.message, retry: false, errorSource: 'framework' });

    const slack = await pb.api('POST', '/api/actions/connector/my-slack1/_execute', { params: { message: 'hello' } });
    expect(slack.body).toMatchObject({
      status: 'error',
      // Kibana's Slack message quotes the whole URL, a secret, which a result never shows.
      message: 'error validating connector type secrets: error configuring slack action: target url "[REDACTED]" is not added to the Kibana config xpack.actions.allowedHosts',
    });
    expect(sink.requests).toEqual([]);
  });

  it('refuses a queued action the same way', async () => {
    const queued = await pb.api('POST', '/api/actions/connector/outside-hook/_enqueue', { params: { body: 'hello' } });
    expect(queued.status).toBe(202);
    const done = await eventually(async () => {
      const res = await pb.api('GET', `/api/actions/execution/${queued.body.execution_id}`);
      return ['ok', 'error', 'timeout'].includes(res.body.status) ? res.body : undefined;
    }, 20_000, 'the queued action to finish');
    // As in Kibana, a task's validation failure is retryable (here there is one attempt).
    expect(done).toMatchObject({
      status: 'error',
      connector_id: 'outside-hook',
      attempts: 1,
      result: { status: 'error', retry: true, message: `error validating connector type config: error validation webhook action config: target url "${outsideUrl}" is not added to the Kibana config xpack.actions.allowedHosts` },
      events: [{ event: { action: 'execute', outcome: 'failure' } }],
    });
    expect(sink.requests).toEqual([]);
  });

  it('runs a connector whose host is allowed', async () => {
    const run = await pb.api('POST', '/api/actions/connector/inside-hook/_execute', { params: { body: 'hello' } });
    expect(run.body).toMatchObject({ status: 'ok', connector_id: 'inside-hook' });
    expect(sink.requests.map((r) => [r.url, r.body])).toEqual([['/hook', 'hello']]);
  });
});

describe('preconfigured connectors with other faults', () => {
  it('still stop start-up, even when their host is not allowed either', async () => {
    const entry = { name: 'Bad', actionTypeId: '.webhook', config: { url: 'http://not-allowed.example/hook', hasAuth: false, authType: 'webhook-authentication-basic' } };
    await expect(
      startTestPlugboard({ settings: { 'xpack.actions.allowedHosts': ['allowed.example'], 'xpack.actions.preconfigured': { 'bad-hook': entry } } }),
    ).rejects.toThrow(
      'Invalid configuration: xpack.actions.preconfigured.bad-hook.config: error validating connector type config: error validation webhook action config: authType must be null or undefined if hasAuth is false',
    );
  });
});
