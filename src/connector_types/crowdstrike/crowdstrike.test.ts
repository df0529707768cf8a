import { createServer } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ReadOutcome } from '../../actions/executor.js';
import type { SubActionParams } from '../../actions/sub_actions.js';
import type { ConnectorServices } from '../../actions/types.js';
import { validateConfig, validateParams, validateSecrets } from '../../actions/validation.js';
import { installZod3Messages } from '../../common/zod_messages.js';
import { closeServer, listenOnLoopback } from '../lib/simulator_server.js';
import { makeConfigurationUtilities, makeContext, makeServices, runAsAction, thrownMessage } from '../lib/test_context.js';
import { crowdstrikeConnectorType } from './index.js';
import { crowdstrikeQuery, crowdstrikeUnansweredMessage } from './service.js';
import type { CrowdstrikeConfig, CrowdstrikeSecrets } from './schema.js';
import { SIM_AGENT_ID, SIM_LINUX_AGENT_ID, startCrowdstrikeSimulator, type CrowdstrikeSimulator } from './simulator.js';

installZod3Messages();

const def = crowdstrikeConnectorType;
const ctx = { configurationUtilities: makeConfigurationUtilities() };
const CLIENT = { clientId: 'cs-client-id', clientSecret: 'cs-client-secret' };

describe('.crowdstrike definition and validation', () => {
  it("has Kibana's identity, and declares what each sub-action does to a host", () => {
    expect(def).toMatchObject({ id: '.crowdstrike', name: 'CrowdStrike', minimumLicenseRequired: 'enterprise', category: 'edr' });
    expect(def.supportedFeatureIds).toEqual(['endpointSecurity']);
    expect(def.subActionSchemas?.map((s) => s.name)).toEqual([
      'getAgentDetails',
      'getAgentOnlineStatus',
      'hostActions',
      'executeRTRCommand',
      'batchActiveResponderExecuteRTR',
      'batchAdminExecuteRTR',
      'getRTRCloudScripts',
    ]);
  });

  it('says which hosts a call names: ids, or the endpoint_ids of RTR', () => {
    expect(def.hostIdsOf!({ subAction: 'hostActions', subActionParams: { command: 'contain', ids: ['a', 'b'] } })).toEqual(['a', 'b']);
    expect(def.hostIdsOf!({ subAction: 'executeRTRCommand', subActionParams: { command: 'runscript', endpoint_ids: ['c'] } })).toEqual(['c']);
    expect(def.hostIdsOf!({ subAction: 'getRTRCloudScripts', subActionParams: {} })).toEqual([]);
    expect(def.hostIdsOf!({ subAction: 'getAgentDetails' })).toEqual([]);
  });

  it("takes Kibana's config and secrets, strictly; the URL under allowedHosts", () => {
    expect(validateConfig(def, { url: 'https://api.crowdstrike.com' }, ctx)).toEqual({ url: 'https://api.crowdstrike.com' });
    expect(thrownMessage(() => validateConfig(def, { url: 'https://api.crowdstrike.com', region: 'us-1' }, ctx))).toBe(
      "error validating connector type config: Unrecognized key(s) in object: 'region'",
    );
    expect(validateSecrets(def, CLIENT, ctx)).toEqual(CLIENT);
    expect(thrownMessage(() => validateSecrets(def, { clientId: 'x' }, ctx))).toBe('error validating connector type secrets: Field "clientSecret": Required');
    const restricted = { configurationUtilities: makeConfigurationUtilities({ allowedHosts: ['api.crowdstrike.com'] }) };
    expect(thrownMessage(() => validateConfig(def, { url: 'https://api.eu-1.crowdstrike.com' }, restricted))).toMatch(
      /error validating url: target url "https:\/\/api\.eu-1\.crowdstrike\.com" is not added to the Kibana config xpack\.actions\.allowedHosts/,
    );
  });

  it('serialises a query as Kibana does: each value encoded, an array one comma-joined value', () => {
    expect(crowdstrikeQuery({ ids: ['a', 'b c'], action_name: 'contain', skipped: undefined })).toBe('ids=a%2Cb%20c&action_name=contain');
  });

  it('words a request without an answer as Kibana does', () => {
    expect(crowdstrikeUnansweredMessage({ code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND api.nowhere.example' })).toBe('URL not found: api.nowhere.example');
    expect(crowdstrikeUnansweredMessage({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:9' })).toBe('Connection Refused: 127.0.0.1:9');
    expect(crowdstrikeUnansweredMessage({ code: 'ECONNABORTED', message: 'timeout of 10ms exceeded' })).toBe('Unknown API Error: {}');
  });
});

describe('.crowdstrike sub-actions against the simulated Falcon API', () => {
  let sim: CrowdstrikeSimulator;
  let services: ConnectorServices;
  let n = 0;

  beforeAll(async () => {
    sim = await startCrowdstrikeSimulator(CLIENT);
    services = makeServices();
  });
  afterAll(async () => {
    await services.http.close();
    await sim.close();
  });
  beforeEach(() => {
    sim.requests.length = 0;
    sim.tokenRequests.length = 0;
  });

  /** Runs params as an action; each call a new connector (so a new token) unless connectorId is given. */
  function outcome(params: unknown, overrides: { url?: string; secrets?: CrowdstrikeSecrets; connectorId?: string } = {}): Promise<ReadOutcome> {
    const config = validateConfig(def, { url: overrides.url ?? sim.url }, ctx) as CrowdstrikeConfig;
    const secrets = validateSecrets(def, overrides.secrets ?? CLIENT, ctx) as CrowdstrikeSecrets;
    const context = makeContext({ config, secrets, params: validateParams(def, params, ctx) as SubActionParams }, { connectorId: overrides.connectorId ?? `cs-${++n}`, services });
    return runAsAction(def, context);
  }
  const apiRequests = () => sim.requests.filter((r) => r.path !== '/oauth2/token');

  it('getAgentDetails: a token with Basic auth and no form fields, then the devices of the ids (comma-joined), answered as CrowdStrike gives them', async () => {
    const read = await outcome({ subAction: 'getAgentDetails', subActionParams: { ids: [SIM_AGENT_ID, SIM_LINUX_AGENT_ID] } });
    expect(read.result).toMatchObject({ status: 'ok' });
    expect(sim.tokenRequests).toHaveLength(1);
    const [tokenRequest] = sim.tokenRequests;
    expect(tokenRequest).toMatchObject({ method: 'POST', body: '' });
    expect(tokenRequest.headers).toMatchObject({
      authorization: `Basic ${Buffer.from('cs-client-id:cs-client-secret').toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    });
    const [request] = apiRequests();
    expect(request).toMatchObject({ method: 'GET', path: `/devices/entities/devices/v2?ids=${SIM_AGENT_ID}%2C${SIM_LINUX_AGENT_ID}` });
    expect(request.headers.authorization).toBe(`Bearer ${sim.tokensIssued.at(-1)}`);
    const data = read.result.data as { resources: Array<Record<string, unknown>>; errors: unknown[]; meta: Record<string, unknown> };
    expect(data.resources.map((d) => d.hostname)).toEqual(['win-server-01', 'web-1']);
    expect(data.resources[0]).toMatchObject({ device_id: SIM_AGENT_ID, platform_name: 'Windows', status: 'normal' });
    expect(data).toMatchObject({ errors: [], meta: { powered_by: 'device-api', trace_id: expect.any(String) } });
  });

  it("getAgentDetails of an unknown agent: CrowdStrike's 404 message, without Kibana's status prefix", async () => {
    const read = await outcome({ subAction: 'getAgentDetails', subActionParams: { ids: ['wrongAgentId'] } });
    expect(read.result).toMatchObject({
      status: 'error',
      message: 'an error occurred while running the action',
      serviceMessage: 'No matching device found for ID wrongAgentId',
      retry: true,
      errorSource: 'framework',
    });
    expect(read.failure).toMatchObject({ httpStatus: 404 });
  });

  it('getAgentOnlineStatus: the online-state of each agent', async () => {
    const read = await outcome({ subAction: 'getAgentOnlineStatus', subActionParams: { ids: [SIM_AGENT_ID, SIM_LINUX_AGENT_ID] } });
    expect(apiRequests()[0].path).toBe(`/devices/entities/online-state/v1?ids=${SIM_AGENT_ID}%2C${SIM_LINUX_AGENT_ID}`);
    expect((read.result.data as { resources: unknown[] }).resources).toEqual([
      { id: SIM_AGENT_ID, cid: expect.any(String), state: 'online', last_seen: expect.any(String) },
      { id: SIM_LINUX_AGENT_ID, cid: expect.any(String), state: 'offline', last_seen: expect.any(String) },
    ]);
  });

  it('hostActions: contain, then contain again (409 as CrowdStrike answers it), then lift; comment and alertIds are not sent', async () => {
    const contain = { subAction: 'hostActions', subActionParams: { command: 'contain', ids: [SIM_AGENT_ID], comment: 'isolating', alertIds: ['alert-1'], actionParameters: { note: 'x' } } };
    const first = await outcome(contain);
    expect(first.result).toMatchObject({ status: 'ok', data: { resources: [{ id: SIM_AGENT_ID, path: '' }], errors: [] } });
    const [request] = apiRequests();
    expect(request).toMatchObject({ method: 'POST', path: '/devices/entities/devices-actions/v2?action_name=contain' });
    expect(JSON.parse(request.body)).toEqual({ ids: [SIM_AGENT_ID], action_parameters: [{ name: 'note', value: 'x' }] });
    expect(sim.devices.get(SIM_AGENT_ID)?.status).toBe('contained');

    const again = await outcome(contain);
    expect(again.result).toMatchObject({ status: 'error', serviceMessage: `Device ${SIM_AGENT_ID} is already contained` });
    expect(again.failure).toMatchObject({ httpStatus: 409 });

    const lift = await outcome({ subAction: 'hostActions', subActionParams: { command: 'lift_containment', ids: [SIM_AGENT_ID] } });
    expect(lift.result.status).toBe('ok');
    expect(JSON.parse(apiRequests().at(-1)!.body)).toEqual({ ids: [SIM_AGENT_ID] });
    expect(sim.devices.get(SIM_AGENT_ID)?.status).toBe('normal');

    const unknown = await outcome({ subAction: 'hostActions', subActionParams: { command: 'contain', ids: ['wrongAgentId'] } });
    expect(unknown.result.serviceMessage).toBe('No matching device found for ID wrongAgentId');
    expect((await outcome({ subAction: 'hostActions', subActionParams: { command: 'reboot', ids: [SIM_AGENT_ID] } })).result.serviceMessage).toMatch(/^Request validation failed \(.*command/);
  });

  it.each([
    ['executeRTRCommand', '/real-time-response/combined/batch-command/v1'],
    ['batchActiveResponderExecuteRTR', '/real-time-response/combined/batch-active-responder-command/v1'],
    ['batchAdminExecuteRTR', '/real-time-response/combined/batch-admin-command/v1'],
  ])('%s: a batch session for the hosts, then the command in it at %s', async (subAction, path) => {
    const command = 'runscript -CloudFile="collect-logs"';
    const read = await outcome({ subAction, subActionParams: { command, endpoint_ids: [SIM_AGENT_ID] } });
    expect(read.result.status).toBe('ok');
    const [init, run] = apiRequests();
    expect(init).toMatchObject({ method: 'POST', path: '/real-time-response/combined/batch-init-session/v1' });
    expect(JSON.parse(init.body)).toEqual({ host_ids: [SIM_AGENT_ID] });
    expect(run).toMatchObject({ method: 'POST', path });
    const batchId = [...sim.sessions.keys()].at(-1);
    expect(JSON.parse(run.body)).toEqual({ base_command: 'runscript', command_string: command, batch_id: batchId, hosts: [SIM_AGENT_ID], persist_all: false });
    const host = (read.result.data as { combined: { resources: Record<string, Record<string, unknown>> } }).combined.resources[SIM_AGENT_ID];
    // runscript is an admin command in Falcon: the read-only batch-command endpoint Kibana's executeRTRCommand uses answers it per host with "Command not found".
    if (subAction === 'batchAdminExecuteRTR') expect(host).toMatchObject({ complete: true, stdout: 'Ran cloud script collect-logs', errors: [] });
    else expect(host).toMatchObject({ complete: false, errors: [{ code: 40007, message: 'Command not found' }] });
  });

  it('RTR takes runscript only, refused before a session is opened; its params are checked', async () => {
    const read = await outcome({ subAction: 'batchAdminExecuteRTR', subActionParams: { command: 'ls C:\\', endpoint_ids: [SIM_AGENT_ID] } });
    expect(read.result).toMatchObject({ status: 'error', serviceMessage: 'Command not supported' });
    expect(read.failure).toMatchObject({ permanent: true });
    expect(apiRequests()).toHaveLength(0);
    expect((await outcome({ subAction: 'executeRTRCommand', subActionParams: { command: 'runscript' } })).result.serviceMessage).toMatch(/^Request validation failed \(.*endpoint_ids/);
    const unknown = await outcome({ subAction: 'batchAdminExecuteRTR', subActionParams: { command: 'runscript -CloudFile="x"', endpoint_ids: ['wrongAgentId'] } });
    expect(unknown.result.serviceMessage).toBe('No matching device found for ID wrongAgentId');
  });

  it('getRTRCloudScripts: the cloud scripts, as CrowdStrike lists them', async () => {
    const read = await outcome({ subAction: 'getRTRCloudScripts', subActionParams: {} });
    expect(apiRequests()[0]).toMatchObject({ method: 'GET', path: '/real-time-response/entities/scripts/v1' });
    expect((read.result.data as { resources: Array<{ name: string }> }).resources.map((s) => s.name)).toEqual(['collect-logs', 'list-users']);
  });

  it('keeps one token for many calls of a connector, concurrent ones sharing one token request', async () => {
    const details = { subAction: 'getAgentDetails', subActionParams: { ids: [SIM_AGENT_ID] } };
    const reads = await Promise.all(Array.from({ length: 5 }, () => outcome(details, { connectorId: 'cs-shared' })));
    expect(reads.map((r) => r.result.status)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    await outcome(details, { connectorId: 'cs-shared' });
    expect(sim.tokenRequests).toHaveLength(1);
    expect(new Set(apiRequests().map((r) => r.headers.authorization)).size).toBe(1);
    // Another connector has a token of its own.
    await outcome(details, { connectorId: 'cs-other' });
    expect(sim.tokenRequests).toHaveLength(2);
  });

  it('fetches a new token once the kept one is within 5 s of its expires_in', async () => {
    const details = { subAction: 'getAgentDetails', subActionParams: { ids: [SIM_AGENT_ID] } };
    // Only the clock is faked: the simulator's 1799 s token is kept until 1794 s have passed.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      await outcome(details, { connectorId: 'cs-clock' });
      vi.setSystemTime(Date.now() + 1793_000);
      await outcome(details, { connectorId: 'cs-clock' });
      expect(sim.tokenRequests).toHaveLength(1);
      vi.setSystemTime(Date.now() + 2_000);
      const read = await outcome(details, { connectorId: 'cs-clock' });
      expect(read.result.status).toBe('ok');
      expect(sim.tokenRequests).toHaveLength(2);
      expect(apiRequests().at(-1)!.headers.authorization).toBe(`Bearer ${sim.tokensIssued.at(-1)}`);
    } finally {
      vi.useRealTimers();
    }
  });

  it('after a 401 drops the token, gets exactly one new one and sends the call once more', async () => {
    const details = { subAction: 'getAgentDetails', subActionParams: { ids: [SIM_AGENT_ID] } };
    await outcome(details, { connectorId: 'cs-expiring' });
    sim.expireTokens();
    sim.requests.length = 0;
    sim.tokenRequests.length = 0;
    const read = await outcome(details, { connectorId: 'cs-expiring' });
    expect(read.result.status).toBe('ok');
    expect(sim.tokenRequests).toHaveLength(1);
    expect(sim.requests.map((r) => r.path.split('?')[0])).toEqual(['/devices/entities/devices/v2', '/oauth2/token', '/devices/entities/devices/v2']);
    expect(sim.requests.at(-1)!.headers.authorization).toBe(`Bearer ${sim.tokensIssued.at(-1)}`);

    // A second 401 is not retried again: CrowdStrike's words.
    sim.requests.length = 0;
    sim.unauthorizedNext(2);
    const refused = await outcome(details, { connectorId: 'cs-expiring' });
    expect(refused.result).toMatchObject({ status: 'error', serviceMessage: 'access denied, authorization failed' });
    expect(refused.failure).toMatchObject({ httpStatus: 401 });
    expect(apiRequests()).toHaveLength(2);
  });

  it('bad client credentials: the token endpoint refuses, nothing reaches the API', async () => {
    const read = await outcome({ subAction: 'getAgentDetails', subActionParams: { ids: [SIM_AGENT_ID] } }, { secrets: { clientId: 'cs-client-id', clientSecret: 'wrong' } });
    expect(read.result).toMatchObject({ status: 'error', serviceMessage: 'access denied, invalid credentials', errorSource: 'framework' });
    expect(read.failure).toMatchObject({ httpStatus: 401 });
    expect(JSON.stringify(read.result)).not.toContain('wrong');
    expect(apiRequests()).toHaveLength(0);
  });

  it("a 429 is the user's, with CrowdStrike's words and the time its Retry-After asks for", async () => {
    sim.rateLimitNext(120);
    const started = Date.now();
    const read = await outcome({ subAction: 'getAgentOnlineStatus', subActionParams: { ids: [SIM_AGENT_ID] } });
    expect(read.result).toMatchObject({ status: 'error', serviceMessage: 'API rate limit exceeded.', errorSource: 'user' });
    expect(read.failure?.httpStatus).toBe(429);
    expect(read.failure?.retryAt?.getTime()).toBeGreaterThanOrEqual(started + 119_000);
  });

  it('an answer without errors[] is worded API Error: <body>; a refused connection Connection Refused: <address>', async () => {
    sim.failNext(500, JSON.stringify({ meta: {} }));
    expect((await outcome({ subAction: 'getRTRCloudScripts', subActionParams: {} })).result.serviceMessage).toBe('API Error: {"meta":{}}');

    const closed = createServer();
    const url = await listenOnLoopback(closed);
    await closeServer(closed);
    const refused = await outcome({ subAction: 'getAgentDetails', subActionParams: { ids: [SIM_AGENT_ID] } }, { url });
    expect(refused.result.serviceMessage).toBe(`Connection Refused: ${new URL(url).host}`);
  });

  it('its Test params read agent details; they validate', () => {
    expect(def.testParams).toMatchObject({ subAction: 'getAgentDetails' });
    expect(validateParams(def, def.testParams, ctx)).toEqual(def.testParams);
  });
});
