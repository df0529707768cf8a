import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { nextURL } from '../src/http/routes/session.js';
import { LoginThrottle } from '../src/security/login_throttle.js';
import { hashPassword } from '../src/security/passwords.js';
import { SessionStore } from '../src/security/sessions.js';
import { SessionsRepository } from '../src/storage/sessions_repository.js';
import { UsersRepository } from '../src/storage/users_repository.js';
import { availableDialects } from './helpers/databases.js';
import { startTestPlugboard, TEST_PASSWORD, type ApiResponse, type TestPlugboard } from './helpers/plugboard.js';
import { createTlsFixtures } from './helpers/tls_fixtures.js';

// Browser sessions (POST /internal/security/login, the `sid` cookie, logout, /me) and the
// throttling of failed logins.

const dialects = await availableDialects();

const PASSWORD = 'a-user-password';
const basic = (username: string, password: string) => `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');
const HOUR = 3_600_000;

/** The `sid` value a response sets, if any. */
function sidOf(res: ApiResponse): string | undefined {
  const header = res.headers['set-cookie'];
  const cookies = Array.isArray(header) ? header : header === undefined ? [] : [String(header)];
  return cookies.map((c) => /^sid=([^;]*)/.exec(c)?.[1]).find((v) => v !== undefined);
}

function loginBody(username: string, password: string, currentURL = 'https://kibana.example/login') {
  return { providerType: 'basic', providerName: 'basic', currentURL, params: { username, password } };
}

/** Requests as a browser: no Authorization header, the session cookie, and an address. */
function browser(pb: TestPlugboard) {
  return {
    login: (username: string, password: string, headers: Record<string, string> = {}) =>
      pb.api('POST', '/internal/security/login', loginBody(username, password), { headers: { authorization: '', ...headers } }),
    as: (sid: string) => (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) =>
      pb.api(method, url, body, { headers: { authorization: '', cookie: `theme=dark; sid=${sid}`, ...headers } }),
  };
}

describe.each(dialects)('browser sessions on %s', (dialect) => {
  let pb: TestPlugboard;
  let client: ReturnType<typeof browser>;
  let sessions: SessionsRepository;

  async function createUser(username: string, roles: string[] = ['viewer']) {
    const res = await pb.api('PUT', `/api/security/user/${username}`, { password: PASSWORD, roles, full_name: `${username} doe` });
    expect(res.status).toBe(200);
  }
  async function loggedIn(username: string, password = PASSWORD): Promise<string> {
    const res = await client.login(username, password);
    expect(res.status).toBe(200);
    return sidOf(res)!;
  }
  const statusWith = async (sid: string) => (await client.as(sid)('GET', '/api/actions/connectors')).status;
  const rowOf = (sid: string) => sessions.get(sha256(sid));

  beforeAll(async () => {
    pb = await startTestPlugboard({ dialect });
    client = browser(pb);
    sessions = new SessionsRepository(pb.plugboard.database.db);
  });
  afterAll(async () => pb.close());

  it('logs in with Kibana\'s body: 200, the next URL, and an httpOnly, SameSite=Strict session cookie', async () => {
    await createUser('alice');
    const res = await pb.api('POST', '/internal/security/login', loginBody('alice', PASSWORD, 'https://kibana.example/login?next=%2Fapp%2Fconnectors%3Fx%3D1#/list'), {
      headers: { authorization: '' },
    });
    expect([res.status, res.body]).toEqual([200, { location: '/app/connectors?x=1#/list' }]);
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/^sid=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict$/);
    // Not over plain HTTP.
    expect(cookie).not.toMatch(/Secure/);

    // The table holds only the SHA-256 of the cookie value.
    const sid = sidOf(res)!;
    const rows = await pb.plugboard.database.db.selectFrom('sessions').selectAll().where('username', '=', 'alice').execute();
    expect(rows).toHaveLength(1);
    expect(rows[0].id_hash).toBe(sha256(sid));
    expect(JSON.stringify(rows)).not.toContain(sid);
    expect(rows[0].expires_at - rows[0].created_at).toBe(30 * 24 * HOUR);
  });

  it('authenticates API calls with the cookie, and still wants kbn-xsrf on writes', async () => {
    await createUser('sam', ['superuser']);
    const as = client.as(await loggedIn('sam'));
    expect((await as('GET', '/api/actions/connectors')).status).toBe(200);
    const noXsrf = await as('POST', '/api/spaces/space', { id: 'sam-space', name: 'Sam' }, { 'kbn-xsrf': '' });
    expect([noXsrf.status, noXsrf.body.message]).toEqual([400, 'Request must contain a kbn-xsrf header.']);
    expect((await as('POST', '/api/spaces/space', { id: 'sam-space', name: 'Sam' })).status).toBe(200);
    // The login route wants it too.
    expect((await client.login('sam', PASSWORD, { 'kbn-xsrf': '' })).status).toBe(400);
  });

  it('answers the current user as Kibana does, for a session and for a Basic header', async () => {
    await createUser('mia');
    const viaSession = await client.as(await loggedIn('mia'))('GET', '/internal/security/me');
    expect([viaSession.status, viaSession.body]).toEqual([
      200,
      {
        username: 'mia',
        roles: ['viewer'],
        full_name: 'mia doe',
        email: null,
        metadata: {},
        enabled: true,
        authentication_realm: { name: 'default_native', type: 'native' },
        lookup_realm: { name: 'default_native', type: 'native' },
        authentication_provider: { type: 'basic', name: 'basic' },
        authentication_type: 'realm',
        elastic_cloud_user: false,
      },
    ]);
    const elastic = await pb.api('GET', '/internal/security/me');
    expect(elastic.body).toMatchObject({
      username: 'elastic',
      roles: ['superuser'],
      metadata: { _reserved: true },
      authentication_realm: { name: 'reserved', type: 'reserved' },
      authentication_provider: { type: 'http', name: '__http__' },
    });
    expect((await pb.api('GET', '/internal/security/me', undefined, { headers: { authorization: '' } })).status).toBe(401);

    const key = await pb.api('POST', '/api/security/api_key', { name: 'me-key' }, { headers: { authorization: basic('mia', PASSWORD) } });
    expect(key.status).toBe(200);
    const viaKey = await pb.api('GET', '/internal/security/me', undefined, { headers: { authorization: `ApiKey ${key.body.encoded}` } });
    expect([viaKey.status, viaKey.body]).toEqual([
      200,
      {
        username: 'mia',
        roles: [],
        full_name: null,
        email: null,
        metadata: {},
        enabled: true,
        authentication_realm: { name: '_es_api_key', type: '_es_api_key' },
        lookup_realm: { name: '_es_api_key', type: '_es_api_key' },
        authentication_provider: { type: 'http', name: '__http__' },
        authentication_type: 'api_key',
        api_key: { id: key.body.id, name: 'me-key' },
        elastic_cloud_user: false,
      },
    ]);
  });

  it('ends the session on logout: the cookie is cleared and the row deleted', async () => {
    await createUser('lou');
    const sid = await loggedIn('lou');
    const out = await client.as(sid)('POST', '/api/security/logout');
    expect(out.status).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/^sid=; Path=\/; HttpOnly; SameSite=Strict; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT$/);
    expect(await rowOf(sid)).toBeUndefined();
    const after = await client.as(sid)('GET', '/api/actions/connectors');
    expect([after.status, after.body.message]).toEqual([401, 'Unauthorized']);
    expect(sidOf(after)).toBe('');

    // Kibana's GET logout redirects to the login page.
    const other = await loggedIn('lou');
    const redirect = await client.as(other)('GET', '/api/security/logout?next=%2Fapp%2Fhome');
    expect([redirect.status, redirect.headers.location]).toEqual([302, '/login?next=%2Fapp%2Fhome&msg=LOGGED_OUT']);
    expect(sidOf(redirect)).toBe('');
    expect(await statusWith(other)).toBe(401);
    // Without a session, logout still answers (and clears any cookie).
    expect((await client.as('no-such-session')('POST', '/api/security/logout')).status).toBe(204);
  });

  it('replaces the session of a browser that logs in again', async () => {
    await createUser('rex');
    const first = await loggedIn('rex');
    const again = await client.login('rex', PASSWORD, { cookie: `sid=${first}` });
    expect(again.status).toBe(200);
    expect(await rowOf(first)).toBeUndefined();
    expect(await statusWith(sidOf(again)!)).toBe(200);
  });

  it('refuses and deletes a session idle for longer than idleTimeout (8h by default)', async () => {
    await createUser('ida');
    const sid = await loggedIn('ida');
    await sessions.setLastSeen(sha256(sid), Date.now() - 8 * HOUR + 60_000);
    expect(await statusWith(sid)).toBe(200);
    await sessions.setLastSeen(sha256(sid), Date.now() - 8 * HOUR - 1000);
    expect(await statusWith(sid)).toBe(401);
    expect(await rowOf(sid)).toBeUndefined();
  });

  it('refreshes last_seen_at on use, at most once a minute', async () => {
    await createUser('tom');
    const sid = await loggedIn('tom');
    const recent = Date.now() - 10_000;
    await sessions.setLastSeen(sha256(sid), recent);
    expect(await statusWith(sid)).toBe(200);
    expect((await rowOf(sid))!.last_seen_at).toBe(recent);
    await sessions.setLastSeen(sha256(sid), Date.now() - 2 * 60_000);
    const before = Date.now();
    expect(await statusWith(sid)).toBe(200);
    expect((await rowOf(sid))!.last_seen_at).toBeGreaterThanOrEqual(before);
  });

  it('refuses and deletes a session past its lifespan, however much it is used', async () => {
    await createUser('liz');
    const sid = await loggedIn('liz');
    await pb.plugboard.database.db.updateTable('sessions').set({ expires_at: Date.now() - 1 }).where('id_hash', '=', sha256(sid)).execute();
    expect(await statusWith(sid)).toBe(401);
    expect(await rowOf(sid)).toBeUndefined();
  });

  it('honours other idleTimeout and lifespan settings, and 0 or null for none', async () => {
    const db = pb.plugboard.database.db;
    await createUser('cfg');
    const users = new UsersRepository(db);
    const short = new SessionStore(sessions, users, { idleTimeout: 1000, lifespan: 5000 });
    const sid = await short.create('cfg');
    expect((await rowOf(sid))!.expires_at - (await rowOf(sid))!.last_seen_at).toBe(5000);
    await sessions.setLastSeen(sha256(sid), Date.now() - 1500);
    expect(await short.authenticate(sid)).toBeUndefined();

    const endless = new SessionStore(sessions, users, { idleTimeout: 0, lifespan: null });
    const kept = await endless.create('cfg');
    await sessions.setLastSeen(sha256(kept), Date.now() - 400 * 24 * HOUR);
    expect(await endless.authenticate(kept)).toEqual({ username: 'cfg', roles: ['viewer'], authenticationType: 'basic' });
  });

  it('stops the sessions of a disabled or deleted user', async () => {
    await createUser('dee');
    await createUser('del');
    const dee = await loggedIn('dee');
    const del = await loggedIn('del');
    expect((await pb.api('POST', '/api/security/user/dee/_disable')).status).toBe(200);
    expect(await statusWith(dee)).toBe(401);
    expect(await rowOf(dee)).toBeUndefined();
    // Enabling the user again does not bring the session back.
    expect((await pb.api('POST', '/api/security/user/dee/_enable')).status).toBe(200);
    expect(await statusWith(dee)).toBe(401);

    expect((await pb.api('DELETE', '/api/security/user/del')).status).toBe(200);
    expect(await statusWith(del)).toBe(401);
  });

  it("ends a user's other sessions when their password changes, keeping the one that changed it", async () => {
    await createUser('pat');
    const [p1, p2] = [await loggedIn('pat'), await loggedIn('pat')];
    expect((await pb.api('POST', '/api/security/user/pat/_password', { password: 'another-password' })).status).toBe(200);
    expect([await statusWith(p1), await statusWith(p2)]).toEqual([401, 401]);
    expect(await statusWith(await loggedIn('pat', 'another-password'))).toBe(200);

    await createUser('root', ['superuser']);
    const [mine, other] = [await loggedIn('root'), await loggedIn('root')];
    expect((await client.as(mine)('POST', '/api/security/user/root/_password', { password: 'root-password-2' })).status).toBe(200);
    expect([await statusWith(mine), await statusWith(other)]).toEqual([200, 401]);
    // A PUT with a password is a password change too.
    const third = await loggedIn('root', 'root-password-2');
    expect((await client.as(mine)('PUT', '/api/security/user/root', { password: 'root-password-3', roles: ['superuser'] })).status).toBe(200);
    expect([await statusWith(mine), await statusWith(third)]).toEqual([200, 401]);
  });

  it('answers a wrong password with 401 and no cookie', async () => {
    await createUser('wes');
    for (const attempt of [
      loginBody('wes', 'wrong-password'),
      loginBody('nobody', PASSWORD),
      { ...loginBody('wes', PASSWORD), providerType: 'saml' },
      { ...loginBody('wes', PASSWORD), providerName: 'cloud-basic' },
    ]) {
      const res = await pb.api('POST', '/internal/security/login', attempt, { headers: { authorization: '' } });
      expect([res.status, res.body]).toEqual([401, { statusCode: 401, error: 'Unauthorized', message: 'Unauthorized' }]);
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    const bad = await pb.api('POST', '/internal/security/login', { ...loginBody('wes', PASSWORD), extra: 1 }, { headers: { authorization: '' } });
    expect([bad.status, bad.body.message]).toEqual([400, '[request body.extra]: definition for this key is missing']);
  });

  it('is not fooled by a forged or malformed cookie', async () => {
    for (const cookie of ['sid=', 'sid=abc', `sid=${'A'.repeat(43)}`, 'other=1']) {
      const res = await pb.api('GET', '/api/actions/connectors', undefined, { headers: { authorization: '', cookie } });
      expect(res.status).toBe(401);
    }
  });
});

describe('where to go after login', () => {
  it("follows `next` only within this server, as Kibana's parseNextURL", () => {
    expect(nextURL('https://kibana.example/login')).toBe('/');
    expect(nextURL('/login?next=%2Fapp%2Fhome#/x')).toBe('/app/home#/x');
    for (const next of ['//evil.example/x', 'https://evil.example/', '/\\evil.example', 'javascript:alert(1)', 'http://plugboard.invalid/x']) {
      expect(nextURL(`https://kibana.example/login?next=${encodeURIComponent(next)}`)).toBe('/');
    }
    expect(nextURL('::not a url::')).toBe('/');
  });
});

describe('failed-login throttling', () => {
  let pb: TestPlugboard;
  /** A request with Basic credentials, from a client address (each test has its own). */
  const basicFrom = async (username: string, password: string, remoteAddress: string) => {
    const res = await pb.plugboard.app.inject({ method: 'GET', url: '/api/actions/connectors', headers: { authorization: basic(username, password) }, remoteAddress });
    return { status: res.statusCode, body: res.json(), retryAfter: res.headers['retry-after'], cookie: res.headers['set-cookie'] };
  };
  /** A login through the form, from a client address. */
  const loginFrom = async (username: string, password: string, remoteAddress: string) => {
    const res = await pb.plugboard.app.inject({
      method: 'POST',
      url: '/internal/security/login',
      headers: { 'kbn-xsrf': 'true' },
      payload: loginBody(username, password),
      remoteAddress,
    });
    return { status: res.statusCode, body: res.json(), retryAfter: res.headers['retry-after'], cookie: res.headers['set-cookie'] };
  };

  beforeAll(async () => {
    pb = await startTestPlugboard({
      settings: { 'plugboard.security.loginThrottle': { maxFailuresPerUser: 3, maxFailuresPerAddress: 6, window: '5m' } },
    });
    const users = new UsersRepository(pb.plugboard.database.db);
    const passwordHash = await hashPassword(PASSWORD);
    for (const username of ['tina', 'ursula', 'vic', 'burst', 'crowd']) await users.insertIfAbsent({ username, passwordHash, roles: ['viewer'], enabled: true });
  });
  afterAll(async () => pb.close());

  it('has sensible defaults', () => {
    expect(loadConfig({ settings: {} }).config.plugboard.security.loginThrottle).toEqual({ maxFailuresPerUser: 10, maxFailuresPerAddress: 50, window: 300_000 });
  });

  it('refuses a username after N failures with 429 and Retry-After, even with the right password', async () => {
    const address = '10.0.0.1';
    for (let i = 0; i < 3; i++) expect((await basicFrom('tina', `wrong-${i}`, address)).status).toBe(401);
    const refused = await basicFrom('tina', PASSWORD, address);
    expect(refused.status).toBe(429);
    expect(Number(refused.retryAfter)).toBeGreaterThan(290);
    expect(Number(refused.retryAfter)).toBeLessThanOrEqual(300);
    expect(refused.body).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      message: `Too many failed login attempts for "tina"; try again in ${refused.retryAfter} seconds`,
    });
    // The login form is throttled by the same counts, from any address.
    const login = await loginFrom('tina', PASSWORD, '10.0.0.2');
    expect([login.status, login.retryAfter, login.cookie]).toEqual([429, refused.retryAfter, undefined]);
    // Other users are not affected.
    expect((await basicFrom('vic', PASSWORD, address)).status).toBe(200);
  });

  it('clears a user\'s failures on success', async () => {
    const address = '10.0.1.1';
    for (let i = 0; i < 2; i++) expect((await loginFrom('ursula', 'wrong', address)).status).toBe(401);
    expect((await basicFrom('ursula', PASSWORD, address)).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await basicFrom('ursula', 'wrong', address)).status).toBe(401);
    expect((await loginFrom('ursula', PASSWORD, address)).status).toBe(200);
  });

  it('refuses a client address after N failures, whatever the username', async () => {
    const address = '10.1.2.3';
    for (let i = 0; i < 3; i++) expect((await basicFrom(`guess-${i}`, 'wrong', address)).status).toBe(401);
    for (let i = 3; i < 6; i++) expect((await loginFrom(`guess-${i}`, 'wrong', address)).status).toBe(401);
    const refused = await basicFrom('vic', PASSWORD, address);
    expect(refused.status).toBe(429);
    expect(Number(refused.retryAfter)).toBeGreaterThan(290);
    expect(refused.body.message).toBe(`Too many failed login attempts for "vic"; try again in ${refused.retryAfter} seconds`);
    expect((await loginFrom('vic', PASSWORD, address)).status).toBe(429);
    // The same user from elsewhere is fine.
    expect((await basicFrom('vic', PASSWORD, '10.9.9.9')).status).toBe(200);
    // Success does not clear the address's failures.
    expect((await basicFrom('vic', PASSWORD, address)).status).toBe(429);
  });

  it('counts checks in flight, so a burst of guesses gets no more than N checked', async () => {
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => basicFrom('burst', `guess-${i}`, '10.7.7.7')));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 401)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(9);
  });

  it('checks the same credentials sent in parallel once', async () => {
    const results = await Promise.all(Array.from({ length: 12 }, () => basicFrom('crowd', PASSWORD, '10.8.8.8')));
    expect(results.map((r) => r.status)).toEqual(Array(12).fill(200));
  });
});

describe('LoginThrottle window', () => {
  afterEach(() => vi.useRealTimers());

  it('lets a user try again once the oldest failure leaves the window', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const throttle = new LoginThrottle({ maxFailuresPerUser: 2, maxFailuresPerAddress: 100, window: 60_000 });
    const headers: Record<string, string> = {};
    const reply = { header: (name: string, value: string) => (headers[name] = value) };
    const fail = () => throttle.attempt(basic('u', 'x'), '1.1.1.1', reply, async () => undefined);
    await fail();
    vi.advanceTimersByTime(20_000);
    await fail();
    vi.advanceTimersByTime(10_000);
    await expect(fail()).rejects.toMatchObject({ statusCode: 429, message: 'Too many failed login attempts for "u"; try again in 30 seconds' });
    expect(headers['Retry-After']).toBe('30');
    vi.advanceTimersByTime(30_000);
    // One failure left the window: one more attempt is checked.
    await fail();
    await expect(fail()).rejects.toMatchObject({ statusCode: 429, message: 'Too many failed login attempts for "u"; try again in 20 seconds' });
    // Other schemes are not throttled.
    await expect(throttle.attempt('ApiKey abc', '1.1.1.1', reply, async () => undefined)).resolves.toBeUndefined();
  });
});

describe('session cookie over TLS', () => {
  it('is Secure when server.ssl.enabled is true', async () => {
    const fixtures = await createTlsFixtures();
    const pb = await startTestPlugboard({
      settings: { 'server.ssl.enabled': true, 'server.ssl.certificate': fixtures.server.certPath, 'server.ssl.key': fixtures.server.keyPath },
    });
    try {
      const res = await browser(pb).login('elastic', TEST_PASSWORD);
      expect(res.status).toBe(200);
      expect(String(res.headers['set-cookie'])).toMatch(/^sid=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Secure$/);
    } finally {
      await pb.close();
      await fixtures.cleanup();
    }
  }, 60_000);
});
