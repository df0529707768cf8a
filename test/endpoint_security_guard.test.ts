import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineSubActionConnectorType, type SubActionParams } from '../src/actions/sub_actions.js';
import { startRecordingServer, type RecordedRequest } from '../src/connector_types/lib/simulator_server.js';
import { availableDialects } from './helpers/databases.js';
import { startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';
import { DrivenAlerts, RuleRuns } from './helpers/rule_runs.js';
import { eventually } from './helpers/wait.js';

const dialects = await availableDialects();

// The guard rails of endpoint-security (EDR) types (issue 21): Kibana's sub-feature privilege,
// an audit record of every run, and `confirm: true` to queue a sub-action that changes a host.
// The type here stands for .crowdstrike and the others: one sub-action of each kind, against a
// tiny service that records what it is sent.

const TOKEN = 'edr-token-5f1c9a';
const SCRIPT_SECRET = 'script-secret-77b2';
const PASSWORD = 'edr-test-password';
const TYPE = '.test-edr';

const hostIds = z.strictObject({ ids: z.array(z.string()).min(1), script: z.string().optional() });

function edrType() {
  const call = (path: string) => async (ctx: { config: { url: string }; secrets: { token: string }; client: { request(req: object): Promise<{ data: unknown }> } }, params: unknown) =>
    (await ctx.client.request({ url: `${ctx.config.url}${path}`, method: 'POST', body: params, headers: { Authorization: `Bearer ${ctx.secrets.token}` } })).data;
  return defineSubActionConnectorType<{ url: string }, { token: string }>({
    id: TYPE,
    name: 'Test EDR',
    category: 'edr',
    summary: 'A type for tests.',
    minimumLicenseRequired: 'enterprise',
    // `alerting` too, only so that a rule may run it (Kibana's EDR types are not rule actions).
    supportedFeatureIds: ['endpointSecurity', 'alerting'],
    schemas: { config: z.strictObject({ url: z.string() }), secrets: z.strictObject({ token: z.string() }) },
    client: () => ({ errorMessage: ({ data }) => JSON.stringify(data) }),
    hostIdsOf: (params: SubActionParams) => {
      const ids = params.subActionParams?.ids;
      return Array.isArray(ids) ? ids.map(String) : [];
    },
    subActions: [
      { name: 'getAgents', endpoint: 'reads', schema: hostIds, run: call('/agents') },
      { name: 'isolateHost', endpoint: 'changesHost', schema: hostIds, run: call('/isolate') },
      // Marked neither way: it needs the sub-feature privilege, as Kibana's unlisted sub-actions.
      { name: 'listScripts', schema: null, run: call('/scripts') },
    ],
  });
}

interface AuditEntry {
  event: { action: string; outcome: string };
  user?: { name: string };
  kibana?: { space_id?: string; saved_object?: { type: string; id: string } };
  message: string;
  details?: Record<string, unknown>;
}

/** The roles of the tests: each a way of writing Kibana's `actions` feature privileges. */
const ROLES: Record<string, { base?: string[]; feature?: Record<string, string[]> }> = {
  'feature-all': { feature: { actions: ['all'] } },
  'base-all': { base: ['all'] },
  'minimal-all': { feature: { actions: ['minimal_all'] } },
  'minimal-all-edr': { feature: { actions: ['minimal_all', 'endpoint_security_execute'] } },
  read: { feature: { actions: ['read'] } },
  'minimal-read': { feature: { actions: ['minimal_read'] } },
  'minimal-read-edr': { feature: { actions: ['minimal_read', 'endpoint_security_execute'] } },
};
const ALLOWED = ['feature-all', 'base-all', 'minimal-all-edr'];
const REFUSED = ['minimal-all', 'read', 'minimal-read', 'minimal-read-edr'];
const refusal = { statusCode: 403, error: 'Forbidden', message: `Unauthorized to execute a "${TYPE}" action` };

describe.each(dialects)('endpoint-security guard rails on %s', (dialect) => {
  let pb: TestPlugboard;
  let service: Awaited<ReturnType<typeof startRecordingServer>>;
  let url: string;
  /** What the service was sent since the test began, bodies parsed. */
  let sentBefore = 0;
  const sent = () => service.requests.slice(sentBefore).map((r: RecordedRequest) => ({ path: r.path, body: JSON.parse(r.body) as unknown, authorization: r.headers.authorization }));
  const driven = new DrivenAlerts();
  const as = (username: string) => (method: string, path: string, body?: unknown) =>
    pb.api(method, path, body, { headers: { authorization: `Basic ${Buffer.from(`${username}:${PASSWORD}`).toString('base64')}` } });
  const isolate = (ids = ['host-1'], extra: Record<string, unknown> = {}) => ({ subAction: 'isolateHost', subActionParams: { ids, script: SCRIPT_SECRET }, ...extra });
  const actionTasks = async () => (await pb.plugboard.database.db.selectFrom('tasks').select('id').where('connector_id', '=', 'edr').execute()).length;
  const auditOf = async (predicate: (e: AuditEntry) => boolean) =>
    eventually(async () => {
      const res = await pb.api('GET', '/api/security/audit?action=connector_endpoint_action&per_page=1000');
      return (res.body.events as AuditEntry[]).find(predicate);
    });

  beforeAll(async () => {
    // Answers the ids it was given; an unknown agent (`broken-host`) is a 400.
    service = await startRecordingServer((req, res, text) => {
      const body = JSON.parse(text || '{}') as { ids?: string[] };
      const failing = body.ids?.includes('broken-host');
      res.writeHead(failing ? 400 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(failing ? { error: 'unknown agent' } : { path: req.url, ids: body.ids ?? [] }));
    });
    url = service.url;
    pb = await startTestPlugboard({ dialect, extraConnectorTypes: [edrType()], extraRuleTypes: [driven.ruleType] });
    for (const [name, privileges] of Object.entries(ROLES)) {
      const put = await pb.api('PUT', `/api/security/role/${name}`, { kibana: [{ base: privileges.base ?? [], feature: privileges.feature ?? {}, spaces: ['*'] }] });
      expect(put.status, put.text).toBe(204);
      expect((await pb.api('PUT', `/api/security/user/${name}-user`, { password: PASSWORD, roles: [name] })).status).toBe(200);
    }
    const created = await pb.api('POST', '/api/actions/connector/edr', { name: 'EDR', connector_type_id: TYPE, config: { url }, secrets: { token: TOKEN } });
    expect(created.status, created.text).toBe(200);
  });
  afterAll(async () => {
    await pb?.close();
    await service?.close();
  });
  beforeEach(() => {
    sentBefore = service.requests.length;
  });

  it('accepts the actions feature privileges in roles and refuses names it does not have', async () => {
    expect((await pb.api('GET', '/api/security/role/minimal-all-edr')).body.kibana).toEqual([
      { base: [], feature: { actions: ['minimal_all', 'endpoint_security_execute'] }, spaces: ['*'] },
    ]);
    const bad = await pb.api('PUT', '/api/security/role/bad', { kibana: [{ feature: { actions: ['minimal_write'] }, spaces: ['*'] }] });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toBe('[request body.kibana.0.feature.actions.0]: expected value to equal [all | read | minimal_all | minimal_read | endpoint_security_execute]');
    // minimal_all is all on connectors: it may create and update them.
    const api = as('minimal-all-user');
    expect((await api('POST', '/api/actions/connector/by-minimal', { name: 'M', connector_type_id: '.server-log', config: {}, secrets: {} })).status).toBe(200);
    expect((await as('minimal-read-user')('GET', '/api/actions/connector/edr')).status).toBe(200);
  });

  it('runs a host-changing sub-action over _execute only with all on connectors and the endpoint-security sub-feature', async () => {
    for (const role of ALLOWED) {
      const run = await as(`${role}-user`)('POST', '/api/actions/connector/edr/_execute', { params: isolate() });
      expect(run.status, role).toBe(200);
      expect(run.body, role).toMatchObject({ status: 'ok', data: { path: '/isolate', ids: ['host-1'] } });
    }
    for (const role of REFUSED) {
      for (const params of [isolate(), { subAction: 'listScripts' }, { subAction: 'noSuchSubAction' }]) {
        const run = await as(`${role}-user`)('POST', '/api/actions/connector/edr/_execute', { params });
        expect(run.status, `${role} ${params.subAction}`).toBe(403);
        expect(run.body, role).toEqual(refusal);
      }
    }
    // Only the allowed users' runs reached the service.
    expect(sent().map((r) => r.path)).toEqual(ALLOWED.map(() => '/isolate'));
  });

  it("limits an API key to what both its role descriptors and its owner's roles grant", async () => {
    const key = async (owner: string, actions: string[]) => {
      const created = await as(owner)('POST', '/api/security/api_key', { name: `k-${owner}-${actions.join('-')}`, role_descriptors: { r: { kibana: [{ feature: { actions }, spaces: ['*'] }] } } });
      expect(created.status, created.text).toBe(200);
      return (params: unknown) => pb.api('POST', '/api/actions/connector/edr/_execute', { params }, { headers: { authorization: `ApiKey ${created.body.encoded}` } });
    };
    expect((await (await key('feature-all-user', ['minimal_all']))(isolate())).body).toEqual(refusal);
    expect((await (await key('minimal-all-user', ['all']))(isolate())).body).toEqual(refusal);
    expect((await (await key('feature-all-user', ['minimal_all', 'endpoint_security_execute']))(isolate())).body).toMatchObject({ status: 'ok' });
    expect((await (await key('feature-all-user', ['minimal_read']))({ subAction: 'getAgents', subActionParams: { ids: ['h'] } })).body).toMatchObject({ status: 'ok' });
  });

  it("lets a 'reads' sub-action run with the connectors privilege alone", async () => {
    for (const role of [...ALLOWED, ...REFUSED]) {
      const run = await as(`${role}-user`)('POST', '/api/actions/connector/edr/_execute', { params: { subAction: 'getAgents', subActionParams: { ids: ['host-2'] } } });
      expect(run.body, role).toMatchObject({ status: 'ok', data: { path: '/agents' } });
    }
  });

  it('checks the sub-feature on the unsaved test route', async () => {
    const body = { connector_type_id: TYPE, config: { url }, secrets: { token: TOKEN }, params: isolate() };
    const refused = await as('minimal-all-user')('POST', '/api/actions/connector/_test', body);
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual(refusal);
    const ran = await as('minimal-all-edr-user')('POST', '/api/actions/connector/_test', body);
    expect(ran.body).toMatchObject({ status: 'ok', connector_id: 'unsaved-connector' });
    const read = await as('minimal-all-user')('POST', '/api/actions/connector/_test', { ...body, params: { subAction: 'getAgents', subActionParams: { ids: ['h'] } } });
    expect(read.body).toMatchObject({ status: 'ok' });
  });

  it('takes confirm over _execute without needing it, and never sends it to the service', async () => {
    expect((await pb.api('POST', '/api/actions/connector/edr/_execute', { params: isolate(['host-3'], { confirm: true }) })).body).toMatchObject({ status: 'ok' });
    expect((await pb.api('POST', '/api/actions/connector/edr/_execute', { params: isolate(['host-3']) })).body).toMatchObject({ status: 'ok' });
    const wrong = await pb.api('POST', '/api/actions/connector/edr/_execute', { params: isolate(['host-3'], { confirm: 'yes' }) });
    expect(wrong.body).toMatchObject({ status: 'error', message: expect.stringContaining('confirm') });
    expect(sent()).toHaveLength(2);
    for (const r of sent()) {
      expect(r.body).toEqual({ ids: ['host-3'], script: SCRIPT_SECRET });
      expect(r.authorization).toBe(`Bearer ${TOKEN}`);
    }
  });

  it('queues a host-changing sub-action with _bulk_enqueue only with confirm: true, and nothing of a refused batch', async () => {
    const before = await actionTasks();
    const read = { id: 'edr', params: { subAction: 'getAgents', subActionParams: { ids: ['host-4'] } } };
    for (const [confirm, extra] of [
      ['missing', {}],
      ['false', { confirm: false }],
      ['a string', { confirm: 'true' }],
    ] as const) {
      const res = await pb.api('POST', '/api/actions/_bulk_enqueue', { actions: [read, { id: 'edr', params: isolate(['host-4'], extra) }] });
      expect(res.status, confirm).toBe(400);
      expect(res.body, confirm).toEqual({ statusCode: 400, error: 'Bad Request', message: '[1].params.confirm: isolateHost changes a host: send confirm: true to queue it' });
    }
    const single = await pb.api('POST', '/api/actions/connector/edr/_enqueue', { params: isolate(['host-4']) });
    expect(single.status).toBe(400);
    expect(single.body.message).toBe('params.confirm: isolateHost changes a host: send confirm: true to queue it');
    expect(await actionTasks()).toBe(before);

    const queued = await pb.api('POST', '/api/actions/_bulk_enqueue', { actions: [read, { id: 'edr', params: isolate(['host-4'], { confirm: true }) }] });
    expect(queued.status, queued.text).toBe(200);
    expect(queued.body.items.map((i: { response: string }) => i.response)).toEqual(['success', 'success']);
    for (const item of queued.body.items as Array<{ execution_id: string }>) {
      await eventually(async () => ((await pb.api('GET', `/api/actions/execution/${item.execution_id}`)).body.status === 'ok' ? true : undefined));
    }
    expect(sent().map((r) => r.path).sort()).toEqual(['/agents', '/isolate']);
    expect(sent().find((r) => r.path === '/isolate')?.body).toEqual({ ids: ['host-4'], script: SCRIPT_SECRET });
  });

  it('refuses _bulk_enqueue without the sub-feature, queueing nothing, and lets reads be queued', async () => {
    const before = await actionTasks();
    const refused = await as('minimal-all-user')('POST', '/api/actions/_bulk_enqueue', {
      actions: [
        { id: 'edr', params: { subAction: 'getAgents', subActionParams: { ids: ['h'] } } },
        { id: 'edr', params: isolate(['host-5'], { confirm: true }) },
      ],
    });
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual(refusal);
    const single = await as('read-user')('POST', '/api/actions/connector/edr/_enqueue', { params: isolate(['host-5'], { confirm: true }) });
    expect(single.body).toEqual(refusal);
    expect(await actionTasks()).toBe(before);
    const reads = await as('read-user')('POST', '/api/actions/_bulk_enqueue', { actions: [{ id: 'edr', params: { subAction: 'getAgents', subActionParams: { ids: ['h'] } } }] });
    expect(reads.body.items).toMatchObject([{ response: 'success' }]);
    const allowed = await as('minimal-all-edr-user')('POST', '/api/actions/_bulk_enqueue', { actions: [{ id: 'edr', params: isolate(['host-5'], { confirm: true }) }] });
    expect(allowed.body.items).toMatchObject([{ response: 'success' }]);
  });

  it('writes an audit record of every run, over HTTP and queued, with the user, connector, sub-action, hosts and outcome', async () => {
    const api = as('feature-all-user');
    expect((await api('POST', '/api/actions/connector/edr/_execute', { params: isolate(['host-a1', 'host-a2']) })).body.status).toBe('ok');
    const http = await auditOf((e) => e.details?.host_ids !== undefined && JSON.stringify(e.details.host_ids) === '["host-a1","host-a2"]');
    expect(http).toMatchObject({
      event: { action: 'connector_endpoint_action', outcome: 'success' },
      user: { name: 'feature-all-user' },
      kibana: { space_id: 'default', saved_object: { type: 'action', id: 'edr' } },
      message: `User [feature-all-user] ran sub-action [isolateHost] of connector [id=edr] (${TYPE}) on hosts [host-a1, host-a2]`,
      details: { connector_type_id: TYPE, sub_action: 'isolateHost', host_ids: ['host-a1', 'host-a2'], endpoint_kind: 'changesHost', source: 'http_request', attempt: 1 },
    });

    // A failed run is recorded as one.
    expect((await api('POST', '/api/actions/connector/edr/_execute', { params: isolate(['broken-host']) })).body.status).toBe('error');
    expect(await auditOf((e) => JSON.stringify(e.details?.host_ids) === '["broken-host"]')).toMatchObject({ event: { outcome: 'failure' }, user: { name: 'feature-all-user' } });

    // A queued run names the user who queued it.
    const queued = await as('minimal-all-edr-user')('POST', '/api/actions/_bulk_enqueue', { actions: [{ id: 'edr', params: isolate(['host-q1'], { confirm: true }) }] });
    const executionId = queued.body.items[0].execution_id as string;
    const background = await auditOf((e) => e.details?.execution_id === executionId);
    expect(background).toMatchObject({
      event: { action: 'connector_endpoint_action', outcome: 'success' },
      user: { name: 'minimal-all-edr-user' },
      details: { sub_action: 'isolateHost', host_ids: ['host-q1'], source: 'http_request' },
    });

    // Reads are recorded too; no record holds the connector's secret or the params beyond the hosts.
    await api('POST', '/api/actions/connector/edr/_execute', { params: { subAction: 'getAgents', subActionParams: { ids: ['host-r1'] } } });
    expect(await auditOf((e) => JSON.stringify(e.details?.host_ids) === '["host-r1"]')).toMatchObject({ details: { endpoint_kind: 'reads' } });
    const rows = JSON.stringify(await pb.plugboard.database.db.selectFrom('audit_log').selectAll().execute());
    expect(rows).not.toContain(TOKEN);
    expect(rows).not.toContain(SCRIPT_SECRET);
  });

  it("records a rule's run of such a type under the rule's API key owner", async () => {
    const runs = new RuleRuns(pb);
    driven.set('isolating', [{ id: 'alert-1' }]);
    // Created by a user: the rule's API key is theirs, and its actions run as the server.
    const api = as('base-all-user');
    const firstRun = runs.awaitRun('isolating');
    const created = await api('POST', '/api/alerting/rule/isolating', {
      consumer: 'alerts',
      schedule: { interval: '1h' },
      params: {},
      name: 'Isolate',
      rule_type_id: 'test.driven',
      actions: [{ group: 'firing', id: 'edr', params: isolate(['host-rule']), frequency: { summary: false, notify_when: 'onActiveAlert', throttle: null } }],
    });
    expect(created.status, created.text).toBe(200);
    await firstRun;
    const record = await auditOf((e) => JSON.stringify(e.details?.host_ids) === '["host-rule"]');
    expect(record).toMatchObject({ event: { outcome: 'success' }, user: { name: 'base-all-user' }, details: { sub_action: 'isolateHost', source: 'alert' } });
  });
});
