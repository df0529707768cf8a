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
import { teamsConnectorType as def } from './index.js';
import { secretsSchema, type TeamsParams, type TeamsSecrets } from './schema.js';
import { SIMULATOR_RETRY_AFTER_SECONDS, THROTTLED_BODY, startTeamsSimulator, type TeamsSimulator } from './simulator.js';

installZod3Messages();

const ctx = { configurationUtilities: makeConfigurationUtilities() };
const silent = pino({ level: 'silent' });

describe('.teams definition', () => {
  it("has Kibana's identity", () => {
    expect(def.id).toBe('.teams');
    expect(def.name).toBe('Microsoft Teams');
    expect(def.minimumLicenseRequired).toBe('gold');
    expect(def.supportedFeatureIds).toEqual(['alerting', 'uptime', 'siem', 'workflows', 'agentBuilder']);
  });

  it('marks the webhook URL as secret and has valid Test params', () => {
    expect(secretsSchema.shape.webhookUrl.meta()).toMatchObject({ secret: true });
    expect(validateParams(def, def.testParams, ctx)).toEqual(def.testParams);
  });
});

describe('.teams validation', () => {
  it('takes an empty config, and nothing else', () => {
    expect(validateConfig(def, {}, ctx)).toEqual({});
    expect(thrownMessage(() => validateConfig(def, { url: 'x' }, ctx))).toBe("error validating connector type config: Unrecognized key(s) in object: 'url'");
  });

  it('requires a parsable webhook URL within allowedHosts, quoted as Kibana does', () => {
    const webhookUrl = 'https://contoso.webhook.office.com/webhookb2/abc@def/IncomingWebhook/123/456';
    expect(validateSecrets(def, { webhookUrl }, ctx)).toEqual({ webhookUrl });
    expect(thrownMessage(() => validateSecrets(def, {}, ctx))).toBe('error validating connector type secrets: Field "webhookUrl": Required');
    expect(thrownMessage(() => validateSecrets(def, { webhookUrl: 'contoso.webhook.office.com/x' }, ctx))).toBe(
      'error validating connector type secrets: error configuring teams action: unable to parse host name from webhookUrl',
    );
    const restricted = { configurationUtilities: makeConfigurationUtilities({ allowedHosts: ['contoso.webhook.office.com'] }) };
    expect(() => validateSecrets(def, { webhookUrl }, restricted)).not.toThrow();
    expect(thrownMessage(() => validateSecrets(def, { webhookUrl: 'https://evil.test/webhookb2/secret-part' }, restricted))).toBe(
      'error validating connector type secrets: error configuring teams action: target url "https://evil.test/webhookb2/secret-part" is not added to the Kibana config xpack.actions.allowedHosts',
    );
  });

  it('requires a non-empty message', () => {
    expect(thrownMessage(() => validateParams(def, { message: '' }, ctx))).toBe(
      'error validating action params: Field "message": String must contain at least 1 character(s)',
    );
    expect(thrownMessage(() => validateParams(def, {}, ctx))).toBe('error validating action params: Field "message": Required');
  });
});

describe('.teams renderParameterTemplates', () => {
  it('inserts values as they are, as Kibana does for Teams', () => {
    const value = 'say "hi"\nline 2 \\ back `tick` *bold* _it_ <b>&</b> [link](https://evil.test)';
    expect(def.renderParameterTemplates!(silent, { message: 'Alert: {{context.v}}' }, { context: { v: value } })).toEqual({ message: `Alert: ${value}` });
  });
});

describe('.teams execution against the simulator', () => {
  let sim: TeamsSimulator;
  let services: ConnectorServices;

  beforeAll(async () => {
    sim = await startTeamsSimulator();
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
    const secrets = validateSecrets(def, { webhookUrl }, ctx) as TeamsSecrets;
    const params = validateParams(def, { message }, ctx) as TeamsParams;
    const context = makeContext({ config: {}, secrets, params }, { connectorId: 'teams-test', services: runServices });
    return runAsAction(def, { ...context, logger });
  }
  const run = async (...args: Parameters<typeof outcome>): Promise<ActionResult> => (await outcome(...args)).result;

  it('posts {text} as JSON and returns what it sent', async () => {
    const message = 'Disk **full** on "web-1"\nsecond line';
    expect(await run(message)).toEqual({ status: 'ok', actionId: 'teams-test', data: { text: message } });
    expect(sim.requests).toHaveLength(1);
    const [request] = sim.requests;
    expect(request.method).toBe('POST');
    expect(`${sim.url}${request.path}`).toBe(sim.webhookUrl);
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers.authorization).toBeUndefined();
    expect(JSON.parse(request.body)).toEqual({ text: message });
    expect(sim.messages).toEqual([message]);
  });

  it('follows a redirect, keeping the POST', async () => {
    expect(await run('redirect')).toMatchObject({ status: 'ok' });
    expect(sim.requests.map((r) => r.method)).toEqual(['POST', 'POST']);
    expect(sim.messages).toEqual(['redirect']);
  });

  it('retries when Teams reports throttling inside a 2xx answer', async () => {
    const before = Date.now();
    const throttled = await run('throttled');
    expect(throttled.retry).toBeInstanceOf(Date);
    expect((throttled.retry as Date).getTime()).toBeGreaterThanOrEqual(before + SIMULATOR_RETRY_AFTER_SECONDS * 1000);
    expect(throttled).toEqual({
      status: 'error',
      actionId: 'teams-test',
      message: `error posting a Microsoft Teams message, retry at ${(throttled.retry as Date).toISOString()}`,
      serviceMessage: THROTTLED_BODY,
      retry: throttled.retry,
      errorSource: 'user',
    });
    expect(await run('throttled_without_retry_after')).toEqual({
      status: 'error',
      actionId: 'teams-test',
      message: 'error posting a Microsoft Teams message, retry later',
      serviceMessage: THROTTLED_BODY,
      retry: true,
      errorSource: 'user',
    });
  });

  it("answers an HTTP 429 as Kibana does (an invalid response, no retry), keeping Retry-After for the queue; 5xx says retry later", async () => {
    const before = Date.now();
    const limited = await outcome('rate_limit');
    expect(limited.result).toEqual({
      status: 'error',
      actionId: 'teams-test',
      message: 'error posting to Microsoft Teams, invalid response',
      serviceMessage: '[429] Too Many Requests',
      errorSource: 'user',
    });
    expect(limited.failure?.httpStatus).toBe(429);
    expect(limited.failure?.retryAt?.getTime()).toBeGreaterThanOrEqual(before + SIMULATOR_RETRY_AFTER_SECONDS * 1000);
    expect(await outcome('status_502')).toEqual({
      result: {
        status: 'error',
        actionId: 'teams-test',
        message: 'error posting a Microsoft Teams message, retry later',
        serviceMessage: '[502] Bad Gateway',
        retry: true,
        errorSource: 'user',
      },
      failure: { httpStatus: 502 },
    });
  });

  it('sets no retry for other errors, and gives the queue their status', async () => {
    expect(await outcome('hello', `${sim.url}/webhookb2/deleted`)).toEqual({
      result: {
        status: 'error',
        actionId: 'teams-test',
        message: 'error posting to Microsoft Teams, invalid response',
        serviceMessage: '[404] Not Found',
        errorSource: 'user',
      },
      failure: { httpStatus: 404 },
    });
    expect(await run('status_400')).toMatchObject({ message: 'error posting to Microsoft Teams, invalid response', serviceMessage: '[400] Bad Request' });
  });

  it('reports a refused connection', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(await run('hello', `http://127.0.0.1:${port}/webhookb2/x`)).toEqual({
      status: 'error',
      actionId: 'teams-test',
      message: 'error posting to Microsoft Teams, unexpected error',
      serviceMessage: `connect ECONNREFUSED 127.0.0.1:${port}`,
      errorSource: 'user',
    });
  });

  it('is refused by allowedHosts at send time, without showing or logging the URL', async () => {
    const restricted = makeServices({ allowedHosts: ['contoso.webhook.office.com'] });
    const lines: string[] = [];
    const logger = pino({ level: 'trace' }, new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) }));
    try {
      expect(await run('hello', sim.webhookUrl, restricted, logger)).toEqual({
        status: 'error',
        actionId: 'teams-test',
        message: 'error posting to Microsoft Teams, unexpected error',
        serviceMessage: 'target url "[REDACTED]" is not added to the Kibana config xpack.actions.allowedHosts',
        errorSource: 'user',
      });
      expect(sim.requests).toHaveLength(0);
      expect(lines.join('')).toContain('is not added');
      expect(lines.join('')).not.toContain('IncomingWebhook');
    } finally {
      await restricted.http.close();
    }
  });
});
