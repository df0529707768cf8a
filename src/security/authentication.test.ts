import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDatabase, type PlugboardDatabase } from '../storage/database.js';
import { UsersRepository } from '../storage/users_repository.js';
import { Authenticator, ensureBootstrapUser, parseAuthorization } from './authentication.js';
import { hashPassword } from './passwords.js';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('parseAuthorization', () => {
  const b64 = (text: string) => Buffer.from(text).toString('base64');

  it('reads both schemes in any case, with or without base64 padding', () => {
    expect(parseAuthorization(`ApiKey ${b64('id:key')}`)).toEqual({ scheme: 'apikey', name: 'id', secret: 'key' });
    expect(parseAuthorization(`BASIC ${b64('user:pa:ss')}`)).toEqual({ scheme: 'basic', name: 'user', secret: 'pa:ss' });
    expect(b64('id:ke')).toMatch(/=$/);
    expect(parseAuthorization(`ApiKey ${b64('id:ke').replace(/=+$/, '')}`)).toEqual({ scheme: 'apikey', name: 'id', secret: 'ke' });
  });

  it('refuses what is not exactly base64 of two non-empty parts', () => {
    const good = b64('id:ke');
    for (const header of [
      `ApiKey ${good}x`,
      `ApiKey ${good}=`,
      `ApiKey ${good} x`,
      `ApiKey  ${good}`,
      `ApiKey\t${good}`,
      `ApiKey ${good.slice(0, 2)} ${good.slice(2)}`,
      `ApiKey ${good.replace('6', '*')}`,
      `ApiKey ${b64('id:k>?').replace('/', '_')}`,
      `ApiKey ${good.slice(0, 5)}`,
      `ApiKey ${b64('idkey')}`,
      `ApiKey ${b64(':key')}`,
      `ApiKey ${b64('id:')}`,
      `ApiKey ${b64('i\0d:key')}`,
      `Basic ${b64('\0:\0')}`,
      `Basic ${b64('user:pa\0ss')}`,
      'ApiKey ',
      `Bearer ${good}`,
    ]) {
      expect(parseAuthorization(header), header).toBeUndefined();
    }
  });
});

describe('Authenticator', () => {
  let dir: string;
  let database: PlugboardDatabase;
  let users: UsersRepository;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'plugboard-auth-'));
    database = await openDatabase({ dataDir: dir });
    users = new UsersRepository(database.db);
    await ensureBootstrapUser(users, 'first-password', pino({ level: 'silent' }));
  });
  afterAll(async () => {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('accepts the right password and refuses wrong or malformed credentials', async () => {
    const auth = new Authenticator(users);
    expect(await auth.authenticate(basic('elastic', 'first-password'))).toMatchObject({ username: 'elastic', roles: ['superuser'] });
    expect(await auth.authenticate(basic('elastic', 'nope'))).toBeUndefined();
    expect(await auth.authenticate(basic('nobody', 'first-password'))).toBeUndefined();
    expect(await auth.authenticate('Bearer abc')).toBeUndefined();
    expect(await auth.authenticate(`Basic ${Buffer.from('no-colon').toString('base64')}`)).toBeUndefined();
    expect(await auth.authenticate(undefined)).toBeUndefined();
  });

  it('checks a burst of requests with new credentials only once', async () => {
    const auth = new Authenticator(users);
    const lookups = vi.spyOn(users, 'get');
    const results = await Promise.all(Array.from({ length: 20 }, () => auth.authenticate(basic('elastic', 'first-password'))));
    expect(results.every((p) => p?.username === 'elastic')).toBe(true);
    expect(lookups).toHaveBeenCalledTimes(1);
    lookups.mockRestore();
  });

  it('stores only a salted hash, and applies a newly configured password on start', async () => {
    const stored = await users.get('elastic');
    expect(stored?.passwordHash).toMatch(/^scrypt\$/);
    expect(stored?.passwordHash).not.toContain('first-password');
    await ensureBootstrapUser(users, 'second-password', pino({ level: 'silent' }));
    const auth = new Authenticator(users);
    expect(await auth.authenticate(basic('elastic', 'first-password'))).toBeUndefined();
    expect(await auth.authenticate(basic('elastic', 'second-password'))).toMatchObject({ username: 'elastic' });
  });

  it('forgets a user at once, and does not cache a check that read the row before the change', async () => {
    const auth = new Authenticator(users);
    const old = basic('elastic', 'second-password');
    expect(await auth.authenticate(old)).toMatchObject({ username: 'elastic' });
    // A check under way has read the old row when the password changes.
    const realGet = users.get.bind(users);
    let fetched!: () => void;
    const rowRead = new Promise<void>((resolve) => (fetched = resolve));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const lookups = vi.spyOn(users, 'get').mockImplementationOnce(async (name) => {
      const row = await realGet(name);
      fetched();
      await gate;
      return row;
    });
    auth.forgetUser('elastic');
    const inFlight = auth.authenticate(old);
    await rowRead;
    await users.setPasswordHash('elastic', await hashPassword('third-password'));
    auth.forgetUser('elastic');
    release();
    expect(await inFlight).toMatchObject({ username: 'elastic' });
    lookups.mockRestore();
    expect(await auth.authenticate(old)).toBeUndefined();
    expect(await auth.authenticate(basic('elastic', 'third-password'))).toMatchObject({ username: 'elastic' });
  });
});
