import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ReadOutcome } from '../../actions/executor.js';
import type { ActionResult, ConfigurationUtilities, ConnectorServices } from '../../actions/types.js';
import { validateConfig, validateParams, validateSecrets } from '../../actions/validation.js';
import { installZod3Messages } from '../../common/zod_messages.js';
import { webhookConnectorType } from './index.js';
import type { WebhookConfig, WebhookParams, WebhookSecrets } from './schema.js';
import { secretsSchema } from './schema.js';
import {
  SIMULATOR_BAD_REQUEST_MESSAGE,
  SIMULATOR_RETRY_AFTER_SECONDS,
  startWebhookSimulator,
  type WebhookSimulator,
} from './simulator.js';
import { makeConfigurationUtilities, makeContext, makeServices, runAsAction } from '../lib/test_context.js';

installZod3Messages();

const def = webhookConnectorType;
const utils = makeConfigurationUtilities();
const ctx = { configurationUtilities: utils };

const NOT_ALLOWED = (url: string) =>
  `target url "${url}" is not added to the Kibana config xpack.actions.allowedHosts`;
const CONFIG_PREFIX = 'error validating connector type config: error validation webhook action config:';
const SECRETS_MESSAGE =
  'error validating connector type secrets: must specify one of the following schemas: user and password; crt and key (with optional password); pfx (with optional password); or clientSecret (for OAuth2)';

function configError(config: unknown, context: { configurationUtilities: ConfigurationUtilities } = ctx): string {
  try {
    validateConfig(def, config, context);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected config validation to fail');
}

function secretsError(secrets: unknown): string {
  try {
    validateSecrets(def, secrets, ctx);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected secrets validation to fail');
}

describe('.webhook definition', () => {
  it('has Kibana identity', () => {
    expect(def.id).toBe('.webhook');
    expect(def.name).toBe('Webhook');
    expect(def.minimumLicenseRequired).toBe('gold');
    expect(def.supportedFeatureIds).toEqual(['alerting', 'uptime', 'siem']);
  });

  it('marks every secret field as secret in the metadata', () => {
    for (const [name, field] of Object.entries(secretsSchema.shape)) {
      expect(field.meta(), name).toMatchObject({ secret: true });
    }
  });
});

describe('.webhook config validation', () => {
  it("applies Kibana's defaults, leaving authType out as the user did", () => {
    expect(validateConfig(def, { url: 'https://example.com/hook' }, ctx)).toEqual({
      url: 'https://example.com/hook',
      method: 'post',
      headers: null,
      hasAuth: true,
    });
    expect(validateConfig(def, { url: 'https://example.com', hasAuth: false }, ctx)).toEqual({
      url: 'https://example.com',
      method: 'post',
      headers: null,
      hasAuth: false,
    });
  });

  it('keeps an explicit null authType (basic) and accepts every field', () => {
    const full = {
      url: 'https://example.com',
      method: 'put',
      headers: { 'X-A': 'b' },
      hasAuth: true,
      authType: null,
      certType: 'ssl-crt-key',
      ca: 'Y2E=',
      verificationMode: 'full',
      accessTokenUrl: 'https://example.com/token',
      clientId: 'abc',
      scope: 'read',
      additionalFields: '{"a":1}',
    };
    expect(validateConfig(def, full, ctx)).toEqual(full);
  });

  it('reports schema problems', () => {
    expect(configError({})).toBe('error validating connector type config: Field "url": Required');
    expect(configError({ url: 'https://example.com', method: 'head' })).toBe(
      `error validating connector type config: Field "method": Invalid enum value. Expected 'post' | 'put' | 'patch' | 'get' | 'delete', received 'head'`,
    );
    expect(configError({ url: 'https://example.com', extra: 1 })).toBe(
      "error validating connector type config: Unrecognized key(s) in object: 'extra'",
    );
    expect(configError({ url: 'https://example.com', authType: 'webhook-oauth2-password' })).toMatch(
      /^error validating connector type config: Field "authType": Invalid enum value/,
    );
    expect(configError({ url: 'https://example.com', headers: { a: 1 } })).toBe(
      'error validating connector type config: Field "headers.a": Expected string, received number',
    );
  });

  it('rejects an unparsable url', () => {
    expect(configError({ url: 'example.com/do-something' })).toBe(
      `${CONFIG_PREFIX} unable to parse url: TypeError: Invalid URL`,
    );
  });

  it('enforces allowedHosts', () => {
    const restricted = { configurationUtilities: makeConfigurationUtilities({ allowedHosts: ['example.com'] }) };
    expect(validateConfig(def, { url: 'https://example.com/x' }, restricted).url).toBe('https://example.com/x');
    expect(configError({ url: 'http://127.0.0.1:9/x' }, restricted)).toBe(
      `${CONFIG_PREFIX} ${NOT_ALLOWED('http://127.0.0.1:9/x')}`,
    );
  });

  it('requires hasAuth for an authType', () => {
    expect(configError({ url: 'https://example.com', hasAuth: false, authType: 'webhook-authentication-basic' })).toBe(
      `${CONFIG_PREFIX} authType must be null or undefined if hasAuth is false`,
    );
    expect(validateConfig(def, { url: 'https://example.com', hasAuth: false, authType: null }, ctx).authType).toBeNull();
  });

  it('rejects pfx certificates when disabled', () => {
    const config = { url: 'https://example.com', authType: 'webhook-authentication-ssl', certType: 'ssl-pfx' };
    expect(validateConfig(def, config, ctx).certType).toBe('ssl-pfx');
    const disabled = { configurationUtilities: makeConfigurationUtilities({ webhookPfxEnabled: false }) };
    expect(configError(config, disabled)).toBe(`${CONFIG_PREFIX} certType "ssl-pfx" is disabled`);
    expect(validateConfig(def, { ...config, certType: 'ssl-crt-key' }, disabled).certType).toBe('ssl-crt-key');
  });

  it('requires additionalFields to be a non-empty JSON object', () => {
    const message = `${CONFIG_PREFIX} additionalFields must be a non-empty JSON object.`;
    for (const additionalFields of ['not json', '[1,2]', '{}', '"text"', '12', 'null']) {
      expect(configError({ url: 'https://example.com', additionalFields }), additionalFields).toBe(message);
    }
    for (const additionalFields of ['{"resource":"x"}', null, undefined, '']) {
      expect(() => validateConfig(def, { url: 'https://example.com', additionalFields }, ctx)).not.toThrow();
    }
  });

  it('requires accessTokenUrl and clientId for OAuth2 client credentials', () => {
    const base = { url: 'https://example.com', authType: 'webhook-oauth2-client-credentials' };
    expect(configError(base)).toBe(
      `${CONFIG_PREFIX} missing Access Token URL (accessTokenUrl), Client ID (clientId) fields`,
    );
    expect(configError({ ...base, accessTokenUrl: 'https://example.com/token' })).toBe(
      `${CONFIG_PREFIX} missing Client ID (clientId) fields`,
    );
    expect(configError({ ...base, clientId: 'abc' })).toBe(
      `${CONFIG_PREFIX} missing Access Token URL (accessTokenUrl) fields`,
    );
    expect(configError({ ...base, clientId: 'abc', accessTokenUrl: 'nope' })).toBe(
      `${CONFIG_PREFIX} unable to parse url: TypeError: Invalid URL`,
    );
    const restricted = { configurationUtilities: makeConfigurationUtilities({ allowedHosts: ['example.com'] }) };
    expect(configError({ ...base, clientId: 'abc', accessTokenUrl: 'https://login.other.test/token' }, restricted)).toBe(
      `${CONFIG_PREFIX} ${NOT_ALLOWED('https://login.other.test/token')}`,
    );
    expect(() =>
      validateConfig(def, { ...base, clientId: 'abc', accessTokenUrl: 'https://example.com/token' }, restricted),
    ).not.toThrow();
  });
});

describe('.webhook secrets validation', () => {
  it('defaults every secret to null', () => {
    expect(validateSecrets(def, {}, ctx)).toEqual({
      user: null,
      password: null,
      crt: null,
      key: null,
      pfx: null,
      clientSecret: null,
      secretHeaders: null,
    });
  });

  it.each([
    ['nothing', {}],
    ['user and password', { user: 'u', password: 'p' }],
    ['crt and key', { crt: 'Y3J0', key: 'a2V5' }],
    ['crt and key with passphrase', { crt: 'Y3J0', key: 'a2V5', password: 'p' }],
    ['pfx', { pfx: 'cGZ4' }],
    ['pfx with passphrase', { pfx: 'cGZ4', password: 'p' }],
    ['clientSecret', { clientSecret: 's' }],
    ['secret headers only', { secretHeaders: { 'X-Api-Key': 'k' } }],
    ['user and password with secret headers', { user: 'u', password: 'p', secretHeaders: { a: 'b' } }],
  ])('accepts %s', (_name, secrets) => {
    expect(() => validateSecrets(def, secrets, ctx)).not.toThrow();
  });

  it.each([
    ['user alone', { user: 'u' }],
    ['password alone', { password: 'p' }],
    ['crt alone', { crt: 'Y3J0' }],
    ['key alone', { key: 'a2V5' }],
    ['crt and key with a user', { crt: 'Y3J0', key: 'a2V5', user: 'u' }],
    ['pfx and crt', { pfx: 'cGZ4', crt: 'Y3J0' }],
    ['user, password and pfx', { user: 'u', password: 'p', pfx: 'cGZ4' }],
    ['clientSecret and user', { clientSecret: 's', user: 'u' }],
    ['clientSecret and password', { clientSecret: 's', password: 'p' }],
  ])('rejects %s', (_name, secrets) => {
    expect(secretsError(secrets)).toBe(SECRETS_MESSAGE);
  });

  it('is strict', () => {
    expect(secretsError({ token: 'x' })).toBe(
      "error validating connector type secrets: Unrecognized key(s) in object: 'token'",
    );
  });
});

describe('.webhook params validation', () => {
  it('accepts an optional body', () => {
    expect(validateParams(def, {}, ctx)).toEqual({});
    expect(validateParams(def, { body: '{"a":1}' }, ctx)).toEqual({ body: '{"a":1}' });
  });

  it('rejects other shapes', () => {
    expect(() => validateParams(def, { body: 1 }, ctx)).toThrow(
      'error validating action params: Field "body": Expected string, received number',
    );
    expect(() => validateParams(def, { body: 'x', message: 'y' }, ctx)).toThrow(
      "error validating action params: Unrecognized key(s) in object: 'message'",
    );
  });
});

describe('.webhook execution against the simulator', () => {
  let sim: WebhookSimulator;
  let services: ConnectorServices;

  beforeAll(async () => {
    sim = await startWebhookSimulator();
    services = makeServices();
  });
  afterAll(async () => {
    await services.http.close();
    await sim.close();
  });
  beforeEach(async () => {
    await fetch(sim.url); // a GET drains payloads recorded by earlier tests
    sim.requests.length = 0;
  });

  /** The result clients read and the facts the queue reads, as the action executor answers them. */
  function outcome(
    rawConfig: Record<string, unknown>,
    rawSecrets: Record<string, unknown>,
    rawParams: Record<string, unknown>,
    runServices: ConnectorServices = services,
  ): Promise<ReadOutcome> {
    const config = validateConfig(def, { url: `${sim.url}/hook`, ...rawConfig }, ctx) as WebhookConfig;
    const secrets = validateSecrets(def, rawSecrets, ctx) as WebhookSecrets;
    const params = validateParams(def, rawParams, ctx) as WebhookParams;
    return runAsAction(def, makeContext({ config, secrets, params }, { connectorId: 'webhook-test', services: runServices }));
  }
  const run = async (...args: Parameters<typeof outcome>): Promise<ActionResult> => (await outcome(...args)).result;

  const lastRequest = () => sim.requests[sim.requests.length - 1];

  it('posts the body and returns it as data', async () => {
    const result = await run({}, {}, { body: 'success' });
    expect(result).toEqual({ status: 'ok', actionId: 'webhook-test', data: 'success' });
    expect(sim.requests).toHaveLength(1);
    expect(lastRequest()).toMatchObject({ method: 'POST', path: '/hook', body: 'success' });
    expect(lastRequest().headers.authorization).toBeUndefined();
    // Like Kibana, no Content-Type of its own: users set one in headers.
    expect(lastRequest().headers['content-type']).toBeUndefined();
  });

  it('sends Basic credentials that the simulator accepts', async () => {
    const result = await run({}, { user: 'elastic', password: 'changeme' }, { body: 'authenticate' });
    expect(result).toMatchObject({ status: 'ok', data: 'authenticate' });
    expect(lastRequest().headers.authorization).toBe(`Basic ${Buffer.from('elastic:changeme').toString('base64')}`);
  });

  it('reports wrong credentials as an invalid response, without retry as in Kibana; the queue gets the status', async () => {
    expect(await outcome({}, { user: 'elastic', password: 'wrong' }, { body: 'authenticate' })).toEqual({
      result: {
        status: 'error',
        actionId: 'webhook-test',
        message: 'error calling webhook, invalid response',
        serviceMessage: '[403] Forbidden',
        errorSource: 'user',
      },
      failure: { httpStatus: 403 },
    });
  });

  it('sends no credentials when hasAuth is false', async () => {
    const result = await run({ hasAuth: false }, { user: 'elastic', password: 'changeme' }, { body: 'authenticate' });
    expect(result).toMatchObject({ status: 'error', serviceMessage: '[403] Forbidden' });
    expect(lastRequest().headers.authorization).toBeUndefined();
  });

  it('sends Basic credentials for an explicit basic, null or absent authType', async () => {
    for (const authType of ['webhook-authentication-basic', null, undefined]) {
      const result = await run({ authType }, { user: 'elastic', password: 'changeme' }, { body: 'authenticate' });
      expect(result.status, String(authType)).toBe('ok');
    }
  });

  it('adds no auth for the query-param auth type', async () => {
    const result = await run(
      { authType: 'http-authentication-query-param' },
      { user: 'elastic', password: 'changeme' },
      { body: 'authenticate' },
    );
    expect(result.status).toBe('error');
    expect(lastRequest().headers.authorization).toBeUndefined();
  });

  it('uses the configured method', async () => {
    expect(await run({ method: 'put' }, {}, { body: 'success_put_method' })).toMatchObject({ status: 'ok' });
    expect(lastRequest().method).toBe('PUT');
    expect(await run({ method: 'post' }, {}, { body: 'success_post_method' })).toMatchObject({ status: 'ok' });
    expect(await run({ method: 'put' }, {}, { body: 'success_post_method' })).toMatchObject({ status: 'error', serviceMessage: '[403] Forbidden' });
  });

  it('sends the body with patch', async () => {
    // Like Kibana's simulator, only POST and PUT are accepted; the request still shows the body.
    const result = await run({ method: 'patch' }, {}, { body: 'success' });
    expect(lastRequest()).toMatchObject({ method: 'PATCH', body: 'success' });
    expect(result).toMatchObject({ status: 'error', serviceMessage: '[400] Bad Request', errorSource: 'user' });
  });

  it('sends no body with get and delete, but still returns the params body as data', async () => {
    await run({}, {}, { body: 'payload first' });
    await run({}, {}, { body: 'payload second' });
    const got = await run({ method: 'get' }, {}, { body: 'ignored' });
    expect(got).toEqual({ status: 'ok', actionId: 'webhook-test', data: 'ignored' });
    expect(lastRequest()).toMatchObject({ method: 'GET', body: '' });

    const deleted = await run({ method: 'delete' }, {}, { body: 'ignored' });
    expect(lastRequest()).toMatchObject({ method: 'DELETE', body: '' });
    expect(deleted).toMatchObject({ status: 'error', message: 'error calling webhook, invalid response' });
  });

  it('records payloads that GET returns and clears', async () => {
    await run({}, {}, { body: 'payload {"x":1}' });
    const first = await fetch(`${sim.url}/`);
    expect(await first.json()).toEqual(['{"x":1}']);
    const second = await fetch(`${sim.url}/`);
    expect(await second.json()).toEqual([]);
  });

  it('merges config headers with secret headers, secret values winning', async () => {
    const result = await run(
      { headers: { 'Content-Type': 'text/plain', 'X-Shared': 'from-config', 'X-Config': 'c' } },
      { secretHeaders: { 'x-shared': 'from-secret', 'X-Secret': 's' } },
      { body: 'header_as_payload' },
    );
    expect(result.status).toBe('ok');
    const { headers } = lastRequest();
    expect(headers['content-type']).toBe('text/plain');
    expect(headers['x-shared']).toBe('from-secret');
    expect(headers['x-config']).toBe('c');
    expect(headers['x-secret']).toBe('s');
    const recorded = JSON.parse((await (await fetch(sim.url)).json())[0]) as Record<string, string>;
    expect(recorded['x-shared']).toBe('from-secret');
  });

  it('lets the Basic auth header replace a configured Authorization header', async () => {
    const result = await run(
      { headers: { authorization: 'Bearer nope' } },
      { user: 'elastic', password: 'changeme' },
      { body: 'authenticate' },
    );
    expect(result.status).toBe('ok');
  });

  it('maps 500 to retry later', async () => {
    expect(await outcome({}, {}, { body: 'failure' })).toEqual({
      result: {
        status: 'error',
        actionId: 'webhook-test',
        message: 'error calling webhook, retry later',
        serviceMessage: '[500] Internal Server Error',
        retry: true,
        errorSource: 'user',
      },
      failure: { httpStatus: 500 },
    });
    expect(await run({}, {}, { body: 'status 503' })).toMatchObject({
      message: 'error calling webhook, retry later',
      serviceMessage: '[503] Service Unavailable',
      retry: true,
    });
  });

  it('maps 429 with an integer Retry-After to a retry date, which the queue gets too', async () => {
    const before = Date.now();
    const { result, failure } = await outcome({}, {}, { body: 'rate_limit' });
    const after = Date.now();
    expect(failure?.httpStatus).toBe(429);
    expect(failure?.retryAt?.getTime()).toBeGreaterThanOrEqual(before + SIMULATOR_RETRY_AFTER_SECONDS * 1000);
    expect(result.retry).toBeInstanceOf(Date);
    const at = (result.retry as Date).getTime();
    expect(at).toBeGreaterThanOrEqual(before + SIMULATOR_RETRY_AFTER_SECONDS * 1000);
    expect(at).toBeLessThanOrEqual(after + SIMULATOR_RETRY_AFTER_SECONDS * 1000);
    expect(result).toEqual({
      status: 'error',
      actionId: 'webhook-test',
      message: `error calling webhook, retry at ${(result.retry as Date).toISOString()}`,
      serviceMessage: '[429] Too Many Requests',
      retry: result.retry,
      errorSource: 'user',
    });
  });

  it('maps 429 without a usable Retry-After to retry true', async () => {
    const expected = {
      status: 'error',
      actionId: 'webhook-test',
      message: 'error calling webhook, retry later',
      serviceMessage: '[429] Too Many Requests',
      retry: true,
      errorSource: 'user',
    };
    expect(await run({}, {}, { body: 'rate_limit_without_retry_after' })).toEqual(expected);
    expect(await run({}, {}, { body: 'rate_limit Wed, 21 Oct 2037 07:28:00 GMT' })).toEqual(expected);
  });

  it('maps 400 with a JSON message to a user error', async () => {
    expect(await run({}, {}, { body: 'bad_request_json' })).toEqual({
      status: 'error',
      actionId: 'webhook-test',
      message: 'error calling webhook, invalid response',
      serviceMessage: `[400] Bad Request: ${SIMULATOR_BAD_REQUEST_MESSAGE}`,
      errorSource: 'user',
    });
    expect(await run({}, {}, { body: 'something unexpected' })).toMatchObject({
      serviceMessage: '[400] Bad Request',
      errorSource: 'user',
    });
  });

  it("tags every error it returns as the user's, as Kibana's action executor does", async () => {
    for (const status of [401, 404, 409]) {
      expect(await outcome({}, {}, { body: `status ${status}` })).toMatchObject({
        result: { message: 'error calling webhook, invalid response', errorSource: 'user' },
        failure: { httpStatus: status },
      });
    }
  });

  it('stringifies a non-string JSON message', async () => {
    expect(await run({}, {}, { body: 'status_json 422 {"message":{"code":42}}' })).toEqual({
      status: 'error',
      actionId: 'webhook-test',
      message: 'error calling webhook, invalid response',
      serviceMessage: '[422] Unprocessable Entity: {"code":42}',
      errorSource: 'user',
    });
  });

  it('follows a redirect as axios does: a POST answered 302 continues as a GET', async () => {
    const result = await run({}, {}, { body: 'redirect' });
    expect(result).toMatchObject({ status: 'ok' });
    expect(sim.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /hook', 'GET /redirected']);
  });

  it('reports a refused connection', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const config = validateConfig(def, { url: `http://127.0.0.1:${port}/hook` }, ctx) as WebhookConfig;
    const secrets = validateSecrets(def, {}, ctx) as WebhookSecrets;
    const result = await def.executor(makeContext({ config, secrets, params: { body: 'x' } }, { connectorId: 'webhook-test', services }));
    expect(result).toEqual({
      status: 'error',
      actionId: 'webhook-test',
      message: 'error calling webhook, request failed',
      serviceMessage: `[ECONNREFUSED] connect ECONNREFUSED 127.0.0.1:${port}`,
    });
  });

  it('reports the response size limit and the response timeout as failed requests', async () => {
    const server = createServer((req, res) => {
      req.resume();
      if (req.url === '/large') res.end(Buffer.alloc(4096, 'x'));
      // '/silent' never answers.
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const limited = makeServices({ maxResponseContentLength: 1024, responseTimeoutMs: 100 });
    try {
      const secrets = validateSecrets(def, {}, ctx) as WebhookSecrets;
      const send = (path: string) =>
        def.executor(
          makeContext(
            { config: validateConfig(def, { url: `http://127.0.0.1:${port}${path}`, hasAuth: false }, ctx) as WebhookConfig, secrets, params: { body: 'x' } },
            { connectorId: 'webhook-test', services: limited },
          ),
        );
      expect(await send('/large')).toEqual({
        status: 'error',
        actionId: 'webhook-test',
        message: 'error calling webhook, request failed',
        serviceMessage: '[ERR_MAX_CONTENT_LENGTH] maxContentLength size of 1024 exceeded',
      });
      expect(await send('/silent')).toEqual({
        status: 'error',
        actionId: 'webhook-test',
        message: 'error calling webhook, request failed',
        serviceMessage: '[ECONNABORTED] timeout of 100ms exceeded',
      });
    } finally {
      await limited.http.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('is refused by allowedHosts at send time', async () => {
    const restricted = makeServices({ allowedHosts: ['example.com'] });
    try {
      const result = await run({}, {}, { body: 'success' }, restricted);
      expect(result).toEqual({
        status: 'error',
        actionId: 'webhook-test',
        message: 'error calling webhook, request failed',
        serviceMessage: NOT_ALLOWED(`${sim.url}/hook`),
        errorSource: 'user',
      });
      expect(sim.requests).toHaveLength(0);
    } finally {
      await restricted.http.close();
    }
  });

  it('sends no body when params have none', async () => {
    const result = await run({}, {}, {});
    expect(lastRequest()).toMatchObject({ method: 'POST', body: '' });
    expect(result).toMatchObject({ status: 'error', serviceMessage: '[400] Bad Request' });
    expect(result.data).toBeUndefined();
  });
});
