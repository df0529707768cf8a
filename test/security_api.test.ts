import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDialects } from './helpers/databases.js';
import { startTestPlugboard, TEST_PASSWORD, type ApiResponse, type TestPlugboard } from './helpers/plugboard.js';

const dialects = await availableDialects();

/** Elasticsearch's rule for user and role names, in its words. */
const nameRule = (kind: string) =>
  `${kind} names must be at least 1 and no more than 507 characters. They can contain alphanumeric characters (a-z, A-Z, 0-9), spaces, punctuation, and printable symbols in the Basic Latin (ASCII) block. Leading or trailing whitespace is not allowed.`;
const userNameRule = nameRule('User');
const roleNameRule = nameRule('Role');

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe.each(dialects)('users and roles API on %s', (dialect) => {
  let pb: TestPlugboard;
  /** Every answer of this suite, checked at the end for passwords and hashes. */
  const answers: ApiResponse[] = [];
  const passwords = new Set<string>([TEST_PASSWORD]);

  async function api(method: string, url: string, body?: unknown, as?: [string, string]): Promise<ApiResponse> {
    const res = await pb.api(method, url, body, as ? { headers: { authorization: basic(...as) } } : undefined);
    answers.push(res);
    return res;
  }
  async function createUser(username: string, password: string, roles: string[], extra: Record<string, unknown> = {}) {
    passwords.add(password);
    const res = await api('PUT', `/api/security/user/${username}`, { password, roles, ...extra });
    expect([res.status, res.body]).toEqual([200, { created: true }]);
  }
  /** The status a request to an authenticated route gets with these credentials. */
  const statusAs = async (username: string, password: string) => (await api('GET', '/api/spaces/space', undefined, [username, password])).status;

  beforeAll(async () => {
    pb = await startTestPlugboard({ dialect });
  });
  afterAll(async () => pb.close());

  it('creates, gets, lists, updates and deletes a user', async () => {
    await createUser('jacknich', 'l0ng-n0t-e4sy-p4ss', ['admin', 'other_role1'], {
      full_name: 'Jack Nicholson',
      email: 'jacknich@example.com',
      metadata: { intelligence: 7 },
    });
    const jack = {
      username: 'jacknich',
      roles: ['admin', 'other_role1'],
      full_name: 'Jack Nicholson',
      email: 'jacknich@example.com',
      metadata: { intelligence: 7 },
      enabled: true,
    };
    const got = await api('GET', '/api/security/user/jacknich');
    expect([got.status, got.body]).toEqual([200, { jacknich: jack }]);

    const list = await api('GET', '/api/security/user');
    expect(list.status).toBe(200);
    expect(Object.keys(list.body).sort()).toEqual(['elastic', 'jacknich']);
    expect(list.body.jacknich).toEqual(jack);
    expect(list.body.elastic).toEqual({ username: 'elastic', roles: ['superuser'], full_name: null, email: null, metadata: { _reserved: true }, enabled: true });

    // An update without a password keeps it and replaces the other fields, as in Elasticsearch.
    const updated = await api('PUT', '/api/security/user/jacknich', { roles: ['viewer'], email: 'jack@example.com' });
    expect([updated.status, updated.body]).toEqual([200, { created: false }]);
    expect((await api('GET', '/api/security/user/jacknich')).body.jacknich).toEqual({
      username: 'jacknich',
      roles: ['viewer'],
      full_name: null,
      email: 'jack@example.com',
      metadata: {},
      enabled: true,
    });
    expect(await statusAs('jacknich', 'l0ng-n0t-e4sy-p4ss')).toBe(200);

    const del = await api('DELETE', '/api/security/user/jacknich');
    expect([del.status, del.body]).toEqual([200, { found: true }]);
    expect(await statusAs('jacknich', 'l0ng-n0t-e4sy-p4ss')).toBe(401);
    const again = await api('DELETE', '/api/security/user/jacknich');
    expect([again.status, again.body]).toEqual([404, { found: false }]);
    const gone = await api('GET', '/api/security/user/jacknich');
    expect([gone.status, gone.body]).toEqual([404, { statusCode: 404, error: 'Not Found', message: 'user [jacknich] not found' }]);
  });

  it('stores only a scrypt hash of the password', async () => {
    await createUser('hashed', 'hashed-password', []);
    const row = await pb.plugboard.database.db.selectFrom('users').selectAll().where('username', '=', 'hashed').executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^scrypt\$/);
    expect(JSON.stringify(row)).not.toContain('hashed-password');
  });

  it('applies a password change at once: the old password fails, the new one works', async () => {
    await createUser('changer', 'first-password', ['viewer']);
    // Authenticated once, so that the credentials are cached.
    expect(await statusAs('changer', 'first-password')).toBe(200);
    passwords.add('second-password');
    const changed = await api('POST', '/api/security/user/changer/_password', { password: 'second-password' });
    expect([changed.status, changed.body]).toEqual([200, {}]);
    expect(await statusAs('changer', 'first-password')).toBe(401);
    expect(await statusAs('changer', 'second-password')).toBe(200);

    // A PUT with a password changes it just as well.
    passwords.add('third-password');
    expect((await api('PUT', '/api/security/user/changer', { password: 'third-password', roles: ['viewer'] })).body).toEqual({ created: false });
    expect(await statusAs('changer', 'second-password')).toBe(401);
    expect(await statusAs('changer', 'third-password')).toBe(200);

    const unknown = await api('POST', '/api/security/user/nobody/_password', { password: 'whatever' });
    expect([unknown.status, unknown.body.message]).toEqual([404, 'user [nobody] not found']);
  });

  it('applies a change of roles at once', async () => {
    await createUser('promoted', 'promoted-password', ['viewer']);
    expect((await api('GET', '/api/security/user', undefined, ['promoted', 'promoted-password'])).status).toBe(403);
    await api('PUT', '/api/security/user/promoted', { roles: ['superuser'] });
    expect((await api('GET', '/api/security/user', undefined, ['promoted', 'promoted-password'])).status).toBe(200);
  });

  it('disables and enables a user at once', async () => {
    await createUser('switch', 'switch-password', ['viewer']);
    expect(await statusAs('switch', 'switch-password')).toBe(200);
    const disabled = await api('POST', '/api/security/user/switch/_disable');
    expect([disabled.status, disabled.body]).toEqual([200, {}]);
    expect(await statusAs('switch', 'switch-password')).toBe(401);
    expect((await api('GET', '/api/security/user/switch')).body.switch.enabled).toBe(false);
    expect((await api('POST', '/api/security/user/switch/_enable')).status).toBe(200);
    expect(await statusAs('switch', 'switch-password')).toBe(200);

    // A user created disabled cannot authenticate either.
    await createUser('dormant', 'dormant-password', ['viewer'], { enabled: false });
    expect(await statusAs('dormant', 'dormant-password')).toBe(401);
    expect((await api('POST', '/api/security/user/nobody/_disable')).status).toBe(404);
  });

  it('keeps the elastic user: it cannot be deleted, disabled or redefined', async () => {
    const del = await api('DELETE', '/api/security/user/elastic');
    expect([del.status, del.body]).toEqual([400, { statusCode: 400, error: 'Bad Request', message: 'user [elastic] is reserved and cannot be deleted' }]);
    const disable = await api('POST', '/api/security/user/elastic/_disable');
    expect([disable.status, disable.body.message]).toEqual([400, 'user [elastic] is the bootstrap superuser and cannot be disabled']);
    const put = await api('PUT', '/api/security/user/elastic', { roles: [], enabled: false });
    expect([put.status, put.body.message]).toEqual([400, 'user [elastic] is reserved and only the password can be changed']);
    expect((await api('GET', '/api/security/user/elastic')).body.elastic).toMatchObject({ roles: ['superuser'], enabled: true });
    expect(await statusAs('elastic', TEST_PASSWORD)).toBe(200);
  });

  it('lets nobody change the enabled state of their own account', async () => {
    await createUser('admin2', 'admin2-password', ['superuser']);
    const res = await api('POST', '/api/security/user/admin2/_disable', undefined, ['admin2', 'admin2-password']);
    expect([res.status, res.body.message]).toEqual([400, 'users may not update the enabled status of their own account']);
  });

  it('accepts unknown roles, which grant nothing', async () => {
    await createUser('ghost', 'ghost-password', ['no-such-role']);
    expect((await api('GET', '/api/security/user/ghost')).body.ghost.roles).toEqual(['no-such-role']);
    expect((await api('GET', '/api/security/role', undefined, ['ghost', 'ghost-password'])).status).toBe(403);
  });

  it('validates user input, naming the field', async () => {
    const cases: Array<[string, string, unknown, string]> = [
      ['PUT', '/api/security/user/newbie', { roles: [] }, '[request body.password]: a password is required to create a user'],
      ['PUT', '/api/security/user/newbie', { password: 'short', roles: [] }, '[request body.password]: value has length [5] but it must have a minimum length of [6].'],
      ['PUT', '/api/security/user/newbie', { password: 'long-enough' }, '[request body.roles]: expected value of type [array] but got [undefined]'],
      ['PUT', '/api/security/user/newbie', { password: 'long-enough', roles: [], colour: 'red' }, '[request body.colour]: definition for this key is missing'],
      ['PUT', '/api/security/user/newbie', { password: 'long-enough', roles: [], metadata: { _secret: 1 } }, '[request body.metadata._secret]: metadata keys may not start with [_]'],
      ['PUT', '/api/security/user/newbie', { password: 'long-enough', roles: [], enabled: 'yes' }, '[request body.enabled]: expected value of type [boolean] but got [string]'],
      ['PUT', '/api/security/user/a%3Ab', { password: 'long-enough', roles: [] }, "[request params.username]: must not contain ':', which Basic credentials cannot carry"],
      ['PUT', '/api/security/user/a%00b', { password: 'long-enough', roles: [] }, '[request params.username]: must not contain the NUL character (\\u0000)'],
      ...['u'.repeat(508), 'a%0D%0Ab', 'a%0Ab', 'a%09b', '%20lead', 'trail%20', 'caf%C3%A9'].map(
        (name): [string, string, unknown, string] => ['PUT', `/api/security/user/${name}`, { password: 'long-enough', roles: [] }, `[request params.username]: ${userNameRule}`],
      ),
      ['POST', '/api/security/user/elastic/_password', { password: '12345' }, '[request body.password]: value has length [5] but it must have a minimum length of [6].'],
      ['POST', '/api/security/user/elastic/_password', {}, '[request body.password]: expected value of type [string] but got [undefined]'],
    ];
    for (const [method, url, body, message] of cases) {
      const res = await api(method, url, body);
      expect([res.status, res.body.message], `${method} ${url} ${JSON.stringify(body)}`).toEqual([400, message]);
    }
    expect((await api('GET', '/api/security/user/newbie')).status).toBe(404);
    expect(Object.keys((await api('GET', '/api/security/user')).body)).not.toContain('caf\u00e9');
    // The edges of the rule are accepted.
    for (const name of ['z', 'u'.repeat(507), 'with inner  spaces', '!"#$%&\'()*+,-./;<=>?@[\\]^_`{|}~']) {
      const res = await api('PUT', `/api/security/user/${encodeURIComponent(name)}`, { password: 'long-enough', roles: [] });
      expect([res.status, res.body], name).toEqual([200, { created: true }]);
      expect(Object.keys((await api('GET', `/api/security/user/${encodeURIComponent(name)}`)).body)).toEqual([name]);
    }
  });

  const marketingRole = {
    description: 'Reads connectors in marketing',
    elasticsearch: { cluster: ['monitor'], indices: [{ names: ['logs-*'], privileges: ['read'] }] },
    kibana: [{ base: [], feature: { actions: ['read'] }, spaces: ['marketing'] }],
    metadata: { version: 1 },
  };

  it("creates, gets, lists, updates and deletes a role in Kibana's shapes", async () => {
    const put = await api('PUT', '/api/security/role/marketing_reader', marketingRole);
    expect(put.status).toBe(204);
    expect(put.text).toBe('');
    const expected = {
      name: 'marketing_reader',
      description: 'Reads connectors in marketing',
      metadata: { version: 1 },
      transient_metadata: { enabled: true },
      elasticsearch: { cluster: ['monitor'], indices: [{ names: ['logs-*'], privileges: ['read'] }], run_as: [] },
      kibana: [{ base: [], feature: { actions: ['read'] }, spaces: ['marketing'] }],
      _transform_error: [],
      _unrecognized_applications: [],
    };
    const got = await api('GET', '/api/security/role/marketing_reader');
    expect([got.status, got.body]).toEqual([200, expected]);

    const list = await api('GET', '/api/security/role');
    expect(list.status).toBe(200);
    const names = list.body.map((r: { name: string }) => r.name);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(['marketing_reader', 'superuser', 'viewer']));
    expect(list.body.find((r: { name: string }) => r.name === 'marketing_reader')).toEqual(expected);

    // PUT replaces the role; omitted parts take their defaults.
    expect((await api('PUT', '/api/security/role/marketing_reader', { kibana: [{ base: ['all'], spaces: ['*'] }] })).status).toBe(204);
    expect((await api('GET', '/api/security/role/marketing_reader')).body).toEqual({
      name: 'marketing_reader',
      metadata: {},
      transient_metadata: { enabled: true },
      elasticsearch: { cluster: [], indices: [], run_as: [] },
      kibana: [{ base: ['all'], feature: {}, spaces: ['*'] }],
      _transform_error: [],
      _unrecognized_applications: [],
    });

    expect((await api('DELETE', '/api/security/role/marketing_reader')).status).toBe(204);
    const gone = await api('GET', '/api/security/role/marketing_reader');
    expect([gone.status, gone.body.message]).toEqual([404, 'role [marketing_reader] not found']);
    const again = await api('DELETE', '/api/security/role/marketing_reader');
    expect([again.status, again.body]).toEqual([404, { statusCode: 404, error: 'Not Found', message: 'role [marketing_reader] not found' }]);
  });

  it('lists the built-in roles as reserved and refuses to change or delete them', async () => {
    const superuser = await api('GET', '/api/security/role/superuser');
    expect(superuser.body).toMatchObject({
      name: 'superuser',
      metadata: { _reserved: true },
      transient_metadata: { enabled: true },
      kibana: [{ base: ['all'], feature: {}, spaces: ['*'] }],
    });
    const viewer = await api('GET', '/api/security/role/viewer');
    expect(viewer.body).toMatchObject({ name: 'viewer', metadata: { _reserved: true }, elasticsearch: { cluster: [], indices: [], run_as: [] } });
    for (const name of ['superuser', 'viewer']) {
      const put = await api('PUT', `/api/security/role/${name}`, { kibana: [] });
      expect([put.status, put.body.message]).toEqual([400, `role [${name}] is reserved and cannot be modified`]);
      const del = await api('DELETE', `/api/security/role/${name}`);
      expect([del.status, del.body.message]).toEqual([400, `role [${name}] is reserved and cannot be deleted`]);
    }
    // Names of Object.prototype's members are neither built-in roles nor reserved.
    expect((await api('GET', '/api/security/role/toString')).status).toBe(404);
    expect((await api('PUT', '/api/security/role/constructor', { kibana: [] })).status).toBe(204);
    expect((await api('DELETE', '/api/security/role/constructor')).status).toBe(204);
  });

  it('validates role input, naming the field', async () => {
    const cases: Array<[unknown, string]> = [
      [{ kibana: [{ base: ['write'], spaces: ['*'] }] }, '[request body.kibana.0.base.0]: expected value to equal [all | read]'],
      [{ kibana: [{ base: [] }] }, '[request body.kibana.0.spaces]: expected value of type [array] but got [undefined]'],
      [{ kibana: [{ base: ['read'], spaces: [] }] }, '[request body.kibana.0.spaces]: array size is [0], but cannot be smaller than [1]'],
      [{ kibana: [{ base: ['read'], spaces: ['*', 'default'] }] }, '[request body.kibana.0.spaces]: must be ["*"] alone or a list of space ids'],
      [{ kibana: [{ base: ['read'], spaces: ['Not A Space'] }] }, "[request body.kibana.0.spaces.0]: must be lower case, a-z, 0-9, '_', and '-' are allowed"],
      [{ kibana: [{ feature: { actions: ['write'] }, spaces: ['*'] }] }, '[request body.kibana.0.feature.actions.0]: expected value to equal [all | read | minimal_all | minimal_read | endpoint_security_execute]'],
      [{ kibana: [{ base: [], spaces: ['*'], extra: true }] }, '[request body.kibana.0.extra]: definition for this key is missing'],
      [{ kibana: 'all' }, '[request body.kibana]: expected value of type [array] but got [string]'],
      [{ elasticsearch: { indices: [{ names: [], privileges: ['read'] }] } }, '[request body.elasticsearch.indices.0.names]: array size is [0], but cannot be smaller than [1]'],
      [{ elasticsearch: { clusters: ['all'] } }, '[request body.elasticsearch.clusters]: definition for this key is missing'],
      [{ metadata: { _reserved: true } }, '[request body.metadata._reserved]: metadata keys may not start with [_]'],
    ];
    for (const [body, message] of cases) {
      const res = await api('PUT', '/api/security/role/bad_role', body);
      expect([res.status, res.body.message], JSON.stringify(body)).toEqual([400, message]);
    }
    expect((await api('GET', '/api/security/role/bad_role')).status).toBe(404);
  });

  it("refuses role names and descriptions that Elasticsearch refuses, in its words, and stores nothing", async () => {
    const before = (await api('GET', '/api/security/role')).body.length;
    const cases: Array<[string, unknown, string]> = [
      ...['r'.repeat(508), 'a%0D%0Ab', 'a%0Ab', 'a%09b', '%20lead', 'trail%20', 'caf%C3%A9'].map(
        (name): [string, unknown, string] => [name, {}, `[request params.name]: ${roleNameRule}`],
      ),
      ['a%00b', {}, '[request params.name]: must not contain the NUL character (\\u0000)'],
      ['long_description', { description: 'd'.repeat(1001) }, '[request body.description]: Role description must be less than 1000 characters.'],
    ];
    for (const [name, body, message] of cases) {
      const res = await api('PUT', `/api/security/role/${name}`, body);
      expect([res.status, res.body], name).toEqual([400, { statusCode: 400, error: 'Bad Request', message }]);
    }
    expect((await api('GET', '/api/security/role')).body.length).toBe(before);
    // The edges of the rules are accepted.
    for (const name of ['z', 'r'.repeat(507), 'with inner  spaces', '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~']) {
      const res = await api('PUT', `/api/security/role/${encodeURIComponent(name)}`, { description: 'd'.repeat(1000) });
      expect(res.status, name).toBe(204);
      expect((await api('GET', `/api/security/role/${encodeURIComponent(name)}`)).body).toMatchObject({ name, description: 'd'.repeat(1000) });
    }
  });

  it('still reads and deletes a role stored before the name rules', async () => {
    const name = 'legacy\tcaf\u00e9 ';
    await pb.plugboard.database.db
      .insertInto('roles')
      .values({ name, description: null, kibana: '[]', elasticsearch: '{}', metadata: '{}', created_at: 1, updated_at: 1 })
      .execute();
    expect((await api('GET', `/api/security/role/${encodeURIComponent(name)}`)).body).toMatchObject({ name });
    expect((await api('DELETE', `/api/security/role/${encodeURIComponent(name)}`)).status).toBe(204);
    expect((await api('GET', `/api/security/role/${encodeURIComponent(name)}`)).status).toBe(404);
  });

  it('answers 403 to a user without the superuser role on every security route', async () => {
    await createUser('reader', 'reader-password', ['viewer']);
    await api('PUT', '/api/security/role/some_role', { kibana: [] });
    const as: [string, string] = ['reader', 'reader-password'];
    const user = { password: 'long-enough', roles: ['superuser'] };
    const requests: Array<[string, string, unknown, string]> = [
      ['GET', '/api/security/user', undefined, 'users'],
      ['GET', '/api/security/user/elastic', undefined, 'users'],
      ['PUT', '/api/security/user/reader', user, 'users'],
      ['PUT', '/api/security/user/intruder', user, 'users'],
      ['DELETE', '/api/security/user/elastic', undefined, 'users'],
      ['POST', '/api/security/user/elastic/_password', { password: 'hijacked' }, 'users'],
      ['POST', '/api/security/user/elastic/_disable', undefined, 'users'],
      ['POST', '/api/security/user/reader/_enable', undefined, 'users'],
      ['GET', '/api/security/role', undefined, 'roles'],
      ['GET', '/api/security/role/some_role', undefined, 'roles'],
      ['PUT', '/api/security/role/some_role', { kibana: [{ base: ['all'], spaces: ['*'] }] }, 'roles'],
      ['DELETE', '/api/security/role/some_role', undefined, 'roles'],
    ];
    for (const prefix of ['', '/s/default']) {
      for (const [method, url, body, resource] of requests) {
        const res = await api(method, `${prefix}${url}`, body, as);
        expect([res.status, res.body], `${method} ${prefix}${url}`).toEqual([
          403,
          { statusCode: 403, error: 'Forbidden', message: `Unauthorized to manage ${resource}` },
        ]);
      }
    }
    // Nothing changed.
    expect((await api('GET', '/api/security/user/intruder')).status).toBe(404);
    expect((await api('GET', '/api/security/user/reader')).body.reader.roles).toEqual(['viewer']);
    expect((await api('GET', '/api/security/role/some_role')).status).toBe(200);
    expect(await statusAs('elastic', TEST_PASSWORD)).toBe(200);
    // Without credentials: 401, as everywhere.
    const anonymous = await pb.api('GET', '/api/security/user', undefined, { headers: { authorization: '' } });
    expect(anonymous.status).toBe(401);
  });

  it('serves the same global users and roles under a space prefix', async () => {
    await api('POST', '/api/spaces/space', { id: 'team', name: 'Team' });
    const res = await api('PUT', '/s/team/api/security/user/spaced', { password: 'spaced-password', roles: ['viewer'] });
    passwords.add('spaced-password');
    expect([res.status, res.body]).toEqual([200, { created: true }]);
    expect((await api('GET', '/api/security/user/spaced')).status).toBe(200);
    expect((await api('PUT', '/s/team/api/security/role/team_role', { kibana: [{ base: ['read'], spaces: ['team'] }] })).status).toBe(204);
    expect((await api('GET', '/api/security/role/team_role')).body.kibana).toEqual([{ base: ['read'], feature: {}, spaces: ['team'] }]);
    expect((await api('GET', '/s/nowhere/api/security/user')).status).toBe(404);
  });

  it('never answers with a password or a password hash', () => {
    expect(answers.length).toBeGreaterThan(50);
    for (const res of answers) {
      expect(res.text).not.toMatch(/scrypt|password_hash|passwordHash/i);
      for (const password of passwords) expect(res.text).not.toContain(password);
    }
  });
});
