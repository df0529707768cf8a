import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIM_AGENT_ID, startCrowdstrikeSimulator, type CrowdstrikeSimulator } from '../src/connector_types/crowdstrike/simulator.js';
import { availableDialects } from './helpers/databases.js';
import { startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';
import { eventually } from './helpers/wait.js';

// A .crowdstrike connector over the HTTP API against the Falcon simulator, on both databases:
// one token serves many executions, an unknown agent answers CrowdStrike's words, and a 429 with
// Retry-After pauses the connector's queue without spending an attempt.

const CLIENT = { clientId: 'api-cs-client', clientSecret: 'api-cs-secret' };
const dialects = await availableDialects();

describe.each(dialects)('.crowdstrike over the HTTP API on %s', (dialect) => {
  let sim: CrowdstrikeSimulator;
  let pb: TestPlugboard;

  beforeAll(async () => {
    sim = await startCrowdstrikeSimulator(CLIENT);
    pb = await startTestPlugboard({ dialect, settings: { 'plugboard.tasks.pollInterval': '200ms' } });
    for (const id of ['cs-api', 'cs-limited']) {
      const created = await pb.api('POST', `/api/actions/connector/${id}`, { name: id, connector_type_id: '.crowdstrike', config: { url: sim.url }, secrets: CLIENT });
      expect(created.status, created.text).toBe(200);
    }
  });
  afterAll(async () => {
    await pb?.close();
    await sim?.close();
  });

  const execute = (id: string, params: Record<string, unknown>) => pb.api('POST', `/api/actions/connector/${id}/_execute`, { params });

  it('lists the type as Kibana does', async () => {
    const types = (await pb.api('GET', '/api/actions/connector_types')).body as Array<Record<string, unknown>>;
    expect(types.find((t) => t.id === '.crowdstrike')).toMatchObject({
      name: 'CrowdStrike',
      minimum_license_required: 'enterprise',
      enabled_in_license: true,
      supported_feature_ids: ['endpointSecurity'],
      sub_feature: 'endpointSecurity',
    });
  });

  it('runs sub-actions with one token, and answers an unknown agent in CrowdStrike\'s words', async () => {
    const details = await execute('cs-api', { subAction: 'getAgentDetails', subActionParams: { ids: [SIM_AGENT_ID] } });
    expect(details.body).toMatchObject({ status: 'ok', connector_id: 'cs-api', data: { resources: [{ device_id: SIM_AGENT_ID, hostname: 'win-server-01' }], errors: [] } });
    const online = await execute('cs-api', { subAction: 'getAgentOnlineStatus', subActionParams: { ids: [SIM_AGENT_ID] } });
    expect(online.body).toMatchObject({ status: 'ok', data: { resources: [{ id: SIM_AGENT_ID, state: 'online' }] } });
    expect(sim.tokenRequests).toHaveLength(1);

    const unknown = await execute('cs-api', { subAction: 'getAgentDetails', subActionParams: { ids: ['wrongAgentId'] } });
    expect(unknown.body).toEqual({
      status: 'error',
      connector_id: 'cs-api',
      message: 'an error occurred while running the action',
      service_message: 'No matching device found for ID wrongAgentId',
      retry: true,
      errorSource: 'framework',
    });
  });

  it("a 429 with Retry-After pauses the connector's queue without spending an attempt", async () => {
    sim.rateLimitNext(120);
    const started = Date.now();
    const queued = await pb.api('POST', '/api/actions/connector/cs-limited/_enqueue', { params: { subAction: 'getAgentOnlineStatus', subActionParams: { ids: [SIM_AGENT_ID] } } });
    expect(queued.status, queued.text).toBe(202);
    const pause = await eventually(
      () => pb.plugboard.database.db.selectFrom('connector_pauses').selectAll().where('connector_id', '=', 'cs-limited').executeTakeFirst(),
      20_000,
      'the connector to be paused',
    );
    expect(pause.paused_until).toBeGreaterThanOrEqual(started + 119_000);
    const task = await pb.plugboard.database.db.selectFrom('tasks').selectAll().where('id', '=', queued.body.execution_id).executeTakeFirstOrThrow();
    expect(task).toMatchObject({ status: 'idle', attempts: 0 });
  });
});
