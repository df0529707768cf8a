import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDialects } from './helpers/databases.js';
import { startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';
import { hookCalls, hookedType, systemType } from './helpers/test_types.js';

const dialects = await availableDialects();

describe.each(dialects)('system connectors and enabledActionTypes on %s', (dialect) => {
  let pb: TestPlugboard;
  beforeAll(async () => {
    pb = await startTestPlugboard({
      dialect,
      extraConnectorTypes: [systemType],
      settings: {
        'xpack.actions.enabledActionTypes': ['.server-log'],
        'xpack.actions.preconfigured': {
          'pre-hook': { name: 'Pre hook', actionTypeId: '.webhook', config: { url: 'http://127.0.0.1:9/x' } },
        },
      },
    });
  });
  afterAll(async () => pb.close());

  const SYSTEM_ID = 'system-connector-.test-system';

  it('gives each system type one in-memory connector, shown only by internal routes', async () => {
    const internal = await pb.api('GET', '/internal/actions/connectors');
    expect(internal.body.find((c: { id: string }) => c.id === SYSTEM_ID)).toEqual({
      id: SYSTEM_ID,
      name: 'Test system action',
      connector_type_id: '.test-system',
      is_preconfigured: false,
      is_deprecated: false,
      is_system_action: true,
      is_connector_type_deprecated: false,
      referenced_by_count: 0,
    });
    const pub = await pb.api('GET', '/api/actions/connectors');
    expect(pub.body.map((c: { id: string }) => c.id)).not.toContain(SYSTEM_ID);
    const types = await pb.api('GET', '/api/actions/connector_types');
    expect(types.body.map((t: { id: string }) => t.id)).not.toContain('.test-system');
    const internalTypes = await pb.api('GET', '/internal/actions/connector_types');
    expect(internalTypes.body.find((t: { id: string }) => t.id === '.test-system').is_system_action_type).toBe(true);
  });

  it("refuses to get, create, update, delete or execute system connectors with Kibana's messages", async () => {
    const get = await pb.api('GET', `/api/actions/connector/${SYSTEM_ID}`);
    expect([get.status, get.body.message]).toEqual([404, `Connector ${SYSTEM_ID} not found`]);
    const create = await pb.api('POST', '/api/actions/connector', { name: 'x', connector_type_id: '.test-system' });
    expect([create.status, create.body.message]).toEqual([400, 'System action creation is forbidden. Action type: .test-system.']);
    const update = await pb.api('PUT', `/api/actions/connector/${SYSTEM_ID}`, { name: 'x' });
    expect([update.status, update.body.message]).toEqual([400, `System action ${SYSTEM_ID} can not be updated.`]);
    const del = await pb.api('DELETE', `/api/actions/connector/${SYSTEM_ID}`);
    expect([del.status, del.body.message]).toEqual([400, `System action ${SYSTEM_ID} is not allowed to delete.`]);
    const exec = await pb.api('POST', `/api/actions/connector/${SYSTEM_ID}/_execute`, { params: {} });
    expect([exec.status, exec.body.message]).toEqual([400, 'Execution of system action is not allowed']);
  });

  it('answers 403 for a type that enabledActionTypes leaves out, and reports it disabled', async () => {
    const body = { name: 'x', connector_type_id: '.webhook', config: { url: 'http://127.0.0.1:9/x' } };
    const create = await pb.api('POST', '/api/actions/connector', body);
    expect(create.status).toBe(403);
    expect(create.body).toEqual({
      statusCode: 403,
      error: 'Forbidden',
      message: 'action type ".webhook" is not enabled in the Kibana config xpack.actions.enabledActionTypes',
    });
    const types = await pb.api('GET', '/api/actions/connector_types');
    expect(types.body.find((t: { id: string }) => t.id === '.webhook')).toMatchObject({ enabled: false, enabled_in_config: false, enabled_in_license: true });
    expect(types.body.find((t: { id: string }) => t.id === '.server-log')).toMatchObject({ enabled: true });
    const test = await pb.api('POST', '/api/actions/connector/_test', { ...body, params: {} });
    expect(test.status).toBe(403);
  });

  it('still runs a preconfigured connector whose type is disabled', async () => {
    const res = await pb.api('POST', '/api/actions/connector/pre-hook/_execute', { params: { body: 'x' } });
    expect(res.status).toBe(200);
    // It ran (and failed to connect to the closed port), rather than being refused with 403.
    expect(res.body).toMatchObject({ status: 'error', message: 'error calling webhook, request failed' });
  });
});

describe('testing an unsaved connector', () => {
  let pb: TestPlugboard;
  beforeAll(async () => {
    pb = await startTestPlugboard();
  });
  afterAll(async () => pb.close());

  it('runs it with the same validation as create and saves nothing', async () => {
    const ok = await pb.api('POST', '/api/actions/connector/_test', { connector_type_id: '.server-log', params: { message: 'hi' } });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ status: 'ok' });
    const bad = await pb.api('POST', '/api/actions/connector/_test', { connector_type_id: '.webhook', config: {}, params: {} });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toBe('error validating connector type config: Field "url": Required');
    const rows = await pb.plugboard.database.db.selectFrom('connectors').select('id').execute();
    expect(rows).toEqual([]);
  });
});

describe('OpenAPI document', () => {
  let pb: TestPlugboard;
  beforeAll(async () => {
    pb = await startTestPlugboard();
  });
  afterAll(async () => pb.close());

  it('is a valid OpenAPI 3.1 document, served without credentials', async () => {
    const res = await pb.api('GET', '/api/openapi.json', undefined, { headers: { authorization: '' } });
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    const result = await new Validator().validate(res.body);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('lists every route the server answers, with the schemas it validates with', async () => {
    const doc = (await pb.api('GET', '/api/openapi.json')).body;
    const served = pb.plugboard.app.printRoutes({ commonPrefix: false });
    for (const path of ['/api/actions/connector/{id}', '/api/actions/connectors', '/api/actions/connector/{id}/_execute', '/api/actions/connector/_test', '/api/actions/connector_types', '/internal/actions/connectors', '/api/spaces/space/{id}', '/api/status']) {
      expect(doc.paths[path], path).toBeDefined();
    }
    expect(served).toContain('_execute');
    const create = doc.paths['/api/actions/connector'].post;
    const body = create.requestBody.content['application/json'].schema;
    const resolved = body.$ref ? doc.components.schemas[body.$ref.split('/').pop()] : body;
    expect(resolved.required).toEqual(['name', 'connector_type_id']);
    expect(resolved.additionalProperties).toBe(false);
    expect(doc.components.schemas.webhook_config.properties.method.enum).toEqual(['post', 'put', 'patch', 'get', 'delete']);
    expect(doc.components.schemas.webhook_secrets.properties.password).toBeDefined();
  });
});

describe('connector type hooks', () => {
  let pb: TestPlugboard;
  beforeAll(async () => {
    pb = await startTestPlugboard({ extraConnectorTypes: [hookedType] });
  });
  afterAll(async () => pb.close());

  it('runs preSave before and postSave after saving, and postDelete after deleting', async () => {
    hookCalls.length = 0;
    expect((await pb.api('POST', '/api/actions/connector/hooked', { name: 'h', connector_type_id: '.test-hooked' })).status).toBe(200);
    expect((await pb.api('PUT', '/api/actions/connector/hooked', { name: 'h2' })).status).toBe(200);
    expect((await pb.api('DELETE', '/api/actions/connector/hooked')).status).toBe(204);
    expect(hookCalls).toEqual([
      { hook: 'preSave', connectorId: 'hooked', isUpdate: false },
      { hook: 'postSave', connectorId: 'hooked', isUpdate: false, wasSuccessful: true },
      { hook: 'preSave', connectorId: 'hooked', isUpdate: true },
      { hook: 'postSave', connectorId: 'hooked', isUpdate: true, wasSuccessful: true },
      { hook: 'postDelete', connectorId: 'hooked' },
    ]);
  });

  it('lets preSave abort the save with its message', async () => {
    hookCalls.length = 0;
    const res = await pb.api('POST', '/api/actions/connector/refused', { name: 'r', connector_type_id: '.test-hooked', config: { refuse: true } });
    expect([res.status, res.body.message]).toEqual([400, 'refused by the preSave hook']);
    expect((await pb.api('GET', '/api/actions/connector/refused')).status).toBe(404);
    expect(hookCalls.map((c) => c.hook)).toEqual(['preSave']);
  });
});

describe('the alert history connector', () => {
  it('is added by preconfiguredAlertHistoryEsIndex and keeps its id reserved', async () => {
    const pb = await startTestPlugboard({
      settings: {
        'xpack.actions.preconfiguredAlertHistoryEsIndex': true,
        'xpack.actions.preconfigured': {
          'preconfigured-alert-history-es-index': { name: 'Impostor', actionTypeId: '.server-log' },
        },
      },
    });
    try {
      const res = await pb.api('GET', '/api/actions/connector/preconfigured-alert-history-es-index');
      expect(res.body).toMatchObject({ name: 'Alert history Elasticsearch index', connector_type_id: '.index', is_preconfigured: true });
    } finally {
      await pb.close();
    }
    const off = await startTestPlugboard();
    try {
      expect((await off.api('GET', '/api/actions/connector/preconfigured-alert-history-es-index')).status).toBe(404);
    } finally {
      await off.close();
    }
  });
});
