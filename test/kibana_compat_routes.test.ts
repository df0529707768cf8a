import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineConnectorType } from '../src/actions/types.js';
import { INTERNAL_PRINCIPAL } from '../src/security/principal.js';
import { hashPassword } from '../src/security/passwords.js';
import { RolesRepository } from '../src/storage/roles_repository.js';
import { UsersRepository } from '../src/storage/users_repository.js';
import { availableDialects } from './helpers/databases.js';
import { startTestPlugboard, type ApiResponse, type TestPlugboard } from './helpers/plugboard.js';
import { systemType } from './helpers/test_types.js';
import { eventually } from './helpers/wait.js';

const dialects = await availableDialects();

// Kibana compatibility measured against Kibana's API tests (issue 15, groups 8–10): connectors
// of types this installation lacks, the internal routes Kibana's UI and tests call, the
// auth_mode field, and system actions.

const PASSWORD = 'a-test-password';
const basic = (username: string) => ({ authorization: `Basic ${Buffer.from(`${username}:${PASSWORD}`).toString('base64')}` });
const SECRET_HEADER_VALUE = 'super-secret-header-value-93';
const IMPORTED_SECRET = 'imported-secret-value-57';

/** A system type whose connector id passes the connector id rule, as only a test-registered type can. */
const multiSystemType = defineConnectorType({
  id: 'test-multi-system',
  name: 'Test system action allowing multiple instances',
  category: 'other',
  summary: 'A type for tests.',
  minimumLicenseRequired: 'basic',
  supportedFeatureIds: ['alerting'],
  isSystemActionType: true,
  allowMultipleSystemActions: true,
  schemas: { config: z.strictObject({}), secrets: z.strictObject({}), params: z.strictObject({}) },
  async executor({ connectorId }) {
    return { status: 'ok', actionId: connectorId };
  },
});
const SYSTEM_ID = 'system-connector-.test-system';
const MULTI_SYSTEM_ID = 'system-connector-test-multi-system';

function multipart(content: string): { raw: string; contentType: string } {
  const boundary = '----plugboard-compat-boundary-1';
  const raw = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="export.ndjson"\r\nContent-Type: application/ndjson\r\n\r\n${content}\r\n--${boundary}--\r\n`;
  return { raw, contentType: `multipart/form-data; boundary=${boundary}` };
}

describe.each(dialects)('Kibana compatibility of routes on %s', (dialect) => {
  let pb: TestPlugboard;
  const answers: ApiResponse[] = [];
  async function api(method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse> {
    const res = await pb.api(method, url, body, headers ? { headers } : undefined);
    answers.push(res);
    return res;
  }
  const as = (username: string) => (method: string, url: string, body?: unknown) => api(method, url, body, basic(username));

  beforeAll(async () => {
    pb = await startTestPlugboard({
      dialect,
      extraConnectorTypes: [systemType, multiSystemType],
      settings: {
        'xpack.actions.preconfigured': {
          'pre-hook': { name: 'Preconfigured hook', actionTypeId: '.webhook', config: { url: 'http://127.0.0.1:9/x' } },
        },
      },
    });
    const roles = new RolesRepository(pb.plugboard.database.db);
    const users = new UsersRepository(pb.plugboard.database.db);
    await roles.put({ name: 'connectors-read', kibana: [{ base: [], feature: { actions: ['read'] }, spaces: ['*'] }], elasticsearch: {}, metadata: {} });
    await roles.put({ name: 'dashboards', kibana: [{ base: [], feature: { dashboards: ['all'] }, spaces: ['*'] }], elasticsearch: {}, metadata: {} });
    const passwordHash = await hashPassword(PASSWORD);
    await users.insertIfAbsent({ username: 'reader', passwordHash, roles: ['connectors-read'], enabled: true });
    await users.insertIfAbsent({ username: 'outsider', passwordHash, roles: ['dashboards'], enabled: true });
    expect((await api('POST', '/api/spaces/space', { id: 'other', name: 'Other' })).status).toBe(200);
  });
  afterAll(async () => {
    // Secrets sent in bodies and import files never come back, whatever the route.
    for (const res of answers) {
      expect(res.text).not.toContain(SECRET_HEADER_VALUE);
      expect(res.text).not.toContain(IMPORTED_SECRET);
    }
    await pb.close();
  });

  describe('a connector whose type is not registered', () => {
    const importFile = async (objects: unknown[]) => {
      const { raw, contentType } = multipart(objects.map((o) => JSON.stringify(o)).join('\n'));
      const res = await pb.api('POST', '/api/saved_objects/_import?overwrite=true', undefined, { raw, headers: { 'content-type': contentType } });
      answers.push(res);
      return res;
    };
    const invalid = (id: string, isMissingSecrets: boolean) => ({
      id,
      type: 'action',
      attributes: { actionTypeId: '.invalid-type', name: `Invalid ${id}`, config: { somewhere: 'https://example.com' }, secrets: { token: IMPORTED_SECRET }, isMissingSecrets },
      references: [],
    });

    it('is imported as the file has it, as Kibana keeps it', async () => {
      const res = await importFile([invalid('invalid-a', false), invalid('invalid-b', true)]);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ success: true, successCount: 2 });
      expect(res.body.errors).toBeUndefined();
      expect(res.body.successResults.map((r: { id: string }) => r.id)).toEqual(['invalid-a', 'invalid-b']);
      expect(res.body.warnings.map((w: { message: string }) => w.message)).toEqual(['1 connector has sensitive information that require updates.']);
    });

    it('is listed, by the public and the internal list, and can be read', async () => {
      const expected = {
        id: 'invalid-a',
        name: 'Invalid invalid-a',
        config: { somewhere: 'https://example.com' },
        connector_type_id: '.invalid-type',
        is_preconfigured: false,
        is_deprecated: false,
        is_missing_secrets: false,
        is_system_action: false,
        is_connector_type_deprecated: false,
      };
      for (const url of ['/api/actions/connectors', '/internal/actions/connectors']) {
        const list = await api('GET', url);
        expect(list.status).toBe(200);
        expect(list.body.find((c: { id: string }) => c.id === 'invalid-a')).toEqual({ ...expected, referenced_by_count: 0 });
        expect(list.body.find((c: { id: string }) => c.id === 'invalid-b')).toMatchObject({ is_missing_secrets: true });
      }
      const got = await api('GET', '/api/actions/connector/invalid-a');
      expect([got.status, got.body]).toEqual([200, { ...expected, auth_mode: 'shared' }]);
    });

    it("cannot run or be updated: Kibana's 400, naming the type", async () => {
      const error = { statusCode: 400, error: 'Bad Request', message: 'Action type ".invalid-type" is not registered.' };
      for (const [method, url, body] of [
        ['POST', '/api/actions/connector/invalid-a/_execute', { params: {} }],
        ['POST', '/api/actions/connector/invalid-a/_enqueue', { params: {} }],
        ['POST', '/api/actions/_bulk_enqueue', { actions: [{ id: 'invalid-a', params: {} }] }],
        ['PUT', '/api/actions/connector/invalid-a', { name: 'renamed' }],
      ] as const) {
        const res = await api(method, url, body);
        expect([url, res.status, res.body]).toEqual([url, 400, error]);
      }
      expect((await api('GET', '/api/actions/connector/invalid-a')).body.name).toBe('Invalid invalid-a');
    });

    it('is exported again, flagged as needing its secrets', async () => {
      const res = await api('POST', '/api/saved_objects/_export', { type: ['action'] });
      expect(res.status).toBe(200);
      const line = res.text.split('\n').map((l) => JSON.parse(l)).find((o: { id?: string }) => o.id === 'invalid-a');
      expect(line.attributes).toEqual({ actionTypeId: '.invalid-type', name: 'Invalid invalid-a', config: { somewhere: 'https://example.com' }, secrets: {}, isMissingSecrets: true });
    });

    it('can be deleted', async () => {
      const del = await api('DELETE', '/api/actions/connector/invalid-a');
      expect([del.status, del.text]).toEqual([204, '']);
      expect((await api('GET', '/api/actions/connector/invalid-a')).status).toBe(404);
      expect((await api('GET', '/api/actions/connectors')).body.map((c: { id: string }) => c.id)).not.toContain('invalid-a');
    });
  });

  describe('POST /internal/security/api_key', () => {
    it("creates a key from Kibana's body, in the shape of Elasticsearch's answer", async () => {
      const res = await api('POST', '/internal/security/api_key', { name: 'test user managed key' });
      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual(['api_key', 'encoded', 'id', 'name']);
      expect(res.body.name).toBe('test user managed key');
      expect(Buffer.from(res.body.encoded, 'base64').toString()).toBe(`${res.body.id}:${res.body.api_key}`);
      const used = await api('GET', '/api/actions/connectors', undefined, { authorization: `ApiKey ${res.body.encoded}` });
      expect(used.status).toBe(200);
      const listed = await api('GET', `/api/security/api_key?id=${res.body.id}`);
      expect(listed.body.api_keys).toMatchObject([{ id: res.body.id, name: 'test user managed key', username: 'elastic', invalidated: false, role_descriptors: {} }]);
    });

    it('limits a key by kibana_role_descriptors, as the public route does by role_descriptors', async () => {
      const res = await api('POST', '/internal/security/api_key', {
        name: 'read only',
        expiration: '1d',
        kibana_role_descriptors: { reading: { elasticsearch: {}, kibana: [{ base: [], feature: { actions: ['read'] }, spaces: ['*'] }] } },
      });
      expect(res.status).toBe(200);
      expect(typeof res.body.expiration).toBe('number');
      const key = { authorization: `ApiKey ${res.body.encoded}` };
      expect((await api('GET', '/api/actions/connectors', undefined, key)).status).toBe(200);
      const create = await api('POST', '/api/actions/connector', { name: 'x', connector_type_id: '.server-log' }, key);
      expect([create.status, create.body.message]).toEqual([403, 'Unauthorized to create a ".server-log" action']);
    });

    it('keeps the Elasticsearch privileges of role_descriptors, which grant no Kibana privilege', async () => {
      const res = await api('POST', '/internal/security/api_key', { name: 'scrape', role_descriptors: { scrape: { cluster: ['monitor'] } } });
      expect(res.status).toBe(200);
      const key = { authorization: `ApiKey ${res.body.encoded}` };
      expect((await api('GET', '/metrics', undefined, key)).status).toBe(200);
      const list = await api('GET', '/api/actions/connectors', undefined, key);
      expect([list.status, list.body.message]).toEqual([403, 'Unauthorized to get actions']);
      const stored = await api('GET', `/api/security/api_key?id=${res.body.id}`);
      expect(stored.body.api_keys[0].role_descriptors).toEqual({ scrape: { elasticsearch: { cluster: ['monitor'] }, kibana: [], metadata: {} } });
    });

    it('refuses what it cannot honour with a 400 naming the field', async () => {
      const cases: Array<[unknown, string]> = [
        [{}, '[request body.name]'],
        [{ name: 'x', type: 'cross_cluster', access: {} }, 'cross-cluster API keys are not supported'],
        [{ name: 'x', role_descriptors: { r: { applications: [{ application: 'kibana-.kibana', privileges: ['all'], resources: ['*'] }] } } }, 'kibana_role_descriptors'],
        [{ name: 'x', role_descriptors: {}, kibana_role_descriptors: {} }, 'only one of [role_descriptors, kibana_role_descriptors]'],
        [{ name: '_reserved' }, 'api key name may not begin with an underscore'],
      ];
      for (const [body, fragment] of cases) {
        const res = await api('POST', '/internal/security/api_key', body);
        expect([res.status, res.body.error]).toEqual([400, 'Bad Request']);
        expect(res.body.message).toContain(fragment);
      }
      const keys = await api('GET', '/api/security/api_key?name=x');
      expect(keys.body.api_keys).toEqual([]);
    });
  });

  describe('GET /internal/stack_connectors/{id}/secret_headers', () => {
    beforeAll(async () => {
      const hook = (id: string, secrets: Record<string, unknown>) =>
        api('POST', `/api/actions/connector/${id}`, { name: id, connector_type_id: '.webhook', config: { url: 'https://example.com/hook', hasAuth: false }, secrets });
      expect((await hook('headers-hook', { secretHeaders: { superSecretKey: SECRET_HEADER_VALUE, 'X-Other': SECRET_HEADER_VALUE } })).status).toBe(200);
      expect((await hook('plain-hook', {})).status).toBe(200);
      expect((await api('POST', '/api/actions/connector/plain-log', { name: 'log', connector_type_id: '.server-log' })).status).toBe(200);
    });

    it("answers the names of a webhook's secret headers, never their values, to a reader too", async () => {
      for (const headers of [undefined, basic('reader')]) {
        const res = await api('GET', '/internal/stack_connectors/headers-hook/secret_headers', undefined, headers);
        expect([res.status, res.body]).toEqual([200, ['superSecretKey', 'X-Other']]);
      }
      expect((await api('GET', '/internal/stack_connectors/plain-hook/secret_headers')).body).toEqual([]);
    });

    it("answers Kibana's errors", async () => {
      const cases: Array<[string, number, string, Record<string, string>?]> = [
        ['plain-log', 400, 'Connector must be one of the following types: .webhook, .cases-webhook, .mcp'],
        ['no-such-hook', 404, 'Saved object [action/no-such-hook] not found'],
        // A preconfigured connector is not stored: Kibana's read of the stored secrets finds nothing.
        ['pre-hook', 404, 'Saved object [action/pre-hook] not found'],
        [SYSTEM_ID, 404, `Connector ${SYSTEM_ID} not found`],
        ['headers-hook', 403, 'Unauthorized to get actions', basic('outsider')],
      ];
      for (const [id, status, message, headers] of cases) {
        const res = await api('GET', `/internal/stack_connectors/${id}/secret_headers`, undefined, headers);
        expect([id, res.status, res.body.message]).toEqual([id, status, message]);
      }
      // Another space does not see the connector.
      expect((await api('GET', '/s/other/internal/stack_connectors/headers-hook/secret_headers')).status).toBe(404);
    });
  });

  describe('POST /internal/actions/connectors/_me/auth_status', () => {
    it('answers not_applicable for every connector of the space and the preconfigured ones', async () => {
      expect((await api('POST', '/s/other/api/actions/connector/other-log', { name: 'log', connector_type_id: '.server-log' })).status).toBe(200);
      const listed: Array<{ id: string; is_system_action: boolean }> = (await api('GET', '/internal/actions/connectors')).body;
      const expected = Object.fromEntries(listed.filter((c) => !c.is_system_action).map((c) => [c.id, { user_auth_status: 'not_applicable' }]));
      expect(expected['pre-hook']).toBeDefined();
      for (const headers of [undefined, basic('reader')]) {
        const res = await api('POST', '/internal/actions/connectors/_me/auth_status', {}, headers);
        expect([res.status, res.body]).toEqual([200, expected]);
      }
      const other = await api('POST', '/s/other/internal/actions/connectors/_me/auth_status', {});
      expect(other.body).toEqual({ 'other-log': { user_auth_status: 'not_applicable' }, 'pre-hook': { user_auth_status: 'not_applicable' } });
    });

    it('needs the read privilege', async () => {
      const res = await as('outsider')('POST', '/internal/actions/connectors/_me/auth_status', {});
      expect([res.status, res.body]).toEqual([403, { statusCode: 403, error: 'Forbidden', message: 'Unauthorized to get actions' }]);
    });
  });

  describe('auth_mode', () => {
    it('is in the get answer, shared, and nowhere else, as the newest Kibana returns it', async () => {
      const created = await api('POST', '/api/actions/connector/mode-log', { name: 'Mode', connector_type_id: '.server-log' });
      expect(created.body.auth_mode).toBeUndefined();
      const updated = await api('PUT', '/api/actions/connector/mode-log', { name: 'Mode 2' });
      expect(updated.body.auth_mode).toBeUndefined();
      expect((await api('GET', '/api/actions/connector/mode-log')).body.auth_mode).toBe('shared');
      expect((await api('GET', '/api/actions/connector/pre-hook')).body).toEqual({
        id: 'pre-hook',
        name: 'Preconfigured hook',
        connector_type_id: '.webhook',
        is_preconfigured: true,
        is_deprecated: false,
        is_system_action: false,
        is_connector_type_deprecated: false,
        auth_mode: 'shared',
      });
      for (const url of ['/api/actions/connectors', '/internal/actions/connectors']) {
        expect((await api('GET', url)).body.filter((c: Record<string, unknown>) => 'auth_mode' in c)).toEqual([]);
      }
    });
  });

  describe('system actions', () => {
    it('flags system types and connectors, which only the internal routes list', async () => {
      const internalTypes = (await api('GET', '/internal/actions/connector_types')).body;
      const byId = Object.fromEntries(internalTypes.map((t: { id: string }) => [t.id, t]));
      expect(byId['.test-system']).toMatchObject({ is_system_action_type: true, name: 'Test system action' });
      expect(byId['.test-system']).not.toHaveProperty('allow_multiple_system_actions');
      expect(byId['test-multi-system']).toMatchObject({ is_system_action_type: true, allow_multiple_system_actions: true });
      expect(byId['.webhook']).toMatchObject({ is_system_action_type: false });
      expect(byId['.webhook']).not.toHaveProperty('allow_multiple_system_actions');
      const publicTypes = (await api('GET', '/api/actions/connector_types')).body.map((t: { id: string }) => t.id);
      expect(publicTypes).toContain('.webhook');
      expect(publicTypes.filter((id: string) => byId[id].is_system_action_type)).toEqual([]);

      const internal = (await api('GET', '/internal/actions/connectors')).body;
      expect(internal.find((c: { id: string }) => c.id === MULTI_SYSTEM_ID)).toEqual({
        id: MULTI_SYSTEM_ID,
        name: 'Test system action allowing multiple instances',
        connector_type_id: 'test-multi-system',
        is_preconfigured: false,
        is_deprecated: false,
        is_system_action: true,
        is_connector_type_deprecated: false,
        referenced_by_count: 0,
      });
      // The same in-memory connector in every space.
      expect((await api('GET', '/s/other/internal/actions/connectors')).body.map((c: { id: string }) => c.id)).toEqual(expect.arrayContaining([SYSTEM_ID, MULTI_SYSTEM_ID]));
      const publicIds = (await api('GET', '/api/actions/connectors')).body.map((c: { id: string }) => c.id);
      expect(publicIds).not.toContain(SYSTEM_ID);
      expect(publicIds).not.toContain(MULTI_SYSTEM_ID);
    });

    it("refuses to create, update or delete one with Kibana's messages, after authorization", async () => {
      const byType = await api('POST', '/api/actions/connector', { name: 'x', connector_type_id: 'test-multi-system' });
      expect([byType.status, byType.body.message]).toEqual([400, 'System action creation is forbidden. Action type: test-multi-system.']);
      // A connector of another type cannot take a system connector's id either.
      const byId = await api('POST', `/api/actions/connector/${MULTI_SYSTEM_ID}`, { name: 'x', connector_type_id: '.server-log' });
      expect([byId.status, byId.body.message]).toEqual([400, 'System action creation is forbidden. Action type: .server-log.']);
      const update = await api('PUT', `/api/actions/connector/${MULTI_SYSTEM_ID}`, { name: 'x' });
      expect([update.status, update.body.message]).toEqual([400, `System action ${MULTI_SYSTEM_ID} can not be updated.`]);
      const keeping = await api('PUT', `/internal/actions/connector/${MULTI_SYSTEM_ID}`, { name: 'x', keep_secrets: [] });
      expect([keeping.status, keeping.body.message]).toEqual([400, `System action ${MULTI_SYSTEM_ID} can not be updated.`]);
      const del = await api('DELETE', `/api/actions/connector/${MULTI_SYSTEM_ID}`);
      expect([del.status, del.body]).toEqual([400, { statusCode: 400, error: 'Bad Request', message: `System action ${MULTI_SYSTEM_ID} is not allowed to delete.` }]);

      // Kibana authorizes first: a reader is refused the change itself.
      const reader = as('reader');
      expect((await reader('POST', '/api/actions/connector', { name: 'x', connector_type_id: 'test-multi-system' })).body.message).toBe(
        'Unauthorized to create a "test-multi-system" action',
      );
      expect((await reader('PUT', `/api/actions/connector/${MULTI_SYSTEM_ID}`, { name: 'x' })).body.message).toBe('Unauthorized to update actions');
      expect((await reader('DELETE', `/api/actions/connector/${MULTI_SYSTEM_ID}`)).body.message).toBe('Unauthorized to delete actions');
    });

    it('is never run through the HTTP API: 400 before authorization, as Kibana\'s execute route', async () => {
      const error = { statusCode: 400, error: 'Bad Request', message: 'Execution of system action is not allowed' };
      for (const user of ['elastic', 'reader', 'outsider']) {
        const headers = user === 'elastic' ? undefined : basic(user);
        for (const [url, body] of [
          [`/api/actions/connector/${SYSTEM_ID}/_execute`, { params: {} }],
          [`/api/actions/connector/${MULTI_SYSTEM_ID}/_enqueue`, { params: {} }],
          ['/api/actions/_bulk_enqueue', { actions: [{ id: 'plain-log', params: { message: 'x' } }, { id: SYSTEM_ID, params: {} }] }],
          [`/internal/actions/connector/${SYSTEM_ID}/_preview_run`, { params: {} }],
        ] as const) {
          const res = await api('POST', url, body, headers);
          expect([user, url, res.status, res.body]).toEqual([user, url, 400, error]);
        }
      }
    });

    it('runs for internal callers (rules, cases), now and queued', async () => {
      const scope = { spaceId: 'default', principal: INTERNAL_PRINCIPAL };
      const now = await pb.plugboard.actions.execute(scope, SYSTEM_ID, {});
      expect(now).toMatchObject({ status: 'ok', actionId: SYSTEM_ID });
      const queued = await pb.plugboard.actions.bulkEnqueue(scope, [{ id: MULTI_SYSTEM_ID, params: {} }]);
      expect(queued.items).toMatchObject([{ id: MULTI_SYSTEM_ID, actionTypeId: 'test-multi-system', response: 'success' }]);
      const executionId = queued.items[0]!.executionId!;
      const done = await eventually(async () => {
        const view = await pb.plugboard.actions.getExecution(scope, executionId);
        return view.status === 'ok' || view.status === 'error' ? view : undefined;
      });
      expect(done.status).toBe('ok');
    });
  });
});
