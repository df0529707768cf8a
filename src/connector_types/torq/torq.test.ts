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
import { torqConnectorType as def } from './index.js';
import { secretsSchema, type TorqConfig, type TorqParams, type TorqSecrets } from './schema.js';
import { SIMULATOR_RETRY_AFTER_SECONDS, WEBHOOK_PATH, startTorqSimulator, type TorqSimulator } from './simulator.js';

installZod3Messages();

const TOKEN = 'torq-token-5e8d1c';
const ctx = { configurationUtilities: makeConfigurationUtilities() };
const silent = pino({ level: 'silent' });
const PREFIX = 'error validating connector type config: error configuring send to Torq action:';
const NOT_ALLOWED = (url: string) => `target url "${url}" is not added to the Kibana config xpack.actions.allowedHosts`;

describe('.torq definition', () => {
  it('has Kibana identity', () => {
    expect(def.id).toBe('.torq');
    expect(def.name).toBe('Torq');
    expect(def.minimumLicenseRequired).toBe('gold');
    expect(def.supportedFeatureIds).toEqual(['alerting', 'uptime', 'siem']);
  });

  it('marks the token as secret', () => {
    expect(secretsSchema.shape.token.meta()).toMatchObject({ secret: true });
  });

  it('has valid test params', () => {
    expect(validateParams(def, def.testParams, ctx)).toEqual(def.testParams);
  });
});

describe('.torq validation', () => {
  const configError = (config: unknown, context = ctx) => thrownMessage(() => validateConfig(def, config, context));

  it('accepts Torq hooks and localhost, whatever the scheme', () => {
    for (const url of [
      'https://hooks.torq.io/v1/webhooks/abc',
      'https://hooks.eu.torq.io/v1/webhooks/abc',
      'http://localhost:5601/hook',
      'http://hooks.torq.io/v1/webhooks/abc',
    ]) {
      expect(validateConfig(def, { webhookIntegrationUrl: url }, ctx), url).toEqual({ webhookIntegrationUrl: url });
    }
  });

  it('refuses other hosts, unparsable URLs and unknown fields', () => {
    for (const url of ['https://hooks.torq.io.evil.example/x', 'https://torq.io/x', 'https://hooks.us.torq.io/x', 'http://127.0.0.1:5601/x']) {
      expect(configError({ webhookIntegrationUrl: url }), url).toBe(`${PREFIX} url must begin with https://hooks.torq.io or https://hooks.eu.torq.io`);
    }
    expect(configError({ webhookIntegrationUrl: 'hooks.torq.io/v1' })).toBe(`${PREFIX} unable to parse url: TypeError: Invalid URL`);
    expect(configError({})).toBe('error validating connector type config: Field "webhookIntegrationUrl": Required');
    expect(configError({ webhookIntegrationUrl: 'https://hooks.torq.io/x', token: 't' })).toBe(
      "error validating connector type config: Unrecognized key(s) in object: 'token'",
    );
  });

  it('checks allowedHosts before the Torq hostname', () => {
    const restricted = { configurationUtilities: makeConfigurationUtilities({ allowedHosts: ['hooks.torq.io'] }) };
    expect(validateConfig(def, { webhookIntegrationUrl: 'https://hooks.torq.io/x' }, restricted)).toBeTruthy();
    expect(configError({ webhookIntegrationUrl: 'https://hooks.eu.torq.io/x' }, restricted)).toBe(`${PREFIX} ${NOT_ALLOWED('https://hooks.eu.torq.io/x')}`);
    expect(configError({ webhookIntegrationUrl: 'https://elsewhere.example/x' }, restricted)).toBe(`${PREFIX} ${NOT_ALLOWED('https://elsewhere.example/x')}`);
  });

  it('requires the token and a string body', () => {
    expect(thrownMessage(() => validateSecrets(def, {}, ctx))).toBe('error validating connector type secrets: Field "token": Required');
    expect(thrownMessage(() => validateParams(def, {}, ctx))).toBe('error validating action params: Field "body": Required');
    expect(thrownMessage(() => validateParams(def, { body: { a: 1 } }, ctx))).toBe('error validating action params: Field "body": Expected string, received object');
    expect(thrownMessage(() => validateParams(def, { body: '{}', subAction: 'x' }, ctx))).toBe(
      "error validating action params: Unrecognized key(s) in object: 'subAction'",
    );
  });
});

describe('.torq execution against the simulator', () => {
  let sim: TorqSimulator;
  let services: ConnectorServices;
  let logLines: string[];

  beforeAll(async () => {
    sim = await startTorqSimulator({ token: TOKEN });
    services = makeServices();
  });
  afterAll(async () => {
    await services.http.close();
    await sim.close();
  });
  beforeEach(() => {
    sim.requests.length = 0;
    logLines = [];
  });

  /** The result clients read and the facts the queue reads, as the action executor answers them. */
  function outcome(body: string, opts: { url?: string; token?: string; services?: ConnectorServices } = {}): Promise<ReadOutcome> {
    const config = validateConfig(def, { webhookIntegrationUrl: opts.url ?? sim.webhookUrl }, ctx) as TorqConfig;
    const secrets = validateSecrets(def, { token: opts.token ?? TOKEN }, ctx) as TorqSecrets;
    const params = validateParams(def, { body }, ctx) as TorqParams;
    const logger = pino(
      { level: 'trace' },
      new Writable({
        write(chunk, _enc, cb) {
          logLines.push(String(chunk));
          cb();
        },
      }),
    );
    return runAsAction(def, { ...makeContext({ config, secrets, params }, { connectorId: 'torq-1', services: opts.services ?? services }), logger });
  }
  const run = async (...args: Parameters<typeof outcome>): Promise<ActionResult> => (await outcome(...args)).result;

  const lastRequest = () => sim.requests[sim.requests.length - 1];

  it('posts the body, re-serialized, with the token header, and returns the body as data', async () => {
    const body = '{\n  "msg": "CPU high",\n  "value": 93,\n  "tags": ["a", "b"]\n}';
    expect(await run(body)).toEqual({ status: 'ok', actionId: 'torq-1', data: body });
    const request = lastRequest();
    expect(request.method).toBe('POST');
    expect(request.path).toBe(WEBHOOK_PATH);
    expect(request.headers['x-torq-token']).toBe(TOKEN);
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.body).toBe('{"msg":"CPU high","value":93,"tags":["a","b"]}');
  });

  it('refuses a body that is not JSON without sending anything, for good', async () => {
    expect(await outcome('{"msg": oops}')).toEqual({
      result: {
        status: 'error',
        actionId: 'torq-1',
        message: 'error triggering Torq workflow, invalid body',
        serviceMessage: expect.stringContaining('JSON'),
        errorSource: 'user',
      },
      failure: { permanent: true },
    });
    expect(sim.requests).toHaveLength(0);
  });

  it('sends an empty body as no body at all', async () => {
    const result = await run('');
    expect(lastRequest().body).toBe('');
    expect(result).toMatchObject({ status: 'error', serviceMessage: '[400] Bad Request: body is not valid JSON' });
    expect(result.retry).toBeUndefined();
  });

  it('maps a wrong token, a bad request, an unknown hook and a wrong method, without retry (Kibana); the queue gets the status', async () => {
    expect(await outcome('{"msg":"x"}', { token: 'wrong-token' })).toEqual({
      result: {
        status: 'error',
        actionId: 'torq-1',
        message: 'error triggering Torq workflow, unauthorised',
        serviceMessage: '[401] Unauthorized: invalid token',
        errorSource: 'user',
      },
      failure: { httpStatus: 401 },
    });
    expect(await outcome('{"msg":"respond-with-400"}')).toMatchObject({
      result: { message: 'error triggering Torq workflow, invalid response', serviceMessage: '[400] Bad Request: bad request' },
      failure: { httpStatus: 400 },
    });
    expect(await run('{"msg":"respond-with-404"}')).toMatchObject({
      message: 'error triggering Torq workflow, make sure the webhook URL is valid',
      serviceMessage: '[404] Not Found: webhook not found',
    });
    expect(await run('{"msg":"x"}', { url: `${sim.webhookUrl}-unknown` })).toMatchObject({
      message: 'error triggering Torq workflow, make sure the webhook URL is valid',
    });
    expect(await run('{"msg":"respond-with-405"}')).toMatchObject({
      message: 'error triggering Torq workflow, method is not supported',
      serviceMessage: '[405] Method Not Allowed: method not allowed',
    });
  });

  it('maps 429 to retry later, or to the Retry-After time, and 5xx to retry later', async () => {
    expect(await run('{"msg":"respond-with-429"}')).toEqual({
      status: 'error',
      actionId: 'torq-1',
      message: 'error triggering Torq workflow, retry later',
      serviceMessage: '[429] Too Many Requests: too many requests',
      retry: true,
      errorSource: 'user',
    });
    const before = Date.now();
    const dated = await run('{"msg":"respond-with-429-retry-after"}');
    const at = (dated.retry as Date).getTime();
    expect(at).toBeGreaterThanOrEqual(before + SIMULATOR_RETRY_AFTER_SECONDS * 1000);
    expect(at).toBeLessThanOrEqual(Date.now() + SIMULATOR_RETRY_AFTER_SECONDS * 1000);
    expect(dated.message).toBe(`error triggering Torq workflow, retry at ${(dated.retry as Date).toISOString()}`);
    expect(await run('{"msg":"respond-with-502"}')).toEqual({
      status: 'error',
      actionId: 'torq-1',
      message: 'error triggering Torq workflow, retry later',
      serviceMessage: '[502] Bad Gateway',
      retry: true,
      errorSource: 'user',
    });
  });

  it('reports a refused connection', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const result = await run('{"msg":"x"}', { url: `http://localhost:${port}/v1/webhooks/x` });
    expect(result).toMatchObject({ status: 'error', actionId: 'torq-1', message: 'error triggering Torq workflow, request failed' });
    expect(result.serviceMessage).toMatch(/^\[ECONNREFUSED\] /);
  });

  it('is refused by allowedHosts at send time', async () => {
    const restricted = makeServices({ allowedHosts: ['hooks.torq.io'] });
    try {
      expect(await run('{"msg":"x"}', { services: restricted })).toEqual({
        status: 'error',
        actionId: 'torq-1',
        message: 'error triggering Torq workflow, request failed',
        serviceMessage: NOT_ALLOWED(sim.webhookUrl),
        errorSource: 'user',
      });
      expect(sim.requests).toHaveLength(0);
    } finally {
      await restricted.http.close();
    }
  });

  it('never logs or returns the token', async () => {
    const results = [await run('{"msg":"x"}'), await run('{"msg":"x"}', { token: 'wrong-token-value' }), await run('{"msg":"respond-with-502"}')];
    expect(logLines.length).toBeGreaterThan(0);
    for (const secret of [TOKEN, 'wrong-token-value']) {
      expect(JSON.stringify(results)).not.toContain(secret);
      expect(logLines.join('')).not.toContain(secret);
    }
  });
});

describe('.torq renderParameterTemplates', () => {
  const hostile = 'He said "hi"\nC:\\temp\t*bold* _it_ `code` </script>';
  const variables = {
    context: { reason: hostile, value: 93 },
    rule: { id: 'r-1', name: 'CPU', tags: ['prod', 'web'] },
    alert: { id: 'a-1', actionGroup: 'query matched' },
    date: '2024-05-01T10:00:00.000Z',
    kibanaBaseUrl: 'https://kibana.example.com',
  };

  it("renders without escaping, as Kibana: object variables come out as JSON, quotes in strings break the body", () => {
    const rendered = def.renderParameterTemplates!(
      silent,
      { body: '{"alert": {{alert}}, "tags": {{rule.tags.asJSON}}, "rule": "{{rule.name}}", "url": "{{kibanaBaseUrl}}"}' },
      variables,
    );
    expect(JSON.parse(rendered.body)).toEqual({ alert: { id: 'a-1', actionGroup: 'query matched' }, tags: ['prod', 'web'], rule: 'CPU', url: 'https://kibana.example.com' });
    const broken = def.renderParameterTemplates!(silent, { body: '{"msg": "{{context.reason}}"}' }, variables);
    expect(broken.body).toBe(`{"msg": "${hostile}"}`);
    expect(() => JSON.parse(broken.body)).toThrow();
  });

  it('leaves an empty body alone', () => {
    expect(def.renderParameterTemplates!(silent, { body: '' }, variables)).toEqual({ body: '' });
  });
});
