import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ConnectorServices } from '../../../actions/types.js';
import { validateConfig, validateConnector, validateParams, validateSecrets } from '../../../actions/validation.js';
import { installZod3Messages } from '../../../common/zod_messages.js';
import { makeConfigurationUtilities, makeContext, makeServices, runAsAction, thrownMessage } from '../../lib/test_context.js';
import { secretsSchema, usesDeprecatedTableApi } from '../schema.js';
import { serviceNowDate, startServiceNowSimulator, type ServiceNowSimulator } from '../simulator.js';
import { serviceNowItsmConnectorType as def } from './index.js';

installZod3Messages();

const ctx = { configurationUtilities: makeConfigurationUtilities() };
const USER = { username: 'elastic-integration', password: 'sn-password-123' };
const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PRIVATE_KEY = keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const ENCRYPTED_KEY = keys.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'key-pass' }).toString();
const PUBLIC_KEY = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const OAUTH = { clientId: 'sn-client', clientSecret: 'sn-client-secret', jwtKeyId: 'sn-kid', userIdentifierValue: 'elastic@example.com', publicKey: PUBLIC_KEY };
const NO_OAUTH_SECRETS = { clientSecret: null, privateKey: null, privateKeyPassword: null };
const INCIDENT = { short_description: 'CPU high on web-1', description: 'Load above 20', severity: '1', urgency: '2', impact: '3', category: 'software', subcategory: 'os' };
const push = (incident: Record<string, unknown>, comments: unknown = null) => ({ subAction: 'pushToService', subActionParams: { incident, comments } });
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/;

describe('.servicenow definition and validation', () => {
  it("has Kibana's identity; every secret is marked secret", () => {
    expect(def).toMatchObject({ id: '.servicenow', name: 'ServiceNow ITSM', minimumLicenseRequired: 'platinum', supportedFeatureIds: ['alerting', 'cases', 'uptime', 'siem', 'workflows'] });
    for (const field of Object.values(secretsSchema.shape)) expect(field.meta()).toMatchObject({ secret: true });
  });

  it('fills config defaults (Table API unless told otherwise), is strict, holds apiUrl to allowedHosts', () => {
    expect(validateConfig(def, { apiUrl: 'https://dev.service-now.com' }, ctx)).toEqual({
      apiUrl: 'https://dev.service-now.com',
      isOAuth: false,
      userIdentifierValue: null,
      clientId: null,
      jwtKeyId: null,
      usesTableApi: true,
    });
    expect(thrownMessage(() => validateConfig(def, {}, ctx))).toBe('error validating connector type config: Field "apiUrl": Required');
    expect(thrownMessage(() => validateConfig(def, { apiUrl: 'https://dev.service-now.com', other: 1 }, ctx))).toBe("error validating connector type config: Unrecognized key(s) in object: 'other'");
    const restricted = { configurationUtilities: makeConfigurationUtilities({ allowedHosts: ['dev.service-now.com'] }) };
    expect(thrownMessage(() => validateConfig(def, { apiUrl: 'http://servicenow.mynonexistent.com' }, restricted))).toBe(
      'error validating connector type config: error configuring connector action: target url "http://servicenow.mynonexistent.com" is not added to the Kibana config xpack.actions.allowedHosts',
    );
  });

  it("words Kibana's checks of the OAuth config, the secrets and their combination", () => {
    const oauth = { apiUrl: 'https://dev.service-now.com', isOAuth: true, clientId: 'abc', userIdentifierValue: 'elastic', jwtKeyId: 'def' };
    for (const field of ['clientId', 'userIdentifierValue', 'jwtKeyId']) {
      expect(thrownMessage(() => validateConfig(def, { ...oauth, [field]: null }, ctx))).toBe(`error validating connector type config: ${field} must be provided when isOAuth = true`);
    }
    const secretsError = (secrets: Record<string, unknown>) => thrownMessage(() => validateSecrets(def, secrets, ctx));
    expect(secretsError({})).toBe('error validating connector type secrets: Either basic auth or OAuth credentials must be specified');
    expect(secretsError({ username: 'u' })).toBe('error validating connector type secrets: username and password must both be specified');
    expect(secretsError({ password: 'p', clientSecret: 's', privateKey: 'k' })).toBe('error validating connector type secrets: username and password must both be specified');
    expect(secretsError({ clientSecret: 's' })).toBe('error validating connector type secrets: clientSecret and privateKey must both be specified');
    expect(secretsError({ privateKey: 'k' })).toBe('error validating connector type secrets: clientSecret and privateKey must both be specified');
    expect(validateSecrets(def, USER, ctx)).toEqual({ ...USER, ...NO_OAUTH_SECRETS });

    const connectorError = (config: Record<string, unknown>, secrets: Record<string, unknown>) =>
      thrownMessage(() => validateConnector(def, validateConfig(def, config, ctx), validateSecrets(def, secrets, ctx)));
    const oauthSecrets = { clientSecret: 's', privateKey: 'k' };
    expect(connectorError(oauth, USER)).toBe('error validating action type connector: clientSecret must be provided when isOAuth = true');
    expect(connectorError(oauth, { ...oauthSecrets, ...USER })).toBe('error validating action type connector: Username and password should not be provided with isOAuth = true');
    expect(connectorError({ apiUrl: oauth.apiUrl }, oauthSecrets)).toBe('error validating action type connector: username must be provided when isOAuth = false');
    expect(connectorError({ apiUrl: oauth.apiUrl, clientId: 'abc' }, USER)).toBe(
      'error validating action type connector: clientId, clientSecret, userIdentifierValue, jwtKeyId and privateKey should not be provided with isOAuth = false',
    );
    expect(() => validateConnector(def, validateConfig(def, oauth, ctx), validateSecrets(def, oauthSecrets, ctx))).not.toThrow();
  });

  it('is deprecated on the Table API, as Kibana computes is_deprecated', () => {
    expect(usesDeprecatedTableApi({ apiUrl: 'x', usesTableApi: true })).toBe(true);
    expect(usesDeprecatedTableApi({ apiUrl: 'x' })).toBe(true);
    expect(usesDeprecatedTableApi({ apiUrl: 'x', usesTableApi: false })).toBe(false);
    expect(usesDeprecatedTableApi(undefined)).toBe(false);
  });

  it("checks params as Kibana's union: defaults, additional_fields as an object or JSON text, its keys and size", () => {
    expect(validateParams(def, push({ short_description: 'x' }), ctx)).toEqual(
      push({
        short_description: 'x',
        description: null,
        externalId: null,
        category: null,
        subcategory: null,
        correlation_id: '{{rule.id}}:{{alert.id}}',
        correlation_display: null,
        additional_fields: null,
        severity: null,
        urgency: null,
        impact: null,
      }),
    );
    expect(validateParams(def, push({ short_description: 'x', additional_fields: '{"u_cmdb_ci":"host-a","severity":"1"}' }), ctx)).toMatchObject(
      push({ additional_fields: { u_cmdb_ci: 'host-a', severity: '1' } }),
    );
    expect(thrownMessage(() => validateParams(def, push({ short_description: 'x', additional_fields: { short_description: 'y' } }), ctx))).toBe(
      'error validating action params: Field "subActionParams.incident.additional_fields.short_description": The following properties cannot be defined inside additional_fields: short_description.',
    );
    const tooMany = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`u_f${i}`, 'v']));
    expect(thrownMessage(() => validateParams(def, push({ short_description: 'x', additional_fields: tooMany }), ctx))).toBe(
      'error validating action params: Field "subActionParams.incident.additional_fields": A maximum of 20 fields in additional_fields can be defined at a time.',
    );
    expect(thrownMessage(() => validateParams(def, push({ short_description: 'x', additional_fields: '{oops' }), ctx))).toMatch(
      /^error validating action params: Field "subActionParams\.incident\.additional_fields": .*JSON/,
    );
    expect(thrownMessage(() => validateParams(def, push({ short_description: 'x' }, [{ comment: 'boo' }]), ctx))).toBe(
      'error validating action params: Field "subActionParams.comments.0.commentId": Required',
    );
    expect(thrownMessage(() => validateParams(def, { subAction: 'getChoices', subActionParams: {} }, ctx))).toBe('error validating action params: Field "subActionParams.fields": Required');
    expect(thrownMessage(() => validateParams(def, { subAction: 'non-supported' }, ctx))).toMatch(/^error validating action params: Field "subAction": Invalid discriminator value/);
    expect(validateParams(def, { subAction: 'closeIncident', subActionParams: { incident: {} } }, ctx)).toEqual({
      subAction: 'closeIncident',
      subActionParams: { incident: { externalId: null, correlation_id: '{{rule.id}}:{{alert.id}}' } },
    });
    expect(() => validateParams(def, def.testParams, ctx)).not.toThrow();
  });
});

describe('.servicenow against a ServiceNow instance', () => {
  let sim: ServiceNowSimulator;
  let services: ConnectorServices;
  const importConfig = () => ({ apiUrl: sim.url, isOAuth: false, userIdentifierValue: null, clientId: null, jwtKeyId: null, usesTableApi: false });
  const secrets = { ...USER, ...NO_OAUTH_SECRETS };
  const run = (params: unknown, over: { config?: Record<string, unknown>; secrets?: Record<string, unknown>; connectorId?: string } = {}) =>
    runAsAction(
      def,
      makeContext(
        { config: { ...importConfig(), ...over.config } as never, secrets: { ...secrets, ...over.secrets } as never, params: validateParams(def, params, ctx) as never },
        { services, connectorId: over.connectorId },
      ),
    );
  const incidents = () => sim.tables.get('incident')!;
  const paths = () => sim.requests.map((r) => `${r.method} ${r.path.split('?')[0]}`);

  beforeAll(async () => {
    sim = await startServiceNowSimulator({ ...USER, readOnly: { username: 'reader', password: 'reader-pw' }, oauth: OAUTH });
  });
  afterAll(() => sim.close());
  beforeEach(() => {
    sim.requests.length = 0;
    services = makeServices();
  });

  it('creates through the Elastic app (u_ columns, caller and opener), reads the incident back, and writes each comment as a work note', async () => {
    const { result } = await run(
      push({ ...INCIDENT, additional_fields: { u_cmdb_ci: 'host-a' } }, [
        { commentId: 'c1', comment: 'first note' },
        { commentId: 'c2', comment: 'second note' },
      ]),
    );
    expect(result.status).toBe('ok');
    const [created] = [...incidents().values()].filter((r) => r.short_description === INCIDENT.short_description);
    const pushedDate = new Date(`${created.sys_created_on} GMT`).toISOString();
    expect(result.data).toEqual({
      id: created.sys_id,
      title: created.number,
      url: `${sim.url}/nav_to.do?uri=incident.do?sys_id=${created.sys_id}`,
      pushedDate,
      comments: [
        { commentId: 'c1', pushedDate },
        { commentId: 'c2', pushedDate },
      ],
    });
    expect(pushedDate).toMatch(ISO);
    expect(created).toMatchObject({ ...INCIDENT, caller_id: USER.username, opened_by: USER.username, cmdb_ci: 'host-a', correlation_id: '{{rule.id}}:{{alert.id}}' });
    expect(sim.workNotes.get(created.sys_id)).toEqual(['first note', 'second note']);
    const writes = ['GET /api/x_elas2_inc_int/elastic_api/health', 'POST /api/now/import/x_elas2_inc_int_elastic_incident', `GET /api/now/v2/table/incident/${created.sys_id}`];
    expect(paths()).toEqual([...writes, ...writes, ...writes]);
    const [firstWrite, , secondWrite] = sim.requests.filter((r) => r.method === 'POST').map((r) => JSON.parse(r.body));
    expect(firstWrite).toEqual({
      u_cmdb_ci: 'host-a',
      u_short_description: INCIDENT.short_description,
      u_description: INCIDENT.description,
      u_category: 'software',
      u_subcategory: 'os',
      u_correlation_id: '{{rule.id}}:{{alert.id}}',
      u_correlation_display: null,
      u_severity: '1',
      u_urgency: '2',
      u_impact: '3',
      u_caller_id: USER.username,
      u_opened_by: USER.username,
    });
    // Each comment re-sends the incident (without caller and opener), naming it by elastic_incident_id.
    expect(secondWrite).toMatchObject({ u_short_description: INCIDENT.short_description, u_work_notes: 'second note', elastic_incident_id: created.sys_id });
    expect(secondWrite).not.toHaveProperty('u_caller_id');
    expect(sim.requests[0].headers.authorization).toBe(`Basic ${Buffer.from(`${USER.username}:${USER.password}`).toString('base64')}`);
  });

  it('updates the incident externalId names; no comments key without comments', async () => {
    const created = (await run(push(INCIDENT))).result.data as { id: string };
    sim.requests.length = 0;
    const { result } = await run(push({ ...INCIDENT, short_description: 'CPU back to normal', externalId: created.id }, []));
    const record = incidents().get(created.id)!;
    expect(record.short_description).toBe('CPU back to normal');
    expect(result.data).toEqual({ id: created.id, title: record.number, url: `${sim.url}/nav_to.do?uri=incident.do?sys_id=${created.id}`, pushedDate: new Date(`${record.sys_updated_on} GMT`).toISOString() });
    expect(JSON.parse(sim.requests[1].body)).toMatchObject({ elastic_incident_id: created.id, u_short_description: 'CPU back to normal' });
  });

  it('uses the Table API when usesTableApi: POST, then PATCH the record; no health check, fields unprefixed; additional_fields refused', async () => {
    const table = { config: { usesTableApi: true } };
    const created = (await run(push(INCIDENT, [{ commentId: 'c1', comment: 'note' }]), table)).result.data as { id: string };
    expect(paths()).toEqual(['POST /api/now/v2/table/incident', `GET /api/now/v2/table/incident/${created.id}`, `PATCH /api/now/v2/table/incident/${created.id}`, `GET /api/now/v2/table/incident/${created.id}`]);
    expect(JSON.parse(sim.requests[0].body)).toMatchObject({ short_description: INCIDENT.short_description, caller_id: USER.username });
    expect(JSON.parse(sim.requests[2].body)).toMatchObject({ work_notes: 'note' });

    const refused = await run(push({ ...INCIDENT, additional_fields: { u_cmdb_ci: 'a' } }), table);
    expect(refused.result).toMatchObject({
      status: 'error',
      message: 'an error occurred while running the action',
      retry: true,
      errorSource: 'framework',
      serviceMessage: '[Action][ServiceNow]: Unable to create incident. Error: ServiceNow additional fields are not supported for deprecated connectors. [status=none] [method=post] [endpoint=table]',
    });
  });

  it("fails as Kibana words it when the Elastic app is not installed (the health check's 400)", async () => {
    const bare = await startServiceNowSimulator({ ...USER, apps: { itsm: false } });
    try {
      const { result, failure } = await run(push(INCIDENT), { config: { apiUrl: bare.url } });
      const reason = 'Reason: Requested URI does not represent any resource';
      expect(result.serviceMessage).toBe(
        `[Action][ServiceNow]: Unable to create incident. Error: [Action][ServiceNow]: Unable to get application version. Error: Request failed with status code 400 ${reason} [status=400] [method=get] [endpoint=health] ${reason} [status=400] [method=post] [endpoint=import_set]`,
      );
      expect(failure).toEqual({ httpStatus: 400 });
      expect(bare.requests.map((r) => r.path)).toEqual(['/api/x_elas2_inc_int/elastic_api/health']);
    } finally {
      await bare.close();
    }
  });

  it("words 401, 403 and 404 with ServiceNow's reason; the queue reads the status, a 429 pauses until Retry-After", async () => {
    const denied = await run(push(INCIDENT), { secrets: { password: 'wrong-password-xyz' } });
    expect(denied.result).toMatchObject({ status: 'error', retry: true, errorSource: 'framework' });
    expect(denied.result.serviceMessage).toBe(
      '[Action][ServiceNow]: Unable to create incident. Error: [Action][ServiceNow]: Unable to get application version. Error: Request failed with status code 401 Reason: User Not Authenticated: Required to provide Auth information [status=401] [method=get] [endpoint=health] Reason: User Not Authenticated: Required to provide Auth information [status=401] [method=post] [endpoint=import_set]',
    );
    expect(denied.failure).toEqual({ httpStatus: 401 });
    expect(JSON.stringify(denied)).not.toContain('wrong-password-xyz');

    const forbidden = await run(push(INCIDENT), { secrets: { username: 'reader', password: 'reader-pw' }, config: { usesTableApi: true } });
    expect(forbidden.result.serviceMessage).toBe(
      '[Action][ServiceNow]: Unable to create incident. Error: Request failed with status code 403 Reason: Operation Failed: ACL Exception Insert Failed due to security constraints [status=403] [method=post] [endpoint=table]',
    );

    const unknown = await run(push({ ...INCIDENT, externalId: 'no-such-id' }), { config: { usesTableApi: true } });
    expect(unknown.result.serviceMessage).toBe(
      "[Action][ServiceNow]: Unable to update incident with id no-such-id. Error: Request failed with status code 404 Reason: No Record found: Record doesn't exist or ACL restricts the record retrieval [status=404] [method=patch] [endpoint=table]",
    );
    expect(unknown.failure).toEqual({ httpStatus: 404 });

    sim.failNext(429, JSON.stringify({ error: { message: 'Rate limit exceeded', detail: null }, status: 'failure' }), { 'Retry-After': '30' });
    const started = Date.now();
    const limited = await run({ subAction: 'getChoices', subActionParams: { fields: ['priority'] } });
    expect(limited.result).toMatchObject({
      errorSource: 'framework',
      serviceMessage: '[Action][ServiceNow]: Unable to get choices. Error: Request failed with status code 429 Reason: Rate limit exceeded [status=429] [method=get] [endpoint=table]',
    });
    expect(limited.failure?.httpStatus).toBe(429);
    expect(limited.failure?.retryAt?.getTime()).toBeGreaterThanOrEqual(started + 30_000);
  });

  it("refuses an import set row in error as the user's, with ServiceNow's message", async () => {
    const { result } = await run(push({ ...INCIDENT, externalId: 'not-in-the-table' }));
    expect(result).toMatchObject({
      errorSource: 'user',
      serviceMessage: '[Action][ServiceNow]: Unable to update incident with id not-in-the-table. Error: Incident with sys_id not-in-the-table not found [status=201] [method=post] [endpoint=import_set]',
    });
  });

  it('lists fields and choices, answers getIncident with {} and refuses handshake, as Kibana', async () => {
    expect((await run({ subAction: 'getFields', subActionParams: {} })).result.data).toEqual([
      { column_label: 'Close notes', mandatory: 'false', max_length: '4000', element: 'close_notes' },
      { column_label: 'Description', mandatory: 'false', max_length: '4000', element: 'description' },
      { column_label: 'Short description', mandatory: 'false', max_length: '160', element: 'short_description' },
    ]);
    expect(sim.requests[0].path).toBe(
      '/api/now/table/sys_dictionary?sysparm_query=name=task^ORname=incident^internal_type=string&active=true&array=false&read_only=false&sysparm_fields=max_length,element,column_label,mandatory',
    );
    sim.requests.length = 0;
    const choices = (await run({ subAction: 'getChoices', subActionParams: { fields: ['urgency', 'impact'] } })).result.data;
    expect(choices).toEqual([
      { label: '1 - High', value: '1', dependent_value: '', element: 'urgency' },
      { label: '2 - Medium', value: '2', dependent_value: '', element: 'urgency' },
      { label: '3 - Low', value: '3', dependent_value: '', element: 'urgency' },
      { label: '1 - High', value: '1', dependent_value: '', element: 'impact' },
      { label: '2 - Medium', value: '2', dependent_value: '', element: 'impact' },
      { label: '3 - Low', value: '3', dependent_value: '', element: 'impact' },
    ]);
    expect(sim.requests[0].path).toBe(
      '/api/now/table/sys_choice?sysparm_query=name=task^ORname=incident^element=urgency^ORelement=impact^language=en&sysparm_fields=label,value,dependent_value,element',
    );
    sim.requests.length = 0;
    expect((await run({ subAction: 'getIncident', subActionParams: { externalId: 'abc' } })).result).toMatchObject({ status: 'ok', data: {} });
    expect(sim.requests).toHaveLength(0);
    expect((await run({ subAction: 'handshake', subActionParams: {} })).result).toMatchObject({
      status: 'error',
      serviceMessage: '[Action][ExternalService] subAction handshake not implemented.',
    });
  });

  it('closes the incident named by id or by correlation id (newest), leaves a closed one, and answers {} when none is found', async () => {
    const first = (await run(push({ ...INCIDENT, correlation_id: 'rule-1:alert-1' }))).result.data as { id: string };
    const second = (await run(push({ ...INCIDENT, correlation_id: 'rule-1:alert-1' }))).result.data as { id: string };
    sim.requests.length = 0;
    const closed = await run({ subAction: 'closeIncident', subActionParams: { incident: { correlation_id: 'rule-1:alert-1' } } });
    const record = incidents().get(second.id)!;
    expect(record).toMatchObject({ state: '7', close_code: 'Closed/Resolved by Caller', close_notes: 'Closed by Caller' });
    expect(incidents().get(first.id)!.state).toBe('1');
    expect(closed.result.data).toEqual({ id: second.id, title: record.number, url: `${sim.url}/nav_to.do?uri=incident.do?sys_id=${second.id}`, pushedDate: new Date(`${record.sys_updated_on} GMT`).toISOString() });
    expect(sim.requests[0].path).toBe('/api/now/v2/table/incident?sysparm_query=ORDERBYDESCsys_created_on^correlation_id=rule-1:alert-1');
    expect(JSON.parse(sim.requests[2].body)).toEqual({ u_state: '7', u_close_code: 'Closed/Resolved by Caller', u_close_notes: 'Closed by Caller', elastic_incident_id: second.id });

    sim.requests.length = 0;
    const again = await run({ subAction: 'closeIncident', subActionParams: { incident: { externalId: second.id, correlation_id: null } } });
    expect(again.result.data).toEqual(closed.result.data);
    expect(paths()).toEqual([`GET /api/now/v2/table/incident/${second.id}`]);

    for (const incident of [{ correlation_id: 'custom_correlation_id' }, { externalId: 'gone', correlation_id: null }]) {
      expect((await run({ subAction: 'closeIncident', subActionParams: { incident } })).result).toMatchObject({ status: 'ok', data: {} });
    }
    expect((await run({ subAction: 'closeIncident', subActionParams: { incident: { externalId: null, correlation_id: null } } })).result.serviceMessage).toBe(
      '[Action][ServiceNow]: Unable to close incident. Error: No correlationId or incidentId found. [status=none] [method=post] [endpoint=import_set]',
    );
  });

  it('refuses a connection missing the credentials of its authentication', async () => {
    const { result } = await run({ subAction: 'getFields', subActionParams: {} }, { secrets: { password: null } });
    expect(result).toMatchObject({ status: 'error', serviceMessage: '[Action]ServiceNow: Wrong configuration.' });
  });

  describe('with OAuth', () => {
    const oauthConfig = { isOAuth: true, clientId: OAUTH.clientId, jwtKeyId: OAUTH.jwtKeyId, userIdentifierValue: OAUTH.userIdentifierValue };
    const oauthSecrets = { username: null, password: null, clientSecret: OAUTH.clientSecret, privateKey: PRIVATE_KEY, privateKeyPassword: null };
    const runOAuth = (over: { secrets?: Record<string, unknown>; connectorId?: string } = {}) =>
      run({ subAction: 'getFields', subActionParams: {} }, { config: oauthConfig, secrets: { ...oauthSecrets, ...over.secrets }, connectorId: over.connectorId });

    it('signs an RS256 JWT with the key id, trades it at /oauth_token.do, and reuses the token until a 4xx drops it', async () => {
      expect((await runOAuth()).result.status).toBe('ok');
      const [tokenRequest, call] = sim.requests;
      expect(tokenRequest).toMatchObject({ method: 'POST', path: '/oauth_token.do', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' } });
      const form = Object.fromEntries(new URLSearchParams(tokenRequest.body));
      expect(form).toMatchObject({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', client_id: OAUTH.clientId, client_secret: OAUTH.clientSecret });
      const [header, claims] = form.assertion.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
      expect(header).toEqual({ alg: 'RS256', typ: 'JWT', kid: OAUTH.jwtKeyId });
      expect(claims).toMatchObject({ sub: OAUTH.userIdentifierValue, aud: OAUTH.clientId, iss: OAUTH.clientId });
      expect(claims.exp - claims.iat).toBe(3600);
      expect(call.headers.authorization).toBe(`Bearer ${sim.issuedTokens.at(-1)}`);

      await runOAuth();
      expect(sim.requests.filter((r) => r.path === '/oauth_token.do')).toHaveLength(1);
      sim.failNext(401, JSON.stringify({ error: { message: 'User Not Authenticated', detail: 'Required to provide Auth information' }, status: 'failure' }));
      expect((await runOAuth()).result.status).toBe('error');
      await runOAuth();
      expect(sim.requests.filter((r) => r.path === '/oauth_token.do')).toHaveLength(2);
    });

    it('reads an encrypted private key with its password, and a key whose line breaks were lost', async () => {
      const { result } = await runOAuth({ secrets: { privateKey: ENCRYPTED_KEY, privateKeyPassword: 'key-pass' }, connectorId: 'encrypted-key' });
      expect(result.status).toBe('ok');
      for (const [connectorId, privateKey] of [
        ['flattened-key', PRIVATE_KEY.replaceAll('\n', '')],
        ['spaced-key', PRIVATE_KEY.replaceAll('\n', ' ')],
      ]) {
        expect((await runOAuth({ secrets: { privateKey }, connectorId })).result.status, connectorId).toBe('ok');
      }
    });

    it("words a refused token request and an unreadable key as Kibana does, without the secrets", async () => {
      const refused = await runOAuth({ secrets: { clientSecret: 'wrong-client-secret' }, connectorId: 'wrong-secret' });
      expect(refused.result.serviceMessage).toBe('[Action][ServiceNow]: Unable to get fields. Error: invalid_client Reason: Client authentication failed [status=none] [method=get] [endpoint=table]');
      const unreadable = await runOAuth({ secrets: { privateKey: '-----BEGIN RSA PRIVATE KEY-----\nddddddd\n-----END RSA PRIVATE KEY-----' }, connectorId: 'bad-key' });
      expect(unreadable.result.serviceMessage).toMatch(/^\[Action\]\[ServiceNow\]: Unable to get fields\. Error: Unable to generate JWT token\. Error: Error: .+ \[status=none\] \[method=get\] \[endpoint=table\]$/);
      expect(JSON.stringify([refused, unreadable])).not.toMatch(/wrong-client-secret|ddddddd/);
    });
  });

  it('dates pushes as ServiceNow writes them (GMT without saying so)', () => {
    expect(new Date(`${serviceNowDate(new Date('2020-03-10T12:24:20Z'))} GMT`).toISOString()).toBe('2020-03-10T12:24:20.000Z');
  });
});
