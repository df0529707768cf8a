import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ReadOutcome } from '../../actions/executor.js';
import type { SubActionParams } from '../../actions/sub_actions.js';
import type { ActionResult, ConnectorServices } from '../../actions/types.js';
import { validateConfig, validateParams, validateSecrets } from '../../actions/validation.js';
import { installZod3Messages } from '../../common/zod_messages.js';
import { makeConfigurationUtilities, makeContext, makeServices, runAsAction, thrownMessage } from '../lib/test_context.js';
import { theHiveConnectorType } from './index.js';
import { secretsSchema, type TheHiveConfig, type TheHiveSecrets } from './schema.js';
import { startTheHiveSimulator, type TheHiveSimulator } from './simulator.js';

installZod3Messages();

const def = theHiveConnectorType;
const ctx = { configurationUtilities: makeConfigurationUtilities() };
const API_KEY = 'thehive-key-123';
const ORG = 'soc';
const INCIDENT = { title: 'Disk full', description: 'On web-1', severity: 3, tlp: 1, tags: ['disk'], externalId: null };
const ALERT = { title: 'CPU high', description: 'On web-2', type: 'kibana', source: 'rule-1', sourceRef: 'alert-1' };
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('.thehive definition and validation', () => {
  it('has Kibana identity', () => {
    expect(def).toMatchObject({
      id: '.thehive',
      name: 'TheHive',
      minimumLicenseRequired: 'platinum',
      supportedFeatureIds: ['alerting', 'siem', 'uptime', 'cases', 'workflows'],
    });
    expect(secretsSchema.shape.apiKey.meta()).toMatchObject({ secret: true });
  });

  it('validates config and secrets: required, strict, url held to allowedHosts, organisation null by default', () => {
    expect(validateConfig(def, { url: 'https://thehive.example.com' }, ctx)).toEqual({ url: 'https://thehive.example.com', organisation: null });
    expect(validateConfig(def, { url: 'https://thehive.example.com', organisation: ORG }, ctx)).toEqual({ url: 'https://thehive.example.com', organisation: ORG });
    expect(thrownMessage(() => validateConfig(def, {}, ctx))).toBe('error validating connector type config: Field "url": Required');
    expect(thrownMessage(() => validateConfig(def, { url: 'https://h', org: 'x' }, ctx))).toBe("error validating connector type config: Unrecognized key(s) in object: 'org'");
    const restricted = { configurationUtilities: makeConfigurationUtilities({ allowedHosts: ['thehive.example.com'] }) };
    expect(thrownMessage(() => validateConfig(def, { url: 'https://other.example.com' }, restricted))).toBe(
      'error validating connector type config: error validating url: target url "https://other.example.com" is not added to the Kibana config xpack.actions.allowedHosts',
    );
    expect(validateSecrets(def, { apiKey: API_KEY }, ctx)).toEqual({ apiKey: API_KEY });
    expect(thrownMessage(() => validateSecrets(def, {}, ctx))).toBe('error validating connector type secrets: Field "apiKey": Required');
  });
});

describe.each([
  ['with an organisation', ORG],
  ['without an organisation', null],
] as const)('.thehive execution %s', (_mode, organisation) => {
  let sim: TheHiveSimulator;
  let services: ConnectorServices;

  beforeAll(async () => {
    sim = await startTheHiveSimulator({ apiKey: API_KEY, organisations: [ORG] });
    services = makeServices();
  });
  afterAll(async () => {
    await services.http.close();
    await sim.close();
  });
  beforeEach(() => {
    sim.requests.length = 0;
    sim.cases.clear();
    sim.comments.length = 0;
    sim.alerts.length = 0;
  });

  /** The result clients read and the facts the queue reads, as the action executor answers them. */
  function outcome(params: unknown, overrides: { apiKey?: string; organisation?: string; url?: string; services?: ConnectorServices } = {}): Promise<ReadOutcome> {
    const config = validateConfig(def, { url: overrides.url ?? sim.url, organisation: overrides.organisation ?? organisation }, ctx) as TheHiveConfig;
    const secrets = validateSecrets(def, { apiKey: overrides.apiKey ?? API_KEY }, ctx) as TheHiveSecrets;
    const context = makeContext({ config, secrets, params: validateParams(def, params, ctx) as SubActionParams }, { connectorId: 'thehive-1', services: overrides.services ?? services });
    return runAsAction(def, context);
  }
  const run = async (params: unknown, overrides: Parameters<typeof outcome>[1] = {}): Promise<ActionResult> => (await outcome(params, overrides)).result;
  const last = () => sim.requests[sim.requests.length - 1];
  const failedWith = (serviceMessage: string) => ({ status: 'error', actionId: 'thehive-1', message: 'an error occurred while running the action', serviceMessage, retry: true });
  const push = (incident: Record<string, unknown>, comments: unknown = null) => ({ subAction: 'pushToService', subActionParams: { incident, comments } });

  it('sends the key as a bearer token, and the organisation only when there is one', async () => {
    await run(push(INCIDENT));
    expect(last().headers).toMatchObject({ authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' });
    expect(last().headers['x-organisation']).toBe(organisation ?? undefined);
  });

  it('creates a case from the incident as it is, nulls included, and answers Kibana\'s result', async () => {
    const started = Date.now();
    const result = await run(push({ title: 't', description: 'd' }));
    expect(last()).toMatchObject({ method: 'POST', path: '/api/v1/case' });
    expect(JSON.parse(last().body)).toEqual({ title: 't', description: 'd', severity: null, tlp: null, tags: null });
    const [created] = [...sim.cases.values()];
    expect(result).toEqual({
      status: 'ok',
      actionId: 'thehive-1',
      data: { id: created._id, title: 't', url: `${sim.url}/cases/${created._id}/details`, pushedDate: new Date(created._createdAt as number).toISOString() },
    });
    expect(Date.parse((result.data as { pushedDate: string }).pushedDate)).toBeGreaterThanOrEqual(started);
  });

  it('coerces severity and TLP, and pushes each comment in order with the case\'s pushedDate', async () => {
    const comments = [
      { commentId: 'c1', comment: 'first' },
      { commentId: 'c2', comment: 'second' },
    ];
    const result = await run(push({ ...INCIDENT, severity: '4', tlp: '0' }, comments));
    const id = [...sim.cases.keys()][0];
    expect(JSON.parse(sim.requests[0].body)).toEqual({ title: 'Disk full', description: 'On web-1', severity: 4, tlp: 0, tags: ['disk'] });
    expect(sim.requests.slice(1).map((r) => [r.method, r.path, JSON.parse(r.body)])).toEqual([
      ['POST', `/api/v1/case/${id}/comment`, { message: 'first' }],
      ['POST', `/api/v1/case/${id}/comment`, { message: 'second' }],
    ]);
    const data = result.data as { pushedDate: string; comments: unknown };
    expect(data.comments).toEqual([
      { commentId: 'c1', pushedDate: data.pushedDate },
      { commentId: 'c2', pushedDate: data.pushedDate },
    ]);
  });

  it('updates the case externalId names, without sending externalId; title is the one sent and pushedDate now', async () => {
    const created = (await run(push(INCIDENT))).data as { id: string };
    sim.requests.length = 0;
    const started = Date.now();
    const result = await run(push({ ...INCIDENT, title: 'Disk full again', externalId: created.id }, [{ commentId: 'c1', comment: 'more' }]));
    expect(sim.requests.map((r) => [r.method, r.path])).toEqual([
      ['PATCH', `/api/v1/case/${created.id}`],
      ['POST', `/api/v1/case/${created.id}/comment`],
    ]);
    expect(JSON.parse(sim.requests[0].body)).toEqual({ title: 'Disk full again', description: 'On web-1', severity: 3, tlp: 1, tags: ['disk'] });
    const data = result.data as { pushedDate: string };
    expect(data).toEqual({ id: created.id, title: 'Disk full again', url: `${sim.url}/cases/${created.id}/details`, pushedDate: expect.stringMatching(ISO), comments: [{ commentId: 'c1', pushedDate: data.pushedDate }] });
    expect(Date.parse(data.pushedDate)).toBeGreaterThanOrEqual(started);
    expect(sim.cases.get(created.id)).toMatchObject({ title: 'Disk full again' });
  });

  it('builds the case URL without a trailing slash, and calls the API on a normalised URL', async () => {
    const result = await run(push(INCIDENT), { url: `${sim.url}/` });
    expect(last().path).toBe('/api/v1/case');
    expect((result.data as { url: string }).url).toMatch(new RegExp(`^${sim.url}/cases/~\\d+/details$`));
  });

  it('creates an alert from the params with the body over them, isRuleSeverity sent, body text not; answers {}', async () => {
    const body = JSON.stringify({ title: 'from body', customFields: { host: 'web-2' }, pap: 3 });
    const result = await run({ subAction: 'createAlert', subActionParams: { ...ALERT, severity: '3', tags: ['cpu'], body } });
    expect(result).toEqual({ status: 'ok', actionId: 'thehive-1', data: {} });
    expect(last()).toMatchObject({ method: 'POST', path: '/api/v1/alert' });
    expect(JSON.parse(last().body)).toEqual({ ...ALERT, title: 'from body', severity: 3, isRuleSeverity: false, tlp: null, tags: ['cpu'], customFields: { host: 'web-2' }, pap: 3 });
    expect(sim.alerts).toHaveLength(1);
  });

  it("fails an alert whose body is not JSON with JSON.parse's message, before calling TheHive", async () => {
    const bad = await outcome({ subAction: 'createAlert', subActionParams: { ...ALERT, body: '{oops' } });
    expect(bad.result).toMatchObject({ status: 'error', retry: true, errorSource: 'framework' });
    expect(bad.result.serviceMessage).toBe(thrownMessage(() => JSON.parse('{oops')));
    expect(sim.requests).toHaveLength(0);
  });

  it("words TheHive's errors as Kibana does: 401, 404 for an unknown case, 400", async () => {
    const denied = await outcome(push(INCIDENT), { apiKey: 'wrong-key-xyz' });
    expect(denied).toEqual({ result: { ...failedWith('Status code: 401. Message: API Error: AuthenticationError - Authentication failure'), errorSource: 'framework' }, failure: { httpStatus: 401 } });
    expect(JSON.stringify(denied)).not.toContain('wrong-key-xyz');

    const missing = await outcome(push({ ...INCIDENT, externalId: '~999' }, [{ commentId: 'c1', comment: 'x' }]));
    expect(missing).toEqual({ result: { ...failedWith('Status code: 404. Message: API Error: NotFoundError - Case ~999 not found'), errorSource: 'framework' }, failure: { httpStatus: 404 } });
    expect(sim.requests.at(-1)?.method).toBe('PATCH');

    sim.failNext(400, '{"type":"BadRequest","message":"Invalid json"}');
    expect(await run({ subAction: 'createAlert', subActionParams: ALERT })).toEqual({ ...failedWith('Status code: 400. Message: API Error: BadRequest - Invalid json'), errorSource: 'framework' });
    sim.failNext(502, 'bad gateway');
    expect((await run(push(INCIDENT))).serviceMessage).toBe('Status code: 502. Message: API Error: undefined - undefined');
  });

  it('pauses the queue until Retry-After on a 429, as the user\'s error', async () => {
    sim.failNext(429, '{"type":"TooManyRequests","message":"slow down"}', { 'Retry-After': '20' });
    const started = Date.now();
    const limited = await outcome({ subAction: 'createAlert', subActionParams: ALERT });
    expect(limited.result).toEqual({ ...failedWith('Status code: 429. Message: API Error: TooManyRequests - slow down'), errorSource: 'user' });
    expect(limited.failure?.retryAt?.getTime()).toBeGreaterThanOrEqual(started + 19_000);
  });

  it('refuses a case or alert answer missing the fields Kibana requires, and accepts any answer to an update', async () => {
    sim.failNext(201, '{"_id":"~1","title":"t"}');
    expect((await run(push(INCIDENT))).serviceMessage).toMatch(/^Response validation failed \(.*Field "_type": Required/s);
    sim.failNext(201, '{}');
    expect((await run({ subAction: 'createAlert', subActionParams: ALERT })).serviceMessage).toMatch(/^Response validation failed \(.*Field "_id": Required/s);
    sim.failNext(200, '"patched"');
    expect(await run(push({ ...INCIDENT, externalId: '~5' }))).toMatchObject({ status: 'ok', data: { id: '~5', title: 'Disk full' } });
  });

  it('checks params before calling TheHive, as the user\'s error', async () => {
    const cases: Array<[unknown, string]> = [
      [push({}), ['Request validation failed (2 errors:', ' [1]: Field "incident.title": Required;', ' [2]: Field "incident.description": Required)'].join('\n')],
      [push({ ...INCIDENT, severity: 'high' }), 'Request validation failed (Field "incident.severity": Expected number, received nan)'],
      [push({ ...INCIDENT, owner: 'x' }), "Request validation failed (Field \"incident\": Unrecognized key(s) in object: 'owner')"],
      [push(INCIDENT, [{ comment: 'x' }]), 'Request validation failed (Field "comments.0.commentId": Required)'],
      [{ subAction: 'createAlert', subActionParams: { ...ALERT, sourceRef: undefined } }, 'Request validation failed (Field "sourceRef": Required)'],
      [{ subAction: 'createAlert', subActionParams: { ...ALERT, isRuleSeverity: 'yes' } }, 'Request validation failed (Field "isRuleSeverity": Expected boolean, received string)'],
    ];
    for (const [params, message] of cases) {
      expect(await outcome(params), message).toEqual({ result: { ...failedWith(message), errorSource: 'user' }, failure: { permanent: true } });
    }
    expect(sim.requests).toHaveLength(0);
  });

  it('runs its Test params', async () => {
    expect(validateParams(def, def.testParams, ctx)).toEqual(def.testParams);
    expect(await run(def.testParams)).toMatchObject({ status: 'ok' });
    expect(last().path).toBe('/api/v1/alert');
  });
});

describe('.thehive simulator routes', () => {
  it('answers 403 to an organisation the key is not in, and 404 off its routes', async () => {
    const sim = await startTheHiveSimulator({ apiKey: API_KEY, organisations: [ORG] });
    const services = makeServices();
    try {
      const config = validateConfig(def, { url: sim.url, organisation: 'other-org' }, ctx) as TheHiveConfig;
      const secrets = validateSecrets(def, { apiKey: API_KEY }, ctx) as TheHiveSecrets;
      const { result } = await runAsAction(def, makeContext({ config, secrets, params: { subAction: 'createAlert', subActionParams: ALERT } }, { services }));
      expect(result.serviceMessage).toBe('Status code: 403. Message: API Error: AuthorizationError - User is not in organisation other-org');
      const send = (method: 'GET' | 'POST', path: string) => services.http.send({ url: `${sim.url}${path}`, method, headers: { authorization: `Bearer ${API_KEY}` }, body: method === 'POST' ? '{}' : undefined });
      expect((await send('GET', '/api/v1/case/~1')).status).toBe(404);
      expect((await send('POST', '/api/v1/cases')).status).toBe(404);
    } finally {
      await services.http.close();
      await sim.close();
    }
  });
});

describe('.thehive renderParameterTemplates', () => {
  const logger = pino({ level: 'silent' });
  const render = (params: SubActionParams, variables: Record<string, unknown>) => def.renderParameterTemplates!(logger, params, variables);

  it("renders pushToService's params whole, without escaping", () => {
    const rendered = render(
      { subAction: 'pushToService', subActionParams: { incident: { ...INCIDENT, title: 'Alert: {{rule.name}}', tags: ['{{rule.name}}'] }, comments: [{ commentId: 'c', comment: '{{context.reason}}' }] } },
      { context: { reason: 'disk <full> & "hot"' }, rule: { name: 'r "1"' } },
    );
    expect(rendered.subActionParams).toEqual({
      incident: { ...INCIDENT, title: 'Alert: r "1"', tags: ['r "1"'] },
      comments: [{ commentId: 'c', comment: 'disk <full> & "hot"' }],
    });
  });

  it("renders createAlert's params, the body included, keeping the severity given", () => {
    const rendered = render(
      { subAction: 'createAlert', subActionParams: { ...ALERT, title: '{{rule.name}}', severity: 3, body: '{"reason":"{{context.reason}}"}' } },
      { context: { reason: 'a "b"' }, rule: { name: 'r' } },
    );
    expect(rendered.subActionParams).toEqual({ ...ALERT, title: 'r', severity: 3, body: '{"reason":"a "b""}' });
  });

  it("takes the rule's severity from context.rule.severity when isRuleSeverity, medium (2) for anything else", () => {
    const params = { subAction: 'createAlert', subActionParams: { ...ALERT, severity: 1, isRuleSeverity: true } };
    for (const [severity, expected] of [['low', 1], ['medium', 2], ['high', 3], ['critical', 4], ['bogus', 2], [undefined, 2]] as const) {
      expect(render(params, { context: { rule: { severity } } }).subActionParams?.severity).toBe(expected);
    }
    expect(render({ ...params, subActionParams: { ...ALERT, severity: 1, isRuleSeverity: false } }, { context: { rule: { severity: 'high' } } }).subActionParams?.severity).toBe(1);
  });
});
