import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ReadOutcome } from '../../actions/executor.js';
import type { SubActionParams } from '../../actions/sub_actions.js';
import type { ActionResult, ConnectorServices } from '../../actions/types.js';
import { validateConfig, validateParams, validateSecrets } from '../../actions/validation.js';
import { installZod3Messages } from '../../common/zod_messages.js';
import { closeServer, listenOnLoopback } from '../lib/simulator_server.js';
import { makeConfigurationUtilities, makeContext, makeServices, runAsAction, thrownMessage } from '../lib/test_context.js';
import { opsgenieConnectorType } from './index.js';
import { secretsSchema, type OpsgenieConfig, type OpsgenieSecrets } from './schema.js';
import { SIMULATOR_RESULT, startOpsgenieSimulator, type OpsgenieSimulator } from './simulator.js';

installZod3Messages();

const def = opsgenieConnectorType;
const ctx = { configurationUtilities: makeConfigurationUtilities() };
const API_KEY = 'genie-key-123';
const silent = pino({ level: 'silent' });

describe('.opsgenie definition and validation', () => {
  it('has Kibana identity', () => {
    expect(def).toMatchObject({ id: '.opsgenie', name: 'Opsgenie', minimumLicenseRequired: 'platinum' });
    expect(def.supportedFeatureIds).toEqual(['alerting', 'uptime', 'siem', 'workflows', 'agentBuilder']);
    expect(secretsSchema.shape.apiKey.meta()).toMatchObject({ secret: true });
  });

  it('validates config: required, strict, held to allowedHosts', () => {
    expect(validateConfig(def, { apiUrl: 'https://api.opsgenie.com' }, ctx)).toEqual({ apiUrl: 'https://api.opsgenie.com' });
    expect(thrownMessage(() => validateConfig(def, {}, ctx))).toBe('error validating connector type config: Field "apiUrl": Required');
    expect(thrownMessage(() => validateConfig(def, { apiUrl: 'https://a', x: 1 }, ctx))).toBe("error validating connector type config: Unrecognized key(s) in object: 'x'");
    const restricted = { configurationUtilities: makeConfigurationUtilities({ allowedHosts: ['api.opsgenie.com'] }) };
    expect(validateConfig(def, { apiUrl: 'https://api.opsgenie.com' }, restricted)).toBeTruthy();
    expect(thrownMessage(() => validateConfig(def, { apiUrl: 'https://evil.example/' }, restricted))).toBe(
      'error validating connector type config: error validating url: target url "https://evil.example/" is not added to the Kibana config xpack.actions.allowedHosts',
    );
  });

  it('validates secrets: apiKey required, strict', () => {
    expect(validateSecrets(def, { apiKey: 'k' }, ctx)).toEqual({ apiKey: 'k' });
    expect(thrownMessage(() => validateSecrets(def, {}, ctx))).toBe('error validating connector type secrets: Field "apiKey": Required');
    expect(thrownMessage(() => validateSecrets(def, { apiKey: 'k', user: 'u' }, ctx))).toBe("error validating connector type secrets: Unrecognized key(s) in object: 'user'");
  });

  it('takes {subAction, subActionParams} and offers valid Test params', () => {
    expect(validateParams(def, { subAction: 'closeAlert', subActionParams: { alias: 'a' }, extra: 1 }, ctx)).toEqual({ subAction: 'closeAlert', subActionParams: { alias: 'a' } });
    expect(thrownMessage(() => validateParams(def, { subActionParams: {} }, ctx))).toBe('error validating action params: Field "subAction": Required');
    expect(validateParams(def, def.testParams, ctx)).toEqual(def.testParams);
  });
});

describe('.opsgenie execution against the simulator', () => {
  let sim: OpsgenieSimulator;
  let services: ConnectorServices;
  let logLines: string[];

  beforeAll(async () => {
    sim = await startOpsgenieSimulator({ apiKey: API_KEY });
    services = makeServices();
  });
  afterAll(async () => {
    await services.http.close();
    await sim.close();
  });
  beforeEach(() => {
    sim.requests.length = 0;
    sim.alerts.clear();
    logLines = [];
  });

  /** The result clients read and the facts the queue reads, as the action executor answers them. */
  async function outcome(params: unknown, overrides: { apiUrl?: string; apiKey?: string; services?: ConnectorServices } = {}): Promise<ReadOutcome> {
    const config = validateConfig(def, { apiUrl: overrides.apiUrl ?? sim.url }, ctx) as OpsgenieConfig;
    const secrets = validateSecrets(def, { apiKey: overrides.apiKey ?? API_KEY }, ctx) as OpsgenieSecrets;
    const validParams = validateParams(def, params, ctx) as SubActionParams;
    const logger = pino(
      { level: 'trace' },
      new Writable({
        write(chunk, _enc, cb) {
          logLines.push(chunk.toString());
          cb();
        },
      }),
    );
    const context = makeContext({ config, secrets, params: validParams }, { connectorId: 'og-1', services: overrides.services ?? services });
    return runAsAction(def, { ...context, logger });
  }
  const run = async (params: unknown, overrides: Parameters<typeof outcome>[1] = {}): Promise<ActionResult> => (await outcome(params, overrides)).result;

  const create = (subActionParams: Record<string, unknown>) => ({ subAction: 'createAlert', subActionParams });
  const last = () => sim.requests[sim.requests.length - 1];

  it('creates an alert with every field, GenieKey auth and JSON, and returns Opsgenie\'s answer', async () => {
    const params = {
      message: 'CPU high on web-1',
      alias: 'rule-1:alert-1',
      description: 'Over 90% for 5 minutes',
      responders: [{ name: 'ops', type: 'team' }, { id: 'u-1', type: 'user' }, { username: 'a@example.com', type: 'user' }],
      visibleTo: [{ name: 'dev', type: 'team' }, { username: 'b@example.com', type: 'user' }],
      actions: ['Restart'],
      tags: ['prod', 'cpu'],
      details: { host: 'web-1' },
      entity: 'web-1',
      source: 'plugboard',
      priority: 'P2',
      user: 'rules',
      note: 'first seen',
    };
    const result = await run(create(params));
    expect(result).toEqual({ status: 'ok', actionId: 'og-1', data: { result: SIMULATOR_RESULT, took: 0.004, requestId: expect.any(String) } });
    expect(sim.requests).toHaveLength(1);
    expect(last()).toMatchObject({ method: 'POST', path: '/v2/alerts', query: {} });
    expect(last().headers.authorization).toBe(`GenieKey ${API_KEY}`);
    expect(last().headers['content-type']).toBe('application/json');
    expect(last().body).toEqual(params);
    expect(sim.alerts.get('rule-1:alert-1')?.status).toBe('open');
  });

  it('truncates a message over 130 characters and logs a warning', async () => {
    const message = `${'x'.repeat(129)}yz-and-more`;
    expect(await run(create({ message }))).toMatchObject({ status: 'ok' });
    expect((last().body as { message: string }).message).toBe(`${'x'.repeat(129)}y`);
    expect(logLines.join('')).toContain('connector \\"og-1\\" message length 140 exceeds 130 and has been truncated');
  });

  it('does not split a surrogate pair when truncating', async () => {
    const message = `${'x'.repeat(129)}😀tail`;
    expect(await run(create({ message }))).toMatchObject({ status: 'ok' });
    expect((last().body as { message: string }).message).toBe('x'.repeat(129));
  });

  it('hashes an alias over 512 characters, for create and close alike', async () => {
    const long = 'a'.repeat(513);
    const hashed = `sha-${createHash('sha256').update(long).digest('hex')}`;
    await run(create({ message: 'm', alias: long }));
    expect((last().body as { alias: string }).alias).toBe(hashed);
    await run({ subAction: 'closeAlert', subActionParams: { alias: long } });
    expect(last().path).toBe(`/v2/alerts/${hashed}/close`);
    expect(sim.alerts.get(hashed)?.status).toBe('closed');
    // 512 characters are kept as they are.
    await run(create({ message: 'm', alias: 'b'.repeat(512) }));
    expect((last().body as { alias: string }).alias).toBe('b'.repeat(512));
  });

  it('closes by alias: the alias in the path (encoded), the rest in the body', async () => {
    await run(create({ message: 'm', alias: 'rule/1?x#y' }));
    const result = await run({ subAction: 'closeAlert', subActionParams: { alias: 'rule/1?x#y', user: 'bob', source: 'plugboard', note: 'recovered' } });
    expect(result).toMatchObject({ status: 'ok', data: { result: SIMULATOR_RESULT } });
    expect(last()).toMatchObject({ method: 'POST', path: '/v2/alerts/rule%2F1%3Fx%23y/close', query: { identifierType: 'alias' } });
    expect(last().headers.authorization).toBe(`GenieKey ${API_KEY}`);
    expect(last().body).toEqual({ user: 'bob', source: 'plugboard', note: 'recovered' });
    expect(sim.alerts.get('rule/1?x#y')).toMatchObject({ status: 'closed', closed: { note: 'recovered' } });

    await run({ subAction: 'closeAlert', subActionParams: { alias: 'plain' } });
    expect(last().raw).toBe('{}');
  });

  it('resolves paths against apiUrl as Kibana does', async () => {
    await run(create({ message: 'm' }), { apiUrl: `${sim.url}/dropped` });
    expect(last().path).toBe('/v2/alerts');
    const kept = await run(create({ message: 'm' }), { apiUrl: `${sim.url}/kept/` });
    expect(last().path).toBe('/kept/v2/alerts');
    expect(kept).toMatchObject({ status: 'error', serviceMessage: 'Status code: 404. Message: No handler found for path: /kept/v2/alerts', retry: true });
  });

  it("reports a wrong key as Kibana does (retry: true, the framework's), the status for the queue, and never shows the key", async () => {
    const result = await outcome(create({ message: 'm' }), { apiKey: 'wrong-key-xyz' });
    expect(result).toEqual({
      result: {
        status: 'error',
        actionId: 'og-1',
        message: 'an error occurred while running the action',
        serviceMessage: 'Status code: 401. Message: Could not authenticate',
        retry: true,
        errorSource: 'framework',
      },
      failure: { httpStatus: 401 },
    });
    expect(JSON.stringify(result) + logLines.join('')).not.toContain('wrong-key-xyz');
  });

  it("appends Opsgenie's field errors to its message", async () => {
    sim.failNext(422, { message: 'Request body is not processable. Please check the errors.', errors: { message: 'Message can not be empty.' } });
    // Kibana's API test: a 422 says retry, from the framework.
    expect(await outcome(create({ message: 'm' }))).toEqual({
      result: {
        status: 'error',
        actionId: 'og-1',
        message: 'an error occurred while running the action',
        serviceMessage: 'Status code: 422. Message: Request body is not processable. Please check the errors.: {"message":"Message can not be empty."}',
        retry: true,
        errorSource: 'framework',
      },
      failure: { httpStatus: 422 },
    });
    sim.failNext(422, { result: 'error', errors: { message: 'failed' } });
    expect((await run(create({ message: 'm' }))).serviceMessage).toBe('Status code: 422. Message: Request failed with status code 422: {"message":"failed"}');
  });

  it('tags rate limiting as the user\'s and keeps Retry-After for the queue; a 5xx is the framework\'s', async () => {
    sim.failNext(429, { message: 'You are making too many requests!' }, { 'Retry-After': '30' });
    const started = Date.now();
    const limited = await outcome(create({ message: 'm' }));
    expect(limited.result).toMatchObject({ status: 'error', serviceMessage: 'Status code: 429. Message: You are making too many requests!', retry: true, errorSource: 'user' });
    expect(limited.failure?.retryAt?.getTime()).toBeGreaterThanOrEqual(started + 29_000);

    sim.failNext(429, { message: 'slow down' });
    expect(await outcome(create({ message: 'm' }))).toMatchObject({ result: { status: 'error', retry: true, errorSource: 'user' }, failure: { httpStatus: 429 } });

    sim.failNext(503, '<html>unavailable</html>');
    expect(await outcome(create({ message: 'm' }))).toMatchObject({
      result: { status: 'error', serviceMessage: 'Status code: 503. Message: Request failed with status code 503', retry: true, errorSource: 'framework' },
      failure: { httpStatus: 503 },
    });
  });

  it('refuses a 2xx answer that is not Opsgenie\'s', async () => {
    sim.failNext(200, 'not json');
    const result = await run(create({ message: 'm' }));
    expect(result).toMatchObject({ status: 'error', retry: true });
    expect(result.serviceMessage).toMatch(/^Response validation failed \(/);
  });

  it('accepts an answer with took as a string and extra keys', async () => {
    const server = createServer((_req, res) => res.writeHead(202, { 'content-type': 'application/json' }).end('{"result":"ok","took":"0.2","requestId":"r-1","data":{"x":1}}'));
    const url = await listenOnLoopback(server);
    try {
      expect(await run(create({ message: 'm' }), { apiUrl: url })).toMatchObject({ status: 'ok', data: { result: 'ok', took: 0.2, requestId: 'r-1', data: { x: 1 } } });
    } finally {
      await closeServer(server);
    }
  });

  it('reports an unreachable service as retryable', async () => {
    const server = createServer();
    const url = await listenOnLoopback(server);
    await closeServer(server);
    const result = await run(create({ message: 'm' }), { apiUrl: url });
    expect(result).toMatchObject({ status: 'error', retry: true });
    expect(result.serviceMessage).toMatch(/^Status code: undefined\. Message: /);
  });

  it('is held to allowedHosts when sending', async () => {
    const restricted = makeServices({ allowedHosts: ['api.opsgenie.com'] });
    try {
      const result = await run(create({ message: 'm' }), { services: restricted });
      expect(result).toMatchObject({ status: 'error' });
      expect(result.serviceMessage).toContain(`target url "${sim.url}/v2/alerts" is not added to the Kibana config xpack.actions.allowedHosts`);
      expect(sim.requests).toHaveLength(0);
    } finally {
      await restricted.http.close();
    }
  });

  it('checks each sub-action\'s params before calling Opsgenie', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [create({ message: '   ' }), 'Request validation failed (Field "message": must be populated with a value other than just whitespace)'],
      [create({ message: 'x'.repeat(15001) }), 'Request validation failed (Field "message": String must contain at most 15000 character(s))'],
      [create({}), 'Request validation failed (Field "message": Required)'],
      [create({ message: 'm', priority: 'P0' }), `Request validation failed (Field "priority": Invalid enum value. Expected 'P1' | 'P2' | 'P3' | 'P4' | 'P5', received 'P0')`],
      [
        create({ message: 'm', responders: [{ name: 'ops', type: 'group' }] }),
        'Request validation failed (Field "responders.0": Each responder must have a "type" (team|user|escalation|schedule) and one of "name", "id", or "username")',
      ],
      [
        create({ message: 'm', visibleTo: [{ name: 'ops', type: 'user' }] }),
        'Request validation failed (Field "visibleTo.0": Each visible target must have a "type" (team|user) and one of "name", "id", or "username")',
      ],
      [create({ message: 'm', tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }), 'Request validation failed (Field "tags": Array must contain at most 20 element(s))'],
      [create({ message: 'm', actions: ['a'.repeat(51)] }), 'Request validation failed (Field "actions.0": String must contain at most 50 character(s))'],
      [create({ message: 'm', details: { n: 1 } }), 'Request validation failed (Field "details.n": Expected string, received number)'],
      [create({ message: 'm', unknown: 1 }), "Request validation failed (Unrecognized key(s) in object: 'unknown')"],
      [{ subAction: 'closeAlert', subActionParams: {} }, 'Request validation failed (Field "alias": Required)'],
      [{ subAction: 'closeAlert', subActionParams: { alias: 'a', user: 'u'.repeat(101) } }, 'Request validation failed (Field "user": String must contain at most 100 character(s))'],
    ];
    for (const [params, message] of cases) {
      expect(await outcome(params), message).toMatchObject({ result: { status: 'error', serviceMessage: message, retry: true, errorSource: 'user' }, failure: { permanent: true } });
    }
    // Kibana's API test: the type's name as "Connector name", retry, from the framework.
    expect(await run({ subAction: 'getAlert', subActionParams: {} })).toMatchObject({
      status: 'error',
      serviceMessage: 'Sub action "getAlert" is not registered. Connector id: og-1. Connector name: Opsgenie. Connector type: .opsgenie',
      retry: true,
      errorSource: 'framework',
    });
    expect(sim.requests).toHaveLength(0);
  });

  it('runs its Test params', async () => {
    expect(await run(def.testParams)).toMatchObject({ status: 'ok' });
    expect(last().path).toBe('/v2/alerts');
  });
});

describe('.opsgenie renderParameterTemplates', () => {
  const render = (params: SubActionParams, variables: Record<string, unknown>) => def.renderParameterTemplates!(silent, params, variables);
  const hostile = 'a "quoted" \\ back\nslash *bold* _it_ <b>&amp; `tick` [x](y)';

  it('renders every string without escaping', () => {
    const rendered = render(
      {
        subAction: 'createAlert',
        subActionParams: { message: '{{context.msg}}', alias: '{{rule.id}}:{{alert.id}}', details: { why: '{{context.msg}}' }, responders: [{ name: '{{context.team}}', type: 'team' }] },
      },
      { context: { msg: hostile, team: 'ops' }, rule: { id: 'r1' }, alert: { id: 'a1' } },
    );
    expect(rendered).toEqual({
      subAction: 'createAlert',
      subActionParams: { message: hostile, alias: 'r1:a1', details: { why: hostile }, responders: [{ name: 'ops', type: 'team' }] },
    });
    expect(render({ subAction: 'closeAlert', subActionParams: { alias: '{{rule.id}}', note: '{{context.msg}}' } }, { rule: { id: 'r1' }, context: { msg: hostile } })).toEqual({
      subAction: 'closeAlert',
      subActionParams: { alias: 'r1', note: hostile },
    });
  });

  it('replaces the {{rule.tags}} tag with the rule\'s tags, after the other tags, unrendered', () => {
    const rendered = render(
      { subAction: 'createAlert', subActionParams: { message: 'm', tags: ['{{rule.tags}}', 'env:{{context.env}}'] } },
      { rule: { tags: ['cpu', '{{context.env}}', 7] }, context: { env: 'prod' } },
    );
    expect(rendered.subActionParams!.tags).toEqual(['env:prod', 'cpu', '{{context.env}}']);
    expect(render({ subAction: 'createAlert', subActionParams: { message: 'm', tags: ['{{rule.tags}}'] } }, { 'rule.tags': ['dotted'] }).subActionParams!.tags).toEqual(['dotted']);
    expect(render({ subAction: 'createAlert', subActionParams: { message: 'm', tags: ['{{rule.tags}}'] } }, {}).subActionParams!.tags).toEqual([]);
    // Inside other text it is an ordinary template.
    expect(render({ subAction: 'createAlert', subActionParams: { message: 'm', tags: ['x {{rule.tags}}'] } }, { rule: { tags: ['a', 'b'] } }).subActionParams!.tags).toEqual(['x a,b']);
  });
});
