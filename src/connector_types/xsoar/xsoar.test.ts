import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ReadOutcome } from '../../actions/executor.js';
import type { SubActionParams } from '../../actions/sub_actions.js';
import type { ActionResult, ConnectorServices } from '../../actions/types.js';
import { validateConfig, validateParams, validateSecrets } from '../../actions/validation.js';
import { installZod3Messages } from '../../common/zod_messages.js';
import { makeConfigurationUtilities, makeContext, makeServices, runAsAction, thrownMessage } from '../lib/test_context.js';
import { xsoarConnectorType } from './index.js';
import { secretsSchema, type XsoarConfig, type XsoarSecrets } from './schema.js';
import { defaultPlaybooks, startXsoarSimulator, type XsoarSimulator } from './simulator.js';

installZod3Messages();

const def = xsoarConnectorType;
const ctx = { configurationUtilities: makeConfigurationUtilities() };
const API_KEY = 'xsoar-key-123';
const KEY_ID = '7';
const INCIDENT = { name: 'My test incident', playbookId: null, createInvestigation: true, severity: 2 };

describe('.xsoar definition and validation', () => {
  it('has Kibana identity', () => {
    expect(def).toMatchObject({ id: '.xsoar', name: 'XSOAR', minimumLicenseRequired: 'platinum', supportedFeatureIds: ['siem'] });
    for (const field of Object.values(secretsSchema.shape)) expect(field.meta()).toMatchObject({ secret: true });
  });

  it('validates config and secrets: required, strict, url held to allowedHosts, key id null by default', () => {
    expect(validateConfig(def, { url: 'https://xsoar.example.com' }, ctx)).toEqual({ url: 'https://xsoar.example.com' });
    expect(thrownMessage(() => validateConfig(def, {}, ctx))).toBe('error validating connector type config: Field "url": Required');
    const restricted = { configurationUtilities: makeConfigurationUtilities({ allowedHosts: ['xsoar.example.com'] }) };
    expect(thrownMessage(() => validateConfig(def, { url: 'https://other.example.com' }, restricted))).toBe(
      'error validating connector type config: error validating url: target url "https://other.example.com" is not added to the Kibana config xpack.actions.allowedHosts',
    );
    expect(validateSecrets(def, { apiKey: API_KEY }, ctx)).toEqual({ apiKey: API_KEY, apiKeyID: null });
    expect(validateSecrets(def, { apiKey: API_KEY, apiKeyID: KEY_ID }, ctx)).toEqual({ apiKey: API_KEY, apiKeyID: KEY_ID });
    expect(thrownMessage(() => validateSecrets(def, {}, ctx))).toBe('error validating connector type secrets: Field "apiKey": Required');
    expect(thrownMessage(() => validateSecrets(def, { apiKey: API_KEY, token: 'x' }, ctx))).toBe("error validating connector type secrets: Unrecognized key(s) in object: 'token'");
  });
});

describe.each([
  ['on-premises', undefined, ''],
  ['cloud', KEY_ID, '/xsoar/public/v1'],
] as const)('.xsoar execution against the %s simulator', (_mode, keyId, prefix) => {
  let sim: XsoarSimulator;
  let services: ConnectorServices;

  beforeAll(async () => {
    sim = await startXsoarSimulator({ apiKey: API_KEY, apiKeyId: keyId });
    services = makeServices();
  });
  afterAll(async () => {
    await services.http.close();
    await sim.close();
  });
  beforeEach(() => {
    sim.requests.length = 0;
    sim.incidents.length = 0;
    sim.playbooks = defaultPlaybooks();
  });

  /** The result clients read and the facts the queue reads, as the action executor answers them. */
  function outcome(params: unknown, overrides: { apiKey?: string; apiKeyID?: string | null; services?: ConnectorServices } = {}): Promise<ReadOutcome> {
    const config = validateConfig(def, { url: sim.url }, ctx) as XsoarConfig;
    const apiKeyID = overrides.apiKeyID === undefined ? (keyId ?? null) : overrides.apiKeyID;
    const secrets = validateSecrets(def, { apiKey: overrides.apiKey ?? API_KEY, apiKeyID }, ctx) as XsoarSecrets;
    const context = makeContext({ config, secrets, params: validateParams(def, params, ctx) as SubActionParams }, { connectorId: 'xsoar-1', services: overrides.services ?? services });
    return runAsAction(def, context);
  }
  const run = async (params: unknown, overrides: Parameters<typeof outcome>[1] = {}): Promise<ActionResult> => (await outcome(params, overrides)).result;
  const last = () => sim.requests[sim.requests.length - 1];
  const failedWith = (serviceMessage: string) => ({ status: 'error', actionId: 'xsoar-1', message: 'an error occurred while running the action', serviceMessage, retry: true });
  const authHeaders = keyId ? { authorization: API_KEY, 'x-xdr-auth-id': keyId } : { authorization: API_KEY };

  it('lists the playbooks with params null, absent or {}, returning the whole answer', async () => {
    for (const params of [{ subAction: 'getPlaybooks' }, { subAction: 'getPlaybooks', subActionParams: null }, { subAction: 'getPlaybooks', subActionParams: {} }]) {
      const result = await run(params);
      expect(result).toEqual({ status: 'ok', actionId: 'xsoar-1', data: { playbooks: expect.any(Array), tags: [], total: 2 } });
      expect((result.data as { playbooks: unknown[] }).playbooks[0]).toMatchObject({ id: '8db0105c-f674-4d83-8095-f95a9f61e77a', name: 'playbook0' });
      expect(last()).toMatchObject({ method: 'POST', path: `${prefix}/playbook/search`, body: '{}' });
      expect(last().headers).toMatchObject({ ...authHeaders, 'content-type': 'application/json' });
      if (!keyId) expect(last().headers['x-xdr-auth-id']).toBeUndefined();
    }
  });

  it('creates an incident from the body with the params over it, without the body text or isRuleSeverity', async () => {
    const body = JSON.stringify({ name: 'from body', type: 'Phishing', details: 'x "y"' });
    const playbookId = defaultPlaybooks()[0].id;
    const result = await run({ subAction: 'run', subActionParams: { ...INCIDENT, playbookId, severity: '3', isRuleSeverity: false, body } });
    expect(result).toEqual({ status: 'ok', actionId: 'xsoar-1', data: {} });
    expect(last()).toMatchObject({ method: 'POST', path: `${prefix}/incident` });
    expect(last().headers).toMatchObject(authHeaders);
    expect(JSON.parse(last().body)).toEqual({ name: 'My test incident', type: 'Phishing', details: 'x "y"', playbookId, createInvestigation: true, severity: 3 });
    expect(sim.incidents).toHaveLength(1);
  });

  it('defaults body, playbook id and isRuleSeverity; refuses a body that is not JSON', async () => {
    await run({ subAction: 'run', subActionParams: { name: 'n', createInvestigation: false, severity: 0.5 } });
    expect(JSON.parse(last().body)).toEqual({ name: 'n', playbookId: null, createInvestigation: false, severity: 0.5 });

    sim.requests.length = 0;
    const bad = await outcome({ subAction: 'run', subActionParams: { ...INCIDENT, body: '{oops' } });
    expect(bad.result).toMatchObject({ status: 'error', retry: true, errorSource: 'framework' });
    expect(bad.result.serviceMessage).toMatch(/^Error parsing Body: SyntaxError: /);
    expect(sim.requests).toHaveLength(0);
  });

  it("words XSOAR's errors as Kibana does; a 429 pauses the queue until Retry-After", async () => {
    const denied = await outcome({ subAction: 'getPlaybooks' }, { apiKey: 'wrong-key-xyz' });
    expect(denied).toEqual({ result: { ...failedWith('Status code: 401. Message: API Error: Unauthorized'), errorSource: 'framework' }, failure: { httpStatus: 401 } });
    expect(JSON.stringify(denied)).not.toContain('wrong-key-xyz');

    const rejected = await outcome({ subAction: 'run', subActionParams: { ...INCIDENT, playbookId: 'no-such-playbook' } });
    expect(rejected).toEqual({ result: { ...failedWith('Status code: 400. Message: API Error: Bad Request'), errorSource: 'framework' }, failure: { httpStatus: 400 } });

    sim.failNext(429, '{}', { 'Retry-After': '20' });
    const started = Date.now();
    const limited = await outcome({ subAction: 'run', subActionParams: INCIDENT });
    expect(limited.result).toEqual({ ...failedWith('Status code: 429. Message: API Error: Too Many Requests'), errorSource: 'user' });
    expect(limited.failure?.retryAt?.getTime()).toBeGreaterThanOrEqual(started + 19_000);

    sim.failNext(503, 'down');
    expect(await outcome({ subAction: 'getPlaybooks' })).toEqual({
      result: { ...failedWith('Status code: 503. Message: API Error: Service Unavailable'), errorSource: 'framework' },
      failure: { httpStatus: 503 },
    });
  });

  it('refuses a playbook search answer without playbooks, and an incident answer that is not an object', async () => {
    sim.failNext(200, '{"total":0}');
    expect(await run({ subAction: 'getPlaybooks' })).toEqual({ ...failedWith('Response validation failed (Field "playbooks": Required)'), errorSource: 'framework' });
    sim.failNext(201, '"created"');
    expect((await run({ subAction: 'run', subActionParams: INCIDENT })).serviceMessage).toMatch(/^Response validation failed \(/);
  });

  it('is held to allowedHosts when running', async () => {
    const restricted = makeServices({ allowedHosts: ['xsoar.example.com'] });
    try {
      const result = await run({ subAction: 'run', subActionParams: INCIDENT }, { services: restricted });
      expect(result.status).toBe('error');
      expect(result.serviceMessage).toMatch(/is not added to the Kibana config xpack\.actions\.allowedHosts/);
      expect(sim.requests).toHaveLength(0);
    } finally {
      await restricted.http.close();
    }
  });

  it("checks run's params before calling XSOAR, as the user's error", async () => {
    const cases: Array<[unknown, string]> = [
      [
        { subAction: 'run', subActionParams: {} },
        [
          'Request validation failed (3 errors:',
          ' [1]: Field "name": Required;',
          ' [2]: Field "createInvestigation": Required;',
          ' [3]: Field "severity": Expected number, received nan)',
        ].join('\n'),
      ],
      [{ subAction: 'run', subActionParams: { ...INCIDENT, severity: 'high' } }, 'Request validation failed (Field "severity": Expected number, received nan)'],
      [{ subAction: 'run', subActionParams: { ...INCIDENT, createInvestigation: 'yes' } }, 'Request validation failed (Field "createInvestigation": Expected boolean, received string)'],
      [{ subAction: 'run', subActionParams: { ...INCIDENT, owner: 'x' } }, "Request validation failed (Unrecognized key(s) in object: 'owner')"],
    ];
    for (const [params, message] of cases) {
      expect(await outcome(params), message).toEqual({ result: { ...failedWith(message), errorSource: 'user' }, failure: { permanent: true } });
    }
    expect(await outcome({ subAction: 'pushToService' })).toEqual({
      result: { ...failedWith('Sub action "pushToService" is not registered. Connector id: xsoar-1. Connector name: XSOAR. Connector type: .xsoar'), errorSource: 'framework' },
      failure: { permanent: true },
    });
    expect(sim.requests).toHaveLength(0);
  });

  it('runs its Test params', async () => {
    expect(validateParams(def, def.testParams, ctx)).toEqual(def.testParams);
    expect(await run(def.testParams)).toMatchObject({ status: 'ok' });
    expect(last().path).toBe(`${prefix}/playbook/search`);
  });
});

describe('.xsoar simulator routes', () => {
  it('answers 403 to a cloud request without the key id, and 404 off its routes', async () => {
    const sim = await startXsoarSimulator({ apiKey: API_KEY, apiKeyId: KEY_ID });
    const services = makeServices();
    try {
      const send = (path: string, headers: Record<string, string>) => services.http.send({ url: `${sim.url}${path}`, method: 'POST', headers, body: '{}' });
      expect((await send('/xsoar/public/v1/playbook/search', { authorization: API_KEY })).status).toBe(403);
      expect((await send('/playbook/search', { authorization: API_KEY, 'x-xdr-auth-id': KEY_ID })).status).toBe(404);
      const config = validateConfig(def, { url: sim.url }, ctx) as XsoarConfig;
      const secrets = validateSecrets(def, { apiKey: API_KEY, apiKeyID: 'other-id' }, ctx) as XsoarSecrets;
      const { result } = await runAsAction(def, makeContext({ config, secrets, params: { subAction: 'getPlaybooks' } }, { services }));
      expect(result.serviceMessage).toBe('Status code: 403. Message: API Error: Forbidden');
      // A cloud key used as on-premises: the routes are not there.
      const onPrem = validateSecrets(def, { apiKey: API_KEY }, ctx) as XsoarSecrets;
      const { result: missing } = await runAsAction(def, makeContext({ config, secrets: onPrem, params: { subAction: 'getPlaybooks' } }, { services }));
      expect(missing.serviceMessage).toBe('Status code: 404. Message: API Error: Not Found');
    } finally {
      await services.http.close();
      await sim.close();
    }
  });
});

describe('.xsoar renderParameterTemplates', () => {
  const logger = pino({ level: 'silent' });
  const render = (params: SubActionParams, variables: Record<string, unknown>) => def.renderParameterTemplates!(logger, params, variables);

  it('renders every string of the params as it is, the body included (no escaping, as Kibana)', () => {
    const rendered = render(
      { subAction: 'run', subActionParams: { ...INCIDENT, name: 'Alert: {{rule.name}}', body: '{"reason":"{{context.reason}}"}' } },
      { context: { reason: 'disk <full> & "hot"' }, rule: { name: 'r "1"' } },
    );
    expect(rendered.subActionParams).toMatchObject({ name: 'Alert: r "1"', severity: 2, body: '{"reason":"disk <full> & "hot""}' });
  });

  it("takes the rule's severity from context.rule.severity when isRuleSeverity, unknown (0) for anything else", () => {
    const params = { subAction: 'run', subActionParams: { ...INCIDENT, isRuleSeverity: true } };
    for (const [severity, expected] of [['low', 1], ['medium', 2], ['high', 3], ['critical', 4], ['bogus', 0], [undefined, 0]] as const) {
      expect(render(params, { context: { rule: { severity } } }).subActionParams?.severity).toBe(expected);
    }
    expect(render({ ...params, subActionParams: { ...INCIDENT, isRuleSeverity: false } }, { context: { rule: { severity: 'low' } } }).subActionParams?.severity).toBe(2);
  });

  it('renders the params of getPlaybooks too, and leaves none alone', () => {
    expect(render({ subAction: 'getPlaybooks', subActionParams: { name: '{{x}}' } }, { x: 'y' })).toEqual({ subAction: 'getPlaybooks', subActionParams: { name: 'y' } });
    expect(render({ subAction: 'getPlaybooks' }, { x: 'y' })).toEqual({ subAction: 'getPlaybooks' });
  });
});
