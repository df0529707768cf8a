import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ReadOutcome } from '../../actions/executor.js';
import type { SubActionParams } from '../../actions/sub_actions.js';
import type { ActionResult, ConnectorServices } from '../../actions/types.js';
import { validateConfig, validateParams, validateSecrets } from '../../actions/validation.js';
import { installZod3Messages } from '../../common/zod_messages.js';
import { makeConfigurationUtilities, makeContext, makeServices, runAsAction, thrownMessage } from '../lib/test_context.js';
import { d3SecurityConnectorType } from './index.js';
import { secretsSchema, type D3SecurityConfig, type D3SecuritySecrets } from './schema.js';
import { startD3SecuritySimulator, type D3SecuritySimulator } from './simulator.js';

installZod3Messages();

const def = d3SecurityConnectorType;
const ctx = { configurationUtilities: makeConfigurationUtilities() };
const TOKEN = 'd3-key-123';

describe('.d3security definition and validation', () => {
  it('has Kibana identity', () => {
    expect(def).toMatchObject({ id: '.d3security', name: 'D3 Security', minimumLicenseRequired: 'gold' });
    expect(def.supportedFeatureIds).toEqual(['alerting', 'siem', 'workflows', 'agentBuilder']);
    expect(secretsSchema.shape.token.meta()).toMatchObject({ secret: true });
  });

  it('validates config and secrets: required, strict, url held to allowedHosts', () => {
    expect(validateConfig(def, { url: 'https://d3.example.com/hook' }, ctx)).toEqual({ url: 'https://d3.example.com/hook' });
    expect(thrownMessage(() => validateConfig(def, {}, ctx))).toBe('error validating connector type config: Field "url": Required');
    const restricted = { configurationUtilities: makeConfigurationUtilities({ allowedHosts: ['d3.example.com'] }) };
    expect(thrownMessage(() => validateConfig(def, { url: 'https://other.example.com/hook' }, restricted))).toBe(
      'error validating connector type config: error validating url: target url "https://other.example.com/hook" is not added to the Kibana config xpack.actions.allowedHosts',
    );
    expect(thrownMessage(() => validateSecrets(def, {}, ctx))).toBe('error validating connector type secrets: Field "token": Required');
    expect(thrownMessage(() => validateSecrets(def, { token: 't', user: 'u' }, ctx))).toBe("error validating connector type secrets: Unrecognized key(s) in object: 'user'");
  });
});

describe('.d3security execution against the simulator', () => {
  let sim: D3SecuritySimulator;
  let services: ConnectorServices;

  beforeAll(async () => {
    sim = await startD3SecuritySimulator({ token: TOKEN });
    services = makeServices();
  });
  afterAll(async () => {
    await services.http.close();
    await sim.close();
  });
  beforeEach(() => {
    sim.requests.length = 0;
    sim.events.length = 0;
  });

  /** The result clients read and the facts the queue reads, as the action executor answers them. */
  function outcome(params: unknown, overrides: { token?: string; services?: ConnectorServices } = {}): Promise<ReadOutcome> {
    const config = validateConfig(def, { url: `${sim.url}/VSOAPI/api/Data/intake` }, ctx) as D3SecurityConfig;
    const secrets = validateSecrets(def, { token: overrides.token ?? TOKEN }, ctx) as D3SecuritySecrets;
    const context = makeContext({ config, secrets, params: validateParams(def, params, ctx) as SubActionParams }, { connectorId: 'd3-1', services: overrides.services ?? services });
    return runAsAction(def, context);
  }
  const run = async (params: unknown, overrides: Parameters<typeof outcome>[1] = {}): Promise<ActionResult> => (await outcome(params, overrides)).result;
  const last = () => sim.requests[sim.requests.length - 1];

  it('posts the event envelope with the d3key header and returns the refid', async () => {
    const result = await run({ subAction: 'run', subActionParams: { body: '{"alert":{"id":"a1"}}', severity: 'high', eventType: 'malware' } });
    expect(result).toEqual({ status: 'ok', actionId: 'd3-1', data: { refid: sim.events[0].refid } });
    expect(last()).toMatchObject({ method: 'POST', path: '/VSOAPI/api/Data/intake' });
    expect(last().headers).toMatchObject({ d3key: TOKEN, 'content-type': 'application/json' });
    expect(JSON.parse(last().body)).toEqual({
      hits: { hits: { _source: { rawData: { alert: { id: 'a1' } }, 'event.type': 'malware', 'kibana.alert.severity': 'high' } } },
    });
  });

  it('sends a body that is not JSON as text, and defaults severity, event type and body', async () => {
    await run({ subAction: 'test', subActionParams: { body: 'plain "text"\nline' } });
    expect(sim.events[0].source).toEqual({ rawData: 'plain "text"\nline', 'event.type': '', 'kibana.alert.severity': '' });
    await run({ subAction: 'test', subActionParams: {} });
    expect(sim.events[1].source).toEqual({ rawData: '', 'event.type': '', 'kibana.alert.severity': '' });
  });

  it("words errors as D3 does; each result says retry as Kibana's do, and the queue gets the status", async () => {
    const denied = await outcome({ subAction: 'run', subActionParams: { body: '{}' } }, { token: 'wrong-key-xyz' });
    expect(denied).toEqual({
      result: {
        status: 'error',
        actionId: 'd3-1',
        message: 'an error occurred while running the action',
        serviceMessage: 'Status code: 401. Message: Unauthorized API Error',
        retry: true,
        errorSource: 'framework',
      },
      failure: { httpStatus: 401 },
    });
    expect(JSON.stringify(denied)).not.toContain('wrong-key-xyz');

    sim.failNext(422, '{"error":{"statusMessage":"Bad job"}}');
    expect(await outcome({ subAction: 'run', subActionParams: { body: '{}' } })).toMatchObject({
      result: { serviceMessage: 'Status code: 422. Message: API Error: 422 - Unprocessable Entity', retry: true, errorSource: 'framework' },
      failure: { httpStatus: 422 },
    });

    sim.failNext(429, '{}', { 'Retry-After': '15' });
    const started = Date.now();
    const limited = await outcome({ subAction: 'run', subActionParams: { body: '{}' } });
    expect(limited.result).toMatchObject({ serviceMessage: 'Status code: 429. Message: API Error: 429 - Too Many Requests', retry: true, errorSource: 'user' });
    expect(limited.failure?.retryAt?.getTime()).toBeGreaterThanOrEqual(started + 14_000);

    sim.failNext(500, 'oops');
    expect(await outcome({ subAction: 'run', subActionParams: { body: '{}' } })).toMatchObject({
      result: { serviceMessage: 'Status code: 500. Message: API Error: 500 - Internal Server Error', retry: true, errorSource: 'framework' },
      failure: { httpStatus: 500 },
    });
  });

  it('refuses a success without a refid', async () => {
    sim.failNext(200, '{"status":"ok"}');
    expect(await run({ subAction: 'run', subActionParams: { body: '{}' } })).toMatchObject({
      status: 'error',
      serviceMessage: 'Response validation failed (Field "refid": Required)',
      retry: true,
    });
  });

  it('is held to allowedHosts when sending', async () => {
    const restricted = makeServices({ allowedHosts: ['d3.example.com'] });
    try {
      const result = await run({ subAction: 'run', subActionParams: { body: '{}' } }, { services: restricted });
      expect(result.status).toBe('error');
      expect(result.serviceMessage).toMatch(/is not added to the Kibana config xpack\.actions\.allowedHosts/);
      expect(sim.requests).toHaveLength(0);
    } finally {
      await restricted.http.close();
    }
  });

  it("checks the sub-action's params before calling D3", async () => {
    expect(await outcome({ subAction: 'run', subActionParams: { body: 1 } })).toMatchObject({
      result: { serviceMessage: 'Request validation failed (Field "body": Expected string, received number)', retry: true, errorSource: 'user' },
      failure: { permanent: true },
    });
    expect(await run({ subAction: 'run', subActionParams: { body: '{}', level: 'x' } })).toMatchObject({
      serviceMessage: "Request validation failed (Unrecognized key(s) in object: 'level')",
    });
    expect(await run({ subAction: 'stories' })).toMatchObject({
      serviceMessage: 'Sub action "stories" is not registered. Connector id: d3-1. Connector name: D3 Security. Connector type: .d3security',
      retry: true,
      errorSource: 'framework',
    });
    expect(sim.requests).toHaveLength(0);
  });

  it('runs its Test params', async () => {
    expect(validateParams(def, def.testParams, ctx)).toEqual(def.testParams);
    expect(await run(def.testParams)).toMatchObject({ status: 'ok' });
    expect(sim.events[0].source).toMatchObject({ 'event.type': 'test', 'kibana.alert.severity': 'low' });
  });
});

describe('.d3security renderParameterTemplates', () => {
  const logger = pino({ level: 'silent' });
  const render = (params: SubActionParams, variables: Record<string, unknown>) => def.renderParameterTemplates!(logger, params, variables);
  const hostile = 'a "quoted" \\ back\nslash\ttab </script> *bold* `tick`';

  it('JSON-escapes values in the body of run and test, so the JSON stays valid', () => {
    for (const subAction of ['run', 'test']) {
      const rendered = render(
        { subAction, subActionParams: { body: '{"reason":"{{context.reason}}","rule":"{{rule.name}}"}', severity: '{{rule.severity}}', eventType: 'alert' } },
        { context: { reason: hostile }, rule: { name: 'r1', severity: 'high' } },
      );
      expect(JSON.parse(rendered.subActionParams!.body as string)).toEqual({ reason: hostile, rule: 'r1' });
      // Only the body is a template.
      expect(rendered.subActionParams).toMatchObject({ severity: '{{rule.severity}}', eventType: 'alert' });
    }
  });

  it('leaves params without a body and other sub-actions alone', () => {
    const noBody = { subAction: 'run', subActionParams: { severity: 'low' } };
    expect(render(noBody, {})).toEqual(noBody);
    const other = { subAction: 'other', subActionParams: { body: '{{x}}' } };
    expect(render(other, { x: 'y' })).toEqual(other);
  });
});
