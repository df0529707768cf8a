import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ReadOutcome } from '../../actions/executor.js';
import type { SubActionParams } from '../../actions/sub_actions.js';
import type { ActionResult, ConnectorServices } from '../../actions/types.js';
import { validateConfig, validateParams, validateSecrets } from '../../actions/validation.js';
import { installZod3Messages } from '../../common/zod_messages.js';
import { makeConfigurationUtilities, makeContext, makeServices, runAsAction, thrownMessage } from '../lib/test_context.js';
import { resilientConnectorType } from './index.js';
import { secretsSchema, type ResilientConfig, type ResilientSecrets } from './schema.js';
import { startResilientSimulator, type ResilientSimulator } from './simulator.js';

installZod3Messages();

const def = resilientConnectorType;
const ctx = { configurationUtilities: makeConfigurationUtilities() };
const KEY_ID = 'resilient-key-id-123';
const KEY_SECRET = 'resilient-key-secret-456';
const ORG = '201';
const INCIDENT = { name: 'Disk full', description: 'On web-1', incidentTypes: [1001], severityCode: 6, externalId: null };
const PREFIX = '[Action][IBM Resilient]: ';

describe('.resilient definition and validation', () => {
  it('has Kibana identity', () => {
    expect(def).toMatchObject({ id: '.resilient', name: 'IBM Resilient', minimumLicenseRequired: 'platinum', supportedFeatureIds: ['alerting', 'cases', 'siem'] });
    expect(secretsSchema.shape.apiKeyId.meta()).toMatchObject({ secret: true });
    expect(secretsSchema.shape.apiKeySecret.meta()).toMatchObject({ secret: true });
  });

  it('validates config and secrets: both required, strict, apiUrl held to allowedHosts', () => {
    expect(validateConfig(def, { apiUrl: 'https://soar.example.com', orgId: ORG }, ctx)).toEqual({ apiUrl: 'https://soar.example.com', orgId: ORG });
    expect(thrownMessage(() => validateConfig(def, { orgId: ORG }, ctx))).toBe('error validating connector type config: Field "apiUrl": Required');
    expect(thrownMessage(() => validateConfig(def, { apiUrl: 'https://h' }, ctx))).toBe('error validating connector type config: Field "orgId": Required');
    expect(thrownMessage(() => validateConfig(def, { apiUrl: 'https://h', orgId: 201 }, ctx))).toBe('error validating connector type config: Field "orgId": Expected string, received number');
    expect(thrownMessage(() => validateConfig(def, { apiUrl: 'https://h', orgId: ORG, org: 'x' }, ctx))).toBe("error validating connector type config: Unrecognized key(s) in object: 'org'");
    const restricted = { configurationUtilities: makeConfigurationUtilities({ allowedHosts: ['soar.example.com'] }) };
    expect(thrownMessage(() => validateConfig(def, { apiUrl: 'https://other.example.com', orgId: ORG }, restricted))).toBe(
      'error validating connector type config: error validating url: target url "https://other.example.com" is not added to the Kibana config xpack.actions.allowedHosts',
    );
    expect(validateSecrets(def, { apiKeyId: KEY_ID, apiKeySecret: KEY_SECRET }, ctx)).toEqual({ apiKeyId: KEY_ID, apiKeySecret: KEY_SECRET });
    expect(thrownMessage(() => validateSecrets(def, { apiKeySecret: KEY_SECRET }, ctx))).toBe('error validating connector type secrets: Field "apiKeyId": Required');
    expect(thrownMessage(() => validateSecrets(def, { apiKeyId: KEY_ID }, ctx))).toBe('error validating connector type secrets: Field "apiKeySecret": Required');
  });
});

describe('.resilient execution', () => {
  let sim: ResilientSimulator;
  let services: ConnectorServices;

  beforeAll(async () => {
    sim = await startResilientSimulator({ apiKeyId: KEY_ID, apiKeySecret: KEY_SECRET, orgId: ORG });
    services = makeServices();
  });
  afterAll(async () => {
    await services.http.close();
    await sim.close();
  });
  beforeEach(() => {
    sim.requests.length = 0;
    sim.incidents.clear();
    sim.comments.length = 0;
  });

  /** The result clients read and the facts the queue reads, as the action executor answers them. */
  function outcome(params: unknown, overrides: { apiKeySecret?: string; orgId?: string; apiUrl?: string } = {}): Promise<ReadOutcome> {
    const config = validateConfig(def, { apiUrl: overrides.apiUrl ?? sim.url, orgId: overrides.orgId ?? ORG }, ctx) as ResilientConfig;
    const secrets = validateSecrets(def, { apiKeyId: KEY_ID, apiKeySecret: overrides.apiKeySecret ?? KEY_SECRET }, ctx) as ResilientSecrets;
    const context = makeContext({ config, secrets, params: validateParams(def, params, ctx) as SubActionParams }, { connectorId: 'resilient-1', services });
    return runAsAction(def, context);
  }
  const run = async (params: unknown, overrides: Parameters<typeof outcome>[1] = {}): Promise<ActionResult> => (await outcome(params, overrides)).result;
  const failedWith = (serviceMessage: string) => ({ status: 'error', actionId: 'resilient-1', message: 'an error occurred while running the action', serviceMessage, retry: true, errorSource: 'framework' });
  const push = (incident: Record<string, unknown>, comments: unknown = null) => ({ subAction: 'pushToService', subActionParams: { incident, comments } });
  const routes = () => sim.requests.map((r) => `${r.method} ${r.path}`);
  const bodyOf = (index: number) => JSON.parse(sim.requests[index].body);
  const base = `/rest/orgs/${ORG}`;
  const created = async (incident: Record<string, unknown> = INCIDENT) => {
    const { data } = await run(push(incident));
    sim.requests.length = 0;
    return sim.incidents.get(Number((data as { id: string }).id))!;
  };

  it('creates an incident with basic authentication, and answers exactly as Kibana', async () => {
    const started = Date.now();
    const result = await run(push(INCIDENT));
    expect(routes()).toEqual([`POST ${base}/incidents?text_content_output_format=objects_convert`]);
    expect(sim.requests[0].headers).toMatchObject({ authorization: `Basic ${Buffer.from(`${KEY_ID}:${KEY_SECRET}`).toString('base64')}`, 'content-type': 'application/json' });
    expect(bodyOf(0)).toEqual({
      name: 'Disk full',
      discovered_date: expect.any(Number),
      description: { format: 'html', content: 'On web-1' },
      incident_type_ids: [{ id: 1001 }],
      severity_code: { id: 6 },
    });
    expect(bodyOf(0).discovered_date).toBeGreaterThanOrEqual(started);
    const incident = [...sim.incidents.values()][0];
    expect(result).toEqual({
      status: 'ok',
      actionId: 'resilient-1',
      data: { id: String(incident.id), title: String(incident.id), url: `${sim.url}/#incidents/${incident.id}`, pushedDate: new Date(incident.create_date).toISOString() },
    });
  });

  it('leaves unset fields out of a new incident, coerces ids, and pushes each comment in order with the incident\'s pushedDate', async () => {
    const comments = [
      { commentId: 'c1', comment: 'first' },
      { commentId: 'c2', comment: 'second' },
    ];
    const result = await run(push({ name: 'n', incidentTypes: ['17', 19], severityCode: '4' }, comments));
    const id = [...sim.incidents.keys()][0];
    expect(bodyOf(0)).toEqual({ name: 'n', discovered_date: expect.any(Number), incident_type_ids: [{ id: 17 }, { id: 19 }], severity_code: { id: 4 } });
    expect(sim.requests.slice(1).map((r) => [r.method, r.path, JSON.parse(r.body)])).toEqual([
      ['POST', `${base}/incidents/${id}/comments`, { text: { format: 'text', content: 'first' } }],
      ['POST', `${base}/incidents/${id}/comments`, { text: { format: 'text', content: 'second' } }],
    ]);
    const data = result.data as { pushedDate: string; comments: unknown };
    expect(data.comments).toEqual([
      { commentId: 'c1', pushedDate: data.pushedDate },
      { commentId: 'c2', pushedDate: data.pushedDate },
    ]);
  });

  it('reads the field definitions for additional fields: prefixed ones go under properties, select values are checked', async () => {
    const additionalFields = JSON.stringify({ confirmed: true, customer: 'ACME', properties: { affected_hosts: 3 } });
    await run(push({ name: 'n', additionalFields }));
    expect(routes()).toEqual([`GET ${base}/types/incident/fields`, `POST ${base}/incidents?text_content_output_format=objects_convert`]);
    expect(bodyOf(1)).toEqual({ name: 'n', discovered_date: expect.any(Number), confirmed: true, properties: { affected_hosts: 3, customer: 'ACME' } });

    sim.requests.length = 0;
    const refused = await run(push({ name: 'n', additionalFields: { severity_code: 9 } }));
    expect(refused).toEqual(
      failedWith(`${PREFIX}Unable to create incident. Error: Invalid values provided to severity_code: [\n  9\n]. Accepted values: 4 (for "Low"),5 (for "Medium"),6 (for "High").`),
    );
    expect(routes()).toEqual([`GET ${base}/types/incident/fields`]);
  });

  it('updates from the incident as it stands and the field definitions, nulls left out, then reads it again', async () => {
    const incident = await created();
    const result = await run(
      push(
        { name: 'Disk full again', description: 'Now on web-2', incidentTypes: [19, 21], severityCode: 4, additionalFields: { customer: 'ACME', confirmed: true }, externalId: String(incident.id) },
        [{ commentId: 'c1', comment: 'more' }],
      ),
    );
    const at = `${base}/incidents/${incident.id}`;
    expect(routes()).toEqual([
      `GET ${at}?text_content_output_format=objects_convert`,
      `GET ${base}/types/incident/fields`,
      `PATCH ${at}`,
      `GET ${at}?text_content_output_format=objects_convert`,
      `POST ${at}/comments`,
    ]);
    expect(bodyOf(2)).toEqual({
      changes: [
        { field: { name: 'customer' }, old_value: {}, new_value: { text: 'ACME' } },
        { field: { name: 'confirmed' }, old_value: {}, new_value: { boolean: true } },
        { field: { name: 'name' }, old_value: { text: 'Disk full' }, new_value: { text: 'Disk full again' } },
        { field: { name: 'description' }, old_value: { textarea: { format: 'html', content: 'On web-1' } }, new_value: { textarea: { format: 'html', content: 'Now on web-2' } } },
        { field: { name: 'incident_type_ids' }, old_value: { ids: [1001] }, new_value: { ids: [19, 21] } },
        { field: { name: 'severity_code' }, old_value: { id: 6 }, new_value: { id: 4 } },
      ],
    });
    const stored = sim.incidents.get(incident.id)!;
    expect(stored).toMatchObject({ name: 'Disk full again', incident_type_ids: [19, 21], severity_code: 4, confirmed: true, properties: { customer: 'ACME' } });
    const pushedDate = new Date(stored.inc_last_modified_date).toISOString();
    expect(stored.inc_last_modified_date).toBeGreaterThan(stored.create_date);
    expect(result.data).toEqual({ id: String(incident.id), title: String(incident.id), url: `${sim.url}/#incidents/${incident.id}`, pushedDate, comments: [{ commentId: 'c1', pushedDate }] });

    sim.requests.length = 0;
    await run(push({ name: 'Disk full again', description: null, incidentTypes: null, severityCode: null, externalId: String(incident.id) }));
    expect(bodyOf(2)).toEqual({ changes: [{ field: { name: 'name' }, old_value: { text: 'Disk full again' }, new_value: { text: 'Disk full again' } }] });
  });

  it("words a refused update, an unknown field and an unknown incident as Kibana", async () => {
    const incident = await created();
    const id = String(incident.id);
    expect(await run(push({ name: 'n', additionalFields: { create_date: 1 }, externalId: id }))).toEqual(
      failedWith(`${PREFIX}Unable to update incident with id ${id}. Error: Error while updating incident: Field 'create_date' is read-only.`),
    );
    expect(await run(push({ name: 'n', additionalFields: { no_such_field: 1 }, externalId: id }))).toEqual(
      failedWith(`${PREFIX}Unable to update incident with id ${id}. Error: No metadata found for field no_such_field.`),
    );
    expect(await outcome(push({ ...INCIDENT, externalId: '9999' }))).toEqual({
      result: failedWith(`${PREFIX}Unable to update incident with id 9999. Error: ${PREFIX}Unable to get incident with id 9999. Error: Status code: 404. Message: API Error: Incident 9999 not found..`),
      failure: { httpStatus: 404 },
    });
  });

  it('lists the field definitions, the incident types and the severities as Kibana does', async () => {
    const fields = (await run({ subAction: 'getFields', subActionParams: {} })).data as Array<Record<string, unknown>>;
    expect(fields.find((f) => f.name === 'customer')).toEqual({ name: 'customer', input_type: 'text', read_only: false, required: null, text: 'Customer', prefix: 'properties', values: [] });
    expect(fields.find((f) => f.name === 'severity_code')).toMatchObject({ input_type: 'select', values: [expect.objectContaining({ value: 4, label: 'Low', enabled: true, hidden: false, default: false }), expect.anything(), expect.anything()] });
    expect(await run({ subAction: 'incidentTypes' })).toEqual({
      status: 'ok',
      actionId: 'resilient-1',
      data: [
        { id: '17', name: 'Communication error (fax; email)' },
        { id: '19', name: 'Malware' },
        { id: '21', name: 'Denial of Service' },
        { id: '1001', name: 'Custom type' },
      ],
    });
    expect((await run({ subAction: 'severity', subActionParams: {} })).data).toEqual([
      { id: '4', name: 'Low' },
      { id: '5', name: 'Medium' },
      { id: '6', name: 'High' },
    ]);
    expect(routes()).toEqual([`GET ${base}/types/incident/fields`, `GET ${base}/types/incident/fields/incident_type_ids`, `GET ${base}/types/incident/fields/severity_code`]);
  });

  it("words IBM Resilient's errors as Kibana: 401 by its status, the body's message, else the status text", async () => {
    const denied = await outcome(push(INCIDENT), { apiKeySecret: 'wrong-secret-xyz' });
    expect(denied).toEqual({ result: failedWith(`${PREFIX}Unable to create incident. Error: Status code: 401. Message: Unauthorized API Error.`), failure: { httpStatus: 401 } });
    expect(JSON.stringify(denied)).not.toContain('wrong-secret');
    expect(JSON.stringify(denied)).not.toContain(KEY_SECRET);

    expect(await run({ subAction: 'incidentTypes' }, { orgId: '999' })).toEqual(
      failedWith(`${PREFIX}Unable to get incident types. Error: Status code: 403. Message: API Error: The API key is not a member of organization 999.`),
    );
    expect(await run(push({ ...INCIDENT, name: '' }))).toEqual(failedWith(`${PREFIX}Unable to create incident. Error: Status code: 400. Message: API Error: Field 'name' is required..`));
    sim.failNext(502, 'bad gateway');
    expect(await run({ subAction: 'severity' })).toEqual(failedWith(`${PREFIX}Unable to get severity. Error: Status code: 502. Message: API Error: Bad Gateway.`));
  });

  it('pauses the queue until Retry-After on a 429; the result is the framework\'s, as Kibana rewraps the error', async () => {
    sim.failNext(429, '{"success":false,"title":null,"message":"Too many requests","hints":[],"error_code":"generic"}', { 'Retry-After': '20' });
    const started = Date.now();
    const limited = await outcome(push(INCIDENT));
    expect(limited.result).toEqual(failedWith(`${PREFIX}Unable to create incident. Error: Status code: 429. Message: API Error: Too many requests.`));
    expect(limited.failure?.httpStatus).toBe(429);
    expect(limited.failure?.retryAt?.getTime()).toBeGreaterThanOrEqual(started + 19_000);
  });

  it('refuses answers without the fields Kibana requires, and accepts any object for a comment', async () => {
    sim.failNext(200, '{"name":"x"}');
    expect((await run(push(INCIDENT))).serviceMessage).toMatch(/^\[Action\]\[IBM Resilient\]: Unable to create incident\. Error: Response validation failed \(.*Field "id": .*\)\.$/s);
    sim.failNext(200, '{"values":[{"value":"x","label":"y"}]}');
    expect((await run({ subAction: 'incidentTypes' })).serviceMessage).toMatch(/^\[Action\]\[IBM Resilient\]: Unable to get incident types\. Error: Response validation failed/);
    const incident = await created();
    expect(sim.incidents.has(incident.id)).toBe(true);
  });

  it('builds the incident URL without a trailing slash, and calls the API on a normalised URL', async () => {
    const result = await run(push(INCIDENT), { apiUrl: `${sim.url}/` });
    expect(sim.requests[0].path).toBe(`${base}/incidents?text_content_output_format=objects_convert`);
    expect((result.data as { url: string }).url).toMatch(new RegExp(`^${sim.url}/#incidents/\\d+$`));
  });

  it("checks params before calling IBM Resilient, as the user's error", async () => {
    const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`f${i}`, i]));
    const cases: Array<[unknown, string]> = [
      [push({}), 'Request validation failed (Field "incident.name": Required)'],
      [push({ ...INCIDENT, severityCode: 'high' }), 'Request validation failed (Field "incident.severityCode": Expected number, received nan)'],
      [push({ ...INCIDENT, incidentTypes: 1001 }), 'Request validation failed (Field "incident.incidentTypes": Expected array, received number)'],
      [push({ ...INCIDENT, owner: 'x' }), "Request validation failed (Field \"incident\": Unrecognized key(s) in object: 'owner')"],
      [push(INCIDENT, [{ comment: 'x' }]), 'Request validation failed (Field "comments.0.commentId": Required)'],
      [push({ ...INCIDENT, additionalFields: { name: 'x' } }), 'Request validation failed (Field "incident.additionalFields.name": The following properties cannot be defined inside additionalFields: name.)'],
      [push({ ...INCIDENT, additionalFields: many }), 'Request validation failed (Field "incident.additionalFields": A maximum of 50 fields in additionalFields can be defined at a time.)'],
      [push({ ...INCIDENT, additionalFields: '{oops' }), `Request validation failed (Field "incident.additionalFields": ${thrownMessage(() => JSON.parse('{oops'))})`],
      [{ subAction: 'getFields', subActionParams: { all: true } }, "Request validation failed (Unrecognized key(s) in object: 'all')"],
    ];
    for (const [params, message] of cases) {
      expect(await outcome(params), message).toEqual({ result: { ...failedWith(message), errorSource: 'user' }, failure: { permanent: true } });
    }
    expect(sim.requests).toHaveLength(0);
  });

  it('runs its Test params: the incident types, nothing created', async () => {
    expect(validateParams(def, def.testParams, ctx)).toEqual(def.testParams);
    expect(await run(def.testParams)).toMatchObject({ status: 'ok' });
    expect(routes()).toEqual([`GET ${base}/types/incident/fields/incident_type_ids`]);
    expect(sim.incidents.size).toBe(0);
  });
});

describe('.resilient simulator routes', () => {
  it('answers 404 off its routes and for an unknown field, and refuses a change made from a stale value', async () => {
    const sim = await startResilientSimulator({ apiKeyId: KEY_ID, apiKeySecret: KEY_SECRET });
    const services = makeServices();
    try {
      const authorization = `Basic ${Buffer.from(`${KEY_ID}:${KEY_SECRET}`).toString('base64')}`;
      const send = (method: 'GET' | 'POST', path: string) => services.http.send({ url: `${sim.url}${path}`, method, headers: { authorization }, body: method === 'POST' ? '{}' : undefined });
      expect((await send('GET', '/rest/orgs/201/types/incident/fields/nope')).status).toBe(404);
      expect((await send('POST', '/rest/orgs/201/incident')).status).toBe(404);
      expect((await send('GET', '/rest/orgs/201/incidents/1/comments')).status).toBe(404);
      expect(JSON.parse((await send('GET', '/rest/orgs/201/incidents/77')).body)).toEqual({ success: false, title: null, message: 'Incident 77 not found', hints: [], error_code: 'generic' });
      const { id } = JSON.parse((await services.http.send({ url: `${sim.url}/rest/orgs/201/incidents`, method: 'POST', headers: { authorization }, body: '{"name":"n"}' })).body) as { id: number };
      const stale = { changes: [{ field: { name: 'name' }, old_value: { text: 'not n' }, new_value: { text: 'm' } }] };
      const patched = await services.http.send({ url: `${sim.url}/rest/orgs/201/incidents/${id}`, method: 'PATCH', headers: { authorization }, body: JSON.stringify(stale) });
      expect(JSON.parse(patched.body)).toEqual({ success: false, title: null, message: "The value of 'name' has been changed since it was read", hints: [] });
    } finally {
      await services.http.close();
      await sim.close();
    }
  });
});
