import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ReadOutcome } from '../../actions/executor.js';
import type { ActionResult, ConnectorServices } from '../../actions/types.js';
import { validateConfig, validateParams, validateSecrets } from '../../actions/validation.js';
import { installZod3Messages } from '../../common/zod_messages.js';
import { makeConfigurationUtilities, makeContext, makeServices, runAsAction, thrownMessage } from '../lib/test_context.js';
import { slackConnectorType as def } from './index.js';
import { secretsSchema, type SlackParams, type SlackSecrets } from './schema.js';
import { SIMULATOR_RETRY_AFTER_SECONDS, startSlackWebhookSimulator, type SlackWebhookSimulator } from './simulator.js';

installZod3Messages();

const ctx = { configurationUtilities: makeConfigurationUtilities() };
const silent = pino({ level: 'silent' });

describe('.slack definition', () => {
  it("has Kibana's identity", () => {
    expect(def.id).toBe('.slack');
    expect(def.name).toBe('Slack');
    expect(def.minimumLicenseRequired).toBe('gold');
    expect(def.supportedFeatureIds).toEqual(['alerting', 'uptime', 'siem']);
  });

  it('marks the webhook URL as secret', () => {
    expect(secretsSchema.shape.webhookUrl.meta()).toMatchObject({ secret: true });
  });

  it('has valid Test params', () => {
    expect(validateParams(def, def.testParams, ctx)).toEqual(def.testParams);
  });
});

describe('.slack validation', () => {
  it('takes an empty config, and nothing else', () => {
    expect(validateConfig(def, {}, ctx)).toEqual({});
    expect(validateConfig(def, undefined, ctx)).toEqual({});
    expect(thrownMessage(() => validateConfig(def, { channel: '#x' }, ctx))).toBe(
      "error validating connector type config: Unrecognized key(s) in object: 'channel'",
    );
  });

  it('requires a parsable webhook URL', () => {
    expect(validateSecrets(def, { webhookUrl: 'https://hooks.slack.com/services/T1/B1/abc' }, ctx)).toEqual({
      webhookUrl: 'https://hooks.slack.com/services/T1/B1/abc',
    });
    expect(thrownMessage(() => validateSecrets(def, {}, ctx))).toBe('error validating connector type secrets: Field "webhookUrl": Required');
    for (const webhookUrl of ['', 'hooks.slack.com/services/x', 'not a url']) {
      expect(thrownMessage(() => validateSecrets(def, { webhookUrl }, ctx)), webhookUrl).toBe(
        'error validating connector type secrets: error configuring slack action: unable to parse host name from webhookUrl',
      );
    }
    expect(thrownMessage(() => validateSecrets(def, { webhookUrl: 'https://x.test', token: 'y' }, ctx))).toBe(
      "error validating connector type secrets: Unrecognized key(s) in object: 'token'",
    );
  });

  it('enforces allowedHosts, quoting the URL as Kibana does to whoever sent it', () => {
    const restricted = { configurationUtilities: makeConfigurationUtilities({ allowedHosts: ['hooks.slack.com'] }) };
    expect(() => validateSecrets(def, { webhookUrl: 'https://hooks.slack.com/services/T1/B1/abc' }, restricted)).not.toThrow();
    const message = thrownMessage(() => validateSecrets(def, { webhookUrl: 'https://evil.test/services/T1/B1/s3cret-part' }, restricted));
    expect(message).toBe(
      'error validating connector type secrets: error configuring slack action: target url "https://evil.test/services/T1/B1/s3cret-part" is not added to the Kibana config xpack.actions.allowedHosts',
    );
  });

  it('requires a non-empty message', () => {
    expect(validateParams(def, { message: 'hi' }, ctx)).toEqual({ message: 'hi' });
    expect(thrownMessage(() => validateParams(def, { message: '' }, ctx))).toBe(
      'error validating action params: Field "message": String must contain at least 1 character(s)',
    );
    expect(thrownMessage(() => validateParams(def, {}, ctx))).toBe('error validating action params: Field "message": Required');
    expect(thrownMessage(() => validateParams(def, { message: 'x', channel: 'y' }, ctx))).toBe(
      "error validating action params: Unrecognized key(s) in object: 'channel'",
    );
  });
});

describe('.slack renderParameterTemplates', () => {
  const render = (message: string, context: Record<string, unknown>) => def.renderParameterTemplates!(silent, { message }, { context }).message;

  it('keeps formatting in values from reaching Slack', () => {
    expect(render('{{context.v}}', { v: 'a *bold* _claim_' })).toBe('`a *bold* _claim_`');
    expect(render('{{context.v}}', { v: 'has `code` and *stars*' })).toBe("`has 'code' and *stars*`");
    expect(render('{{context.v}}', { v: '<!channel> & <https://evil.test|click here>' })).toBe(
      '&lt;!channel&gt; &amp; &lt;https://evil.test|click here&gt;',
    );
    expect(render('{{context.v}}', { v: 'quote " newline \n backslash \\ tick `' })).toBe("quote \" newline \n backslash \\ tick '");
    // A URL stays a link, underscores and all.
    expect(render('{{context.v}}', { v: 'https://example.com/a_b*c' })).toBe('https://example.com/a_b*c');
  });

  it("keeps the template's own formatting", () => {
    expect(render('*Alert* {{context.name}} is _down_', { name: 'web_1' })).toBe('*Alert* `web_1` is _down_');
  });
});

describe('.slack execution against the simulator', () => {
  let sim: SlackWebhookSimulator;
  let services: ConnectorServices;

  beforeAll(async () => {
    sim = await startSlackWebhookSimulator();
    services = makeServices();
  });
  afterAll(async () => {
    await services.http.close();
    await sim.close();
  });
  beforeEach(() => {
    sim.requests.length = 0;
    sim.messages.length = 0;
  });

  /** The result clients read and the facts the queue reads, as the action executor answers them. */
  function outcome(message: string, webhookUrl = sim.webhookUrl, runServices = services, logger = silent): Promise<ReadOutcome> {
    const secrets = validateSecrets(def, { webhookUrl }, ctx) as SlackSecrets;
    const params = validateParams(def, { message }, ctx) as SlackParams;
    const context = makeContext({ config: {}, secrets, params }, { connectorId: 'slack-test', services: runServices });
    return runAsAction(def, { ...context, logger });
  }
  const run = async (...args: Parameters<typeof outcome>): Promise<ActionResult> => (await outcome(...args)).result;

  it('posts {text} as JSON, without following redirects, and succeeds on `ok`', async () => {
    const result = await run('Disk *full* on "web-1"\nsecond line');
    expect(result).toEqual({ status: 'ok', actionId: 'slack-test', data: { text: 'ok' } });
    expect(sim.requests).toHaveLength(1);
    const [request] = sim.requests;
    expect(request.method).toBe('POST');
    expect(`${sim.url}${request.path}`).toBe(sim.webhookUrl);
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['user-agent']).toBe('Plugboard (Slack incoming webhook)');
    expect(JSON.parse(request.body)).toEqual({ text: 'Disk *full* on "web-1"\nsecond line' });
    expect(sim.messages).toEqual(['Disk *full* on "web-1"\nsecond line']);
  });

  it('sends a rendered message that Slack receives as rendered', async () => {
    const message = def.renderParameterTemplates!(silent, { message: 'Host {{context.host}}: {{context.reason}}' }, {
      context: { host: 'db_1', reason: 'a <b> & "c"\\d' },
    }).message;
    expect(await run(message)).toMatchObject({ status: 'ok' });
    expect(sim.messages).toEqual(['Host `db_1`: a &lt;b&gt; &amp; "c"\\d']);
  });

  it.each([
    ['invalid_payload', 400, 'Bad Request', 'invalid_payload'],
    ['no_text', 400, 'Bad Request', 'no_text'],
    ['invalid_token', 403, 'Forbidden', 'invalid_token'],
    ['action_prohibited', 403, 'Forbidden', 'action_prohibited'],
    ['channel_not_found', 404, 'Not Found', 'channel_not_found'],
    ['channel_is_archived', 410, 'Gone', 'channel_is_archived'],
  ])('maps %s to a user error without retry (as Kibana), its status for the queue', async (message, status, statusText, code) => {
    expect(await outcome(message)).toEqual({
      result: {
        status: 'error',
        actionId: 'slack-test',
        message: `unexpected http response from slack: ${status} ${statusText}`,
        serviceMessage: code,
        errorSource: 'user',
      },
      failure: { httpStatus: status },
    });
  });

  it('maps an unknown hook and a wrong hook secret as Slack answers them', async () => {
    expect(await run('hello', `${sim.url}/services/T9/B9/whatever`)).toMatchObject({
      message: 'unexpected http response from slack: 404 Not Found',
      serviceMessage: 'no_service',
    });
    expect(await run('hello', sim.webhookUrl.replace(/[^/]+$/, 'wrong'))).toMatchObject({
      message: 'unexpected http response from slack: 403 Forbidden',
      serviceMessage: 'invalid_token',
    });
    expect(sim.messages).toEqual([]);
  });

  it("retries 5xx later; Kibana's action executor makes every returned error the user's", async () => {
    expect(await outcome('status_500')).toEqual({
      result: {
        status: 'error',
        actionId: 'slack-test',
        message: 'error posting a slack message, retry later',
        serviceMessage: 'An HTTP protocol error occurred: statusCode = 500',
        retry: true,
        errorSource: 'user',
      },
      failure: { httpStatus: 500 },
    });
  });

  it('retries 429 at the Retry-After time, or later without one', async () => {
    const before = Date.now();
    const limited = await run('rate_limit');
    expect(limited.retry).toBeInstanceOf(Date);
    const at = (limited.retry as Date).getTime();
    expect(at).toBeGreaterThanOrEqual(before + SIMULATOR_RETRY_AFTER_SECONDS * 1000);
    expect(at).toBeLessThanOrEqual(Date.now() + SIMULATOR_RETRY_AFTER_SECONDS * 1000);
    expect(limited).toEqual({
      status: 'error',
      actionId: 'slack-test',
      message: `error posting a slack message, retry at ${(limited.retry as Date).toISOString()}`,
      serviceMessage: 'An HTTP protocol error occurred: statusCode = 429',
      retry: limited.retry,
      errorSource: 'user',
    });
    expect(await run('rate_limit_without_retry_after')).toEqual({
      status: 'error',
      actionId: 'slack-test',
      message: 'error posting a slack message, retry later',
      serviceMessage: 'An HTTP protocol error occurred: statusCode = 429',
      retry: true,
      errorSource: 'user',
    });
  });

  it('treats a 2xx answer other than `ok` as an error', async () => {
    expect(await run('unexpected_body')).toEqual({
      status: 'error',
      actionId: 'slack-test',
      message: 'error posting slack message',
      serviceMessage: '<html>sign in to continue</html>',
      errorSource: 'user',
    });
  });

  it('does not follow a redirect', async () => {
    expect(await outcome('redirect')).toEqual({
      result: { status: 'error', actionId: 'slack-test', message: 'unexpected http response from slack: 302 Found', errorSource: 'user' },
      failure: { httpStatus: 302 },
    });
    expect(sim.requests.map((r) => r.method)).toEqual(['POST']);
  });

  it('reports a refused connection', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(await run('hello', `http://127.0.0.1:${port}/services/T1/B1/x`)).toEqual({
      status: 'error',
      actionId: 'slack-test',
      message: 'error posting slack message',
      serviceMessage: `A request error occurred: connect ECONNREFUSED 127.0.0.1:${port}`,
      errorSource: 'user',
    });
  });

  it('is refused by allowedHosts at send time, without showing or logging the URL', async () => {
    const restricted = makeServices({ allowedHosts: ['hooks.slack.com'] });
    const lines: string[] = [];
    const logger = pino(
      { level: 'trace' },
      new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    );
    try {
      const result = await run('hello', sim.webhookUrl, restricted, logger);
      expect(result).toEqual({
        status: 'error',
        actionId: 'slack-test',
        message: 'error posting slack message',
        serviceMessage: 'A request error occurred: target url "[REDACTED]" is not added to the Kibana config xpack.actions.allowedHosts',
        errorSource: 'user',
      });
      expect(sim.requests).toHaveLength(0);
      const secretPart = sim.webhookUrl.split('/').pop()!;
      expect(lines.join('')).toContain('is not added');
      expect(lines.join('')).not.toContain(secretPart);
    } finally {
      await restricted.http.close();
    }
  });
});
