import { v5 as uuidV5 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDialects } from './helpers/databases.js';
import { startTestPlugboard, type ApiResponse, type TestPlugboard } from './helpers/plugboard.js';
import { startStatusSink, type StatusSink } from './helpers/status_sink.js';

const dialects = await availableDialects();

// Plugboard's own copy of a connector, secrets included, into other spaces.

const HOOK_PASSWORD = 'copy-secret-pw-93';
const PASSWORD = 'a-test-password';
const basic = (username: string) => ({ authorization: `Basic ${Buffer.from(`${username}:${PASSWORD}`).toString('base64')}` });
const copyId = (space: string, id: string) => uuidV5(`${space}:action:${id}`, uuidV5.DNS);

describe.each(dialects)('copy to space on %s', (dialect) => {
  let pb: TestPlugboard;
  let sink: StatusSink;
  const answers: ApiResponse[] = [];

  async function api(method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse> {
    const res = await pb.api(method, url, body, headers ? { headers } : undefined);
    answers.push(res);
    return res;
  }
  const copy = (id: string, body: unknown, headers?: Record<string, string>, space = '') =>
    api('POST', `${space ? `/s/${space}` : ''}/api/actions/connector/${id}/_copy_to_space`, body, headers);

  beforeAll(async () => {
    sink = await startStatusSink();
    pb = await startTestPlugboard({
      dialect,
      settings: { 'xpack.actions.preconfigured': { 'pre-log': { name: 'Preconfigured log', actionTypeId: '.server-log' } } },
    });
    for (const id of ['a', 'b', 'c']) expect((await api('POST', '/api/spaces/space', { id, name: id.toUpperCase() })).status).toBe(200);
    const hook = await api('POST', '/api/actions/connector/hook', {
      name: 'Hook',
      connector_type_id: '.webhook',
      config: { url: `${sink.url}/hook` },
      secrets: { user: 'hook-user', password: HOOK_PASSWORD },
    });
    expect(hook.status, hook.text).toBe(200);
    // Writes connectors in default and a, may only read them in b, and has nothing in c.
    const roles: Array<[string, unknown]> = [
      ['writer-default-a', [{ feature: { actions: ['all'] }, spaces: ['default', 'a'] }]],
      ['reader-b', [{ feature: { actions: ['read'] }, spaces: ['b'] }]],
    ];
    for (const [name, kibana] of roles) expect((await api('PUT', `/api/security/role/${name}`, { kibana })).status).toBe(204);
    expect((await api('PUT', '/api/security/user/limited', { password: PASSWORD, roles: ['writer-default-a', 'reader-b'] })).status).toBe(200);
  });
  afterAll(async () => {
    await pb?.close();
    await sink?.close();
  });

  it('copies a connector with its config and secrets; the copy runs with the same credentials', async () => {
    const res = await copy('hook', { spaces: ['a'] });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ results: [{ space_id: 'a', id: copyId('a', 'hook'), status: 'created' }] });

    const copied = await api('GET', `/s/a/api/actions/connector/${copyId('a', 'hook')}`);
    expect(copied.body).toMatchObject({ name: 'Hook', connector_type_id: '.webhook', is_missing_secrets: false, config: { url: `${sink.url}/hook`, hasAuth: true } });

    const run = await api('POST', `/s/a/api/actions/connector/${copyId('a', 'hook')}/_execute`, { params: { body: '{"from":"a"}' } });
    expect(run.body.status, run.text).toBe('ok');
    const received = sink.requests.at(-1)!;
    expect(received.url).toBe('/hook');
    expect(received.body).toBe('{"from":"a"}');
    expect(received.headers.authorization).toBe(`Basic ${Buffer.from(`hook-user:${HOOK_PASSWORD}`).toString('base64')}`);
  });

  it('reports a conflict on a second copy and replaces the copy with overwrite', async () => {
    const again = await copy('hook', { spaces: ['a'] });
    expect(again.body.results).toEqual([
      { space_id: 'a', id: copyId('a', 'hook'), status: 'conflict', message: `Connector ${copyId('a', 'hook')} already exists in space a; copy with overwrite to replace it.` },
    ]);
    // Change the copy, then overwrite it from the source.
    const edited = await api('PUT', `/s/a/api/actions/connector/${copyId('a', 'hook')}`, { name: 'Edited copy', config: { url: `${sink.url}/elsewhere`, hasAuth: false } });
    expect(edited.status, edited.text).toBe(200);
    const overwritten = await copy('hook', { spaces: ['a'], overwrite: true });
    expect(overwritten.body.results).toEqual([{ space_id: 'a', id: copyId('a', 'hook'), status: 'overwritten' }]);
    const copied = await api('GET', `/s/a/api/actions/connector/${copyId('a', 'hook')}`);
    expect(copied.body).toMatchObject({ name: 'Hook', config: { url: `${sink.url}/hook`, hasAuth: true } });
    const run = await api('POST', `/s/a/api/actions/connector/${copyId('a', 'hook')}/_execute`, { params: { body: '{}' } });
    expect(run.body.status).toBe('ok');
    expect(sink.requests.at(-1)!.headers.authorization).toBe(`Basic ${Buffer.from(`hook-user:${HOOK_PASSWORD}`).toString('base64')}`);
  });

  it('decides each space on its own: forbidden and unknown spaces are reported, the others copied', async () => {
    const res = await copy('hook', { spaces: ['b', 'nowhere', 'c', 'a'], overwrite: true }, basic('limited'));
    expect(res.status, res.text).toBe(200);
    expect(res.body.results).toEqual([
      { space_id: 'b', id: copyId('b', 'hook'), status: 'error', message: 'Unauthorized to create a ".webhook" action' },
      { space_id: 'nowhere', id: copyId('nowhere', 'hook'), status: 'error', message: 'Space nowhere not found' },
      { space_id: 'c', id: copyId('c', 'hook'), status: 'error', message: 'Unauthorized to create a ".webhook" action' },
      { space_id: 'a', id: copyId('a', 'hook'), status: 'overwritten' },
    ]);
    for (const space of ['b', 'c']) {
      expect((await api('GET', `/s/${space}/api/actions/connectors`)).body.filter((c: { is_preconfigured: boolean }) => !c.is_preconfigured)).toEqual([]);
    }
    // Reading the source is needed too.
    expect((await copy(copyId('a', 'hook'), { spaces: ['default'] }, basic('limited'), 'c')).status).toBe(403);
  });

  it('copies the missing-secrets flag with the connector', async () => {
    const file = JSON.stringify({
      id: 'needs-secrets',
      type: 'action',
      attributes: { actionTypeId: '.webhook', name: 'Needs secrets', config: { url: `${sink.url}/x`, hasAuth: true }, secrets: {}, isMissingSecrets: true },
      references: [],
    });
    const boundary = 'copy-test-boundary';
    const raw = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="c.ndjson"\r\n\r\n${file}\r\n--${boundary}--\r\n`;
    const imported = await pb.api('POST', '/api/saved_objects/_import', undefined, { raw, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } });
    expect(imported.body.success, imported.text).toBe(true);
    const res = await copy('needs-secrets', { spaces: ['b'] });
    expect(res.body.results[0].status).toBe('created');
    const copied = await api('GET', `/s/b/api/actions/connector/${copyId('b', 'needs-secrets')}`);
    expect(copied.body.is_missing_secrets).toBe(true);
  });

  it('refuses bad requests with 400 or 404 and copies nothing', async () => {
    const cases: Array<[string, unknown, number, string]> = [
      ['hook', { spaces: ['default'] }, 400, 'Connector hook is already in space default; choose other spaces to copy it to.'],
      ['pre-log', { spaces: ['a'] }, 400, 'Preconfigured action pre-log can not be copied: it is available in every space.'],
      ['no-such', { spaces: ['a'] }, 404, 'Saved object [action/no-such] not found'],
      ['hook', { spaces: [] }, 400, '[request body.spaces]: array size is [0], but cannot be smaller than [1]'],
      ['hook', { spaces: ['a', 'a'] }, 400, '[request body.spaces]: duplicate space ids are not allowed'],
      ['hook', { spaces: ['Bad Space'] }, 400, "[request body.spaces.0]: must be lower case, a-z, 0-9, '_', and '-' are allowed"],
      ['hook', { spaces: ['a'], extra: 1 }, 400, '[request body.extra]: definition for this key is missing'],
      ['hook', {}, 400, '[request body.spaces]: expected value of type [array] but got [undefined]'],
    ];
    const before = (await api('GET', '/s/c/api/actions/connectors')).body.length;
    for (const [id, body, status, message] of cases) {
      const res = await copy(id, body);
      expect(res.status, message).toBe(status);
      expect(res.body.message).toBe(message);
    }
    expect((await api('GET', '/s/c/api/actions/connectors')).body.length).toBe(before);
  });

  it('never shows a secret in any answer', () => {
    for (const res of answers) expect(res.text).not.toContain(HOOK_PASSWORD);
  });
});
