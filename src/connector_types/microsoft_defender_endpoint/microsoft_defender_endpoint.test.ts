import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ReadOutcome } from '../../actions/executor.js';
import type { SubActionParams } from '../../actions/sub_actions.js';
import type { ActionResult, ConnectorServices } from '../../actions/types.js';
import { validateConfig, validateParams, validateSecrets } from '../../actions/validation.js';
import { installZod3Messages } from '../../common/zod_messages.js';
import { makeConfigurationUtilities, makeContext, makeServices, runAsAction, thrownMessage } from '../lib/test_context.js';
import { tokenUrlOf } from './auth.js';
import { microsoftDefenderEndpointConnectorType as def } from './index.js';
import type { DefenderConfig, DefenderSecrets } from './schema.js';
import { defenderSubActions } from './service.js';
import { DEFAULT_MACHINES, startDefenderSimulator, type DefenderSimulator } from './simulator.js';

installZod3Messages();

const ctx = { configurationUtilities: makeConfigurationUtilities() };
const TENANT = 'a1b2c3d4-0000-4000-8000-00000000e2e1';
const CLIENT_ID = 'f00dcafe-1111-4111-8111-000000000001';
const SECRET = 'mde-secret~value-9d1f';
const SCOPE = 'https://securitycenter.onmicrosoft.com/windowsatpservice/.default';
const WEB_1 = DEFAULT_MACHINES[0].id;

describe('.microsoft_defender_endpoint definition and validation', () => {
  it("has Kibana's identity, and declares what the endpoint-security guard rails read", () => {
    expect(def).toMatchObject({ id: '.microsoft_defender_endpoint', name: 'Microsoft Defender for Endpoint', minimumLicenseRequired: 'enterprise', category: 'edr' });
    expect(def.supportedFeatureIds).toEqual(['endpointSecurity']);
    expect(def.subActionSchemas?.map((s) => s.name)).toEqual([
      'getAgentDetails',
      'getAgentList',
      'isolateHost',
      'releaseHost',
      'runScript',
      'getActions',
      'getActionResults',
      'getLibraryFiles',
      'cancelAction',
      'testConnector',
    ]);
    const declared = Object.fromEntries(defenderSubActions.map((s) => [s.name, { endpoint: s.endpoint, downloads: s.downloads }]));
    expect(declared).toMatchObject({
      testConnector: { endpoint: 'reads' },
      getAgentDetails: { endpoint: undefined },
      isolateHost: { endpoint: 'changesHost' },
      releaseHost: { endpoint: 'changesHost' },
      runScript: { endpoint: 'changesHost' },
      cancelAction: { endpoint: 'changesHost' },
      getActionResults: { endpoint: undefined, downloads: true },
    });
    expect(def.hostIdsOf!({ subAction: 'isolateHost', subActionParams: { id: 'm1', comment: 'c' } })).toEqual(['m1']);
    expect(def.hostIdsOf!({ subAction: 'getAgentList', subActionParams: { id: ['m1', 'm2'] } })).toEqual(['m1', 'm2']);
    expect(def.hostIdsOf!({ subAction: 'getActions', subActionParams: { machineId: 'm3', id: 'action-1' } })).toEqual(['m3']);
    expect(def.hostIdsOf!({ subAction: 'getActionResults', subActionParams: { id: 'action-1' } })).toEqual([]);
    expect(def.hostIdsOf!({ subAction: 'testConnector', subActionParams: {} })).toEqual(['elastic-connector-test']);
  });

  it('validates config and secrets: every field a non-empty string, strict, both URLs held to allowedHosts', () => {
    const config = { clientId: CLIENT_ID, tenantId: TENANT, oAuthServerUrl: 'https://login.microsoftonline.com', oAuthScope: SCOPE, apiUrl: 'https://api.securitycenter.microsoft.com' };
    expect(validateConfig(def, config, ctx)).toEqual(config);
    expect(thrownMessage(() => validateConfig(def, { ...config, tenantId: '' }, ctx))).toBe(
      'error validating connector type config: Field "tenantId": String must contain at least 1 character(s)',
    );
    expect(thrownMessage(() => validateConfig(def, { ...config, extra: 1 }, ctx))).toBe("error validating connector type config: Unrecognized key(s) in object: 'extra'");
    const onlyApi = { configurationUtilities: makeConfigurationUtilities({ allowedHosts: ['api.securitycenter.microsoft.com'] }) };
    expect(thrownMessage(() => validateConfig(def, config, onlyApi))).toBe(
      'error validating connector type config: error validating url: target url "https://login.microsoftonline.com" is not added to the Kibana config xpack.actions.allowedHosts',
    );
    const onlyLogin = { configurationUtilities: makeConfigurationUtilities({ allowedHosts: ['login.microsoftonline.com'] }) };
    expect(thrownMessage(() => validateConfig(def, config, onlyLogin))).toMatch(/target url "https:\/\/api\.securitycenter\.microsoft\.com" is not added/);
    expect(thrownMessage(() => validateSecrets(def, {}, ctx))).toBe('error validating connector type secrets: Field "clientSecret": Required');
  });

  it("builds the token URL from the OAuth server's origin and the tenant", () => {
    expect(tokenUrlOf({ oAuthServerUrl: 'https://login.microsoftonline.com', tenantId: TENANT })).toBe(`https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/token`);
    expect(tokenUrlOf({ oAuthServerUrl: 'https://login.example.com/common/oauth2/token?x=1', tenantId: 'contoso.onmicrosoft.com' })).toBe(
      'https://login.example.com/contoso.onmicrosoft.com/oauth2/v2.0/token',
    );
  });

  it('reads by default in the Test tab, and its params validate', () => {
    expect(def.testParams).toEqual({ subAction: 'testConnector', subActionParams: {} });
    expect(validateParams(def, def.testParams, ctx)).toEqual(def.testParams);
  });
});

describe('.microsoft_defender_endpoint against the Entra ID and Defender simulator', () => {
  let sim: DefenderSimulator;
  let services: ConnectorServices;
  let connectorSeq = 0;
  let connectorId: string;

  beforeAll(async () => {
    sim = await startDefenderSimulator({ tenantId: TENANT, clientId: CLIENT_ID, clientSecret: SECRET });
    services = makeServices();
  });
  afterAll(async () => {
    await services.http.close();
    await sim.close();
  });
  beforeEach(() => {
    // A connector of its own per test: its token is not another test's.
    connectorId = `mde-${++connectorSeq}`;
    sim.requests.length = 0;
    sim.tokenRequests.length = 0;
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function context(params: unknown, overrides: { secret?: string; config?: Partial<DefenderConfig>; services?: ConnectorServices } = {}) {
    const config = validateConfig(def, { clientId: CLIENT_ID, tenantId: TENANT, oAuthServerUrl: sim.url, oAuthScope: SCOPE, apiUrl: sim.url, ...overrides.config }, ctx) as DefenderConfig;
    const secrets = validateSecrets(def, { clientSecret: overrides.secret ?? SECRET }, ctx) as DefenderSecrets;
    return makeContext({ config, secrets, params: validateParams(def, params, ctx) as SubActionParams }, { connectorId, services: overrides.services ?? services });
  }
  const outcome = (params: unknown, overrides: Parameters<typeof context>[1] = {}): Promise<ReadOutcome> => runAsAction(def, context(params, overrides));
  const run = async (params: unknown, overrides: Parameters<typeof context>[1] = {}): Promise<ActionResult> => (await outcome(params, overrides)).result;
  const apiRequests = () => sim.requests.filter((r) => r.path.startsWith('/api/'));
  const failed = (serviceMessage: string, errorSource = 'framework') => ({
    status: 'error',
    actionId: connectorId,
    message: 'an error occurred while running the action',
    serviceMessage,
    retry: true,
    errorSource,
  });

  it('gets a token with the client credentials form, then a machine with it', async () => {
    const result = await run({ subAction: 'getAgentDetails', subActionParams: { id: WEB_1 } });
    expect(result).toMatchObject({ status: 'ok', data: { id: WEB_1, computerDnsName: 'web-1.contoso.com', healthStatus: 'Active' } });
    const [tokenRequest, apiRequest] = sim.requests;
    expect(tokenRequest).toMatchObject({ method: 'POST', path: `/${TENANT}/oauth2/v2.0/token` });
    expect(tokenRequest.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    expect(sim.tokenRequests).toEqual([{ grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: SECRET, scope: SCOPE }]);
    expect(apiRequest).toMatchObject({ method: 'GET', path: `/api/machines/${WEB_1}` });
    expect(apiRequest.headers.authorization).toBe(`Bearer ${sim.issued[0]}`);
  });

  it("words an unknown machine with Defender's error, the request and the body", async () => {
    const result = await run({ subAction: 'getAgentDetails', subActionParams: { id: 'no-such-machine' } });
    expect(result.serviceMessage).toMatch(
      new RegExp(
        `^Status code: 404\\. Message: API Error: \\[Not Found\\] Request failed with status code 404\\nURL called:\\[get\\] ${sim.url}/api/machines/no-such-machine\\nResponse body: \\{"error":\\{"code":"ResourceNotFound","message":"Machine no-such-machine was not found","target":"[0-9a-f-]+"\\}\\}$`,
      ),
    );
    expect(result).toMatchObject({ status: 'error', retry: true, errorSource: 'framework' });
  });

  it('lists machines with an OData filter and paging, and says the page and the total', async () => {
    const result = await run({ subAction: 'getAgentList', subActionParams: { healthStatus: 'Active', machineTags: ['prod'], page: 2, pageSize: 1 } });
    // Filters in the schema's order; the URL's parser writes quotes as %27.
    expect(apiRequests()[0].path).toBe('/api/machines?$count=true&$top=1&$skip=1&$filter=machineTags+in+(%27prod%27)+AND+healthStatus+eq+%27Active%27');
    expect(result).toMatchObject({ status: 'ok', data: { '@odata.count': 2, page: 2, pageSize: 1, total: 2 } });
    expect((result.data as { value: Array<{ id: string }> }).value.map((m) => m.id)).toEqual([DEFAULT_MACHINES[1].id]);

    const all = await run({ subAction: 'getAgentList', subActionParams: {} });
    expect(all.data).toMatchObject({ page: 1, pageSize: 20, total: 3 });
    expect(apiRequests()[1].path).toBe('/api/machines?$count=true&$top=20');
  });

  it("isolates a machine; a second isolation while one is pending is Defender's ActiveRequestAlreadyExists; then releases it", async () => {
    const isolated = await run({ subAction: 'isolateHost', subActionParams: { id: WEB_1, comment: 'contain the host' } });
    expect(isolated).toMatchObject({ status: 'ok', data: { type: 'Isolate', scope: 'Full', status: 'Pending', machineId: WEB_1, requestorComment: 'contain the host' } });
    expect(JSON.parse(apiRequests()[0].body)).toEqual({ Comment: 'contain the host', IsolationType: 'Full' });
    expect(apiRequests()[0]).toMatchObject({ method: 'POST', path: `/api/machines/${WEB_1}/isolate` });

    const again = await outcome({ subAction: 'isolateHost', subActionParams: { id: WEB_1, comment: 'again' } });
    expect(again).toEqual({
      result: failed("Status code: 400. Message: Action is already in progress. Please wait or force clear with 'cancel' response action"),
      failure: { httpStatus: 400 },
    });

    sim.settle((isolated.data as { id: string }).id);
    const released = await run({ subAction: 'releaseHost', subActionParams: { id: WEB_1, comment: 'clean' } });
    expect(released).toMatchObject({ status: 'ok', data: { type: 'Unisolate', status: 'Pending', requestorComment: 'clean' } });
    expect(JSON.parse(apiRequests().at(-1)!.body)).toEqual({ Comment: 'clean' });
    sim.settle((released.data as { id: string }).id);
  });

  it('cancels a pending action; a settled one cannot be', async () => {
    const isolated = await run({ subAction: 'isolateHost', subActionParams: { id: DEFAULT_MACHINES[1].id, comment: 'contain' } });
    const actionId = (isolated.data as { id: string }).id;
    const cancelled = await run({ subAction: 'cancelAction', subActionParams: { actionId, comment: 'mistake' } });
    expect(cancelled).toMatchObject({ status: 'ok', data: { id: actionId, status: 'Cancelled', cancellationComment: 'mistake' } });
    expect(apiRequests().at(-1)).toMatchObject({ method: 'POST', path: `/api/machineactions/${actionId}/cancel`, body: '{"Comment":"mistake"}' });
    const late = await run({ subAction: 'cancelAction', subActionParams: { actionId, comment: 'again' } });
    expect(late.serviceMessage).toMatch(/^Status code: 400\. Message: API Error: \[Bad Request\] Request failed with status code 400\nURL called:\[post\] .*\/cancel\nResponse body: \{"error":\{"code":"InvalidRequest"/);
  });

  it("runs a library script as a live response, finds it among the machine's actions, and downloads its result as a stream without the token", async () => {
    const ran = await run({ subAction: 'runScript', subActionParams: { id: WEB_1, comment: 'collect', parameters: { scriptName: 'collect_logs.ps1' } } });
    expect(ran).toMatchObject({ status: 'ok', data: { type: 'LiveResponse', status: 'Succeeded' } });
    expect(JSON.parse(apiRequests()[0].body)).toEqual({
      Comment: 'collect',
      Commands: [{ type: 'RunScript', params: [{ key: 'ScriptName', value: 'collect_logs.ps1' }, { key: 'Args', value: '--noargs' }] }],
    });
    const actionId = (ran.data as { id: string }).id;

    const listed = await run({ subAction: 'getActions', subActionParams: { machineId: WEB_1, type: ['LiveResponse'], status: 'Succeeded', sortField: 'creationDateTimeUtc', pageSize: 5 } });
    expect(apiRequests()[1].path).toBe(
      `/api/machineactions?$count=true&$top=5&$orderby=creationDateTimeUtc+desc&$filter=status+eq+%27Succeeded%27+AND+machineId+eq+%27${WEB_1}%27+AND+type+in+(%27LiveResponse%27)`,
    );
    expect(listed.data).toMatchObject({ page: 1, pageSize: 5, total: 1, value: [{ id: actionId }] });

    const downloaded = await run({ subAction: 'getActionResults', subActionParams: { id: actionId } });
    expect(downloaded.status).toBe('ok');
    expect(downloaded.data).toBeInstanceOf(Readable);
    expect(await buffer(downloaded.data as Readable)).toEqual(sim.resultFile(actionId));
    const [linkRequest, fileRequest] = sim.requests.slice(-2);
    expect(linkRequest.path).toBe(`/api/machineactions/${actionId}/GetLiveResponseResultDownloadLink(index=0)`);
    expect(fileRequest.path).toMatch(new RegExp(`^/download/${actionId}/0\\?`));
    expect(fileRequest.headers.authorization).toBeUndefined();
  });

  it('hands a large result file over as it arrives, never holding it whole', async () => {
    const size = 256 * 1024 * 1024;
    const big = await startDefenderSimulator({ tenantId: TENANT, clientId: CLIENT_ID, clientSecret: SECRET, resultFileBytes: size });
    try {
      const ran = await run({ subAction: 'runScript', subActionParams: { id: WEB_1, parameters: { scriptName: 'test' } } }, { config: { oAuthServerUrl: big.url, apiUrl: big.url } });
      const result = await run({ subAction: 'getActionResults', subActionParams: { id: (ran.data as { id: string }).id } }, { config: { oAuthServerUrl: big.url, apiUrl: big.url } });
      // What the simulator has sent and the reader not yet taken: what sits in buffers on the way.
      let received = 0;
      let inFlight = 0;
      for await (const chunk of result.data as Readable) {
        received += (chunk as Buffer).length;
        inFlight = Math.max(inFlight, big.sentBytes() - received);
      }
      expect(received).toBe(size);
      // Socket and stream buffers (a few MiB on loopback), never the file.
      expect(inFlight).toBeLessThan(32 * 1024 * 1024);
    } finally {
      await big.close();
    }
  });

  it("fails a download whose link is missing in Kibana's words, and an action with no result as Defender answers it", async () => {
    // A token first: the one-off answer is for the link request.
    await run({ subAction: 'getLibraryFiles', subActionParams: {} });
    sim.failNext(200, '{"@odata.context":"x"}');
    expect((await run({ subAction: 'getActionResults', subActionParams: { id: 'act-1' } })).serviceMessage).toBe('Download URL for script results of machineId [act-1] not found');
    expect((await run({ subAction: 'getActionResults', subActionParams: { id: 'act-1' } })).serviceMessage).toMatch(/^Status code: 404\. .*ResourceNotFound/s);
  });

  it('simulates OData as Defender reads it: an order, no count unless asked, a filter it cannot read refused', async () => {
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: SECRET, scope: SCOPE });
    const token = (await (await fetch(`${sim.url}/${TENANT}/oauth2/v2.0/token`, { method: 'POST', body: form })).json()) as { access_token: string };
    const get = async (query: string) => {
      const res = await fetch(`${sim.url}/api/machines?${query}`, { headers: { Authorization: `Bearer ${token.access_token}` } });
      return { status: res.status, body: (await res.json()) as { value?: Array<{ computerDnsName: string }>; error?: { code: string } } };
    };
    const ordered = await get('$orderby=computerDnsName+desc&$top=2');
    expect(ordered.body).not.toHaveProperty('@odata.count');
    expect(ordered.body.value?.map((m) => m.computerDnsName)).toEqual(['web-1.contoso.com', 'laptop-7.contoso.com']);
    expect(await get("$filter=startswith(computerDnsName,'web')")).toMatchObject({ status: 400, body: { error: { code: 'BadRequest' } } });
  });

  it('lists the live response library', async () => {
    const result = await run({ subAction: 'getLibraryFiles', subActionParams: {} });
    expect(result).toMatchObject({ status: 'ok', data: { '@odata.context': expect.stringContaining('LibraryFiles'), value: [{ fileName: 'collect_logs.ps1', hasParameters: true }, { fileName: 'test' }] } });
    expect((await run({ subAction: 'getLibraryFiles', subActionParams: { all: true } })).serviceMessage).toBe("Request validation failed (Unrecognized key(s) in object: 'all')");
  });

  it("tests the connector as Kibana does: each API once on a machine that does not exist, ResourceNotFound counting as success", async () => {
    const result = await run({ subAction: 'testConnector', subActionParams: {} });
    expect(result).toMatchObject({
      status: 'ok',
      data: {
        results: [
          'API call to Machines API was successful',
          'API call to Machine Isolate was successful',
          'API call to Machine Release was successful',
          'API call to Machine Actions was successful',
          'API call to Machine RunScript was successful',
        ],
      },
    });
    expect(apiRequests().map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /api/machines/elastic-connector-test',
      'POST /api/machines/elastic-connector-test/isolate',
      'POST /api/machines/elastic-connector-test/unisolate',
      'GET /api/machineactions?$count=true&$top=1',
      'POST /api/machines/elastic-connector-test/runliveresponse',
    ]);
    expect(sim.tokenRequests).toHaveLength(1);
  });

  it("fails the test with Entra ID's refusal of a wrong secret, which it never repeats", async () => {
    const result = await outcome({ subAction: 'testConnector', subActionParams: {} }, { secret: 'not-the-secret-value' });
    expect(result.failure).toEqual({ httpStatus: 401 });
    expect(result.result.serviceMessage).toMatch(
      new RegExp(`^Status code: 401\\. Message: Unauthorized API Error \\(401\\)\\nURL called:\\[post\\] ${sim.url}/${TENANT}/oauth2/v2\\.0/token\\nResponse body: \\{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided\\.`),
    );
    expect(JSON.stringify(result)).not.toContain('not-the-secret-value');
    expect(apiRequests()).toHaveLength(0);

    const otherTenant = await run({ subAction: 'getLibraryFiles', subActionParams: {} }, { config: { tenantId: 'other-tenant' } });
    expect(otherTenant.serviceMessage).toMatch(/^Status code: 400\. Message: API Error: \[Bad Request\] Request failed with status code 400\n.*AADSTS90002: Tenant 'other-tenant' not found/s);
  });

  it('keeps one token for many calls, concurrent ones included', async () => {
    await Promise.all(Array.from({ length: 5 }, () => run({ subAction: 'getAgentDetails', subActionParams: { id: WEB_1 } })));
    for (let i = 0; i < 3; i++) expect(await run({ subAction: 'getLibraryFiles', subActionParams: {} })).toMatchObject({ status: 'ok' });
    expect(sim.tokenRequests).toHaveLength(1);
    expect(new Set(apiRequests().map((r) => r.headers.authorization))).toEqual(new Set([`Bearer ${sim.issued.at(-1)}`]));
  });

  it('gets a new token 5 s before the one it has expires, not sooner', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = Date.now();
    await run({ subAction: 'getLibraryFiles', subActionParams: {} });
    // The simulator's tokens live 3599 s.
    vi.setSystemTime(start + (3599 - 6) * 1000);
    await run({ subAction: 'getLibraryFiles', subActionParams: {} });
    expect(sim.tokenRequests).toHaveLength(1);
    vi.setSystemTime(start + (3599 - 4) * 1000);
    expect(await run({ subAction: 'getLibraryFiles', subActionParams: {} })).toMatchObject({ status: 'ok' });
    expect(sim.tokenRequests).toHaveLength(2);
    expect(apiRequests().map((r) => r.headers.authorization)).toEqual([`Bearer ${sim.issued.at(-2)}`, `Bearer ${sim.issued.at(-2)}`, `Bearer ${sim.issued.at(-1)}`]);
  });

  it('after a 401 gets one new token and retries the call once', async () => {
    await run({ subAction: 'getLibraryFiles', subActionParams: {} });
    const first = sim.issued.at(-1);
    sim.revokeTokens();
    const result = await run({ subAction: 'getAgentDetails', subActionParams: { id: WEB_1 } });
    expect(result).toMatchObject({ status: 'ok', data: { id: WEB_1 } });
    expect(sim.tokenRequests).toHaveLength(2);
    expect(apiRequests().slice(1).map((r) => r.headers.authorization)).toEqual([`Bearer ${first}`, `Bearer ${sim.issued.at(-1)}`]);

    // Refused again after the new token: no third try.
    sim.revokeTokens();
    sim.requests.length = 0;
    const calls = [run({ subAction: 'getLibraryFiles', subActionParams: {} }), run({ subAction: 'getLibraryFiles', subActionParams: {} })];
    expect((await Promise.all(calls)).map((r) => r.status)).toEqual(['ok', 'ok']);
    // Both were refused the same token: one new token serves both retries.
    expect(sim.requests.filter((r) => r.path.includes('/oauth2/'))).toHaveLength(1);
  });

  it('fails with the second 401 when the new token is refused too (a scope of another API)', async () => {
    const refused = await outcome({ subAction: 'getLibraryFiles', subActionParams: {} }, { config: { oAuthScope: 'https://graph.microsoft.com/.default' } });
    expect(refused.result.serviceMessage).toMatch(
      /^Status code: 401\. Message: Unauthorized API Error \(401\)\nURL called:\[get\] .*\/api\/libraryfiles\nResponse body: \{"error":\{"code":"Unauthorized","message":"Invalid audience of the authorization token"/,
    );
    expect(refused.failure).toEqual({ httpStatus: 401 });
    expect(sim.tokenRequests).toHaveLength(2);
    expect(apiRequests()).toHaveLength(2);
  });

  it('pauses the queue until Retry-After on a 429, as the user\'s error', async () => {
    await run({ subAction: 'getLibraryFiles', subActionParams: {} });
    sim.rateLimitNext(30);
    const started = Date.now();
    const limited = await outcome({ subAction: 'getAgentList', subActionParams: {} });
    expect(limited.result).toMatchObject({ status: 'error', errorSource: 'user', retry: true });
    expect(limited.result.serviceMessage).toMatch(/^Status code: 429\. Message: API Error: \[Too Many Requests\] Request failed with status code 429\n/);
    expect(limited.failure?.httpStatus).toBe(429);
    expect(limited.failure?.retryAt?.getTime()).toBeGreaterThanOrEqual(started + 29_000);
  });

  it('words an answer without an error object by its status (Kibana would throw a TypeError), and a request with no answer', async () => {
    await run({ subAction: 'getLibraryFiles', subActionParams: {} });
    sim.failNext(502, '<html>Bad gateway</html>');
    expect((await run({ subAction: 'getLibraryFiles', subActionParams: {} })).serviceMessage).toBe(
      `Status code: 502. Message: API Error: [Bad Gateway] Request failed with status code 502\nURL called:[get] ${sim.url}/api/libraryfiles\nResponse body: "<html>Bad gateway</html>"`,
    );
    const closed = await run({ subAction: 'getLibraryFiles', subActionParams: {} }, { config: { oAuthServerUrl: 'http://127.0.0.1:1' } });
    expect(closed.serviceMessage).toMatch(/^Status code: undefined\. Message: .+\nURL called:\[post\] http:\/\/127\.0\.0\.1:1\/.*\/oauth2\/v2\.0\/token\nResponse body: \{\}$/s);
  });

  it('is held to allowedHosts at execution, the token request included', async () => {
    const restricted = makeServices({ allowedHosts: ['login.microsoftonline.com'] });
    try {
      const result = await run({ subAction: 'getLibraryFiles', subActionParams: {} }, { services: restricted });
      expect(result.serviceMessage).toMatch(/is not added to the Kibana config xpack\.actions\.allowedHosts/);
      expect(sim.requests).toHaveLength(0);
    } finally {
      await restricted.http.close();
    }
  });

  it("checks the sub-action's params before calling Defender", async () => {
    const cases: Array<[unknown, string]> = [
      [{ subAction: 'isolateHost', subActionParams: { id: WEB_1 } }, 'Request validation failed (Field "comment": Required)'],
      [{ subAction: 'getAgentList', subActionParams: { healthStatus: 'Sleeping' } }, 'Request validation failed'],
      [{ subAction: 'getAgentList', subActionParams: { pageSize: 1001 } }, 'Request validation failed (Field "pageSize": Number must be less than or equal to 1000)'],
      [{ subAction: 'getActions', subActionParams: { sortDirection: 'up' } }, 'Request validation failed'],
      [{ subAction: 'runScript', subActionParams: { id: WEB_1, parameters: {} } }, 'Request validation failed (Field "parameters.scriptName": Required)'],
      [{ subAction: 'getAgentDetails', subActionParams: { id: '' } }, 'Request validation failed (Field "id": String must contain at least 1 character(s))'],
    ];
    for (const [params, message] of cases) {
      const result = await run(params);
      expect(result, JSON.stringify(params)).toMatchObject({ status: 'error', errorSource: 'user' });
      expect(result.serviceMessage).toContain(message);
    }
    expect(sim.requests).toHaveLength(0);
  });
});
