import { once } from 'node:events';
import net from 'node:net';
import { v5 as uuidV5 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDialects } from './helpers/databases.js';
import { captureLogger } from './helpers/logs.js';
import { BASIC_AUTH, startTestPlugboard, type ApiResponse, type TestPlugboard } from './helpers/plugboard.js';
import { startStatusSink, type StatusSink } from './helpers/status_sink.js';
import { eventually } from './helpers/wait.js';

const dialects = await availableDialects();

// Kibana's saved-objects export and import of connectors (reference §7): NDJSON without
// secrets, the missing-secrets flag, conflicts, copies, and files that are refused whole.

const HOOK_PASSWORD = 'hook-secret-pw-71';
const SLACK_URL = 'https://hooks.slack.com/services/T0000/B0000/slack-secret-xyz';
const SECRET_VALUES = [HOOK_PASSWORD, 'slack-secret-xyz'];
const MAX_OBJECTS = 50;
const MAX_FILE_BYTES = 200_000;
const WARNING_BASE = {
  type: 'action_required',
  actionPath: '/app/management/insightsAndAlerting/triggersActionsConnectors',
  buttonLabel: 'Go to connectors',
};

const PASSWORD = 'a-test-password';
const basic = (username: string) => ({ authorization: `Basic ${Buffer.from(`${username}:${PASSWORD}`).toString('base64')}` });

/** A multipart/form-data body with one file part, as a browser or curl -F sends it. */
function multipart(content: string, filename = 'export.ndjson', field = 'file'): { raw: string; contentType: string } {
  const boundary = '----plugboard-test-boundary-7MA4YWxkTrZu0gW';
  const raw =
    `--${boundary}\r\n` +
    `Content-Disposition: form-data; name="${field}"; filename="${filename}"\r\n` +
    'Content-Type: application/ndjson\r\n\r\n' +
    `${content}\r\n` +
    `--${boundary}--\r\n`;
  return { raw, contentType: `multipart/form-data; boundary=${boundary}` };
}

function savedObject(id: string, attributes: Record<string, unknown>, type = 'action'): Record<string, unknown> {
  return { id, type, attributes, references: [], managed: false, coreMigrationVersion: '8.8.0', typeMigrationVersion: '8.3.0' };
}

const ndjson = (objects: unknown[]) => objects.map((o) => JSON.stringify(o)).join('\n');

describe.each(dialects)('saved-objects export and import on %s', (dialect) => {
  let pb: TestPlugboard;
  let sink: StatusSink;
  /** Every answer of the suite, checked at the end for secrets. */
  const answers: ApiResponse[] = [];

  async function api(method: string, url: string, body?: unknown, headers?: Record<string, string>, target = pb): Promise<ApiResponse> {
    const res = await target.api(method, url, body, headers ? { headers } : undefined);
    answers.push(res);
    return res;
  }
  async function importFile(
    content: string,
    opts: { space?: string; query?: string; filename?: string; field?: string; target?: TestPlugboard; headers?: Record<string, string> } = {},
  ): Promise<ApiResponse> {
    const { raw, contentType } = multipart(content, opts.filename, opts.field);
    const prefix = opts.space ? `/s/${opts.space}` : '';
    const res = await (opts.target ?? pb).api('POST', `${prefix}/api/saved_objects/_import${opts.query ?? ''}`, undefined, {
      raw,
      headers: { 'content-type': contentType, ...opts.headers },
    });
    answers.push(res);
    return res;
  }
  async function exportAll(space?: string, target = pb): Promise<string> {
    const res = await api('POST', `${space ? `/s/${space}` : ''}/api/saved_objects/_export`, { type: ['action'] }, undefined, target);
    expect(res.status, res.text).toBe(200);
    return res.text;
  }
  async function listed(space?: string, target = pb): Promise<Array<Record<string, any>>> {
    const res = await api('GET', `${space ? `/s/${space}` : ''}/api/actions/connectors`, undefined, undefined, target);
    expect(res.status).toBe(200);
    return (res.body as Array<Record<string, any>>).filter((c) => !c.is_preconfigured);
  }
  async function createSpace(id: string): Promise<void> {
    expect((await api('POST', '/api/spaces/space', { id, name: id })).status).toBe(200);
  }

  beforeAll(async () => {
    sink = await startStatusSink();
    pb = await startTestPlugboard({
      dialect,
      settings: {
        'savedObjects.maxImportExportSize': MAX_OBJECTS,
        'savedObjects.maxImportPayloadBytes': MAX_FILE_BYTES,
        // Import files are not bound by the general body limit.
        'server.maxPayload': 20_000,
        'xpack.actions.preconfigured': { 'pre-log': { name: 'Preconfigured log', actionTypeId: '.server-log' } },
      },
    });
    const connectors: Array<[string, Record<string, unknown>]> = [
      ['hook-open', { name: 'Open hook', connector_type_id: '.webhook', config: { url: `${sink.url}/open`, hasAuth: false } }],
      [
        'hook-auth',
        { name: 'Auth hook', connector_type_id: '.webhook', config: { url: `${sink.url}/auth` }, secrets: { user: 'hook-user', password: HOOK_PASSWORD } },
      ],
      ['slack-1', { name: 'Slack', connector_type_id: '.slack', secrets: { webhookUrl: SLACK_URL } }],
      ['log-1', { name: 'Log', connector_type_id: '.server-log' }],
    ];
    for (const [id, body] of connectors) {
      const res = await api('POST', `/api/actions/connector/${id}`, body);
      expect(res.status, res.text).toBe(200);
    }
    expect((await api('PUT', '/api/security/role/connectors-read', { kibana: [{ feature: { actions: ['read'] }, spaces: ['*'] }] })).status).toBe(204);
    expect((await api('PUT', '/api/security/user/reader', { password: PASSWORD, roles: ['connectors-read'] })).status).toBe(200);
  });
  afterAll(async () => {
    await pb?.close();
    await sink?.close();
  });

  it('exports every stored connector of the space by type, in id order, without secrets, then the summary', async () => {
    const res = await api('POST', '/api/saved_objects/_export', { type: ['action'] });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/ndjson/);
    expect(res.headers['content-disposition']).toBe('attachment; filename="export.ndjson"');
    const lines = res.text.split('\n').map((line) => JSON.parse(line));
    expect(lines.slice(0, -1).map((o) => o.id)).toEqual(['hook-auth', 'hook-open', 'log-1', 'slack-1']);
    expect(lines.at(-1)).toEqual({ excludedObjects: [], excludedObjectsCount: 0, exportedCount: 4, missingRefCount: 0, missingReferences: [] });
    const hook = lines[0];
    expect(Object.keys(hook)).toEqual(['attributes', 'coreMigrationVersion', 'created_at', 'id', 'managed', 'references', 'type', 'typeMigrationVersion', 'updated_at', 'version']);
    expect(hook).toMatchObject({
      attributes: { actionTypeId: '.webhook', isMissingSecrets: true, name: 'Auth hook', secrets: {} },
      coreMigrationVersion: '8.8.0',
      managed: false,
      references: [],
      type: 'action',
      typeMigrationVersion: '8.3.0',
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      version: expect.any(String),
    });
    expect(hook.attributes.config).toMatchObject({ url: `${sink.url}/auth`, hasAuth: true });
    for (const secret of SECRET_VALUES) expect(res.text).not.toContain(secret);
    expect(res.text).not.toContain('pre-log');
  });

  it("sets isMissingSecrets by Kibana's rule: required secrets, else config.hasAuth", async () => {
    const flags = Object.fromEntries(
      (await exportAll())
        .split('\n')
        .map((line) => JSON.parse(line))
        .filter((o) => o.type === 'action')
        .map((o) => [o.id, o.attributes.isMissingSecrets]),
    );
    expect(flags).toEqual({ 'hook-auth': true, 'hook-open': false, 'log-1': false, 'slack-1': true });
  });

  it('exports chosen connectors in the order asked, and refuses preconfigured or unknown ones as Kibana does', async () => {
    const res = await api('POST', '/api/saved_objects/_export', {
      objects: [
        { type: 'action', id: 'slack-1' },
        { type: 'action', id: 'hook-open' },
      ],
      excludeExportDetails: true,
    });
    expect(res.status).toBe(200);
    expect(res.text.split('\n').map((line) => JSON.parse(line).id)).toEqual(['slack-1', 'hook-open']);

    const single = await api('POST', '/api/saved_objects/_export', { type: 'action', excludeExportDetails: true });
    expect(single.text.split('\n')).toHaveLength(4);

    const pre = await api('POST', '/api/saved_objects/_export', { objects: [{ type: 'action', id: 'pre-log' }, { type: 'action', id: 'log-1' }, { type: 'action', id: 'nope' }] });
    expect(pre.status).toBe(400);
    expect(pre.body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'Error fetching objects to export',
      attributes: {
        objects: [
          { id: 'pre-log', type: 'action', error: { statusCode: 404, error: 'Not Found', message: 'Saved object [action/pre-log] not found' } },
          { id: 'nope', type: 'action', error: { statusCode: 404, error: 'Not Found', message: 'Saved object [action/nope] not found' } },
        ],
      },
    });
  });

  it('refuses export requests Kibana refuses, with its messages', async () => {
    const cases: Array<[unknown, string]> = [
      [{ type: ['dashboard'] }, 'Trying to export non-exportable type(s): dashboard'],
      [{ type: ['action', 'index-pattern'] }, 'Trying to export non-exportable type(s): index-pattern'],
      [{ objects: [{ type: 'dashboard', id: 'd1' }] }, 'Trying to export object(s) with non-exportable types: dashboard:d1'],
      [{}, 'Either `type` or `objects` are required.'],
      [{ type: [] }, 'Either `type` or `objects` are required.'],
      [{ type: ['action'], objects: [{ type: 'action', id: 'log-1' }] }, `Can't specify both "types" and "objects" properties when exporting`],
      [{ objects: Array.from({ length: MAX_OBJECTS + 1 }, (_, i) => ({ type: 'action', id: `c-${i}` })) }, `Can't export more than ${MAX_OBJECTS} objects`],
      [{ type: ['action'], search: 'x' }, '[request body.search]: definition for this key is missing'],
    ];
    for (const [body, message] of cases) {
      const res = await api('POST', '/api/saved_objects/_export', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.message).toBe(message);
    }
  });

  it('refuses to export more than maxImportExportSize connectors of a space', async () => {
    await createSpace('crowded');
    for (let i = 0; i <= MAX_OBJECTS; i++) {
      expect((await api('POST', `/s/crowded/api/actions/connector/crowd-${i}`, { name: `Crowd ${i}`, connector_type_id: '.server-log' })).status).toBe(200);
    }
    const res = await api('POST', '/s/crowded/api/saved_objects/_export', { type: ['action'] });
    expect(res.status).toBe(400);
    expect(res.body.message).toBe(
      `Can't export more than ${MAX_OBJECTS} objects. If your server has enough memory, this limit can be increased by adjusting the "savedObjects.maxImportExportSize" setting.`,
    );
  });

  it('imports an export into another space under ids derived from that space, flagging the connectors that need secrets', async () => {
    const file = await exportAll();
    await createSpace('ops');
    const res = await importFile(file, { space: 'ops' });
    expect(res.status, res.text).toBe(200);
    expect(res.body.success).toBe(true);
    expect(res.body.successCount).toBe(4);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.warnings).toEqual([{ ...WARNING_BASE, message: '2 connectors have sensitive information that require updates.' }]);
    const derived = (id: string) => uuidV5(`ops:action:${id}`, uuidV5.DNS);
    expect(res.body.successResults).toContainEqual({
      type: 'action',
      id: 'hook-auth',
      destinationId: derived('hook-auth'),
      meta: { title: 'Connector: [Auth hook]', icon: 'actionsApp' },
      managed: false,
    });
    const ops = await listed('ops');
    expect(ops.map((c) => [c.id, c.name, c.is_missing_secrets]).sort()).toEqual(
      [
        [derived('hook-auth'), 'Auth hook', true],
        [derived('hook-open'), 'Open hook', false],
        [derived('log-1'), 'Log', false],
        [derived('slack-1'), 'Slack', true],
      ].sort(),
    );
    expect(ops.find((c) => c.name === 'Open hook')?.config).toMatchObject({ url: `${sink.url}/open`, hasAuth: false });
    // The originals are untouched.
    expect((await listed()).map((c) => c.is_missing_secrets)).toEqual([false, false, false, false]);
  });

  it('reports conflicts on a second import, replaces with overwrite, and makes new copies with createNewCopies', async () => {
    const file = await exportAll();
    const derived = (id: string) => uuidV5(`ops:action:${id}`, uuidV5.DNS);
    const again = await importFile(file, { space: 'ops' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ success: false, successCount: 0, successResults: [], warnings: [] });
    expect(again.body.errors).toContainEqual({
      id: 'log-1',
      type: 'action',
      meta: { title: 'Connector: [Log]', icon: 'actionsApp' },
      error: { type: 'conflict', destinationId: derived('log-1') },
    });
    expect(again.body.errors).toHaveLength(4);

    // Rename one in ops: overwrite brings the file's name back.
    const renamed = await api('PUT', `/s/ops/api/actions/connector/${derived('log-1')}`, { name: 'Renamed log', config: {}, secrets: {} });
    expect(renamed.status).toBe(200);
    const overwritten = await importFile(file, { space: 'ops', query: '?overwrite=true' });
    expect(overwritten.body.success).toBe(true);
    expect(overwritten.body.successResults).toContainEqual({
      type: 'action',
      id: 'log-1',
      destinationId: derived('log-1'),
      overwrite: true,
      meta: { title: 'Connector: [Log]', icon: 'actionsApp' },
      managed: false,
    });
    expect((await listed('ops')).find((c) => c.id === derived('log-1'))?.name).toBe('Log');

    const copies = await importFile(file, { space: 'ops', query: '?createNewCopies=true' });
    expect(copies.body).toMatchObject({ success: true, successCount: 4 });
    for (const result of copies.body.successResults) {
      expect(result.destinationId).toMatch(/^[0-9a-f-]{36}$/);
      expect(result.destinationId).not.toBe(derived(result.id));
    }
    expect(await listed('ops')).toHaveLength(8);

    const both = await importFile(file, { space: 'ops', query: '?overwrite=true&createNewCopies=true' });
    expect(both.status).toBe(400);
    expect(both.body).toEqual({ statusCode: 400, error: 'Bad Request', message: '[request query]: cannot use [overwrite] with [createNewCopies]' });
  });

  it('reports a conflict in the same space and overwrites it in place', async () => {
    const file = ndjson([savedObject('log-1', { actionTypeId: '.server-log', name: 'Log from file', config: {}, secrets: {}, isMissingSecrets: false })]);
    const conflict = await importFile(file);
    expect(conflict.body).toMatchObject({ success: false, successCount: 0, errors: [{ id: 'log-1', type: 'action', error: { type: 'conflict' } }] });
    expect(conflict.body.errors[0].error.destinationId).toBeUndefined();
    const overwrite = await importFile(file, { query: '?overwrite=true' });
    expect(overwrite.body.successResults).toEqual([
      { type: 'action', id: 'log-1', overwrite: true, meta: { title: 'Connector: [Log from file]', icon: 'actionsApp' }, managed: false },
    ]);
    expect((await api('GET', '/api/actions/connector/log-1')).body.name).toBe('Log from file');
    await api('PUT', '/api/actions/connector/log-1', { name: 'Log', config: {}, secrets: {} });
  });

  it('round-trips into a fresh server with the same ids; connectors missing secrets are skipped when queued, fail clearly when run, and PUT fixes them', async () => {
    const file = await exportAll();
    const fresh = await startTestPlugboard({ dialect });
    try {
      const res = await importFile(file, { target: fresh });
      expect(res.status, res.text).toBe(200);
      expect(res.body.successResults.map((r: { id: string; destinationId?: string }) => [r.id, r.destinationId])).toEqual(
        ['hook-auth', 'hook-open', 'log-1', 'slack-1'].map((id) => [id, undefined]),
      );
      const list = await listed(undefined, fresh);
      expect(Object.fromEntries(list.map((c) => [c.id, c.is_missing_secrets]))).toEqual({ 'hook-auth': true, 'hook-open': false, 'log-1': false, 'slack-1': true });

      const enqueue = await api('POST', '/api/actions/connector/hook-auth/_enqueue', { params: { body: '{}' } }, undefined, fresh);
      expect(enqueue.status).toBe(400);
      expect(enqueue.body.message).toBe('Unable to execute action because no secrets are defined for the "Auth hook" connector.');
      const bulk = await api('POST', '/api/actions/_bulk_enqueue', { actions: [{ id: 'hook-auth', params: { body: '{}' } }, { id: 'log-1', params: { message: 'hi' } }] }, undefined, fresh);
      expect(bulk.body.items.map((i: { response: string }) => i.response)).toEqual(['missingSecretsError', 'success']);

      const before = sink.requests.length;
      const run = await api('POST', '/api/actions/connector/hook-auth/_execute', { params: { body: '{"n":1}' } }, undefined, fresh);
      expect(run.status).toBe(200);
      expect(run.body).toMatchObject({ status: 'error', connector_id: 'hook-auth', retry: false });
      expect(run.body.message).toBe(
        'Unable to execute action because no secrets are defined for the "Auth hook" connector. Edit the connector and enter its secrets again.',
      );
      expect(sink.requests.length).toBe(before);

      const fixed = await api(
        'PUT',
        '/api/actions/connector/hook-auth',
        { name: 'Auth hook', config: { url: `${sink.url}/auth` }, secrets: { user: 'hook-user', password: HOOK_PASSWORD } },
        undefined,
        fresh,
      );
      expect(fixed.status, fixed.text).toBe(200);
      expect(fixed.body.is_missing_secrets).toBe(false);
      const ok = await api('POST', '/api/actions/connector/hook-auth/_execute', { params: { body: '{"n":2}' } }, undefined, fresh);
      expect(ok.body.status, ok.text).toBe('ok');
      const received = sink.requests.at(-1)!;
      expect(received.url).toBe('/auth');
      expect(received.headers.authorization).toBe(`Basic ${Buffer.from(`hook-user:${HOOK_PASSWORD}`).toString('base64')}`);

      // The open webhook needed nothing: it runs right away.
      const open = await api('POST', '/api/actions/connector/hook-open/_execute', { params: { body: '{}' } }, undefined, fresh);
      expect(open.body.status).toBe('ok');
    } finally {
      await fresh.close();
    }
  });

  it('keeps isMissingSecrets from the file, and sets it when the type needs secrets the file does not give', async () => {
    await createSpace('marks');
    const file = ndjson([
      savedObject('slack-no-secrets', { actionTypeId: '.slack', name: 'Slack without secrets', config: {}, secrets: {}, isMissingSecrets: false }),
      // The webhook's secrets are optional: the file's word is kept.
      savedObject('hook-basic-empty', { actionTypeId: '.webhook', name: 'Hook', config: { url: 'https://example.com/x', hasAuth: true }, secrets: {}, isMissingSecrets: false }),
      savedObject('hook-flagged', { actionTypeId: '.webhook', name: 'Flagged hook', config: { url: 'https://example.com/y', hasAuth: true }, secrets: {}, isMissingSecrets: true }),
      savedObject('log-plain', { actionTypeId: '.server-log', name: 'Plain log', config: {}, secrets: {}, isMissingSecrets: false }),
    ]);
    const res = await importFile(file, { space: 'marks' });
    expect(res.body).toMatchObject({ success: true, successCount: 4 });
    expect(res.body.warnings).toEqual([{ ...WARNING_BASE, message: '2 connectors have sensitive information that require updates.' }]);
    const flags = Object.fromEntries((await listed('marks')).map((c) => [c.id, c.is_missing_secrets]));
    expect(flags).toEqual({ 'slack-no-secrets': true, 'hook-basic-empty': false, 'hook-flagged': true, 'log-plain': false });

    const one = await importFile(ndjson([savedObject('slack-two', { actionTypeId: '.slack', name: 'S2', config: {}, secrets: {}, isMissingSecrets: true })]), { space: 'marks' });
    expect(one.body.warnings).toEqual([{ ...WARNING_BASE, message: '1 connector has sensitive information that require updates.' }]);
  });

  it('reports objects of other types and invalid connectors, and imports the rest', async () => {
    await createSpace('mixed');
    const file = ndjson([
      savedObject('dash-1', { title: 'My dashboard' }, 'dashboard'),
      savedObject('bad-config', { actionTypeId: '.webhook', name: 'No URL', config: {}, secrets: {} }),
      savedObject('no-name', { actionTypeId: '.server-log', config: {} }),
      savedObject('nul-secret', { actionTypeId: '.slack', name: 'Nul', config: {}, secrets: { webhookUrl: 'https://hooks.slack.com/x\u0000y' } }),
      savedObject('good-log', { actionTypeId: '.server-log', name: 'Good', config: {}, secrets: {}, isMissingSecrets: false }),
    ]);
    const res = await importFile(file, { space: 'mixed' });
    expect(res.status).toBe(200);
    expect(res.body.success).toBe(false);
    expect(res.body.successCount).toBe(1);
    expect(res.body.successResults.map((r: { id: string }) => r.id)).toEqual(['good-log']);
    const byId = Object.fromEntries(res.body.errors.map((e: { id: string }) => [e.id, e]));
    expect(byId['dash-1']).toEqual({ id: 'dash-1', type: 'dashboard', meta: { title: 'My dashboard' }, error: { type: 'unsupported_type' } });
    expect(byId['bad-config'].error).toMatchObject({ type: 'unknown', statusCode: 400, message: expect.stringContaining('error validating connector type config') });
    expect(byId['no-name'].error).toMatchObject({ type: 'unknown', statusCode: 400, message: expect.stringContaining('Invalid connector attributes') });
    // PostgreSQL cannot store a NUL character: refused on both databases, naming where it is and not the value.
    expect(byId['nul-secret'].error).toEqual({ type: 'unknown', statusCode: 400, message: expect.stringContaining('secrets.webhookUrl') });
    expect(byId['nul-secret'].error.message).toContain('must not contain the NUL character');
    expect(byId['nul-secret'].error.message).not.toContain('hooks.slack.com');
    expect((await listed('mixed')).map((c) => c.id)).toEqual(['good-log']);

    // Overwriting replaces the whole connector, its type too, as Kibana's import does.
    const retyped = await importFile(
      ndjson([savedObject('good-log', { actionTypeId: '.webhook', name: 'Now a hook', config: { url: 'https://example.com/z', hasAuth: false }, secrets: {} })]),
      { space: 'mixed', query: '?overwrite=true' },
    );
    expect(retyped.body).toMatchObject({ success: true, successCount: 1 });
    expect((await api('GET', '/s/mixed/api/actions/connector/good-log')).body).toMatchObject({ connector_type_id: '.webhook', name: 'Now a hook', is_missing_secrets: false });
  });

  it("does not import over a preconfigured connector's id or with an invalid id, and warns", async () => {
    await createSpace('pre');
    const file = ndjson([
      savedObject('pre-log', { actionTypeId: '.server-log', name: 'Shadow', config: {}, secrets: {} }),
      savedObject('Bad_ID', { actionTypeId: '.server-log', name: 'Bad id', config: {}, secrets: {} }),
      savedObject('fine-log', { actionTypeId: '.server-log', name: 'Fine', config: {}, secrets: {} }),
    ]);
    const res = await importFile(file, { space: 'pre' });
    expect(res.body).toMatchObject({ success: true, successCount: 1 });
    expect(res.body.warnings).toEqual([
      {
        ...WARNING_BASE,
        message: 'Connector with ID [pre-log] conflicts with a preconfigured connector and was removed. The preconfigured connector will be used instead.',
      },
      {
        ...WARNING_BASE,
        message:
          'Connector with ID [Bad_ID] has an invalid ID and was removed. Connector IDs must contain only lowercase letters, numbers, and hyphens and be 36 characters or less.',
      },
    ]);
    expect((await listed('pre')).map((c) => c.id)).toEqual(['fine-log']);
    // With new ids neither matters.
    const copies = await importFile(file, { space: 'pre', query: '?createNewCopies=true' });
    expect(copies.body).toMatchObject({ success: true, successCount: 3, warnings: [] });
  });

  it('refuses damaged, mislabelled, oversized and overfull files whole, importing nothing', async () => {
    await createSpace('refused');
    const good = savedObject('valid-1', { actionTypeId: '.server-log', name: 'Valid', config: {}, secrets: {} });
    const cases: Array<[string, { filename?: string; field?: string }, number, string]> = [
      [`${JSON.stringify(good)}\n{"type":"action","id":"x",\n`, {}, 400, 'Invalid NDJSON: line 2 is not valid JSON. Nothing was imported.'],
      [`${JSON.stringify(good)}\n[1,2]`, {}, 400, 'Invalid NDJSON: line 2 is not a JSON object. Nothing was imported.'],
      [`${JSON.stringify(good)}\n\n{"attributes":{}}`, {}, 400, 'Invalid saved object on line 3: "type" and "id" must be non-empty strings. Nothing was imported.'],
      [JSON.stringify(good), { filename: 'export.json' }, 400, 'Invalid file extension .json'],
      [JSON.stringify(good), { filename: 'export' }, 400, 'Invalid file extension '],
      [JSON.stringify(good), { field: 'upload' }, 400, '[request body.file]: expected value of type [Stream] but got [undefined]'],
      [ndjson([good, good]), {}, 400, 'Non-unique import objects detected: [action:valid-1]'],
      [
        ndjson(Array.from({ length: MAX_OBJECTS + 1 }, (_, i) => savedObject(`many-${i}`, { actionTypeId: '.server-log', name: `M${i}`, config: {}, secrets: {} }))),
        {},
        400,
        `Can't import more than ${MAX_OBJECTS} objects`,
      ],
      [`${JSON.stringify(good)}\n${' '.repeat(MAX_FILE_BYTES)}`, {}, 413, `Payload content length greater than maximum allowed: ${MAX_FILE_BYTES}`],
    ];
    for (const [content, opts, status, message] of cases) {
      const res = await importFile(content, { space: 'refused', ...opts });
      expect(res.status, message).toBe(status);
      expect(res.body, message).toMatchObject({ statusCode: status, message });
    }
    expect(await listed('refused')).toEqual([]);

    const notMultipart = await api('POST', '/s/refused/api/saved_objects/_import', { file: 'x' });
    expect(notMultipart.status).toBe(415);
    expect(await listed('refused')).toEqual([]);

    // Blank lines and the summary line are skipped; a file over server.maxPayload but under the import limit is fine.
    const padded = `\n${JSON.stringify(good)}\n${' '.repeat(30_000)}\n\n{"exportedCount":1,"missingRefCount":0,"missingReferences":[]}\n`;
    const res = await importFile(padded, { space: 'refused' });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ success: true, successCount: 1 });
  });

  it("answers malformed multipart bodies with hapi's 400, importing nothing", async () => {
    await createSpace('malformed');
    const content = JSON.stringify(savedObject('malformed-1', { actionTypeId: '.server-log', name: 'M', config: {}, secrets: {} }));
    const { raw, contentType } = multipart(content);
    const boundary = contentType.split('boundary=')[1];
    const invalid = 'Invalid multipart payload format';
    const cases: Array<[string, string, string, string]> = [
      ['no boundary', 'multipart/form-data', raw, 'Invalid content-type header: multipart missing boundary'],
      ['empty boundary', 'multipart/form-data; boundary=', raw, 'Invalid content-type header: multipart missing boundary'],
      ['wrong boundary', 'multipart/form-data; boundary=another-boundary', raw, invalid],
      ['no closing delimiter', contentType, raw.slice(0, raw.indexOf(`\r\n--${boundary}--`) + 2), invalid],
      ['truncated headers', contentType, raw.slice(0, raw.indexOf('filename=')), invalid],
      ['truncated data', contentType, raw.slice(0, raw.indexOf(content) + 10), invalid],
      ['LF-only line endings', contentType, raw.replaceAll('\r\n', '\n'), invalid],
      ['no parts', contentType, `--${boundary}--\r\n`, '[request body.file]: expected value of type [Stream] but got [undefined]'],
      ['no body', contentType, '', '[request body.file]: expected value of type [Stream] but got [undefined]'],
    ];
    for (const [name, type, body, message] of cases) {
      const res = await pb.api('POST', '/s/malformed/api/saved_objects/_import', undefined, { raw: body, headers: { 'content-type': type } });
      expect(res.status, name).toBe(400);
      expect(res.body, name).toEqual({ statusCode: 400, error: 'Bad Request', message });
    }
    // A form field beside the file, over its 64 KiB limit, refuses the request rather than being cut.
    const bigField = `--${boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\n${'n'.repeat(70_000)}\r\n${raw}`;
    const refused = await pb.api('POST', '/s/malformed/api/saved_objects/_import', undefined, { raw: bigField, headers: { 'content-type': contentType } });
    expect([refused.status, refused.body.message]).toEqual([413, 'Form field [note] is larger than the limit of 65536 bytes']);
    expect(await listed('malformed')).toEqual([]);
    // The same file, well formed, is imported.
    const res = await importFile(content, { space: 'malformed' });
    expect(res.status, res.text).toBe(200);
    expect((await listed('malformed')).map((c) => c.name)).toEqual(['M']);
  });

  it('needs the right privileges: a reader may export but not import', async () => {
    const exported = await api('POST', '/api/saved_objects/_export', { type: 'action' }, basic('reader'));
    expect(exported.status).toBe(200);
    const imported = await importFile(await exportAll(), { space: 'ops', query: '?overwrite=true', headers: basic('reader') });
    expect(imported.status).toBe(403);
    expect(imported.body.message).toBe('Unauthorized to create actions');
  });

  it('audits imports and exports', async () => {
    await eventually(async () => {
      const res = await api('GET', '/api/security/audit?per_page=1000');
      const actions = new Set((res.body.events as Array<{ event: { action: string } }>).map((e) => e.event.action));
      return actions.has('saved_objects_import') && actions.has('saved_objects_export') ? true : undefined;
    });
  });

  it('never shows a secret in any answer', () => {
    for (const res of answers) for (const secret of SECRET_VALUES) expect(res.text).not.toContain(secret);
  });
});

describe('an import whose client disconnects mid-upload', () => {
  it('is not logged as an error, imports nothing, and the server goes on answering', async () => {
    const logs = captureLogger();
    const pb = await startTestPlugboard({ logger: logs.logger });
    try {
      const url = new URL(await pb.plugboard.listen());
      const { raw, contentType } = multipart(ndjson([savedObject('cut-1', { actionTypeId: '.server-log', name: 'Cut', config: {}, secrets: {} })]));
      const socket = net.connect(Number(url.port), url.hostname);
      await once(socket, 'connect');
      socket.write(
        `POST /api/saved_objects/_import HTTP/1.1\r\nhost: ${url.host}\r\nauthorization: ${BASIC_AUTH}\r\nkbn-xsrf: true\r\n` +
          `content-type: ${contentType}\r\ncontent-length: ${Buffer.byteLength(raw)}\r\n\r\n${raw.slice(0, raw.length / 2)}`,
      );
      // @fastify/multipart says when it starts reading the parts: the upload is then under way.
      await expect.poll(() => logs.records().some((r) => r.msg === 'starting multipart parsing')).toBe(true);
      socket.destroy();
      const unread = () => logs.records().find((r) => r.msg === 'The import request body could not be read as multipart');
      const errors = () => logs.records().filter((r) => r.level >= 50);
      await expect.poll(() => unread() ?? errors()[0]).toBeDefined();
      expect(errors()).toEqual([]);
      expect(unread()).toMatchObject({ level: 20 });
      expect(unread()).not.toHaveProperty('err');
      const listed = await pb.api('GET', '/api/actions/connectors');
      expect(listed.status).toBe(200);
      expect((listed.body as Array<{ id: string }>).map((c) => c.id)).not.toContain('cut-1');
    } finally {
      await pb.close();
    }
  });

  it('leaves no handler waiting when the client hangs up before its body is read, so shutdown ends', async () => {
    const pb = await startTestPlugboard();
    const url = new URL(await pb.plugboard.listen());
    const { raw, contentType } = multipart(ndjson([savedObject('cut-2', { actionTypeId: '.server-log', name: 'Cut', config: {}, secrets: {} })]));
    // Hung up at once, while the request is still being authenticated: the multipart reader
    // starts after the connection's 'close'. Several, so that some land in that window.
    await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        const socket = net.connect(Number(url.port), url.hostname);
        await once(socket, 'connect');
        socket.write(
          `POST /api/saved_objects/_import HTTP/1.1\r\nhost: ${url.host}\r\nauthorization: ${BASIC_AUTH}\r\nkbn-xsrf: true\r\n` +
            `content-type: ${contentType}\r\ncontent-length: ${Buffer.byteLength(raw)}\r\n\r\n${raw.slice(0, i * 10)}`,
        );
        socket.destroy();
      }),
    );
    expect((await pb.api('GET', '/api/actions/connectors')).status).toBe(200);
    let closed = false;
    void pb.close().then(() => (closed = true));
    await expect.poll(() => closed, { message: 'shutdown waits for an import handler that never ends' }).toBe(true);
  });
});
