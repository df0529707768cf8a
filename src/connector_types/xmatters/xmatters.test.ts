import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ReadOutcome } from '../../actions/executor.js';
import type { ActionResult, ConnectorServices } from '../../actions/types.js';
import { validateConfig, validateConnector, validateParams, validateSecrets } from '../../actions/validation.js';
import { installZod3Messages } from '../../common/zod_messages.js';
import { makeConfigurationUtilities, makeContext, makeServices, runAsAction, thrownMessage } from '../lib/test_context.js';
import { xmattersConnectorType as def } from './index.js';
import { secretsSchema, type XmattersConfig, type XmattersParams, type XmattersSecrets } from './schema.js';
import { SIMULATOR_RETRY_AFTER_SECONDS, TRIGGER_PATH, startXmattersSimulator, type XmattersSimulator } from './simulator.js';

installZod3Messages();

const USER = 'xm-user';
const PASSWORD = 'xm-password-7f3a';
const API_KEY = 'xm-api-key-0b9c41d2';
const ctx = { configurationUtilities: makeConfigurationUtilities() };
const restricted = { configurationUtilities: makeConfigurationUtilities({ allowedHosts: ['acme.xmatters.com'] }) };
const silent = pino({ level: 'silent' });
const NOT_ALLOWED = (url: string) => `target url "${url}" is not added to the Kibana config xpack.actions.allowedHosts`;

function connectorProblem(config: Record<string, unknown>, secrets: Record<string, unknown>): string | null {
  try {
    validateConnector(def, validateConfig(def, config, ctx), validateSecrets(def, secrets, ctx));
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

describe('.xmatters definition', () => {
  it('has Kibana identity', () => {
    expect(def.id).toBe('.xmatters');
    expect(def.name).toBe('xMatters');
    expect(def.minimumLicenseRequired).toBe('gold');
    expect(def.supportedFeatureIds).toEqual(['alerting', 'siem']);
  });

  it('marks every secret field as secret', () => {
    for (const [name, field] of Object.entries(secretsSchema.shape)) expect(field.meta(), name).toMatchObject({ secret: true });
  });

  it('has valid test params', () => {
    expect(validateParams(def, def.testParams, ctx)).toEqual(def.testParams);
  });
});

describe('.xmatters config validation', () => {
  it('applies defaults and is strict', () => {
    expect(validateConfig(def, {}, ctx)).toEqual({ configUrl: null, usesBasic: true });
    expect(thrownMessage(() => validateConfig(def, { url: 'https://acme.xmatters.com' }, ctx))).toBe(
      "error validating connector type config: Unrecognized key(s) in object: 'url'",
    );
    expect(thrownMessage(() => validateConfig(def, { usesBasic: 'yes' }, ctx))).toBe(
      'error validating connector type config: Field "usesBasic": Expected boolean, received string',
    );
  });

  it('checks configUrl with basic authentication only', () => {
    expect(thrownMessage(() => validateConfig(def, { configUrl: 'acme.xmatters.com/trigger' }, ctx))).toBe(
      'error validating connector type config: Error configuring xMatters action: unable to parse url: Invalid URL',
    );
    expect(thrownMessage(() => validateConfig(def, { configUrl: 'https://evil.example.com/trigger' }, restricted))).toBe(
      `error validating connector type config: Error configuring xMatters action: ${NOT_ALLOWED('https://evil.example.com/trigger')}`,
    );
    expect(validateConfig(def, { configUrl: 'https://acme.xmatters.com/trigger' }, restricted).configUrl).toBe('https://acme.xmatters.com/trigger');
    // Without basic authentication configUrl is not used, so not checked here (the connector check refuses it).
    expect(validateConfig(def, { configUrl: 'not a url', usesBasic: false }, restricted)).toEqual({ configUrl: 'not a url', usesBasic: false });
  });
});

describe('.xmatters secrets validation', () => {
  const secretsError = (secrets: unknown, context = ctx) => thrownMessage(() => validateSecrets(def, secrets, context));

  it('defaults every secret to null and is strict', () => {
    expect(validateSecrets(def, { user: 'u', password: 'p' }, ctx)).toEqual({ user: 'u', password: 'p', secretsUrl: null });
    expect(secretsError({ user: 'u', password: 'p', token: 't' })).toBe(
      "error validating connector type secrets: Unrecognized key(s) in object: 'token'",
    );
  });

  it('needs a secretsUrl or user and password', () => {
    expect(secretsError({})).toBe('error validating connector type secrets: Provide either secretsUrl link or user/password to authenticate');
    expect(secretsError({ user: 'u' })).toBe('error validating connector type secrets: Both user and password must be specified.');
    expect(secretsError({ password: 'p' })).toBe('error validating connector type secrets: Both user and password must be specified.');
  });

  it('takes a secretsUrl alone, parsable and allowed, without quoting its key', () => {
    expect(secretsError({ secretsUrl: 'https://acme.xmatters.com/t?apiKey=k', user: 'u' })).toBe(
      'error validating connector type secrets: Cannot use user/password for URL authentication. Provide valid secretsUrl or use Basic Authentication.',
    );
    expect(secretsError({ secretsUrl: 'apiKey=k' })).toBe('error validating connector type secrets: Invalid secretsUrl: TypeError: Invalid URL');
    const refused = secretsError({ secretsUrl: `https://evil.example.com/t?apiKey=${API_KEY}` }, restricted);
    expect(refused).toBe(`error validating connector type secrets: ${NOT_ALLOWED('https://evil.example.com/t?[REDACTED]')}`);
    expect(refused).not.toContain(API_KEY);
    expect(validateSecrets(def, { secretsUrl: `https://acme.xmatters.com/t?apiKey=${API_KEY}` }, restricted).secretsUrl).toContain(API_KEY);
  });
});

describe('.xmatters connector validation', () => {
  const basic = { user: 'u', password: 'p' };
  const url = { secretsUrl: 'https://acme.xmatters.com/t?apiKey=k' };

  it('pairs basic authentication with configUrl, user and password', () => {
    expect(connectorProblem({ configUrl: 'https://acme.xmatters.com/t' }, basic)).toBeNull();
    expect(connectorProblem({ configUrl: 'https://acme.xmatters.com/t' }, url)).toBe(
      'error validating action type connector: secretsUrl should not be provided when usesBasic is true',
    );
    expect(connectorProblem({}, basic)).toBe('error validating action type connector: Provide valid configUrl');
  });

  it('pairs usesBasic false with secretsUrl alone', () => {
    expect(connectorProblem({ usesBasic: false }, url)).toBeNull();
    expect(connectorProblem({ usesBasic: false }, basic)).toBe(
      'error validating action type connector: Username and password should not be provided when usesBasic is false',
    );
    expect(connectorProblem({ usesBasic: false, configUrl: 'https://acme.xmatters.com/t' }, url)).toBe(
      'error validating action type connector: configUrl should not be provided when usesBasic is false',
    );
  });

  it('words missing fields as Kibana does', () => {
    // Reachable only with secrets that skipped their own validator (e.g. imported ones).
    const config = { configUrl: 'https://acme.xmatters.com/t', usesBasic: true };
    expect(def.validate!.connector!(config, { user: null, password: 'p', secretsUrl: null })).toBe('Provide valid Username');
    expect(def.validate!.connector!(config, { user: 'u', password: null, secretsUrl: null })).toBe('Provide valid Password');
    expect(def.validate!.connector!({ configUrl: null, usesBasic: false }, { user: null, password: null, secretsUrl: null })).toBe(
      'Provide valid secretsUrl with API Key',
    );
  });
});

describe('.xmatters params validation', () => {
  it('requires severity only', () => {
    expect(validateParams(def, { severity: 'Low' }, ctx)).toEqual({ severity: 'Low' });
    expect(thrownMessage(() => validateParams(def, {}, ctx))).toBe('error validating action params: Field "severity": Required');
    expect(thrownMessage(() => validateParams(def, { severity: 'Low', message: 'x' }, ctx))).toBe(
      "error validating action params: Unrecognized key(s) in object: 'message'",
    );
    expect(thrownMessage(() => validateParams(def, { severity: 'Low', tags: ['a'] }, ctx))).toBe(
      'error validating action params: Field "tags": Expected string, received array',
    );
  });
});

describe('.xmatters execution against the simulator', () => {
  let sim: XmattersSimulator;
  let services: ConnectorServices;
  let logLines: string[];

  beforeAll(async () => {
    sim = await startXmattersSimulator({ user: USER, password: PASSWORD, apiKey: API_KEY });
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

  const basicConnector = () => ({ config: { configUrl: sim.triggerUrl }, secrets: { user: USER, password: PASSWORD } });
  const urlConnector = () => ({ config: { usesBasic: false }, secrets: { secretsUrl: sim.triggerUrlWithApiKey } });

  /** The result clients read and the facts the queue reads, as the action executor answers them. */
  function outcome(
    connector: { config: Record<string, unknown>; secrets: Record<string, unknown> },
    rawParams: Record<string, unknown>,
    runServices: ConnectorServices = services,
  ): Promise<ReadOutcome> {
    const config = validateConfig(def, connector.config, ctx) as XmattersConfig;
    const secrets = validateSecrets(def, connector.secrets, ctx) as XmattersSecrets;
    validateConnector(def, config, secrets);
    const params = validateParams(def, rawParams, ctx) as XmattersParams;
    const logger = pino(
      { level: 'trace' },
      new Writable({
        write(chunk, _enc, cb) {
          logLines.push(String(chunk));
          cb();
        },
      }),
    );
    return runAsAction(def, { ...makeContext({ config, secrets, params }, { connectorId: 'xm-1', services: runServices }), logger });
  }
  const run = async (...args: Parameters<typeof outcome>): Promise<ActionResult> => (await outcome(...args)).result;

  const lastRequest = () => sim.requests[sim.requests.length - 1];
  const alert = {
    alertActionGroupName: 'threshold met',
    signalId: 'rule-1:alert-1',
    ruleName: 'CPU high',
    date: '2024-05-01T10:00:00.000Z',
    severity: 'Critical',
    spaceId: 'default',
    tags: 'prod,web',
  };

  it('posts the alert with Basic credentials to configUrl', async () => {
    const result = await run(basicConnector(), alert);
    expect(result).toEqual({ status: 'ok', actionId: 'xm-1', data: alert });
    const request = lastRequest();
    expect(request.method).toBe('POST');
    expect(request.path).toBe(TRIGGER_PATH);
    expect(request.headers.authorization).toBe(`Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`);
    expect(request.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request.body)).toEqual(alert);
  });

  it('posts to the secretsUrl, whose apiKey authenticates, without Basic credentials', async () => {
    const result = await run(urlConnector(), { severity: 'Low' });
    expect(result).toEqual({ status: 'ok', actionId: 'xm-1', data: { severity: 'Low' } });
    expect(lastRequest().path).toBe(`${TRIGGER_PATH}?apiKey=${API_KEY}`);
    expect(lastRequest().headers.authorization).toBeUndefined();
    expect(lastRequest().body).toBe('{"severity":"Low"}');
  });

  it('sends an empty severity as High and leaves out fields that are not given', async () => {
    await run(basicConnector(), { severity: '', ruleName: 'r' });
    expect(lastRequest().body).toBe('{"ruleName":"r","severity":"High"}');
  });

  it('maps refused credentials to an error without retry (as Kibana); the queue gets the status', async () => {
    expect(await outcome({ config: { configUrl: sim.triggerUrl }, secrets: { user: USER, password: 'wrong' } }, alert)).toEqual({
      result: {
        status: 'error',
        actionId: 'xm-1',
        message: 'Error triggering xMatters flow: unexpected status 401',
        serviceMessage: '[401] Unauthorized: Invalid credentials',
        errorSource: 'user',
      },
      failure: { httpStatus: 401 },
    });
    const badRequest = await run(basicConnector(), { ...alert, alertActionGroupName: 'respond-with-400' });
    expect(badRequest).toMatchObject({ message: 'Error triggering xMatters flow: unexpected status 400' });
    expect(badRequest.retry).toBeUndefined();
  });

  it('maps 429 and 5xx to retry later, as Kibana (which reads no Retry-After); the queue gets the Retry-After time', async () => {
    expect(await run(basicConnector(), { ...alert, alertActionGroupName: 'respond-with-429' })).toEqual({
      status: 'error',
      actionId: 'xm-1',
      message: 'Error triggering xMatters flow: http status 429, retry later',
      serviceMessage: '[429] Too Many Requests: Request rate limit exceeded',
      retry: true,
      errorSource: 'user',
    });
    const before = Date.now();
    const dated = await outcome(basicConnector(), { ...alert, alertActionGroupName: 'respond-with-429-retry-after' });
    expect(dated.result).toMatchObject({ message: 'Error triggering xMatters flow: http status 429, retry later', retry: true });
    const at = dated.failure!.retryAt!.getTime();
    expect(at).toBeGreaterThanOrEqual(before + SIMULATOR_RETRY_AFTER_SECONDS * 1000);
    expect(at).toBeLessThanOrEqual(Date.now() + SIMULATOR_RETRY_AFTER_SECONDS * 1000);
    expect(await outcome(urlConnector(), { ...alert, alertActionGroupName: 'respond-with-502' })).toEqual({
      result: {
        status: 'error',
        actionId: 'xm-1',
        message: 'Error triggering xMatters flow: http status 502, retry later',
        serviceMessage: '[502] Bad Gateway',
        retry: true,
        errorSource: 'user',
      },
      failure: { httpStatus: 502 },
    });
  });

  it('reports a connector without the URL its mode needs', async () => {
    const config = validateConfig(def, {}, ctx) as XmattersConfig;
    const secrets = validateSecrets(def, { user: USER, password: PASSWORD }, ctx) as XmattersSecrets;
    const params = validateParams(def, alert, ctx) as XmattersParams;
    expect(await def.executor(makeContext({ config, secrets, params }, { connectorId: 'xm-1', services }))).toEqual({
      status: 'error',
      actionId: 'xm-1',
      message: 'Error triggering xMatters workflow',
      serviceMessage: 'Error: no url provided',
    });
    expect(sim.requests).toHaveLength(0);
  });

  it('is refused by allowedHosts at send time, for configUrl and for secretsUrl without showing its key', async () => {
    const limited = makeServices({ allowedHosts: ['acme.xmatters.com'] });
    try {
      expect(await run(basicConnector(), alert, limited)).toEqual({
        status: 'error',
        actionId: 'xm-1',
        message: 'Error triggering xMatters workflow',
        serviceMessage: NOT_ALLOWED(sim.triggerUrl),
        errorSource: 'user',
      });
      const viaUrl = await run(urlConnector(), alert, limited);
      expect(viaUrl).toEqual({
        status: 'error',
        actionId: 'xm-1',
        message: 'Error triggering xMatters workflow',
        serviceMessage: NOT_ALLOWED(`${sim.triggerUrl}?[REDACTED]`),
        errorSource: 'user',
      });
      expect(sim.requests).toHaveLength(0);
    } finally {
      await limited.http.close();
    }
  });

  it('never logs or returns a secret', async () => {
    const results = [
      await run(basicConnector(), alert),
      await run(urlConnector(), { ...alert, alertActionGroupName: 'respond-with-502' }),
      await run({ config: { configUrl: sim.triggerUrl }, secrets: { user: USER, password: 'wrong-password' } }, alert),
    ];
    const limited = makeServices({ allowedHosts: ['acme.xmatters.com'] });
    try {
      results.push(await run(urlConnector(), alert, limited));
    } finally {
      await limited.http.close();
    }
    expect(logLines.length).toBeGreaterThan(0);
    for (const secret of [PASSWORD, API_KEY, 'wrong-password']) {
      expect(JSON.stringify(results)).not.toContain(secret);
      expect(logLines.join('')).not.toContain(secret);
    }
  });
});

describe('.xmatters renderParameterTemplates', () => {
  it('renders every field as plain text, which JSON.stringify then keeps intact', () => {
    const hostile = 'He said "hi"\nC:\\temp *bold* _it_ `code` <b>&</b>';
    const rendered = def.renderParameterTemplates!(
      silent,
      {
        alertActionGroupName: '{{alert.actionGroupName}}',
        signalId: '{{rule.id}}:{{alert.id}}',
        ruleName: '{{rule.name}}',
        date: '{{date}}',
        severity: '{{context.severity}}',
        spaceId: '{{rule.spaceId}}',
        tags: '{{rule.tags}}',
      },
      {
        alert: { actionGroupName: 'threshold met', id: 'a-1' },
        rule: { id: 'r-1', name: hostile, spaceId: 'default', tags: ['prod', 'web'] },
        context: { severity: 'Critical' },
        date: '2024-05-01T10:00:00.000Z',
      },
    );
    expect(rendered).toEqual({
      alertActionGroupName: 'threshold met',
      signalId: 'r-1:a-1',
      ruleName: hostile,
      date: '2024-05-01T10:00:00.000Z',
      severity: 'Critical',
      spaceId: 'default',
      tags: 'prod,web',
    });
    expect(JSON.parse(JSON.stringify(rendered)).ruleName).toBe(hostile);
  });
});
