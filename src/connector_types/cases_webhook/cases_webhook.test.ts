import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ReadOutcome } from '../../actions/executor.js';
import type { ActionResult, ConnectorServices } from '../../actions/types.js';
import { validateConfig, validateConnector, validateParams, validateSecrets } from '../../actions/validation.js';
import { installZod3Messages } from '../../common/zod_messages.js';
import { makeConfigurationUtilities, makeContext, makeServices, runAsAction, thrownMessage } from '../lib/test_context.js';
import { casesWebhookConnectorType } from './index.js';
import type { CasesWebhookConfig, CasesWebhookParams, CasesWebhookSecrets } from './schema.js';
import { valueAtPath } from './service.js';
import { ISSUE_NOT_FOUND, startCasesWebhookSimulator, type CasesWebhookSimulator } from './simulator.js';

installZod3Messages();

const def = casesWebhookConnectorType;
const ctx = { configurationUtilities: makeConfigurationUtilities() };
const USER = 'jira-user';
const PASSWORD = 'jira-password-123';
const ISSUE_JSON = '{"fields":{"summary":{{{case.title}}},"description":{{{case.description}}},"labels":{{{case.tags}}},"project":{"key":"ROC"},"issuetype":{"id":"10024"}}}';

/** Kibana's own test configuration, aimed at `base`. */
const configFor = (base: string) => ({
  createIncidentUrl: `${base}/rest/api/2/issue`,
  createIncidentMethod: 'post',
  createIncidentJson: ISSUE_JSON,
  createIncidentResponseKey: 'id',
  getIncidentUrl: `${base}/rest/api/2/issue/{{{external.system.id}}}`,
  getIncidentResponseExternalTitleKey: 'key',
  viewIncidentUrl: `${base}/browse/{{{external.system.title}}}`,
  updateIncidentUrl: `${base}/rest/api/2/issue/{{{external.system.id}}}`,
  updateIncidentMethod: 'put',
  updateIncidentJson: ISSUE_JSON,
  createCommentUrl: `${base}/rest/api/2/issue/{{{external.system.id}}}/comment`,
  createCommentMethod: 'post',
  createCommentJson: '{"body":{{{case.comment}}}}',
  headers: { 'kbn-xsrf': 'abcd' },
  hasAuth: true,
});
const REQUIRED = ['createIncidentUrl', 'createIncidentJson', 'createIncidentResponseKey', 'getIncidentUrl', 'getIncidentResponseExternalTitleKey', 'viewIncidentUrl', 'updateIncidentUrl', 'updateIncidentJson'];
const SECRETS = { user: USER, password: PASSWORD };
const INCIDENT = { title: 'CPU high on "web-1"', description: 'since 10:00\nstill high', tags: ['infra', 'cpu'], externalId: null };
const push = (incident: Record<string, unknown>, comments: unknown = null) => ({ subAction: 'pushToService', subActionParams: { incident, comments } });
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('.cases-webhook definition and validation', () => {
  it('has Kibana identity', () => {
    expect(def).toMatchObject({ id: '.cases-webhook', name: 'Webhook - Case Management', minimumLicenseRequired: 'gold', supportedFeatureIds: ['cases'] });
  });

  it("validates config with Kibana's defaults, every required field named", () => {
    const config = configFor('https://jira.example.com');
    const { createIncidentMethod: _c, updateIncidentMethod: _u, createCommentMethod: _m, createCommentUrl: _cu, createCommentJson: _cj, headers: _h, hasAuth: _a, ...minimal } = config;
    expect(validateConfig(def, minimal, ctx)).toEqual({
      ...minimal,
      createIncidentMethod: 'post',
      getIncidentMethod: 'get',
      getIncidentJson: null,
      updateIncidentMethod: 'put',
      createCommentUrl: null,
      createCommentMethod: 'put',
      createCommentJson: null,
      headers: null,
      hasAuth: true,
    });
    for (const field of REQUIRED) {
      const { [field]: _dropped, ...rest } = config as Record<string, unknown>;
      expect(thrownMessage(() => validateConfig(def, rest, ctx))).toBe(`error validating connector type config: Field "${field}": Required`);
    }
    expect(thrownMessage(() => validateConfig(def, { ...config, getIncidentMethod: 'put' }, ctx))).toBe(
      "error validating connector type config: Field \"getIncidentMethod\": Invalid enum value. Expected 'get' | 'post', received 'put'",
    );
    expect(thrownMessage(() => validateConfig(def, { ...config, url: 'x' }, ctx))).toBe("error validating connector type config: Unrecognized key(s) in object: 'url'");
  });

  it('checks each URL parses and is allow-listed, and refuses OAuth2', () => {
    const config = configFor('https://jira.example.com');
    expect(thrownMessage(() => validateConfig(def, { ...config, getIncidentUrl: 'jira/{{{external.system.id}}}' }, ctx))).toBe(
      'error validating connector type config: error configuring cases webhook action: unable to parse jira/{{{external.system.id}}}: TypeError: Invalid URL',
    );
    const restricted = { configurationUtilities: makeConfigurationUtilities({ allowedHosts: ['jira.example.com'] }) };
    expect(validateConfig(def, config, restricted)).toMatchObject({ createIncidentUrl: config.createIncidentUrl });
    expect(thrownMessage(() => validateConfig(def, { ...config, createCommentUrl: 'http://other.example.com/{{{external.system.id}}}' }, restricted))).toBe(
      'error validating connector type config: error configuring cases webhook action: target url "http://other.example.com/{{{external.system.id}}}" is not added to the Kibana config xpack.actions.allowedHosts',
    );
    expect(thrownMessage(() => validateConfig(def, { ...config, authType: 'webhook-oauth2-client-credentials', accessTokenUrl: 'https://a.example.com', clientId: 'c' }, ctx))).toBe(
      'error validating connector type config: OAuth2 authentication is not supported for cases webhook connector',
    );
  });

  it("validates secrets as the webhook does, and wants one when authentication is required (Kibana's message)", () => {
    expect(validateSecrets(def, SECRETS, ctx)).toMatchObject(SECRETS);
    expect(thrownMessage(() => validateSecrets(def, { user: USER }, ctx))).toMatch(/^error validating connector type secrets: must specify one of the following schemas: user and password;/);
    const config = validateConfig(def, configFor('https://jira.example.com'), ctx);
    expect(thrownMessage(() => validateConnector(def, config, validateSecrets(def, {}, ctx)))).toBe('error validating action type connector: must specify a secrets configuration');
    expect(() => validateConnector(def, { ...config, hasAuth: false }, validateSecrets(def, {}, ctx))).not.toThrow();
    expect(() => validateConnector(def, config, validateSecrets(def, SECRETS, ctx))).not.toThrow();
  });

  it('validates params: pushToService only, a title required, the rest null by default', () => {
    expect(validateParams(def, push({ title: 't' }), ctx)).toEqual(
      push({ title: 't', description: null, id: null, severity: null, status: null, tags: null, externalId: null }),
    );
    expect(thrownMessage(() => validateParams(def, push({ description: 'd' }), ctx))).toBe('error validating action params: Field "subActionParams.incident.title": Required');
    expect(thrownMessage(() => validateParams(def, push({ title: 't' }, [{ comment: 'c' }]), ctx))).toBe('error validating action params: Field "subActionParams.comments.0.commentId": Required');
    expect(thrownMessage(() => validateParams(def, { subAction: 'getIncident', subActionParams: { incident: { title: 't' } } }, ctx))).toBe(
      "error validating action params: Field \"subAction\": Invalid discriminator value. Expected 'pushToService'",
    );
    expect(thrownMessage(() => validateParams(def, { subAction: 'pushToService' }, ctx))).toBe('error validating action params: Field "subActionParams": Required');
    expect(thrownMessage(() => validateParams(def, push({ title: 't' }, [{ commentId: 'c' }]), ctx))).toBe(
      'error validating action params: Field "subActionParams.comments.0.comment": Required',
    );
  });

  it("reads answer keys as lodash's get does", () => {
    const data = { id: 1, 'a.b': 'whole', data: { items: [{ key: 'K-1' }] }, nothing: null };
    expect(valueAtPath(data, 'id')).toBe(1);
    expect(valueAtPath(data, 'a.b')).toBe('whole');
    expect(valueAtPath(data, 'data.items[0].key')).toBe('K-1');
    expect(valueAtPath(data, 'data.items.0.key')).toBe('K-1');
    expect(valueAtPath(data, 'nothing')).toBeNull();
    expect(valueAtPath(data, 'data.missing.key')).toBeUndefined();
  });
});

describe('.cases-webhook execution against a Jira-like service', () => {
  let sim: CasesWebhookSimulator;
  let services: ConnectorServices;

  beforeAll(async () => {
    sim = await startCasesWebhookSimulator({ user: USER, password: PASSWORD });
    services = makeServices();
  });
  afterAll(async () => {
    await services.http.close();
    await sim.close();
  });
  beforeEach(() => {
    sim.requests.length = 0;
    sim.issues.clear();
  });

  function outcome(params: unknown, overrides: { config?: Record<string, unknown>; secrets?: Record<string, unknown> } = {}): Promise<ReadOutcome> {
    const config = validateConfig(def, { ...configFor(sim.url), ...overrides.config }, ctx) as CasesWebhookConfig;
    const secrets = validateSecrets(def, overrides.secrets ?? SECRETS, ctx) as CasesWebhookSecrets;
    const context = makeContext({ config, secrets, params: validateParams(def, params, ctx) as CasesWebhookParams }, { connectorId: 'cw-1', services });
    return runAsAction(def, context);
  }
  const run = async (params: unknown, overrides: Parameters<typeof outcome>[1] = {}): Promise<ActionResult> => (await outcome(params, overrides)).result;
  const failedWith = (serviceMessage: string) => ({ status: 'error', actionId: 'cw-1', message: 'an error occurred while running the action', serviceMessage, retry: true, errorSource: 'framework' });
  const PREFIX = '[Action][Webhook - Case Management]: ';

  it('creates the issue from the template, reads its key back, adds the comments; empty ones skipped', async () => {
    const comments = [
      { commentId: 'c1', comment: 'first' },
      { commentId: 'c2', comment: '' },
      { commentId: 'c3', comment: 'it\'s "third"' },
    ];
    const result = await run(push(INCIDENT, comments));
    const [issue] = [...sim.issues.values()];
    const data = result.data as { pushedDate: string };
    expect(result).toEqual({
      status: 'ok',
      actionId: 'cw-1',
      data: {
        id: issue.id,
        title: issue.key,
        url: `${sim.url}/browse/${issue.key}`,
        pushedDate: expect.stringMatching(ISO),
        comments: [
          { commentId: 'c1', pushedDate: data.pushedDate },
          { commentId: 'c3', pushedDate: data.pushedDate },
        ],
      },
    });
    expect(Object.keys(result.data as object)).toEqual(['id', 'title', 'url', 'pushedDate', 'comments']);
    // Values are JSON strings: quotes and new lines arrive intact, tags as an array.
    expect(issue.fields).toEqual({ summary: INCIDENT.title, description: INCIDENT.description, labels: ['infra', 'cpu'], project: { key: 'ROC' }, issuetype: { id: '10024' } });
    expect(issue.comments.map((c) => c.body)).toEqual(['first', 'it\'s "third"']);
    expect(sim.requests.map((r) => [r.method, r.path])).toEqual([
      ['POST', '/rest/api/2/issue'],
      ['GET', `/rest/api/2/issue/${issue.id}`],
      ['POST', `/rest/api/2/issue/${issue.id}/comment`],
      ['POST', `/rest/api/2/issue/${issue.id}/comment`],
    ]);
    expect(sim.requests[0].headers).toMatchObject({ 'content-type': 'application/json', 'kbn-xsrf': 'abcd', authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` });
  });

  it('updates the issue externalId names (id URL-encoded, no comments key without comments); only empty comments give []', async () => {
    const created = (await run(push(INCIDENT))).data as { id: string };
    sim.requests.length = 0;
    const result = await run(push({ ...INCIDENT, title: 'CPU normal', externalId: created.id }));
    const { key } = sim.issues.get(created.id)!;
    expect(result.data).toEqual({ id: created.id, title: key, url: `${sim.url}/browse/${key}`, pushedDate: expect.stringMatching(ISO) });
    expect(sim.issues.get(created.id)!.fields.summary).toBe('CPU normal');
    expect(sim.requests.map((r) => [r.method, r.path])).toEqual([
      ['PUT', `/rest/api/2/issue/${created.id}`],
      ['GET', `/rest/api/2/issue/${created.id}`],
    ]);
    expect((await run(push({ ...INCIDENT, externalId: created.id }, [{ commentId: 'c', comment: '' }]))).data).toMatchObject({ comments: [] });

    sim.requests.length = 0;
    await run(push({ ...INCIDENT, externalId: 'ROC-1/../x' }));
    expect(sim.requests[0].path).toBe('/rest/api/2/issue/ROC-1%2F..%2Fx');
  });

  it('escapes {{x}} as HTML and leaves {{{x}}} as it is; external.system.id is JSON in bodies', async () => {
    const config = {
      updateIncidentJson: '{"fields":{"summary":{{{case.title}}},"description":"{{case.title}}"},"ref":{{{external.system.id}}}}',
      getIncidentMethod: 'post',
      getIncidentUrl: `${sim.url}/rest/api/2/issue/{{{external.system.id}}}`,
      getIncidentJson: '{"id":{{{external.system.id}}}}',
    };
    const created = (await run(push(INCIDENT))).data as { id: string };
    sim.requests.length = 0;
    await run(push({ ...INCIDENT, title: 'a <b> & c', externalId: created.id }), { config });
    expect(JSON.parse(sim.requests[0].body)).toEqual({ fields: { summary: 'a <b> & c', description: '&quot;a &lt;b&gt; &amp; c&quot;' }, ref: created.id });
    // The get request is a POST here, with its own body (the simulator refuses it: the answer is checked).
    expect(sim.requests[1]).toMatchObject({ method: 'POST', body: `{"id":"${created.id}"}` });
  });

  it("sends nothing when a rendered body is not JSON or a URL is bad, with Kibana's messages", async () => {
    const bad = '{"fields":{"summary":{{{case.title}}}}},,,';
    expect(await run(push(INCIDENT), { config: { createIncidentJson: bad } })).toEqual(failedWith(`${PREFIX}Unable to create case. Error: JSON Error: Create case JSON body must be valid JSON.  `));
    expect(await run(push({ ...INCIDENT, externalId: '12345' }), { config: { updateIncidentJson: bad } })).toEqual(
      failedWith(`${PREFIX}Unable to update case with id 12345. Error: JSON Error: Update case JSON body must be valid JSON.  `),
    );
    expect(await run(push(INCIDENT), { config: { createIncidentUrl: `https${sim.url}` } })).toEqual(failedWith(`${PREFIX}Unable to create case. Error: Invalid Create case URL: Error: Invalid protocol.  `));
    expect(await run(push({ ...INCIDENT, externalId: '12345' }), { config: { updateIncidentUrl: `${sim.url}/rest/api/2/issue/{{{external.system.id}}}e\\\\whoathisisbad4{}{{` } })).toEqual(
      failedWith(`${PREFIX}Unable to update case with id 12345. Error: Invalid Update case URL: Error: Invalid URL.  `),
    );
    expect(sim.requests).toHaveLength(0);

    const getJson = await run(push(INCIDENT), { config: { getIncidentMethod: 'post', getIncidentJson: '{"id": "{{{external.system.id}}}" }' } });
    const [issue] = [...sim.issues.values()];
    expect(getJson).toEqual(failedWith(`${PREFIX}Unable to create case. Error: ${PREFIX}Unable to get case with id ${issue.id}. Error: JSON Error: Get case JSON body must be valid JSON.  .  `));
    const comment = await run(push(INCIDENT, [{ commentId: 'c', comment: 'x' }]), { config: { createCommentJson: '{"body":{{{case.comment}}}},,' } });
    expect(comment.serviceMessage).toMatch(/^\[Action\]\[Webhook - Case Management\]: Unable to create comment at case with id \d+\. Error: JSON Error: Create comment JSON body must be valid JSON\. {2}$/);
  });

  it("fails when an answer lacks the id or title key, or is not JSON (Kibana's checks)", async () => {
    expect(await run(push(INCIDENT), { config: { createIncidentResponseKey: 'data.id' } })).toEqual(
      failedWith(`${PREFIX}Unable to create case. Error: Response is missing the expected field: data.id.  `),
    );
    const titleless = await run(push(INCIDENT), { config: { getIncidentResponseExternalTitleKey: 'fields.title' } });
    expect(titleless.serviceMessage).toMatch(/Unable to get case with id \d+\. Error: Response is missing the expected field: fields\.title\. {2}\. {2}$/);
    sim.failNext(201, 'created', { 'Content-Type': 'text/plain' });
    expect(await run(push(INCIDENT))).toEqual(
      failedWith(`${PREFIX}Unable to create case. Error: Unsupported content type: text/plain in post ${sim.url}/rest/api/2/issue. Supported content types: application/json.  `),
    );
    sim.failNext(201, 'created');
    expect(await run(push(INCIDENT))).toEqual(failedWith(`${PREFIX}Unable to create case. Error: Response is not a valid JSON.  `));
  });

  it("words the service's refusals as Kibana does; the queue reads the status, a 429 pauses it until Retry-After", async () => {
    const denied = await outcome(push(INCIDENT), { secrets: { user: USER, password: 'wrong-password-xyz' } });
    expect(denied).toEqual({
      result: failedWith(
        `${PREFIX}Unable to create case. Error: Request failed with status code 401. {"errorMessages":["You are not authenticated. Authentication required to perform this operation."],"errors":{}} Reason: Unauthorized`,
      ),
      failure: { httpStatus: 401 },
    });
    expect(JSON.stringify(denied)).not.toContain('wrong-password-xyz');

    const forbidden = await outcome(push(INCIDENT), { config: { createIncidentJson: ISSUE_JSON.replace('ROC', 'SEC') } });
    expect(forbidden.failure).toEqual({ httpStatus: 403 });
    expect(forbidden.result.serviceMessage).toContain('You do not have permission to create issues in this project.');

    const unknown = await outcome(push({ ...INCIDENT, externalId: '999' }));
    expect(unknown.result).toEqual(
      failedWith(`${PREFIX}Unable to update case with id 999. Error: Request failed with status code 404. {"errorMessages":["${ISSUE_NOT_FOUND}"],"errors":{}} Reason: Not Found`),
    );
    expect(unknown.failure).toEqual({ httpStatus: 404 });

    sim.failNext(429, '{"errorMessages":["Rate limit exceeded."]}', { 'Retry-After': '20' });
    const started = Date.now();
    const limited = await outcome(push(INCIDENT));
    expect(limited.result.serviceMessage).toBe(`${PREFIX}Unable to create case. Error: Request failed with status code 429. {"errorMessages":["Rate limit exceeded."]} Reason: Too Many Requests`);
    expect(limited.failure).toEqual({ httpStatus: 429, retryAt: expect.any(Date) });
    expect(limited.failure!.retryAt!.getTime()).toBeGreaterThanOrEqual(started + 19_000);
  });

  it('sends secret headers over config ones, and no Authorization without authentication', async () => {
    await run(push(INCIDENT), { secrets: { ...SECRETS, secretHeaders: { 'KBN-XSRF': 'secret' } } });
    expect(sim.requests[0].headers['kbn-xsrf']).toBe('secret');
    sim.requests.length = 0;
    await run(push(INCIDENT), { config: { hasAuth: false }, secrets: {} });
    expect(sim.requests[0].headers.authorization).toBeUndefined();
  });

  it('refuses to run basic authentication without both credentials, or SSL with no certificate', async () => {
    expect(await run(push(INCIDENT), { secrets: {} })).toEqual(failedWith('[Action]Webhook - Case Management: Wrong configuration.'));
    expect(await run(push(INCIDENT), { config: { authType: 'webhook-authentication-ssl' }, secrets: {} })).toEqual(failedWith('[Action]Webhook - Case Management: Wrong configuration.'));
    expect(sim.requests).toHaveLength(0);
  });

  it('sends no comment when the comment settings are incomplete, yet answers each as pushed', async () => {
    const result = await run(push(INCIDENT, [{ commentId: 'c1', comment: 'x' }]), { config: { createCommentUrl: null } });
    expect((result.data as { comments: unknown[] }).comments).toEqual([{ commentId: 'c1', pushedDate: expect.stringMatching(ISO) }]);
    expect(sim.requests.map((r) => r.method)).toEqual(['POST', 'GET']);
  });

  it('runs its Test params', async () => {
    expect(validateParams(def, def.testParams, ctx)).toEqual(def.testParams);
    expect(await run(def.testParams)).toMatchObject({ status: 'ok', data: { title: expect.stringMatching(/^ROC-\d+$/) } });
  });
});

describe('.cases-webhook simulator routes', () => {
  it('answers 405 to another method, 404 off its routes, 400 without a summary', async () => {
    const sim = await startCasesWebhookSimulator({ user: USER, password: PASSWORD });
    const services = makeServices();
    const authorization = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
    try {
      const send = (method: 'GET' | 'POST' | 'PUT', path: string, body?: string) => services.http.send({ url: `${sim.url}${path}`, method, headers: { authorization }, body });
      expect((await send('GET', '/rest/api/2/issue')).status).toBe(405);
      expect((await send('POST', '/rest/api/2/issues', '{}')).status).toBe(404);
      const missing = await send('POST', '/rest/api/2/issue', '{"fields":{"project":{"key":"ROC"}}}');
      expect([missing.status, JSON.parse(missing.body)]).toEqual([400, { errorMessages: [], errors: { summary: 'You must specify a summary of the issue.' } }]);
      expect((await send('POST', '/rest/api/2/issue', '{"fields":{"summary":"x","project":{"key":"NOPE"}}}')).status).toBe(400);
    } finally {
      await services.http.close();
      await sim.close();
    }
  });
});
