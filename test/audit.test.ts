import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDialects } from './helpers/databases.js';
import { startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';
import { eventually } from './helpers/wait.js';

const dialects = await availableDialects();

const SECRET = 'audit-sekrit-4d2e9f';
const READER_PASSWORD = 'reader-password-1';

interface AuditEntry {
  '@timestamp': string;
  event: { action: string; outcome: string };
  user?: { name: string };
  kibana?: { space_id?: string; saved_object?: { type: string; id: string } };
  client?: { ip: string };
  message: string;
}

describe.each(dialects)('audit log on %s', (dialect) => {
  let pb: TestPlugboard;
  let auditFile: string;
  const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
  const auditLog = async (query = '') => {
    const res = await pb.api('GET', `/api/security/audit${query}`);
    expect(res.status, res.text).toBe(200);
    return res.body as { total: number; page: number; per_page: number; events: AuditEntry[] };
  };
  const find = (events: AuditEntry[], action: string, outcome = 'success') => events.find((e) => e.event.action === action && e.event.outcome === outcome);

  beforeAll(async () => {
    auditFile = path.join(mkdtempSync(path.join(tmpdir(), 'plugboard-audit-')), 'audit.jsonl');
    pb = await startTestPlugboard({ dialect, settings: { 'plugboard.audit.file': auditFile } });
    // Things worth recording, by the superuser…
    await pb.api('PUT', '/api/security/role/connectors-read', { kibana: [{ base: [], feature: { actions: ['read'] }, spaces: ['*'] }] });
    await pb.api('PUT', '/api/security/user/reader', { password: READER_PASSWORD, roles: ['connectors-read'] });
    await pb.api('POST', '/api/actions/connector/hook', {
      name: 'Hook',
      connector_type_id: '.webhook',
      config: { url: 'http://127.0.0.1:9/hook', hasAuth: true },
      secrets: { user: 'u', password: SECRET },
    });
    await pb.api('PUT', '/api/actions/connector/hook', { name: 'Hook 2', config: { url: 'http://127.0.0.1:9/hook', hasAuth: true }, secrets: { user: 'u', password: SECRET } });
    const log = await pb.api('POST', '/api/actions/connector', { name: 'Log', connector_type_id: '.server-log', config: {}, secrets: {} });
    await pb.api('POST', `/api/actions/connector/${log.body.id}/_execute`, { params: { message: `carrying ${SECRET}` } });
    await pb.api('POST', `/api/actions/connector/${log.body.id}/_enqueue`, { params: { message: 'queued' } });
    await pb.api('DELETE', '/api/actions/connector/hook');
    // …and refusals.
    expect((await pb.api('POST', '/api/actions/connector', { name: 'x', connector_type_id: '.server-log' }, { headers: basic('reader', READER_PASSWORD) })).status).toBe(403);
    expect((await pb.api('GET', '/api/actions/connectors', undefined, { headers: basic('reader', 'wrong-password') })).status).toBe(401);
    const login = (password: string) =>
      pb.api('POST', '/internal/security/login', { providerType: 'basic', providerName: 'basic', currentURL: '/', params: { username: 'reader', password } }, { headers: { authorization: '' } });
    expect((await login(READER_PASSWORD)).status).toBe(200);
    expect((await login('wrong-password')).status).toBe(401);
  });
  afterAll(async () => pb.close());

  it('records who did what, where, on which object, with what outcome', async () => {
    const { events } = await eventually(async () => {
      const page = await auditLog('?per_page=100');
      // The last act of beforeAll: everything before it is recorded too.
      return page.events.some((e) => e.event.action === 'user_login' && e.event.outcome === 'failure') ? page : undefined;
    });
    const created = events.find((e) => e.event.action === 'connector_create' && e.kibana?.saved_object?.id === 'hook');
    expect(created).toMatchObject({ user: { name: 'elastic' }, kibana: { space_id: 'default', saved_object: { type: 'action', id: 'hook' } } });
    expect(created?.client?.ip).toMatch(/127\.0\.0\.1|::1|::ffff:127\.0\.0\.1/);
    expect(Date.parse(created!['@timestamp'])).toBeGreaterThan(Date.now() - 60_000);
    expect(find(events, 'user_login')).toMatchObject({ user: { name: 'reader' } });
    expect(find(events, 'user_login', 'failure')).toMatchObject({ user: { name: 'reader' } });
    for (const action of ['connector_update', 'connector_delete', 'connector_execute', 'connector_enqueue', 'role_put', 'user_put']) {
      expect(find(events, action), action).toBeDefined();
    }
    // A generated id comes from the answer.
    expect(events.filter((e) => e.event.action === 'connector_create').map((e) => e.kibana?.saved_object?.id)).toContainEqual(expect.stringMatching(/^[0-9a-f-]{36}$/));
    expect(find(events, 'access_denied', 'failure')).toMatchObject({ user: { name: 'reader' } });
    expect(find(events, 'authentication', 'failure')).toMatchObject({ user: { name: 'reader' } });
    // Reading is not recorded; only refused reads are.
    expect(events.filter((e) => e.event.action === 'getConnectors' && e.event.outcome === 'success')).toEqual([]);
  });

  it('pages, filters by action and user, newest first', async () => {
    const all = await auditLog('?per_page=100');
    const first = await auditLog('?per_page=2');
    const second = await auditLog('?per_page=2&page=2');
    expect(first).toMatchObject({ total: all.total, page: 1, per_page: 2 });
    expect([...first.events, ...second.events]).toEqual(all.events.slice(0, 4));
    const times = all.events.map((e) => Date.parse(e['@timestamp']));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const denied = await auditLog('?action=access_denied');
    expect(denied.events.length).toBeGreaterThan(0);
    expect(denied.events.every((e) => e.event.action === 'access_denied')).toBe(true);
    expect((await auditLog('?user=reader')).events.every((e) => e.user?.name === 'reader')).toBe(true);
    expect((await pb.api('GET', '/api/security/audit?per_page=0')).status).toBe(400);
  });

  it('never holds a secret, in the database or the file, and is open to superusers only', async () => {
    // The file is written at once, the table with the next group commit.
    const file = readFileSync(auditFile, 'utf8');
    const lineCount = file.trim().split('\n').length;
    const rows = await eventually(async () => {
      const all = await pb.plugboard.database.db.selectFrom('audit_log').selectAll().execute();
      return all.length >= lineCount ? all : undefined;
    });
    expect(rows.length).toBeGreaterThan(8);
    const stored = JSON.stringify(rows);
    for (const text of [stored, file]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(READER_PASSWORD);
      expect(text).not.toContain('wrong-password');
    }
    const lines = file.trim().split('\n').map((line) => JSON.parse(line) as AuditEntry);
    expect(lines.length).toBe(rows.length);
    expect(lines.some((l) => l.event.action === 'connector_create' && l.kibana?.saved_object?.id === 'hook')).toBe(true);

    const refused = await pb.api('GET', '/api/security/audit', undefined, { headers: basic('reader', READER_PASSWORD) });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toBe('Unauthorized to read the audit log');
  });
});
