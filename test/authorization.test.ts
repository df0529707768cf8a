import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../src/security/passwords.js';
import { RolesRepository } from '../src/storage/roles_repository.js';
import { UsersRepository } from '../src/storage/users_repository.js';
import { availableDialects } from './helpers/databases.js';
import { startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';

const dialects = await availableDialects();

// Per-space connector privileges from roles in Kibana's format (reference §6).

const PASSWORD = 'a-test-password';
const basic = (username: string) => `Basic ${Buffer.from(`${username}:${PASSWORD}`).toString('base64')}`;

describe.each(dialects)('connector authorization on %s', (dialect) => {
  let pb: TestPlugboard;
  const as = (username: string) => (method: string, url: string, body?: unknown) => pb.api(method, url, body, { headers: { authorization: basic(username) } });

  beforeAll(async () => {
    pb = await startTestPlugboard({ dialect });
    const roles = new RolesRepository(pb.plugboard.database.db);
    const users = new UsersRepository(pb.plugboard.database.db);
    await roles.put({ name: 'connectors-read', kibana: [{ base: [], feature: { actions: ['read'] }, spaces: ['*'] }], elasticsearch: {}, metadata: {} });
    await roles.put({ name: 'space-a-admin', kibana: [{ base: [], feature: { actions: ['all'] }, spaces: ['a'] }], elasticsearch: {}, metadata: {} });
    await roles.put({ name: 'other-feature', kibana: [{ base: [], feature: { dashboards: ['all'] }, spaces: ['*'] }], elasticsearch: {}, metadata: {} });
    const passwordHash = await hashPassword(PASSWORD);
    for (const [username, userRoles] of [
      ['reader', ['connectors-read']],
      ['admin-a', ['space-a-admin']],
      ['looker', ['viewer']],
      ['dashboards-only', ['other-feature', 'no-such-role']],
    ] as const) {
      await users.insertIfAbsent({ username, passwordHash, roles: [...userRoles], enabled: true });
    }
    for (const id of ['a', 'b']) expect((await pb.api('POST', '/api/spaces/space', { id, name: id.toUpperCase() })).status).toBe(200);
    // Connector ids are unique across spaces, as Kibana's.
    for (const [space, id] of [['', 'log'], ['/s/a', 'log-a'], ['/s/b', 'log-b']]) {
      const created = await pb.api('POST', `${space}/api/actions/connector/${id}`, { name: 'Log', connector_type_id: '.server-log', config: {}, secrets: {} });
      expect(created.status).toBe(200);
    }
  });
  afterAll(async () => pb.close());

  it('lets a read user list, get, run, queue and read the history, and refuses create, update and delete', async () => {
    for (const user of ['reader', 'looker']) {
      const api = as(user);
      expect((await api('GET', '/api/actions/connectors')).status).toBe(200);
      expect((await api('GET', '/api/actions/connector/log')).status).toBe(200);
      expect((await api('POST', '/api/actions/connector/log/_execute', { params: { message: 'hi' } })).body).toMatchObject({ status: 'ok' });
      expect((await api('POST', '/api/actions/connector/log/_enqueue', { params: { message: 'hi' } })).status).toBe(202);
      expect((await api('POST', '/api/actions/connector/log/_render', { params: { message: '{{a}}' }, variables: { a: 1 } })).status).toBe(200);
      expect((await api('POST', '/internal/actions/_global_connector_execution_logs', { date_start: 'now-1h' })).status).toBe(200);

      const create = await api('POST', '/api/actions/connector', { name: 'x', connector_type_id: '.server-log', config: {}, secrets: {} });
      expect(create.status).toBe(403);
      expect(create.body).toEqual({ statusCode: 403, error: 'Forbidden', message: 'Unauthorized to create a ".server-log" action' });
      expect((await api('PUT', '/api/actions/connector/log', { name: 'renamed', config: {}, secrets: {} })).body.message).toBe('Unauthorized to update actions');
      expect((await api('DELETE', '/api/actions/connector/log')).body.message).toBe('Unauthorized to delete actions');
      expect((await api('POST', '/api/actions/connector/_test', { connector_type_id: '.server-log', params: { message: 'x' } })).status).toBe(403);
    }
    // Nothing was changed.
    expect((await pb.api('GET', '/api/actions/connector/log')).body.name).toBe('Log');
  });

  it('keeps a user with privileges in space a out of space b', async () => {
    const api = as('admin-a');
    expect((await api('POST', '/s/a/api/actions/connector/mine', { name: 'Mine', connector_type_id: '.server-log', config: {}, secrets: {} })).status).toBe(200);
    expect((await api('PUT', '/s/a/api/actions/connector/mine', { name: 'Mine 2', config: {}, secrets: {} })).status).toBe(200);
    expect((await api('GET', '/s/a/api/actions/connectors')).body.map((c: { id: string }) => c.id).sort()).toEqual(['log-a', 'mine']);

    const list = await api('GET', '/s/b/api/actions/connectors');
    expect(list.status).toBe(403);
    expect(list.body.message).toBe('Unauthorized to get actions');
    expect((await api('GET', '/s/b/api/actions/connector/log-b')).status).toBe(403);
    expect((await api('POST', '/s/b/api/actions/connector/log-b/_execute', { params: { message: 'x' } })).body.message).toBe('Unauthorized to execute a ".server-log" action');
    expect((await api('DELETE', '/s/b/api/actions/connector/log-b')).status).toBe(403);
    expect((await api('POST', '/s/b/api/actions/connector', { name: 'x', connector_type_id: '.server-log', config: {}, secrets: {} })).status).toBe(403);
    // The default space is another space.
    expect((await api('GET', '/api/actions/connectors')).status).toBe(403);
    expect((await pb.api('GET', '/s/b/api/actions/connector/log-b')).body.name).toBe('Log');
  });

  it('shows a user only the spaces it has privileges in, and leaves managing spaces to admins of every space', async () => {
    expect((await as('admin-a')('GET', '/api/spaces/space')).body.map((sp: { id: string }) => sp.id)).toEqual(['a']);
    expect((await as('looker')('GET', '/api/spaces/space')).body.map((sp: { id: string }) => sp.id).sort()).toEqual(['a', 'b', 'default']);
    const hidden = await as('admin-a')('GET', '/api/spaces/space/b');
    expect(hidden.status).toBe(403);
    expect(hidden.body.message).toBe('Unauthorized to get b space');
    expect((await as('admin-a')('GET', '/api/spaces/space/a')).status).toBe(200);
    for (const [method, url, body, verb] of [
      ['POST', '/api/spaces/space', { id: 'c', name: 'C' }, 'create'],
      ['PUT', '/api/spaces/space/a', { id: 'a', name: 'Renamed' }, 'update'],
      ['DELETE', '/api/spaces/space/b', undefined, 'delete'],
    ] as const) {
      for (const user of ['admin-a', 'looker']) {
        const res = await as(user)(method, url, body);
        expect(res.status).toBe(403);
        expect(res.body.message).toBe(`Unauthorized to ${verb} spaces`);
      }
    }
    expect((await pb.api('GET', '/api/spaces/space/b')).status).toBe(200);
  });

  it('grants nothing through other features or unknown roles, but connector types need no privilege', async () => {
    const api = as('dashboards-only');
    expect((await api('GET', '/api/actions/connectors')).status).toBe(403);
    expect((await api('POST', '/api/actions/connector/log/_enqueue', { params: { message: 'x' } })).body.message).toBe('Unauthorized to execute actions');
    const types = await api('GET', '/api/actions/connector_types');
    expect(types.status).toBe(200);
    expect(types.body.length).toBeGreaterThan(0);
  });
});
