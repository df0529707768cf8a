import { v5 as uuidV5 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startElasticsearchSimulator, type ElasticsearchSimulator } from '../src/connector_types/es_index/simulator.js';
import { availableDialects } from './helpers/databases.js';
import { startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';

// .inference connectors moved by export/import and copy-to-space. As in Kibana neither runs the
// type's hooks, so no Elasticsearch endpoint is made or deleted by them. A connector whose
// endpoint exists comes in as it is and runs on it; one whose endpoint does not exist (a file
// from another cluster) comes in as needing its secrets, is listed (Kibana hides it), and saving
// it with them (PUT) creates its endpoint. Connectors naming one endpoint share it: deleting one
// keeps it for the others, deleting the last deletes it. On both databases.

const dialects = await availableDialects();
const API_KEY = 'sk-transfer-secret-81';
const CHAT = { subAction: 'unified_completion', subActionParams: { body: { messages: [{ role: 'user', content: 'hi' }] } } };
const copyId = (space: string, id: string) => uuidV5(`${space}:action:${id}`, uuidV5.DNS);

describe.each(dialects)('.inference connectors on import and copy-to-space on %s', (dialect) => {
  let es: ElasticsearchSimulator;
  let pb: TestPlugboard;

  beforeAll(async () => {
    es = await startElasticsearchSimulator();
    pb = await startTestPlugboard({ dialect, settings: { 'elasticsearch.hosts': [es.url] } });
    for (const id of ['other', 'third']) expect((await pb.api('POST', '/api/spaces/space', { id, name: id })).status).toBe(200);
  });
  afterAll(async () => {
    await pb?.close();
    await es?.close();
  });

  const config = (inferenceId: string) => ({ provider: 'openai', taskType: 'chat_completion', inferenceId, providerConfig: { model_id: 'gpt-4o' } });
  const create = (id: string, inferenceId: string, space = '') =>
    pb.api('POST', `${space}/api/actions/connector/${id}`, { name: `AI ${id}`, connector_type_id: '.inference', config: config(inferenceId), secrets: { providerSecrets: { api_key: API_KEY } } });
  const endpoint = (id: string) => es.inferenceEndpoints().find((e) => e.inference_id === id);
  const listed = async (space = '') => ((await pb.api('GET', `${space}/api/actions/connectors`)).body as Array<Record<string, unknown>>).filter((c) => !c.is_preconfigured);
  const run = (id: string, space = '') => pb.api('POST', `${space}/api/actions/connector/${id}/_execute`, { params: CHAT });
  const importFile = (lines: unknown[], space = '') => {
    const boundary = 'plugboard-inference-boundary';
    const content = lines.map((line) => JSON.stringify(line)).join('\n');
    const raw = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="export.ndjson"\r\nContent-Type: application/ndjson\r\n\r\n${content}\r\n--${boundary}--\r\n`;
    return pb.api('POST', `${space}/api/saved_objects/_import`, undefined, { raw, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } });
  };
  const exported = async (id: string) => {
    const res = await pb.api('POST', '/api/saved_objects/_export', { objects: [{ type: 'action', id }], excludeExportDetails: true });
    expect(res.status, res.text).toBe(200);
    return JSON.parse(res.text) as Record<string, any>;
  };

  it('a file whose endpoint this cluster lacks: imported as needing its secrets, listed; PUT with them creates the endpoint', async () => {
    // As Kibana exports an .inference connector: no secrets, not flagged (its secrets schema accepts none).
    const line = { id: 'ai-elsewhere', type: 'action', references: [], attributes: { actionTypeId: '.inference', name: 'AI elsewhere', config: config('from-elsewhere'), secrets: {}, isMissingSecrets: false } };
    const imported = await importFile([line]);
    expect(imported.body).toMatchObject({
      success: true,
      successCount: 1,
      warnings: [{ type: 'action_required', message: '1 connector has sensitive information that require updates.' }],
    });
    expect(endpoint('from-elsewhere')).toBeUndefined();
    expect(await listed()).toContainEqual(expect.objectContaining({ id: 'ai-elsewhere', is_missing_secrets: true }));

    const refused = await run('ai-elsewhere');
    expect(refused.body).toMatchObject({ status: 'error', message: 'Unable to execute action because no secrets are defined for the "AI elsewhere" connector. Edit the connector and enter its secrets again.' });

    const updated = await pb.api('PUT', '/api/actions/connector/ai-elsewhere', { name: 'AI elsewhere', config: config('from-elsewhere'), secrets: { providerSecrets: { api_key: API_KEY } } });
    expect(updated.status, updated.text).toBe(200);
    expect(updated.body.is_missing_secrets).toBe(false);
    expect(updated.text).not.toContain(API_KEY);
    expect(endpoint('from-elsewhere')).toMatchObject({ service: 'openai', service_settings: { model_id: 'gpt-4o', api_key: API_KEY } });
    expect(await listed()).toContainEqual(expect.objectContaining({ id: 'ai-elsewhere', is_missing_secrets: false }));
    expect((await run('ai-elsewhere')).body).toMatchObject({ status: 'ok', data: { choices: [{ message: { content: 'You said: hi' } }] } });
  });

  it("an export imported where its endpoint exists runs on it; deleting one of the two keeps it, deleting the last deletes it", async () => {
    expect((await create('ai-source', 'shared-by-import')).status).toBe(200);
    const line = await exported('ai-source');
    expect(line.attributes).toMatchObject({ isMissingSecrets: false, secrets: {} });
    const imported = await importFile([line], '/s/other');
    const importedId = copyId('other', 'ai-source');
    expect(imported.body).toMatchObject({ success: true, successCount: 1, successResults: [{ id: 'ai-source', destinationId: importedId }], warnings: [] });
    expect(await listed('/s/other')).toContainEqual(expect.objectContaining({ id: importedId, is_missing_secrets: false }));
    expect((await run(importedId, '/s/other')).body).toMatchObject({ status: 'ok' });

    expect((await pb.api('DELETE', '/api/actions/connector/ai-source')).status).toBe(204);
    expect(endpoint('shared-by-import')).toBeDefined();
    expect((await run(importedId, '/s/other')).body).toMatchObject({ status: 'ok' });
    expect((await pb.api('DELETE', `/s/other/api/actions/connector/${importedId}`)).status).toBe(204);
    expect(endpoint('shared-by-import')).toBeUndefined();
  });

  it('a copy into other spaces shares the endpoint, which goes with the last connector naming it', async () => {
    expect((await create('ai-copied', 'shared-by-copy')).status).toBe(200);
    const copied = await pb.api('POST', '/api/actions/connector/ai-copied/_copy_to_space', { spaces: ['other', 'third'] });
    expect(copied.body.results.map((r: { status: string }) => r.status)).toEqual(['created', 'created']);
    expect(es.inferenceEndpoints().filter((e) => e.inference_id === 'shared-by-copy')).toHaveLength(1);
    for (const space of ['other', 'third']) {
      expect(await listed(`/s/${space}`)).toContainEqual(expect.objectContaining({ id: copyId(space, 'ai-copied'), is_missing_secrets: false }));
      expect((await run(copyId(space, 'ai-copied'), `/s/${space}`)).body).toMatchObject({ status: 'ok' });
    }
    for (const [space, id] of [['', 'ai-copied'], ['/s/other', copyId('other', 'ai-copied')]]) {
      expect((await pb.api('DELETE', `${space}/api/actions/connector/${id}`)).status).toBe(204);
      expect(endpoint('shared-by-copy')).toBeDefined();
    }
    expect((await run(copyId('third', 'ai-copied'), '/s/third')).body).toMatchObject({ status: 'ok' });
    expect((await pb.api('DELETE', `/s/third/api/actions/connector/${copyId('third', 'ai-copied')}`)).status).toBe(204);
    expect(endpoint('shared-by-copy')).toBeUndefined();
  });
});
