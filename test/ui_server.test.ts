import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONNECTOR_CATEGORIES } from '../src/actions/types.js';
import { CONNECTOR_TYPES } from '../src/connector_types/index.js';
import { availableDialects } from './helpers/databases.js';
import { startTestPlugboard, TEST_PASSWORD, type TestPlugboard } from './helpers/plugboard.js';
import { eventually } from './helpers/wait.js';

// How the server hands out the web UI (pages, assets, the login redirect) and the internal
// routes the UI alone uses (type forms, one execution's events).

const dialects = await availableDialects();
const HTML = { authorization: '', accept: 'text/html,application/xhtml+xml' };

function fakeUiBuild(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'plugboard-ui-'));
  mkdirSync(path.join(dir, 'assets'));
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>Plugboard</title><script type="module" src="/assets/app-1a2b.js"></script>');
  writeFileSync(path.join(dir, 'assets', 'app-1a2b.js'), 'console.log("ui")');
  return dir;
}

describe.each(dialects)('the web UI from the server on %s', (dialect) => {
  let pb: TestPlugboard;
  let uiDir: string;
  let sid: string;

  beforeAll(async () => {
    uiDir = fakeUiBuild();
    pb = await startTestPlugboard({ dialect, uiDir });
    const login = await pb.api(
      'POST',
      '/internal/security/login',
      { providerType: 'basic', providerName: 'basic', currentURL: 'http://x/login', params: { username: 'elastic', password: TEST_PASSWORD } },
      { headers: { authorization: '' } },
    );
    expect(login.status).toBe(200);
    sid = /sid=([^;]+)/.exec(String(login.headers['set-cookie']))![1];
  });
  afterAll(async () => {
    await pb.close();
    rmSync(uiDir, { recursive: true, force: true });
  });

  it('sends a page asked for without a session to the login page, which comes back to it', async () => {
    for (const [url, next] of [
      ['/', '/'],
      ['/connectors/abc?tab=test', '/connectors/abc?tab=test'],
      ['/s/marketing/logs', '/s/marketing/logs'],
    ]) {
      const res = await pb.api('GET', url, undefined, { headers: HTML });
      expect(res.status, url).toBe(302);
      expect(res.headers.location).toBe(`/login?next=${encodeURIComponent(next)}`);
    }
  });

  it('serves the login page and the assets without credentials, pages with a session', async () => {
    const login = await pb.api('GET', '/login?next=%2Flogs', undefined, { headers: HTML });
    expect(login.status).toBe(200);
    expect(login.text).toContain('/assets/app-1a2b.js');
    expect(login.headers['content-security-policy']).toContain("default-src 'self'");
    expect(login.headers['x-frame-options']).toBe('DENY');

    const asset = await pb.api('GET', '/assets/app-1a2b.js', undefined, { headers: { authorization: '' } });
    expect(asset.status).toBe(200);
    expect(asset.text).toBe('console.log("ui")');
    expect(asset.headers['cache-control']).toContain('immutable');
    expect((await pb.api('GET', '/assets/missing.js', undefined, { headers: { authorization: '' } })).status).toBe(404);

    for (const url of ['/connectors', '/connectors/some-id', '/s/default/logs']) {
      const page = await pb.api('GET', url, undefined, { headers: { ...HTML, cookie: `sid=${sid}` } });
      expect(page.status, url).toBe(200);
      expect(page.headers['content-type']).toContain('text/html');
      expect(page.text).toContain('<title>Plugboard</title>');
    }
  });

  it('keeps answering the API in JSON, also to a browser', async () => {
    const unknownApi = await pb.api('GET', '/api/actions/nope', undefined, { headers: { accept: 'text/html' } });
    expect(unknownApi.status).toBe(404);
    expect(unknownApi.body).toEqual({ statusCode: 404, error: 'Not Found', message: 'Not Found' });
    const noCredentials = await pb.api('GET', '/api/actions/connectors', undefined, { headers: HTML });
    expect(noCredentials.status).toBe(401);
    // A POST to a page address is not the UI's: it needs credentials like any other request.
    expect((await pb.api('POST', '/connectors', {}, { headers: HTML })).status).toBe(401);
  });

  it('describes every connector type for the forms, from the schemas the server validates with', async () => {
    const res = await pb.api('GET', '/internal/actions/connector_type_forms');
    expect(res.status).toBe(200);
    const ids = res.body.map((f: { id: string }) => f.id);
    expect(ids.sort()).toEqual(CONNECTOR_TYPES.filter((d) => !d.isSystemActionType).map((d) => d.id).sort());
    for (const form of res.body) {
      expect(CONNECTOR_CATEGORIES).toContain(form.category);
      expect(form.summary.length).toBeGreaterThan(10);
    }
    const slack = res.body.find((f: { id: string }) => f.id === '.slack');
    expect(slack.secrets_schema.properties.webhookUrl).toMatchObject({ type: 'string', secret: true });
    expect(slack.secrets_schema.required).toEqual(['webhookUrl']);
    expect(slack.test_params).toEqual({ message: 'Test message from Plugboard' });
    const webhook = res.body.find((f: { id: string }) => f.id === '.webhook');
    expect(webhook.config_schema.properties.method).toMatchObject({ enum: ['post', 'put', 'patch', 'get', 'delete'], default: 'post', label: 'Method' });
    expect((await pb.api('GET', '/internal/actions/connector_type_forms', undefined, { headers: { authorization: '' } })).status).toBe(401);
  });

  it("gives one execution's event documents, only in its own space", async () => {
    const created = await pb.api('POST', '/api/actions/connector', { name: 'log', connector_type_id: '.server-log', config: {}, secrets: {} });
    const queued = await pb.api('POST', `/api/actions/connector/${created.body.id}/_enqueue`, { params: { message: 'hello' } });
    expect(queued.status).toBe(202);
    const executionId = queued.body.execution_id;
    const events = await eventually(async () => {
      const res = await pb.api('GET', `/internal/actions/execution_events/${executionId}`);
      return res.body.length >= 2 ? res : undefined;
    });
    expect(events.status).toBe(200);
    expect(events.body.map((d: { event: { action: string } }) => d.event.action)).toEqual(['execute-start', 'execute']);
    expect(events.body[1].kibana.action.execution.uuid).toBe(executionId);
    await pb.api('POST', '/api/spaces/space', { id: 'other', name: 'Other' });
    const elsewhere = await pb.api('GET', `/s/other/internal/actions/execution_events/${executionId}`);
    expect(elsewhere).toMatchObject({ status: 200, body: [] });
  });
});

describe('the server without a built UI', () => {
  it('says how to build it instead of a blank page', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'plugboard-no-ui-'));
    const pb = await startTestPlugboard({ uiDir: empty });
    try {
      const res = await pb.api('GET', '/login', undefined, { headers: HTML });
      expect(res.status).toBe(200);
      expect(res.text).toContain('npm run build:ui');
    } finally {
      await pb.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
