import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresAvailable } from './helpers/databases.js';
import { startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';

// Two instances on one database: a change made through one applies at once on the other,
// although the other has the old credentials in its cache. Only PostgreSQL is shared by
// several instances (a SQLite data directory takes one server).
const dialect = 'postgres';

describe.runIf(await postgresAvailable())('security changes across instances on postgres', () => {
  let a: TestPlugboard;
  let b: TestPlugboard;
  const basic = (user: string, password: string) => ({ headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` } });
  const listOn = (pb: TestPlugboard, auth: { headers: Record<string, string> }) => pb.api('GET', '/api/actions/connectors', undefined, auth);

  beforeAll(async () => {
    a = await startTestPlugboard({ dialect });
    b = await startTestPlugboard({ dialect, dataDir: a.dataDir, databaseUrl: a.databaseUrl, runTasks: false });
    await a.api('PUT', '/api/security/role/reader', { kibana: [{ base: [], feature: { actions: ['read'] }, spaces: ['*'] }] });
    await a.api('PUT', '/api/security/user/bob', { password: 'first-password', roles: ['reader'] });
  });
  afterAll(async () => {
    await b?.plugboard.close();
    await a?.close();
  });

  it('applies password changes, role changes, disabling and key invalidation at once', async () => {
    expect((await listOn(b, basic('bob', 'first-password'))).status).toBe(200);

    await a.api('POST', '/api/security/user/bob/_password', { password: 'second-password' });
    expect((await listOn(b, basic('bob', 'first-password'))).status).toBe(401);
    expect((await listOn(b, basic('bob', 'second-password'))).status).toBe(200);

    await a.api('PUT', '/api/security/user/bob', { roles: [] });
    expect((await listOn(b, basic('bob', 'second-password'))).status).toBe(403);
    await a.api('PUT', '/api/security/user/bob', { roles: ['reader'] });
    expect((await listOn(b, basic('bob', 'second-password'))).status).toBe(200);

    const key = await a.api('POST', '/api/security/api_key', { name: 'bob-key' }, basic('bob', 'second-password'));
    const withKey = { headers: { authorization: `ApiKey ${key.body.encoded}` } };
    expect((await listOn(b, withKey)).status).toBe(200);
    await a.api('DELETE', '/api/security/api_key', { ids: [key.body.id] });
    expect((await listOn(b, withKey)).status).toBe(401);

    await a.api('POST', '/api/security/user/bob/_disable');
    expect((await listOn(b, basic('bob', 'second-password'))).status).toBe(401);
  });
});
