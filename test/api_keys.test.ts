import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDialects } from './helpers/databases.js';
import { startTestPlugboard, type ApiResponse, type TestPlugboard } from './helpers/plugboard.js';
import { eventually } from './helpers/wait.js';

const dialects = await availableDialects();

// API keys in Elasticsearch's shapes: `Authorization: ApiKey base64(id:api_key)`, limited by
// their role descriptors, invalidated at once.

const PASSWORD = 'a-test-password';
const basic = (username: string) => `Basic ${Buffer.from(`${username}:${PASSWORD}`).toString('base64')}`;
const apiKey = (encoded: string) => `ApiKey ${encoded}`;
const SERVER_LOG = { name: 'Log', connector_type_id: '.server-log', config: {}, secrets: {} };
const READ_ONLY = { reader: { kibana: [{ feature: { actions: ['read'] }, spaces: ['*'] }] } };
const ALL = { admin: { kibana: [{ base: ['all'], spaces: ['*'] }] } };

interface CreatedKey {
  id: string;
  name: string;
  api_key: string;
  encoded: string;
  expiration?: number;
}

describe.each(dialects)('API keys on %s', (dialect) => {
  let pb: TestPlugboard;
  /** Every answer of this suite but the create answers, checked at the end for keys and hashes. */
  const answers: ApiResponse[] = [];
  const created: CreatedKey[] = [];

  /** Sends a request with these credentials (`elastic` by default). */
  async function api(method: string, url: string, body?: unknown, authorization?: string): Promise<ApiResponse> {
    const res = await pb.api(method, url, body, authorization ? { headers: { authorization } } : undefined);
    answers.push(res);
    return res;
  }
  async function createKey(body: Record<string, unknown>, authorization?: string): Promise<CreatedKey> {
    const res = await pb.api('POST', '/api/security/api_key', body, authorization ? { headers: { authorization } } : undefined);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    created.push(res.body);
    return res.body;
  }
  const listStatus = async (authorization: string) => (await api('GET', '/api/actions/connectors', undefined, authorization)).status;

  beforeAll(async () => {
    pb = await startTestPlugboard({ dialect });
    const roles: Array<[string, unknown]> = [
      ['connectors-all', [{ feature: { actions: ['all'] }, spaces: ['*'] }]],
      ['connectors-read', [{ feature: { actions: ['read'] }, spaces: ['*'] }]],
    ];
    for (const [name, kibana] of roles) expect((await api('PUT', `/api/security/role/${name}`, { kibana })).status).toBe(204);
    for (const [username, userRoles] of [
      ['writer', ['connectors-all']],
      ['reader', ['connectors-read']],
      ['admin', ['superuser']],
    ] as const) {
      expect((await api('PUT', `/api/security/user/${username}`, { password: PASSWORD, roles: userRoles })).status).toBe(200);
    }
    expect((await api('POST', '/api/spaces/space', { id: 'a', name: 'A' })).status).toBe(200);
  });
  afterAll(async () => pb.close());

  it('creates a key that authenticates as its owner, and stores only a hash of it', async () => {
    const key = await createKey({ name: 'my-api-key', metadata: { application: 'my-application' } });
    expect(Object.keys(key).sort()).toEqual(['api_key', 'encoded', 'id', 'name']);
    expect(key.name).toBe('my-api-key');
    expect(key.id).toMatch(/^[A-Za-z0-9_-]{20}$/);
    expect(key.api_key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(key.encoded, 'base64').toString()).toBe(`${key.id}:${key.api_key}`);

    expect(await listStatus(apiKey(key.encoded))).toBe(200);
    expect((await api('GET', '/s/a/api/actions/connectors', undefined, apiKey(key.encoded))).status).toBe(200);
    // The owner's privileges: a superuser's key without role descriptors may do anything.
    const connector = await api('POST', '/api/actions/connector', SERVER_LOG, apiKey(key.encoded));
    expect(connector.status).toBe(200);
    expect((await api('GET', '/api/security/user/writer', undefined, apiKey(key.encoded))).status).toBe(200);

    const row = await pb.plugboard.database.db.selectFrom('api_keys').selectAll().where('id', '=', key.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ name: 'my-api-key', username: 'elastic', invalidated_at: null, expires_at: null });
    expect(row.key_hash).toMatch(/^sha256\$/);
    expect(JSON.stringify(row)).not.toContain(key.api_key);
  });

  it('refuses unknown, wrong and malformed keys with 401 and both challenges', async () => {
    const key = await createKey({ name: 'genuine' });
    for (const authorization of [
      apiKey(Buffer.from(`${key.id}:wrong-key`).toString('base64')),
      apiKey(Buffer.from(`no-such-id:${key.api_key}`).toString('base64')),
      apiKey(Buffer.from(key.id).toString('base64')),
      apiKey(key.api_key),
      `ApiKey`,
      `Bearer ${key.encoded}`,
      `Basic ${key.encoded}`,
    ]) {
      const res = await api('GET', '/api/actions/connectors', undefined, authorization);
      expect([res.status, res.body], authorization).toEqual([401, { statusCode: 401, error: 'Unauthorized', message: 'Unauthorized' }]);
      expect(res.headers['www-authenticate']).toEqual(['Basic realm="plugboard", charset="UTF-8"', 'ApiKey']);
    }
    expect(await listStatus(apiKey(key.encoded))).toBe(200);
  });

  it('decodes the credential strictly, as Elasticsearch does: the exact encoding or nothing', async () => {
    const key = await createKey({ name: 'strict' });
    const b64 = (text: string) => Buffer.from(text).toString('base64');
    const middle = key.encoded.length / 2;
    const refused: Array<[string, string]> = [
      ['trailing garbage', `${key.encoded}garbage`],
      ['trailing symbol', `${key.encoded}!`],
      ['extra padding', `${key.encoded}==`],
      ['trailing word', `${key.encoded} extra`],
      ['space inside', `${key.encoded.slice(0, middle)} ${key.encoded.slice(middle)}`],
      ['two spaces after the scheme', ` ${key.encoded}`],
      ['invalid character', `${key.encoded.slice(0, middle)}*${key.encoded.slice(middle + 1)}`],
      ['missing colon', b64(`${key.id}${key.api_key}`)],
      ['empty id', b64(`:${key.api_key}`)],
      ['empty key', b64(`${key.id}:`)],
    ];
    for (const [name, credential] of refused) {
      const res = await api('GET', '/api/actions/connectors', undefined, apiKey(credential));
      expect([res.status, res.body], name).toEqual([401, { statusCode: 401, error: 'Unauthorized', message: 'Unauthorized' }]);
    }
    // The exact key works, in any case of the scheme and, as Java's decoder allows, without its padding.
    expect(key.encoded).toMatch(/=$/);
    for (const authorization of [apiKey(key.encoded), `apikey ${key.encoded}`, apiKey(key.encoded.replace(/=+$/, ''))]) {
      expect(await listStatus(authorization), authorization).toBe(200);
    }
  });

  it('stops an invalidated key at once, though it was just used', async () => {
    const key = await createKey({ name: 'short-lived' });
    expect(await listStatus(apiKey(key.encoded))).toBe(200);
    const res = await api('DELETE', '/api/security/api_key', { ids: [key.id] });
    expect([res.status, res.body]).toEqual([200, { invalidated_api_keys: [key.id], previously_invalidated_api_keys: [], error_count: 0 }]);
    expect(await listStatus(apiKey(key.encoded))).toBe(401);
    const again = await api('DELETE', '/api/security/api_key', { ids: [key.id] });
    expect(again.body).toEqual({ invalidated_api_keys: [], previously_invalidated_api_keys: [key.id], error_count: 0 });

    // The key may invalidate itself, as in Elasticsearch.
    const selfish = await createKey({ name: 'self-destruct' });
    const own = await api('DELETE', '/api/security/api_key', { ids: [selfish.id] }, apiKey(selfish.encoded));
    expect(own.body.invalidated_api_keys).toEqual([selfish.id]);
    expect(await listStatus(apiKey(selfish.encoded))).toBe(401);
  });

  it('stops an expired key, cached or not', async () => {
    const key = await createKey({ name: 'brief', expiration: '1500ms' });
    expect(key.expiration).toBeGreaterThan(Date.now());
    expect(key.expiration).toBeLessThanOrEqual(Date.now() + 1500);
    expect(await listStatus(apiKey(key.encoded))).toBe(200);
    await sleep(key.expiration! - Date.now() + 50);
    expect(await listStatus(apiKey(key.encoded))).toBe(401);

    // Expired in the database before it was ever used.
    const day = await createKey({ name: 'a-day', expiration: '1d' });
    expect(day.expiration! - Date.now()).toBeGreaterThan(86_400_000 - 60_000);
    await pb.plugboard.database.db.updateTable('api_keys').set({ expires_at: Date.now() - 1 }).where('id', '=', day.id).execute();
    expect(await listStatus(apiKey(day.encoded))).toBe(401);
  });

  it("limits a key to its role descriptors, even a superuser's", async () => {
    for (const owner of [undefined, basic('writer')]) {
      const key = await createKey({ name: 'read-only', role_descriptors: READ_ONLY }, owner);
      expect(await listStatus(apiKey(key.encoded))).toBe(200);
      const refused = await api('POST', '/api/actions/connector', SERVER_LOG, apiKey(key.encoded));
      expect([refused.status, refused.body]).toEqual([403, { statusCode: 403, error: 'Forbidden', message: 'Unauthorized to create a ".server-log" action' }]);
      // The owner may.
      expect((await api('POST', '/api/actions/connector', SERVER_LOG, owner)).status).toBe(200);
    }

    // A superuser's limited key is no superuser: no users, no roles, no spaces to manage.
    const limited = await createKey({ name: 'limited-admin', role_descriptors: ALL });
    expect((await api('GET', '/api/security/user', undefined, apiKey(limited.encoded))).body.message).toBe('Unauthorized to manage users');
    expect((await api('GET', '/api/security/role', undefined, apiKey(limited.encoded))).status).toBe(403);
    expect((await api('POST', '/api/actions/connector', SERVER_LOG, apiKey(limited.encoded))).status).toBe(200);
    expect((await api('POST', '/api/spaces/space', { id: 'b', name: 'B' }, apiKey(limited.encoded))).status).toBe(200);
  });

  it("gives a key no more than its owner has: a read user's key with `all` cannot create", async () => {
    const key = await createKey({ name: 'wishful', role_descriptors: ALL }, basic('reader'));
    expect(await listStatus(apiKey(key.encoded))).toBe(200);
    const refused = await api('POST', '/api/actions/connector', SERVER_LOG, apiKey(key.encoded));
    expect([refused.status, refused.body.message]).toEqual([403, 'Unauthorized to create a ".server-log" action']);
    expect((await api('DELETE', '/api/actions/connector/anything', undefined, apiKey(key.encoded))).body.message).toBe('Unauthorized to delete actions');
  });

  it('limits a key to the spaces of its role descriptors', async () => {
    const key = await createKey({ name: 'space-a', role_descriptors: { a: { kibana: [{ base: ['all'], spaces: ['a'] }] } } }, basic('writer'));
    expect((await api('POST', '/s/a/api/actions/connector', SERVER_LOG, apiKey(key.encoded))).status).toBe(200);
    const other = await api('GET', '/api/actions/connectors', undefined, apiKey(key.encoded));
    expect([other.status, other.body.message]).toEqual([403, 'Unauthorized to get actions']);
    expect((await api('GET', '/api/spaces/space', undefined, apiKey(key.encoded))).body.map((s: { id: string }) => s.id)).toEqual(['a']);
    // Descriptors that grant nothing leave the key nothing.
    const none = await createKey({ name: 'nothing', role_descriptors: { empty: {} } }, basic('writer'));
    expect(await listStatus(apiKey(none.encoded))).toBe(403);
  });

  it('follows its owner: a disabled, demoted or deleted owner takes the key along at once', async () => {
    expect((await api('PUT', '/api/security/user/temp', { password: PASSWORD, roles: ['connectors-all'] })).status).toBe(200);
    const key = await createKey({ name: 'temp-key' }, basic('temp'));
    expect((await api('POST', '/api/actions/connector', SERVER_LOG, apiKey(key.encoded))).status).toBe(200);
    await api('PUT', '/api/security/user/temp', { roles: ['connectors-read'] });
    expect((await api('POST', '/api/actions/connector', SERVER_LOG, apiKey(key.encoded))).status).toBe(403);
    expect(await listStatus(apiKey(key.encoded))).toBe(200);
    await api('POST', '/api/security/user/temp/_disable');
    expect(await listStatus(apiKey(key.encoded))).toBe(401);
    await api('POST', '/api/security/user/temp/_enable');
    expect(await listStatus(apiKey(key.encoded))).toBe(200);
    await api('DELETE', '/api/security/user/temp');
    expect(await listStatus(apiKey(key.encoded))).toBe(401);
  });

  it('lists keys without the key or its hash: users their own, superusers everybody\'s', async () => {
    const writerKey = await createKey({ name: 'listed', expiration: '12h', role_descriptors: READ_ONLY, metadata: { team: 'ops' } }, basic('writer'));
    const mine = await api('GET', '/api/security/api_key', undefined, basic('writer'));
    expect(mine.status).toBe(200);
    expect(mine.body.api_keys.every((k: { username: string }) => k.username === 'writer')).toBe(true);
    expect(mine.body.api_keys.find((k: { id: string }) => k.id === writerKey.id)).toEqual({
      id: writerKey.id,
      name: 'listed',
      creation: expect.any(Number),
      expiration: writerKey.expiration,
      invalidated: false,
      username: 'writer',
      realm: 'plugboard',
      metadata: { team: 'ops' },
      role_descriptors: { reader: { elasticsearch: {}, kibana: [{ base: [], feature: { actions: ['read'] }, spaces: ['*'] }], metadata: {} } },
    });

    const all = await api('GET', '/api/security/api_key');
    const owners = new Set(all.body.api_keys.map((k: { username: string }) => k.username));
    expect([...owners].sort()).toEqual(['elastic', 'reader', 'temp', 'writer']);
    const creations = all.body.api_keys.map((k: { creation: number }) => k.creation);
    expect(creations).toEqual([...creations].sort((a, b) => a - b));
    const own = await api('GET', '/api/security/api_key?owner=true');
    expect(new Set(own.body.api_keys.map((k: { username: string }) => k.username))).toEqual(new Set(['elastic']));

    expect((await api('GET', `/api/security/api_key?id=${writerKey.id}`)).body.api_keys.map((k: { id: string }) => k.id)).toEqual([writerKey.id]);
    expect((await api('GET', `/api/security/api_key?id=${writerKey.id}`, undefined, basic('reader'))).body).toEqual({ api_keys: [] });
    const named = await api('GET', '/api/security/api_key?name=read-*');
    expect(new Set(named.body.api_keys.map((k: { name: string }) => k.name))).toEqual(new Set(['read-only']));
    const invalidated = (await api('GET', '/api/security/api_key?name=short-lived')).body.api_keys;
    expect(invalidated).toEqual([expect.objectContaining({ invalidated: true, invalidation: expect.any(Number) })]);
    expect((await api('GET', '/api/security/api_key?name=short-lived&active_only=true')).body).toEqual({ api_keys: [] });
  });

  it("lets a user invalidate only their own keys, and a superuser anybody's", async () => {
    const writerKey = await createKey({ name: 'guarded' }, basic('writer'));
    const readerKey = await createKey({ name: 'guarded' }, basic('reader'));
    for (const body of [{ ids: [writerKey.id] }, { name: 'guarded' }]) {
      const res = await api('DELETE', '/api/security/api_key', body, basic('reader'));
      expect(res.status).toBe(200);
      expect(res.body.invalidated_api_keys).not.toContain(writerKey.id);
    }
    expect(await listStatus(apiKey(writerKey.encoded))).toBe(200);
    expect(await listStatus(apiKey(readerKey.encoded))).toBe(401);

    // A superuser's key limited by descriptors reaches only its owner's keys too.
    const limited = await createKey({ name: 'limited-invalidator', role_descriptors: ALL });
    expect((await api('DELETE', '/api/security/api_key', { ids: [writerKey.id] }, apiKey(limited.encoded))).body.invalidated_api_keys).toEqual([]);
    expect(await listStatus(apiKey(writerKey.encoded))).toBe(200);

    const res = await api('DELETE', '/api/security/api_key', { ids: [writerKey.id] }, basic('admin'));
    expect(res.body).toEqual({ invalidated_api_keys: [writerKey.id], previously_invalidated_api_keys: [], error_count: 0 });
    expect(await listStatus(apiKey(writerKey.encoded))).toBe(401);

    // `owner: true` alone invalidates all of one's own keys.
    const adminKeys = [await createKey({ name: 'one' }, basic('admin')), await createKey({ name: 'two' }, basic('admin'))];
    const mine = await api('DELETE', '/api/security/api_key', { owner: true }, basic('admin'));
    expect(mine.body.invalidated_api_keys.sort()).toEqual(adminKeys.map((k) => k.id).sort());
    for (const key of adminKeys) expect(await listStatus(apiKey(key.encoded))).toBe(401);
    expect(await listStatus(apiKey(created[0].encoded))).toBe(200);
  });

  it('lets no API key create API keys', async () => {
    const key = await createKey({ name: 'parent' });
    const res = await api('POST', '/api/security/api_key', { name: 'child' }, apiKey(key.encoded));
    expect([res.status, res.body.message]).toEqual([403, 'API keys cannot create API keys; authenticate as a user']);
  });

  it('validates input, naming the field, and creates nothing', async () => {
    const before = (await api('GET', '/api/security/api_key')).body.api_keys.length;
    const cases: Array<[string, string, unknown, string]> = [
      ['POST', '/api/security/api_key', {}, '[request body.name]: expected value of type [string] but got [undefined]'],
      ['POST', '/api/security/api_key', { name: '' }, '[request body.name]: value has length [0] but it must have a minimum length of [1].'],
      ['POST', '/api/security/api_key', { name: 'x'.repeat(257) }, '[request body.name]: value has length [257] but it must have a maximum length of [256].'],
      ['POST', '/api/security/api_key', { name: ' padded' }, '[request body.name]: api key name may not begin or end with whitespace'],
      ['POST', '/api/security/api_key', { name: '_hidden' }, '[request body.name]: api key name may not begin with an underscore'],
      ['POST', '/api/security/api_key', { name: 'line\n' }, '[request body.name]: api key name may not begin or end with whitespace'],
      ['POST', '/api/security/api_key', { name: '\u0007bell' }, '[request body.name]: api key name may not begin or end with whitespace'],
      ['POST', '/api/security/api_key', { name: 'two\r\nlines' }, '[request body.name]: api key name may not contain control characters'],
      ['POST', '/api/security/api_key', { name: 'tab\there' }, '[request body.name]: api key name may not contain control characters'],
      ['POST', '/api/security/api_key', { name: 'n\u0000l' }, '[request body.name]: must not contain the NUL character (\\u0000)'],
      ['POST', '/api/security/api_key', { name: 'k', role_descriptors: { ' r': {} } }, `[request body.role_descriptors. r]: ${'Role names must be at least 1 and no more than 1024 characters. They can contain alphanumeric characters (a-z, A-Z, 0-9), spaces, punctuation, and printable symbols in the Basic Latin (ASCII) block. Leading or trailing whitespace is not allowed.'}`],
      ['POST', '/api/security/api_key', { name: 'k', role_descriptors: { r: { description: 'd'.repeat(1001) } } }, '[request body.role_descriptors.r.description]: Role description must be less than 1000 characters.'],
      ['POST', '/api/security/api_key', { name: 'k', expiration: 'soon' }, '[request body.expiration]: expected a time value such as "1d", "12h", "30m" or "45s", got "soon"'],
      ['POST', '/api/security/api_key', { name: 'k', expiration: '60' }, '[request body.expiration]: expected a time value such as "1d", "12h", "30m" or "45s", got "60"'],
      ['POST', '/api/security/api_key', { name: 'k', expiration: '0d' }, '[request body.expiration]: expected a time value such as "1d", "12h", "30m" or "45s", got "0d"'],
      ['POST', '/api/security/api_key', { name: 'k', expiration: 3600 }, '[request body.expiration]: expected value of type [string] but got [number]'],
      ['POST', '/api/security/api_key', { name: 'k', role_descriptors: [] }, '[request body.role_descriptors]: expected value of type [object] but got [Array]'],
      ['POST', '/api/security/api_key', { name: 'k', role_descriptors: { r: { kibana: [{ base: ['write'], spaces: ['*'] }] } } }, '[request body.role_descriptors.r.kibana.0.base.0]: expected value to equal [all | read]'],
      ['POST', '/api/security/api_key', { name: 'k', role_descriptors: { r: { cluster: ['all'] } } }, '[request body.role_descriptors.r.cluster]: definition for this key is missing'],
      ['POST', '/api/security/api_key', { name: 'k', metadata: { _reserved: 1 } }, '[request body.metadata._reserved]: metadata keys may not start with [_]'],
      ['POST', '/api/security/api_key', { name: 'k', api_key: 'mine' }, '[request body.api_key]: definition for this key is missing'],
      ['GET', '/api/security/api_key?owner=yes', undefined, '[request query.owner]: expected value to equal [true | false]'],
      ['GET', '/api/security/api_key?username=writer', undefined, '[request query.username]: definition for this key is missing'],
      ['DELETE', '/api/security/api_key', {}, '[request body]: one of [ids, name] must be specified if [owner] is false'],
      ['DELETE', '/api/security/api_key', { ids: [] }, '[request body.ids]: array size is [0], but cannot be smaller than [1]'],
      ['DELETE', '/api/security/api_key', { ids: [''] }, '[request body.ids.0]: value has length [0] but it must have a minimum length of [1].'],
      ['DELETE', '/api/security/api_key', { ids: ['x'], name: 'y' }, '[request body]: only one of [ids, name] can be specified'],
      ['DELETE', '/api/security/api_key', { owner: 'true' }, '[request body.owner]: expected value of type [boolean] but got [string]'],
    ];
    for (const [method, url, body, message] of cases) {
      const res = await api(method, url, body);
      expect([res.status, res.body], `${method} ${url} ${JSON.stringify(body)}`).toEqual([400, { statusCode: 400, error: 'Bad Request', message }]);
    }
    expect((await api('GET', '/api/security/api_key')).body.api_keys.length).toBe(before);
    // Elasticsearch takes any other character, and so does Plugboard.
    expect((await createKey({ name: 'clé für Ünïcode, non-breaking\u00a0space' })).name).toBe('clé für Ünïcode, non-breaking\u00a0space');
  });

  it('records creations and invalidations in the audit log, by key id only', async () => {
    // Refused creations are audited too (without an id): wait for every created key's event.
    const events = await eventually(async () => {
      const res = await api('GET', '/api/security/audit?per_page=1000&action=api_key_create');
      const found = res.body.events as Array<{ kibana: { saved_object?: { type: string; id: string } } }>;
      const ids = new Set(found.map((e) => e.kibana.saved_object?.id));
      return created.every((k) => ids.has(k.id)) ? found : undefined;
    });
    expect(events.map((e) => e.kibana.saved_object)).toEqual(expect.arrayContaining(created.map((k) => ({ type: 'api_key', id: k.id }))));
    expect((await api('GET', '/api/security/audit?action=api_key_invalidate')).body.total).toBeGreaterThan(0);
  });

  it('never answers with a key or its hash, except the key in its create answer', async () => {
    const hashes = (await pb.plugboard.database.db.selectFrom('api_keys').select('key_hash').execute()).map((row) => row.key_hash);
    expect(created.length).toBeGreaterThan(15);
    expect(answers.length).toBeGreaterThan(80);
    for (const res of answers) {
      expect(res.text).not.toMatch(/sha256\$|key_hash|keyHash/);
      for (const hash of hashes) expect(res.text).not.toContain(hash.slice('sha256$'.length));
      for (const key of created) expect(res.text).not.toContain(key.api_key);
    }
  });
});
