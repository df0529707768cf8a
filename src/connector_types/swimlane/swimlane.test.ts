import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ReadOutcome } from '../../actions/executor.js';
import type { ActionResult, ConnectorServices } from '../../actions/types.js';
import { validateConfig, validateParams, validateSecrets } from '../../actions/validation.js';
import { installZod3Messages } from '../../common/zod_messages.js';
import { makeConfigurationUtilities, makeContext, makeServices, runAsAction, thrownMessage } from '../lib/test_context.js';
import { swimlaneConnectorType } from './index.js';
import { secretsSchema, type SwimlaneConfig, type SwimlaneParams, type SwimlaneSecrets } from './schema.js';
import { startSwimlaneSimulator, type SwimlaneSimulator } from './simulator.js';

installZod3Messages();

const def = swimlaneConnectorType;
const ctx = { configurationUtilities: makeConfigurationUtilities() };
const TOKEN = 'swimlane-token-123';
const APP_ID = 'aGhX6PPE34dfFA7bc';
const field = (id: string, key: string, fieldType = 'text') => ({ id, key, name: key, fieldType });
const MAPPINGS = {
  ruleNameConfig: field('a1', 'rule-name'),
  alertIdConfig: field('a2', 'alert-id'),
  caseIdConfig: field('a3', 'case-id'),
  caseNameConfig: field('a4', 'case-name'),
  commentsConfig: field('a5', 'comments', 'comments'),
  severityConfig: field('a6', 'severity', 'numeric'),
  descriptionConfig: field('a7', 'description'),
};
const NO_MAPPINGS = {
  ruleNameConfig: null,
  alertIdConfig: null,
  caseIdConfig: null,
  caseNameConfig: null,
  commentsConfig: null,
  severityConfig: null,
  descriptionConfig: null,
};
const INCIDENT = { ruleName: 'CPU high', alertId: 'alert-1', caseId: null, caseName: null, severity: '3', description: 'on web-1', externalId: null };
const push = (incident: Record<string, unknown>, comments: unknown = null) => ({ subAction: 'pushToService', subActionParams: { incident, comments } });
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('.swimlane definition and validation', () => {
  it('has Kibana identity', () => {
    expect(def).toMatchObject({ id: '.swimlane', name: 'Swimlane', minimumLicenseRequired: 'gold', supportedFeatureIds: ['alerting', 'cases', 'siem', 'workflows'] });
    for (const f of Object.values(secretsSchema.shape)) expect(f.meta()).toMatchObject({ secret: true });
  });

  it('validates config: required fields, strict, connectorType one of all|alerts|cases, mappings null by default, apiUrl held to allowedHosts', () => {
    const config = { apiUrl: 'https://swimlane.example.com', appId: APP_ID, connectorType: 'alerts', mappings: {} };
    expect(validateConfig(def, config, ctx)).toEqual({ ...config, mappings: NO_MAPPINGS });
    expect(validateConfig(def, { ...config, connectorType: 'all', mappings: MAPPINGS }, ctx)).toMatchObject({ mappings: MAPPINGS });
    expect(thrownMessage(() => validateConfig(def, { apiUrl: 'https://swimlane.example.com' }, ctx))).toBe(
      [
        'error validating connector type config: 3 errors:',
        ' [1]: Field "appId": Required;',
        " [2]: Field \"connectorType\": Invalid enum value. Expected 'all' | 'alerts' | 'cases', received undefined;",
        ' [3]: Field "mappings": Required',
      ].join('\n'),
    );
    expect(thrownMessage(() => validateConfig(def, { ...config, connectorType: 'incidents' }, ctx))).toBe(
      "error validating connector type config: Field \"connectorType\": Invalid enum value. Expected 'all' | 'alerts' | 'cases', received 'incidents'",
    );
    expect(thrownMessage(() => validateConfig(def, { ...config, mappings: { ruleNameConfig: { id: 'a1', key: 'k', name: 'n', fieldType: 'text', extra: 1 } } }, ctx))).toBe(
      "error validating connector type config: Field \"mappings.ruleNameConfig\": Unrecognized key(s) in object: 'extra'",
    );
    expect(thrownMessage(() => validateConfig(def, { ...config, mappings: { titleConfig: null } }, ctx))).toBe(
      "error validating connector type config: Field \"mappings\": Unrecognized key(s) in object: 'titleConfig'",
    );
    const restricted = { configurationUtilities: makeConfigurationUtilities({ allowedHosts: ['swimlane.example.com'] }) };
    expect(validateConfig(def, config, restricted)).toMatchObject({ apiUrl: config.apiUrl });
    expect(thrownMessage(() => validateConfig(def, { ...config, apiUrl: 'https://other.example.com' }, restricted))).toBe(
      'error validating connector type config: error configuring connector action: target url "https://other.example.com" is not added to the Kibana config xpack.actions.allowedHosts',
    );
  });

  it('validates secrets and params: strict, incident fields and comments null by default, pushToService only', () => {
    expect(validateSecrets(def, { apiToken: TOKEN }, ctx)).toEqual({ apiToken: TOKEN });
    expect(thrownMessage(() => validateSecrets(def, {}, ctx))).toBe('error validating connector type secrets: Field "apiToken": Required');
    expect(thrownMessage(() => validateSecrets(def, { apiToken: TOKEN, user: 'x' }, ctx))).toBe("error validating connector type secrets: Unrecognized key(s) in object: 'user'");

    expect(validateParams(def, { subAction: 'pushToService', subActionParams: { incident: {} } }, ctx)).toEqual(push({ alertId: null, ruleName: null, caseId: null, caseName: null, severity: null, description: null, externalId: null }));
    expect(thrownMessage(() => validateParams(def, { subAction: 'getIncident', subActionParams: { incident: {} } }, ctx))).toBe(
      'error validating action params: Field "subAction": Invalid literal value, expected "pushToService"',
    );
    expect(thrownMessage(() => validateParams(def, push({ title: 'x' }), ctx))).toBe(
      "error validating action params: Field \"subActionParams.incident\": Unrecognized key(s) in object: 'title'",
    );
    expect(thrownMessage(() => validateParams(def, push({}, [{ comment: 'c' }]), ctx))).toBe('error validating action params: Field "subActionParams.comments.0.commentId": Required');
  });
});

describe('.swimlane execution against the simulator', () => {
  let sim: SwimlaneSimulator;
  let services: ConnectorServices;

  beforeAll(async () => {
    sim = await startSwimlaneSimulator({ apiToken: TOKEN, appId: APP_ID });
    services = makeServices();
  });
  afterAll(async () => {
    await services.http.close();
    await sim.close();
  });
  beforeEach(() => {
    sim.requests.length = 0;
    sim.records.clear();
  });

  function outcome(params: unknown, overrides: { config?: Record<string, unknown>; apiToken?: string } = {}): Promise<ReadOutcome> {
    const config = validateConfig(def, { apiUrl: sim.url, appId: APP_ID, connectorType: 'all', mappings: MAPPINGS, ...overrides.config }, ctx) as SwimlaneConfig;
    const secrets = validateSecrets(def, { apiToken: overrides.apiToken ?? TOKEN }, ctx) as SwimlaneSecrets;
    const context = makeContext({ config, secrets, params: validateParams(def, params, ctx) as SwimlaneParams }, { connectorId: 'swimlane-1', services });
    return runAsAction(def, context);
  }
  const run = async (params: unknown, overrides: Parameters<typeof outcome>[1] = {}): Promise<ActionResult> => (await outcome(params, overrides)).result;
  const failedWith = (serviceMessage: string) => ({ status: 'error', actionId: 'swimlane-1', message: 'an error occurred while running the action', serviceMessage, retry: true, errorSource: 'framework' });
  const createFailed = (rest: string) => failedWith(`[Action][Swimlane]: Unable to create record in application with id ${APP_ID}. ${rest}`);

  it('creates a record with the mapped values, then adds each comment to the comments field with one date', async () => {
    const comments = [
      { commentId: 'c1', comment: 'first' },
      { commentId: 'c2', comment: '' },
    ];
    const result = await run(push({ ...INCIDENT, caseName: '' }, comments));
    const [record] = [...sim.records.values()];
    const data = result.data as { pushedDate: string; comments: Array<{ pushedDate: string }> };
    expect(result).toEqual({
      status: 'ok',
      actionId: 'swimlane-1',
      data: {
        id: record.id,
        title: record.name,
        url: `${sim.url}/record/${APP_ID}/${record.id}`,
        pushedDate: record.createdDate,
        comments: [
          { commentId: 'c1', pushedDate: expect.stringMatching(ISO) },
          { commentId: 'c2', pushedDate: data.comments[0].pushedDate },
        ],
      },
    });
    expect(Object.keys(result.data as object)).toEqual(['id', 'title', 'url', 'pushedDate', 'comments']);

    const [create, ...commentCalls] = sim.requests;
    expect(create).toMatchObject({ method: 'POST', path: `/api/app/${APP_ID}/record` });
    expect(create.headers).toMatchObject({ 'private-token': TOKEN, 'content-type': 'application/json' });
    // Numeric fields as numbers; unset and empty values (caseId, caseName) are not sent.
    expect(JSON.parse(create.body)).toEqual({ applicationId: APP_ID, values: { a1: 'CPU high', a2: 'alert-1', a6: 3, a7: 'on web-1' } });
    expect(commentCalls.map((r) => [r.method, r.path])).toEqual([
      ['POST', `/api/app/${APP_ID}/record/${record.id}/a5/comment`],
      ['POST', `/api/app/${APP_ID}/record/${record.id}/a5/comment`],
    ]);
    // Empty comments are sent too, as in Kibana.
    expect(commentCalls.map((r) => JSON.parse(r.body))).toEqual([
      { createdDate: data.comments[0].pushedDate, fieldId: 'a5', isRichText: true, message: 'first' },
      { createdDate: data.comments[0].pushedDate, fieldId: 'a5', isRichText: true, message: '' },
    ]);
    expect(record.comments.a5.map((c) => c.message)).toEqual(['first', '']);
  });

  it('updates the record the externalId names, linking to it; no comments key without comments', async () => {
    const created = (await run(push(INCIDENT))).data as { id: string };
    sim.requests.length = 0;
    for (const comments of [null, []]) {
      const result = await run(push({ ...INCIDENT, severity: 'high', description: 'now on web-2', externalId: created.id }, comments));
      const record = sim.records.get(created.id)!;
      expect(result.data).toEqual({ id: created.id, title: record.name, url: `${sim.url}/record/${APP_ID}/${created.id}`, pushedDate: record.modifiedDate });
    }
    expect(sim.requests.map((r) => [r.method, r.path])).toEqual([
      ['PATCH', `/api/app/${APP_ID}/record/${created.id}`],
      ['PATCH', `/api/app/${APP_ID}/record/${created.id}`],
    ]);
    // A numeric field given text that is not a number gets 0.
    expect(JSON.parse(sim.requests[0].body)).toEqual({ applicationId: APP_ID, id: created.id, values: { a1: 'CPU high', a2: 'alert-1', a6: 0, a7: 'now on web-2' } });
  });

  it('adds /api to the URL unless it ends in api, dropping a trailing slash', async () => {
    for (const [apiUrl, site] of [
      [`${sim.url}/`, sim.url],
      [`${sim.url}/api/`, `${sim.url}/api`],
    ]) {
      sim.requests.length = 0;
      const result = await run(push(INCIDENT), { config: { apiUrl } });
      expect(sim.requests[0].path).toBe(`/api/app/${APP_ID}/record`);
      expect((result.data as { url: string }).url).toMatch(new RegExp(`^${site}/record/${APP_ID}/`));
    }
  });

  it("words Swimlane's failures as Kibana does; the queue reads the status, a 429 pauses it until Retry-After", async () => {
    const denied = await outcome(push(INCIDENT), { apiToken: 'wrong-token-xyz' });
    expect(denied).toEqual({ result: createFailed('Status: 401. Error: Request failed with status code 401. Reason: Private-Token (1001)'), failure: { httpStatus: 401 } });
    expect(JSON.stringify(denied)).not.toContain('wrong-token-xyz');

    const forbidden = await outcome(push(INCIDENT), { config: { appId: 'another-app' } });
    expect(forbidden.result.serviceMessage).toBe('[Action][Swimlane]: Unable to create record in application with id another-app. Status: 403. Error: Request failed with status code 403. Reason: another-app (1002)');
    expect(forbidden.failure).toEqual({ httpStatus: 403 });

    const unknown = await outcome(push({ ...INCIDENT, externalId: 'no-such-record' }));
    expect(unknown.result).toEqual(
      failedWith(`[Action][Swimlane]: Unable to update record in application with id ${APP_ID}. Status: 404. Error: Request failed with status code 404. Reason: no-such-record (1003)`),
    );

    sim.failNext(429, '{}', { 'Retry-After': '20' });
    const started = Date.now();
    const limited = await outcome(push(INCIDENT));
    expect(limited.result).toEqual(createFailed('Status: 429. Error: Request failed with status code 429. Reason: unknown'));
    expect(limited.failure).toEqual({ httpStatus: 429, retryAt: expect.any(Date) });
    expect(limited.failure!.retryAt!.getTime()).toBeGreaterThanOrEqual(started + 19_000);

    sim.failNext(503, 'down');
    expect(await outcome(push(INCIDENT))).toEqual({ result: createFailed('Status: 503. Error: Request failed with status code 503. Reason: unknown'), failure: { httpStatus: 503 } });
  });

  it('fails a comment with no comments field mapped, after the record was made', async () => {
    const result = await run(push(INCIDENT, [{ commentId: 'c1', comment: 'x' }]), { config: { mappings: { ...MAPPINGS, commentsConfig: null } } });
    expect(result).toEqual(
      failedWith(`[Action][Swimlane]: Unable to create comment in application with id ${APP_ID}. Status: 500. Error: No comment field mapped in Swimlane connector. Reason: unknown`),
    );
    expect(sim.records.size).toBe(1);
  });

  it("checks the record answer as Kibana does: JSON, an object, with the record's fields", async () => {
    const url = `${sim.url}/api/app/${APP_ID}/record`;
    sim.failNext(200, '{"id":"x"}', { 'Content-Type': 'text/html' });
    expect(await run(push(INCIDENT))).toEqual(
      createFailed(`Status: 500. Error: Unsupported content type: text/html in post ${url}. Supported content types: application/json. Reason: unknown`),
    );
    sim.failNext(200, 'created');
    expect(await run(push(INCIDENT))).toEqual(createFailed('Status: 500. Error: Response is not a valid JSON. Reason: unknown'));
    for (const body of ['{"id":"x","name":"ET-9"}', '[]']) {
      sim.failNext(200, body);
      expect(await run(push(INCIDENT))).toEqual(createFailed('Status: 500. Error: Response is missing at least one of the expected fields: id,name,createdDate. Reason: unknown'));
    }
  });

  it('refuses to run without an application id or token', async () => {
    for (const overrides of [{ config: { appId: '' } }, { apiToken: '' }]) {
      expect(await run(push(INCIDENT), overrides)).toEqual(failedWith('[Action]Swimlane: Wrong configuration.'));
    }
    expect(sim.requests).toHaveLength(0);
  });

  it('runs its Test params', async () => {
    expect(validateParams(def, def.testParams, ctx)).toEqual(def.testParams);
    expect(await run(def.testParams)).toMatchObject({ status: 'ok', data: { title: expect.stringMatching(/^ET-\d+$/) } });
  });
});

describe('.swimlane simulator routes', () => {
  it('answers 405 to another method and 404 off its routes', async () => {
    const sim = await startSwimlaneSimulator({ apiToken: TOKEN, appId: APP_ID });
    const services = makeServices();
    try {
      const send = (method: 'GET' | 'POST', path: string) => services.http.send({ url: `${sim.url}${path}`, method, headers: { 'Private-Token': TOKEN }, body: method === 'GET' ? undefined : '{}' });
      expect((await send('GET', `/api/app/${APP_ID}/record`)).status).toBe(405);
      expect((await send('POST', `/api/app/${APP_ID}/records`)).status).toBe(404);
      expect((await send('POST', `/api/app/${APP_ID}/record/nope/a5/comment`)).status).toBe(404);
    } finally {
      await services.http.close();
      await sim.close();
    }
  });
});
