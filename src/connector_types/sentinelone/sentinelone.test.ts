import { text } from 'node:stream/consumers';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ReadOutcome } from '../../actions/executor.js';
import { Readable } from 'node:stream';
import { fileFactsOf } from '../../actions/file_answer.js';
import type { SubActionParams } from '../../actions/sub_actions.js';
import type { ActionResult, ConnectorServices } from '../../actions/types.js';
import { validateConfig, validateParams, validateSecrets } from '../../actions/validation.js';
import { installZod3Messages } from '../../common/zod_messages.js';
import { makeConfigurationUtilities, makeContext, makeServices, runAsAction, thrownMessage } from '../lib/test_context.js';
import { sentinelOneConnectorType } from './index.js';
import { AGENT_FILTER_KEYS, agentFilterSchema, secretsSchema, type SentinelOneConfig, type SentinelOneSecrets } from './schema.js';
import { startSentinelOneSimulator, type SentinelOneSimulator } from './simulator.js';

installZod3Messages();

const def = sentinelOneConnectorType;
const ctx = { configurationUtilities: makeConfigurationUtilities() };
const TOKEN = 's1-api-token-123';
const SERVICE_FAILURE = 'an error occurred while running the action';

describe('.sentinelone definition and validation', () => {
  it("has Kibana's identity, the endpoint declarations and the derived downloads", () => {
    expect(def).toMatchObject({ id: '.sentinelone', name: 'Sentinel One', minimumLicenseRequired: 'enterprise', category: 'edr' });
    expect(def.supportedFeatureIds).toEqual(['endpointSecurity']);
    expect(secretsSchema.shape.token.meta()).toMatchObject({ secret: true });
    expect(def.subActionSchemas!.map((s) => s.name)).toEqual([
      'getAgents', 'isolateHost', 'releaseHost', 'executeScript', 'getRemoteScripts', 'getRemoteScriptStatus',
      'getRemoteScriptResults', 'downloadRemoteScriptResults', 'fetchAgentFiles', 'downloadAgentFile', 'getActivities',
    ]);
    expect(def.downloadsAnswer!({ subAction: 'downloadAgentFile', subActionParams: {} })).toBe(true);
    expect(def.downloadsAnswer!({ subAction: 'downloadRemoteScriptResults', subActionParams: {} })).toBe(true);
    expect(def.downloadsAnswer!({ subAction: 'getAgents', subActionParams: {} })).toBe(false);
    expect(def.streamsAnswer).toBeUndefined();
  });

  it('validates config and secrets: strict, url held to allowedHosts', () => {
    expect(validateConfig(def, { url: 'https://t.sentinelone.net' }, ctx)).toEqual({ url: 'https://t.sentinelone.net' });
    expect(thrownMessage(() => validateConfig(def, {}, ctx))).toBe('error validating connector type config: Field "url": Required');
    const restricted = { configurationUtilities: makeConfigurationUtilities({ allowedHosts: ['t.sentinelone.net'] }) };
    expect(thrownMessage(() => validateConfig(def, { url: 'https://other.example.com' }, restricted))).toBe(
      'error validating connector type config: error validating url: target url "https://other.example.com" is not added to the Kibana config xpack.actions.allowedHosts',
    );
    expect(thrownMessage(() => validateSecrets(def, { token: 't', apiKey: 'x' }, ctx))).toBe("error validating connector type secrets: Unrecognized key(s) in object: 'apiKey'");
  });

  it('has the strict agent filter of 149 nullable keys plus alertIds', () => {
    expect(AGENT_FILTER_KEYS).toHaveLength(149);
    for (const key of ['computerName', 'computerName__like', 'uuid', 'uuids', 'ids', 'osTypes', 'siteIds', 'groupIds', 'networkStatuses', 'isActive', 'createdAt__gte', 'query', 'K8SVersion__contains', 'activeThreats__gt']) {
      expect(AGENT_FILTER_KEYS).toContain(key);
    }
    const parsed = agentFilterSchema.parse({ computerName: 'h' }) as Record<string, unknown>;
    expect(parsed.computerName).toBe('h');
    expect(parsed.uuid).toBeNull();
    expect(agentFilterSchema.safeParse({ computerNam: 'h' }).success).toBe(false);
    expect(agentFilterSchema.safeParse({ ids: 1 }).success).toBe(false);
  });

  it('names the hosts of a call for the audit record', () => {
    expect(def.hostIdsOf!({ subAction: 'isolateHost', subActionParams: { computerName: 'host-1' } })).toEqual(['host-1']);
    expect(def.hostIdsOf!({ subAction: 'executeScript', subActionParams: { filter: { ids: 'a, b' }, script: { scriptId: 's' } } })).toEqual(['a', 'b']);
    expect(def.hostIdsOf!({ subAction: 'downloadAgentFile', subActionParams: { agentId: '9', activityId: '1' } })).toEqual(['9']);
    expect(def.hostIdsOf!({ subAction: 'getRemoteScripts', subActionParams: {} })).toEqual([]);
  });
});

describe('.sentinelone execution against the simulator', () => {
  let sim: SentinelOneSimulator;
  let services: ConnectorServices;

  beforeAll(async () => {
    sim = await startSentinelOneSimulator({ token: TOKEN, agents: 3 });
    services = makeServices();
  });
  afterAll(async () => {
    await services.http.close();
    await sim.close();
  });
  beforeEach(() => {
    sim.requests.length = 0;
  });

  function outcome(params: unknown, overrides: { token?: string; url?: string } = {}): Promise<ReadOutcome> {
    const config = validateConfig(def, { url: overrides.url ?? sim.url }, ctx) as SentinelOneConfig;
    const secrets = validateSecrets(def, { token: overrides.token ?? TOKEN }, ctx) as SentinelOneSecrets;
    const context = makeContext({ config, secrets, params: validateParams(def, params, ctx) as SubActionParams }, { connectorId: 's1', services });
    return runAsAction(def, context);
  }
  const run = async (params: unknown, overrides: Parameters<typeof outcome>[1] = {}): Promise<ActionResult> => (await outcome(params, overrides)).result;
  const data = async (subAction: string, subActionParams?: unknown): Promise<any> => {
    const result = await run({ subAction, subActionParams });
    expect(result, JSON.stringify(result)).toMatchObject({ status: 'ok' });
    return result.data;
  };
  const last = () => sim.requests[sim.requests.length - 1];
  const queryOf = (path: string) => Object.fromEntries(new URL(path, 'http://x').searchParams);

  it('getAgents sends the filters given, nulls left out, and the token as APIToken; answers as SentinelOne does', async () => {
    const answer = await data('getAgents', { computerName: 'host-2', uuid: null });
    expect(answer).toEqual({ pagination: { totalItems: 1, nextCursor: null }, errors: null, data: [expect.objectContaining({ computerName: 'host-2', networkStatus: 'connected' })] });
    expect(last().method).toBe('GET');
    expect(new URL(last().path, 'http://x').pathname).toBe('/web/api/v2.1/agents');
    expect(queryOf(last().path)).toEqual({ computerName: 'host-2', APIToken: TOKEN });
    expect(last().headers.authorization).toBeUndefined();
    const paged = await data('getAgents', {});
    expect(paged.pagination.totalItems).toBe(3);
    // Kibana's agent filters have no paging keys: SentinelOne's first page (10 agents) is what it reads.
    expect(await run({ subAction: 'getAgents', subActionParams: { limit: '50' } })).toMatchObject({ status: 'error', serviceMessage: "Request validation failed (Unrecognized key(s) in object: 'limit')" });
  });

  it('isolateHost and releaseHost: the first agent found, checked as Kibana does', async () => {
    const target = sim.agents[0];
    expect(await data('isolateHost', { computerName: target.computerName, alertIds: ['a1'] })).toEqual({ data: { affected: 1 } });
    expect(JSON.parse(last().body)).toEqual({ filter: { ids: target.id } });
    expect(new URL(last().path, 'http://x').pathname).toBe('/web/api/v2.1/agents/actions/disconnect');
    expect(target.networkStatus).toBe('disconnected');
    // The alert ids are not an agent filter: not sent.
    expect(queryOf(sim.requests[sim.requests.length - 2].path)).toEqual({ computerName: target.computerName, APIToken: TOKEN });

    expect(await run({ subAction: 'isolateHost', subActionParams: { computerName: target.computerName } })).toMatchObject({ status: 'error', message: SERVICE_FAILURE, serviceMessage: 'Agent already isolated' });
    expect(await data('releaseHost', { uuid: target.uuid })).toEqual({ data: { affected: 1 } });
    expect(new URL(last().path, 'http://x').pathname).toBe('/web/api/v2.1/agents/actions/connect');
    expect(target.networkStatus).toBe('connected');
    expect(await run({ subAction: 'releaseHost', subActionParams: { uuid: target.uuid } })).toMatchObject({ status: 'error', serviceMessage: 'Agent not isolated' });
    sim.requests.length = 0;
    expect(await run({ subAction: 'isolateHost', subActionParams: { computerName: 'nobody' } })).toMatchObject({ status: 'error', serviceMessage: 'No agents found' });
    expect(await run({ subAction: 'releaseHost', subActionParams: { computerName: 'nobody' } })).toMatchObject({ status: 'error', serviceMessage: 'No agents found' });
    expect(sim.requests.every((r) => r.method === 'GET')).toBe(true);
  });

  it('getRemoteScripts, executeScript, getRemoteScriptStatus, getRemoteScriptResults and the results download', async () => {
    const scripts = await data('getRemoteScripts', { scriptType: 'action', limit: 5 });
    expect(queryOf(last().path)).toEqual({ scriptType: 'action', limit: '5', APIToken: TOKEN });
    expect(scripts.data.map((s: { scriptName: string }) => s.scriptName)).toEqual(['Kill process']);
    // Paging: the opaque nextCursor of one page asks for the next.
    const first = await data('getRemoteScripts', { limit: 2 });
    expect(first.pagination).toEqual({ totalItems: 3, nextCursor: expect.any(String) });
    const second = await data('getRemoteScripts', { limit: 2, cursor: first.pagination.nextCursor });
    expect(second.pagination).toEqual({ totalItems: 3, nextCursor: null });
    expect(second.data).toHaveLength(1);

    const agent = sim.agents[1];
    const executed = await data('executeScript', { filter: { ids: agent.id }, script: { scriptId: scripts.data[0].id, inputParams: '--pid 4' } });
    expect(JSON.parse(last().body)).toEqual({ data: { outputDestination: 'SentinelCloud', scriptId: scripts.data[0].id, inputParams: '--pid 4' }, filter: { ids: agent.id } });
    expect(executed.data).toMatchObject({ affected: 1, pending: false, parentTaskId: expect.any(String) });

    const status = await data('getRemoteScriptStatus', { parentTaskId: executed.data.parentTaskId });
    expect(queryOf(last().path)).toEqual({ parent_task_id: executed.data.parentTaskId, APIToken: TOKEN });
    expect(status.data).toEqual([expect.objectContaining({ agentId: agent.id, status: 'completed' })]);
    const taskId = status.data[0].id as string;

    const results = await data('getRemoteScriptResults', { taskIds: [taskId] });
    expect(JSON.parse(last().body)).toEqual({ data: { taskIds: [taskId] } });
    expect(results.data.download_links).toEqual([expect.objectContaining({ taskId })]);

    sim.setUploadSize(100);
    const file = await data('downloadRemoteScriptResults', { taskId });
    expect(file).toBeInstanceOf(Readable);
    expect(fileFactsOf(file)).toEqual({ fileName: `${taskId}.zip`, contentLength: 100 });
    expect((await text(file)).length).toBe(100);
    // The pre-signed link gets no token.
    expect(last().path).toMatch(/^\/script-results\//);
    expect(last().path).not.toContain('APIToken');

    expect(await run({ subAction: 'downloadRemoteScriptResults', subActionParams: { taskId: 'nope' } })).toMatchObject({
      status: 'error',
      serviceMessage: 'Download URL for script results of task id [nope] not found',
    });
  });

  it("executeScript needs ids or uuids in Kibana's words", async () => {
    sim.requests.length = 0;
    expect(await run({ subAction: 'executeScript', subActionParams: { filter: {}, script: { scriptId: '1' } } })).toMatchObject({
      status: 'error',
      serviceMessage: "A filter must be defined; either 'ids' or 'uuids'",
    });
    expect(await run({ subAction: 'executeScript', subActionParams: { filter: { ids: '' }, script: { scriptId: '1' } } })).toMatchObject({
      serviceMessage: expect.stringMatching(/^Request validation failed/),
    });
    expect(sim.requests).toHaveLength(0);
  });

  it('fetchAgentFiles, getActivities and downloadAgentFile', async () => {
    const agent = sim.agents[2];
    sim.setUploadSize(4096);
    expect(await data('fetchAgentFiles', { agentId: agent.id, zipPassCode: 'Secret1234!', files: ['/etc/hosts'] })).toEqual({ data: { success: true } });
    expect(new URL(last().path, 'http://x').pathname).toBe(`/web/api/v2.1/agents/${agent.id}/actions/fetch-files`);
    expect(JSON.parse(last().body)).toEqual({ data: { password: 'Secret1234!', files: ['/etc/hosts'] } });

    const activities = await data('getActivities', { agentIds: agent.id, activityTypes: '80', limit: 1 });
    expect(queryOf(last().path)).toEqual({ agentIds: agent.id, activityTypes: '80', limit: '1', APIToken: TOKEN });
    expect(activities.data).toHaveLength(1);
    const activityId = activities.data[0].id as string;
    expect(await data('getActivities')).toMatchObject({ pagination: { totalItems: expect.any(Number) } });

    const file = await data('downloadAgentFile', { agentId: agent.id, activityId });
    expect(fileFactsOf(file)).toEqual({ fileName: `${agent.computerName}_files.zip`, contentLength: 4096 });
    expect((await text(file)).length).toBe(4096);
    expect(queryOf(last().path)).toEqual({ APIToken: TOKEN });

    expect((await run({ subAction: 'fetchAgentFiles', subActionParams: { agentId: '42', zipPassCode: 'Secret1234!', files: ['/x'] } })).serviceMessage).toMatch(/^Status code: 404\. Message: API Error: \[Not Found\]/);
    expect(await run({ subAction: 'fetchAgentFiles', subActionParams: { agentId: agent.id, zipPassCode: 'short', files: ['/x'] } })).toMatchObject({
      serviceMessage: expect.stringMatching(/^Request validation failed/),
    });
    const missing = await outcome({ subAction: 'downloadAgentFile', subActionParams: { agentId: agent.id, activityId: '404' } });
    expect(missing).toMatchObject({
      result: { status: 'error', serviceMessage: 'Status code: 404. Message: API Error: [Not Found] Request failed with status code 404\nResponse body: {"errors":[{"code":4040002,"title":"Resource not found","detail":"Upload not found"}]}' },
      failure: { httpStatus: 404 },
    });
  });

  it("words errors as Kibana's SentinelOne connector; 429 gives the queue its Retry-After; the token never shows", async () => {
    const denied = await outcome({ subAction: 'getAgents', subActionParams: {} }, { token: 'wrong-token-xyz' });
    expect(denied.result).toMatchObject({
      status: 'error',
      message: SERVICE_FAILURE,
      serviceMessage: 'Status code: 401. Message: Unauthorized API Error (401)\nResponse body: {"errors":[{"code":4010010,"title":"Authentication Failed","detail":"Authentication failed: token invalid or missing"}]}',
      retry: true,
    });
    expect(JSON.stringify(denied)).not.toContain('wrong-token-xyz');

    const started = Date.now();
    sim.rateLimitNext(30);
    const limited = await outcome({ subAction: 'getAgents', subActionParams: {} });
    expect(limited.result).toMatchObject({ serviceMessage: expect.stringMatching(/^Status code: 429\. Message: API Error: \[Too Many Requests\] Request failed with status code 429\nResponse body: /), errorSource: 'user' });
    expect(limited.failure?.retryAt?.getTime()).toBeGreaterThanOrEqual(started + 29_000);

    sim.failNext(500, '');
    expect((await run({ subAction: 'getAgents', subActionParams: {} })).serviceMessage).toBe(
      'Status code: 500. Message: API Error: [Internal Server Error] Request failed with status code 500\nResponse body: {}',
    );
    const unreachable = await run({ subAction: 'getAgents', subActionParams: {} }, { url: 'http://127.0.0.1:1' });
    expect(unreachable.serviceMessage).toMatch(/^Status code: undefined\. Message: .*ECONNREFUSED.*\nResponse body: \{\}$/s);
    expect(JSON.stringify(unreachable)).not.toContain(TOKEN);
  });

  it('runs its Test params: getAgents, read-only', async () => {
    expect(def.testParams).toEqual({ subAction: 'getAgents', subActionParams: {} });
    expect(await run(def.testParams)).toMatchObject({ status: 'ok', data: { pagination: { totalItems: 3 } } });
  });
});

describe('.sentinelone renderParameterTemplates', () => {
  const logger = pino({ level: 'silent' });
  const render = (params: SubActionParams, variables: Record<string, unknown>) => def.renderParameterTemplates!(logger, params, variables);
  const variables = { context: { alerts: [{ _id: 'al-1', host: { name: 'web-01' } }, { _id: 'al-2', host: { name: 'web-02' } }] } };

  it("isolateHost and releaseHost act on the first alert's host, with the alert ids", () => {
    for (const subAction of ['isolateHost', 'releaseHost']) {
      expect(render({ subAction, subActionParams: { uuid: 'ignored' } }, variables)).toEqual({ subAction, subActionParams: { computerName: 'web-01', alertIds: ['al-1', 'al-2'] } });
    }
  });

  it('executeScript gets the alert ids, and stays valid for its strict schema', () => {
    const params = { subAction: 'executeScript', subActionParams: { filter: { ids: '1' }, script: { scriptId: 's' } } };
    const rendered = render(params, variables);
    expect(rendered.subActionParams).toEqual({ filter: { ids: '1' }, script: { scriptId: 's' }, alertIds: ['al-1', 'al-2'] });
    expect(validateParams(def, rendered, ctx)).toEqual(rendered);
  });

  it("keeps Plugboard's confirm beside the sub-action", () => {
    expect(render({ subAction: 'isolateHost', subActionParams: {}, confirm: true } as SubActionParams, variables)).toEqual({
      subAction: 'isolateHost',
      subActionParams: { computerName: 'web-01', alertIds: ['al-1', 'al-2'] },
      confirm: true,
    });
  });

  it('leaves other sub-actions, and runs without alerts, as they are', () => {
    const getAgents = { subAction: 'getAgents', subActionParams: { computerName: '{{x}}' } };
    expect(render(getAgents, variables)).toEqual(getAgents);
    const isolate = { subAction: 'isolateHost', subActionParams: { computerName: 'h' } };
    expect(render(isolate, { context: {} })).toEqual(isolate);
  });
});
