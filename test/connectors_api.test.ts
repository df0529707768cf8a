import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDialects } from './helpers/databases.js';
import { startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';

const dialects = await availableDialects();

describe.each(dialects)('connectors API on %s', (dialect) => {
  let pb: TestPlugboard;
  beforeAll(async () => {
    pb = await startTestPlugboard({
      dialect,
      settings: {
        'xpack.actions.preconfigured': {
          'my-log': { name: 'Preconfigured log', actionTypeId: '.server-log' },
          'exposed-hook': {
            name: 'Exposed webhook',
            actionTypeId: '.webhook',
            config: { url: 'https://example.com/hook' },
            exposeConfig: true,
          },
        },
      },
    });
  });
  afterAll(async () => pb.close());

  it('creates a connector with a generated id and returns Kibana fields without secrets', async () => {
    const res = await pb.api('POST', '/api/actions/connector', {
      name: 'My log',
      connector_type_id: '.server-log',
      config: {},
      secrets: {},
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'My log',
      config: {},
      connector_type_id: '.server-log',
      is_preconfigured: false,
      is_deprecated: false,
      is_missing_secrets: false,
      is_system_action: false,
      is_connector_type_deprecated: false,
    });
    const got = await pb.api('GET', `/api/actions/connector/${res.body.id}`);
    expect(got.status).toBe(200);
    // As Kibana's: get adds the auth mode, which create leaves out.
    expect(got.body).toEqual({ ...res.body, auth_mode: 'shared' });
  });

  it('creates with an id, answers 409 on the same id, and 400 on a preconfigured id', async () => {
    const body = { name: 'Hook', connector_type_id: '.webhook', config: { url: 'https://example.com/x' }, secrets: { user: 'u', password: 'super-secret-pw' } };
    const first = await pb.api('POST', '/api/actions/connector/hook-1', body);
    expect(first.status).toBe(200);
    expect(first.body.id).toBe('hook-1');
    expect(JSON.stringify(first.body)).not.toContain('super-secret-pw');
    // Defaults injected by the type's schema are what is stored and returned.
    expect(first.body.config).toMatchObject({ url: 'https://example.com/x', method: 'post', hasAuth: true });

    const again = await pb.api('POST', '/api/actions/connector/hook-1', body);
    expect(again.status).toBe(409);
    expect(again.body).toEqual({ statusCode: 409, error: 'Conflict', message: 'A connector is already using this ID: hook-1. Choose a different ID.' });

    const pre = await pb.api('POST', '/api/actions/connector/my-log', { name: 'x', connector_type_id: '.server-log' });
    expect(pre.status).toBe(400);
    expect(pre.body.message).toBe('This my-log already exists in a preconfigured action.');
  });

  it('enforces the connector id rule of current Kibana', async () => {
    const body = { name: 'x', connector_type_id: '.server-log' };
    const upper = await pb.api('POST', '/api/actions/connector/Bad_Id', body);
    expect(upper.status).toBe(400);
    expect(upper.body.message).toBe('[request params.id]: Connector ID must contain only lowercase letters, numbers, and hyphens.');
    const long = await pb.api('POST', `/api/actions/connector/${'a'.repeat(37)}`, body);
    expect(long.status).toBe(400);
    expect(long.body.message).toBe('[request params.id]: Connector ID must be 36 characters or less.');
  });

  it('rejects unknown, system and invalid types with Kibana messages', async () => {
    const unknown = await pb.api('POST', '/api/actions/connector', { name: 'x', connector_type_id: '.nope' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toBe('Action type ".nope" is not registered.');

    const badConfig = await pb.api('POST', '/api/actions/connector', { name: 'x', connector_type_id: '.webhook', config: {} });
    expect(badConfig.status).toBe(400);
    expect(badConfig.body.message).toBe('error validating connector type config: Field "url": Required');
  });

  it('lists connectors sorted by name with preconfigured ones and referenced_by_count', async () => {
    const spaceRes = await pb.api('POST', '/api/spaces/space', { id: 'listing', name: 'Listing' });
    expect(spaceRes.status).toBe(200);
    for (const name of ['beta', 'Alpha', 'gamma']) {
      const r = await pb.api('POST', '/s/listing/api/actions/connector', { name, connector_type_id: '.server-log' });
      expect(r.status).toBe(200);
    }
    const list = await pb.api('GET', '/s/listing/api/actions/connectors');
    expect(list.status).toBe(200);
    expect(list.body.map((c: { name: string }) => c.name)).toEqual(['Alpha', 'beta', 'Exposed webhook', 'gamma', 'Preconfigured log']);
    const pre = list.body.find((c: { id: string }) => c.id === 'my-log');
    expect(pre).toEqual({
      id: 'my-log',
      name: 'Preconfigured log',
      connector_type_id: '.server-log',
      is_preconfigured: true,
      is_deprecated: false,
      is_system_action: false,
      is_connector_type_deprecated: false,
      referenced_by_count: 0,
    });
    const exposed = list.body.find((c: { id: string }) => c.id === 'exposed-hook');
    expect(exposed.config).toMatchObject({ url: 'https://example.com/hook' });

    const gamma = list.body.find((c: { name: string }) => c.name === 'gamma');
    const repo = (await import('../src/storage/connectors_repository.js')).ConnectorsRepository;
    await new repo(pb.plugboard.database.db).addReference({ sourceType: 'alert', sourceId: 'rule-1', spaceId: 'other', connectorId: gamma.id });
    const relisted = await pb.api('GET', '/s/listing/api/actions/connectors');
    expect(relisted.body.find((c: { name: string }) => c.name === 'gamma').referenced_by_count).toBe(1);
  });

  it('stores a name of any length, as Kibana does (no index entry limits it)', async () => {
    // 400,000 bytes of UTF-8: far beyond PostgreSQL's btree entry size of 2,704 bytes.
    const name = '\u{1F600}'.repeat(100_000);
    const res = await pb.api('POST', '/api/actions/connector/long-name', { name, connector_type_id: '.server-log' });
    expect([res.status, res.body.name === name]).toEqual([200, true]);
    const renamed = await pb.api('PUT', '/api/actions/connector/long-name', { name: `${name}!` });
    expect([renamed.status, renamed.body.name === `${name}!`]).toEqual([200, true]);
    expect((await pb.api('GET', '/api/actions/connectors')).body.some((c: { name: string }) => c.name === `${name}!`)).toBe(true);
    expect((await pb.api('DELETE', '/api/actions/connector/long-name')).status).toBe(204);
  });

  it('updates name, config and secrets but not the type, and refuses preconfigured', async () => {
    const created = await pb.api('POST', '/api/actions/connector/to-update', { name: 'Before', connector_type_id: '.server-log' });
    expect(created.status).toBe(200);
    const updated = await pb.api('PUT', '/api/actions/connector/to-update', { name: 'After', config: {}, secrets: {} });
    expect(updated.status).toBe(200);
    expect(updated.body.name).toBe('After');
    const typeChange = await pb.api('PUT', '/api/actions/connector/to-update', { name: 'x', connector_type_id: '.webhook' });
    expect(typeChange.status).toBe(400);
    expect(typeChange.body.message).toBe('[request body.connector_type_id]: definition for this key is missing');
    const pre = await pb.api('PUT', '/api/actions/connector/my-log', { name: 'x' });
    expect(pre.status).toBe(400);
    expect(pre.body.message).toBe('Preconfigured action my-log can not be updated.');
    const missing = await pb.api('PUT', '/api/actions/connector/nope', { name: 'x' });
    expect(missing.status).toBe(404);
    expect(missing.body.message).toBe('Saved object [action/nope] not found');
  });

  it('deletes with 204 and then answers 404', async () => {
    await pb.api('POST', '/api/actions/connector/to-delete', { name: 'Doomed', connector_type_id: '.server-log' });
    const del = await pb.api('DELETE', '/api/actions/connector/to-delete');
    expect(del.status).toBe(204);
    expect(del.text).toBe('');
    expect((await pb.api('GET', '/api/actions/connector/to-delete')).status).toBe(404);
    expect((await pb.api('DELETE', '/api/actions/connector/to-delete')).status).toBe(404);
    const pre = await pb.api('DELETE', '/api/actions/connector/my-log');
    expect(pre.status).toBe(400);
    expect(pre.body.message).toBe('Preconfigured action my-log is not allowed to delete.');
  });

  it('executes saved and preconfigured connectors', async () => {
    await pb.api('POST', '/api/actions/connector/exec-log', { name: 'Exec', connector_type_id: '.server-log' });
    const ok = await pb.api('POST', '/api/actions/connector/exec-log/_execute', { params: { message: 'hello' } });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ status: 'ok', connector_id: 'exec-log' });
    const pre = await pb.api('POST', '/api/actions/connector/my-log/_execute', { params: { message: 'hi', level: 'warn' } });
    expect(pre.body).toEqual({ status: 'ok', connector_id: 'my-log' });
    const bad = await pb.api('POST', '/api/actions/connector/exec-log/_execute', { params: { level: 'loud' } });
    expect(bad.status).toBe(200);
    expect(bad.body).toEqual({
      status: 'error',
      connector_id: 'exec-log',
      message:
        "error validating action params: 2 errors:\n [1]: Field \"message\": Required;\n [2]: Field \"level\": Invalid enum value. Expected 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal', received 'loud'",
      retry: false,
      errorSource: 'user',
    });
    expect((await pb.api('POST', '/api/actions/connector/nope/_execute', { params: {} })).status).toBe(404);
  });

  it("lists Kibana's nine ticketing and SOAR types with their names, licences and features", async () => {
    const res = await pb.api('GET', '/api/actions/connector_types');
    const listed = Object.fromEntries(
      (res.body as Array<{ id: string; name: string; minimum_license_required: string; supported_feature_ids: string[] }>).map((t) => [
        t.id,
        [t.name, t.minimum_license_required, [...t.supported_feature_ids].sort()],
      ]),
    );
    expect({
      '.jira': listed['.jira'],
      '.servicenow': listed['.servicenow'],
      '.servicenow-sir': listed['.servicenow-sir'],
      '.servicenow-itom': listed['.servicenow-itom'],
      '.resilient': listed['.resilient'],
      '.swimlane': listed['.swimlane'],
      '.thehive': listed['.thehive'],
      '.cases-webhook': listed['.cases-webhook'],
      '.xsoar': listed['.xsoar'],
    }).toEqual({
      '.jira': ['Jira', 'gold', ['alerting', 'cases', 'siem', 'uptime']],
      '.servicenow': ['ServiceNow ITSM', 'platinum', ['alerting', 'cases', 'siem', 'uptime', 'workflows']],
      '.servicenow-sir': ['ServiceNow SecOps', 'platinum', ['alerting', 'cases', 'siem', 'workflows']],
      '.servicenow-itom': ['ServiceNow ITOM', 'platinum', ['alerting', 'siem', 'workflows']],
      '.resilient': ['IBM Resilient', 'platinum', ['alerting', 'cases', 'siem']],
      '.swimlane': ['Swimlane', 'gold', ['alerting', 'cases', 'siem', 'workflows']],
      '.thehive': ['TheHive', 'platinum', ['alerting', 'cases', 'siem', 'uptime', 'workflows']],
      '.cases-webhook': ['Webhook - Case Management', 'gold', ['cases']],
      '.xsoar': ['XSOAR', 'platinum', ['siem']],
    });
  });

  it('lists connector types with Kibana fields and filters by feature', async () => {
    const res = await pb.api('GET', '/api/actions/connector_types');
    expect(res.status).toBe(200);
    const webhook = res.body.find((t: { id: string }) => t.id === '.webhook');
    expect(webhook).toEqual({
      id: '.webhook',
      name: 'Webhook',
      enabled: true,
      enabled_in_config: true,
      enabled_in_license: true,
      minimum_license_required: 'gold',
      supported_feature_ids: expect.arrayContaining(['alerting', 'uptime', 'siem']),
      is_system_action_type: false,
      is_deprecated: false,
      source: 'stack',
    });
    const cases = await pb.api('GET', '/api/actions/connector_types?feature_id=cases');
    expect(cases.body.map((t: { id: string }) => t.id)).not.toContain('.server-log');
    const noAuth = await pb.api('GET', '/api/actions/connector_types', undefined, { headers: { authorization: '' } });
    expect(noAuth.status).toBe(401);
  });
});
