import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { rotateEncryptionKey } from '../src/cli/rotate.js';
import { ConfigError, loadConfig } from '../src/config/load.js';
import { SecretsCipher, bindingOf } from '../src/crypto/secrets_cipher.js';
import { ConnectorsRepository } from '../src/storage/connectors_repository.js';
import { killAllChildServers, startChildServer } from './helpers/child_server.js';
import { availableDialects, createPostgresSchema, type DialectName, type TestSchema } from './helpers/databases.js';
import { captureLogger } from './helpers/logs.js';
import { startTestPlugboard, TEST_ENCRYPTION_KEY, type TestPlugboard } from './helpers/plugboard.js';
import { secretEchoType } from './helpers/test_types.js';
import { eventually } from './helpers/wait.js';

// A key check stored with the data: an instance whose keys cannot read it refuses to start,
// instead of failing every action it claims; an action whose secrets need a key this instance
// lacks is left for an instance that has it.

const dialects = await availableDialects();
const OTHER_KEY = 'another-encryption-key-of-32-characters-or-more';
const SECRET = 'key-check-secret-token-4d1c';
const REFUSAL = /^xpack\.encryptedSavedObjects\.encryptionKey cannot decrypt the connector secrets stored in this database, nor can any key in xpack\.encryptedSavedObjects\.keyRotation\.decryptionOnlyKeys/;

describe.each(dialects)('encryption key check on %s', (dialect) => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await killAllChildServers();
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** A data directory and (on PostgreSQL) a schema that several instances share. */
  async function sharedData(): Promise<{ dataDir: string; databaseUrl?: string }> {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'plugboard-keycheck-'));
    const schema: TestSchema | undefined = dialect === 'postgres' ? await createPostgresSchema() : undefined;
    cleanups.push(async () => {
      await schema?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    });
    return { dataDir, databaseUrl: schema?.url };
  }

  async function start(where: { dataDir: string; databaseUrl?: string }, opts: Parameters<typeof startTestPlugboard>[0] = {}): Promise<TestPlugboard> {
    const pb = await startTestPlugboard({ dialect: dialect as DialectName, extraConnectorTypes: [secretEchoType], ...where, ...opts });
    cleanups.push(() => pb.plugboard.close());
    return pb;
  }

  const withKey = (key: string, decryptionOnlyKeys: string[] = []) => ({
    'xpack.encryptedSavedObjects.encryptionKey': key,
    'xpack.encryptedSavedObjects.keyRotation.decryptionOnlyKeys': decryptionOnlyKeys,
  });

  it(
    'a server started with another key exits 78 naming decryptionOnlyKeys, while the first keeps its work',
    async () => {
      const where = await sharedData();
      const configFile = (key: string) => {
        const file = path.join(where.dataDir, `${key.slice(0, 8)}.yml`);
        writeFileSync(file, `xpack.encryptedSavedObjects.encryptionKey: ${key}\nlogging.root.level: warn\n`);
        return file;
      };
      const env: Record<string, string> = where.databaseUrl ? { PLUGBOARD_DATABASE_URL: where.databaseUrl } : {};
      const first = await startChildServer({ dataDir: where.dataDir, configFile: configFile(TEST_ENCRYPTION_KEY), env });
      const created = await first.api('POST', '/api/actions/connector/kc-hook', { name: 'kc', connector_type_id: '.webhook', config: { url: 'http://127.0.0.1:9/x', hasAuth: false } });
      expect(created.status, created.text).toBe(200);
      // SQLite allows one server per data directory: the second comes once the first has stopped.
      if (!where.databaseUrl) expect((await first.stop('SIGTERM')).code).toBe(0);

      const refused = startChildServer({ dataDir: where.dataDir, configFile: configFile(OTHER_KEY), env });
      const error = await refused.then(() => undefined, (err: Error) => err);
      expect(error?.message).toMatch(/exited \(code 78, signal null\) before listening/);
      expect(error?.message).toMatch(/xpack\.encryptedSavedObjects\.encryptionKey cannot decrypt the connector secrets/);
      expect(error?.message).toContain('xpack.encryptedSavedObjects.keyRotation.decryptionOnlyKeys');
      expect(error?.message).not.toContain(OTHER_KEY);
      if (where.databaseUrl) expect((await first.api('GET', '/api/actions/connector/kc-hook')).status).toBe(200);
    },
    120_000,
  );

  it('checks an existing database without a check value against its secrets before writing one', async () => {
    const where = await sharedData();
    const first = await start(where);
    await first.api('POST', '/api/actions/connector/old', { name: 'old', connector_type_id: '.test-secret-echo', secrets: { token: SECRET } });
    // As a database from before the check existed.
    await first.plugboard.database.db.deleteFrom('encryption_key_check').execute();
    await first.plugboard.close();

    const refused = start(where, { settings: withKey(OTHER_KEY) });
    await expect(refused).rejects.toThrow(ConfigError);
    await expect(refused).rejects.toThrow(REFUSAL);

    const again = await start(where);
    expect((await again.plugboard.database.db.selectFrom('encryption_key_check').selectAll().execute()).length).toBe(1);
    expect((await again.api('POST', '/api/actions/connector/old/_execute', { params: {} })).body.status).toBe('ok');
  });

  it('after `plugboard encryption rotate` the check is under the new key, so the old key alone is refused', async () => {
    const where = await sharedData();
    const first = await start(where);
    await first.api('POST', '/api/actions/connector/rot', { name: 'rot', connector_type_id: '.test-secret-echo', secrets: { token: SECRET } });
    await first.plugboard.close();

    // The new key with the old one for decryption: starts, and runs the old secrets.
    const rotating = await start(where, { settings: withKey(OTHER_KEY, [TEST_ENCRYPTION_KEY]) });
    expect((await rotating.api('POST', '/api/actions/connector/rot/_execute', { params: {} })).body.status).toBe('ok');
    await rotating.plugboard.close();

    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const settings = { 'path.data': where.dataDir, ...(where.databaseUrl ? { 'database.url': where.databaseUrl } : {}), ...withKey(OTHER_KEY, [TEST_ENCRYPTION_KEY]) };
      await rotateEncryptionKey({ ...loadConfig({ settings }), baseDir: where.dataDir });
    } finally {
      out.mockRestore();
    }
    expect(process.exitCode ?? 0).toBe(0);

    await expect(start(where)).rejects.toThrow(REFUSAL);
    const after = await start(where, { settings: withKey(OTHER_KEY) });
    expect((await after.api('POST', '/api/actions/connector/rot/_execute', { params: {} })).body).toMatchObject({ status: 'ok', data: { tokenLength: SECRET.length } });
  });

  it(
    'releases an action whose secrets need a key this instance lacks, once, and a good instance delivers it',
    async () => {
      const where = await sharedData();
      const { logger, lines, records } = captureLogger();
      const lacking = await start(where, { logger, settings: { 'plugboard.tasks.pollInterval': '100ms' } });
      await lacking.api('POST', '/api/actions/connector/newer', { name: 'newer', connector_type_id: '.test-secret-echo', secrets: { token: SECRET } });
      // Another instance, mid-rotation, wrote these secrets under a key this one does not have.
      const repository = new ConnectorsRepository(lacking.plugboard.database.db);
      const record = (await repository.get('default', 'newer'))!;
      const secrets = new SecretsCipher(OTHER_KEY).encrypt({ token: SECRET }, bindingOf(record));
      expect(await repository.replaceSecrets(record.id, record.version, secrets)).toBe(true);

      const queued = await lacking.api('POST', '/api/actions/connector/newer/_enqueue', { params: {} });
      const id: string = queued.body.execution_id;
      const released = await eventually(async () => {
        const task = await lacking.plugboard.database.db.selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirst();
        return task?.status === 'idle' && task.last_error ? task : undefined;
      });
      expect(released.attempts).toBe(0);
      expect(released.last_error).toMatch(/^Unable to decrypt the secrets of connector "newer": they were encrypted with a key that is not configured here/);
      const state = await lacking.api('GET', `/api/actions/execution/${id}`);
      expect(state.body).toMatchObject({ status: 'queued', attempts: 0, events: [] });

      // Delivered by an instance with the key; SQLite has one server per data directory, so there it is a restart.
      const good = async () => start(where, { settings: withKey(TEST_ENCRYPTION_KEY, [OTHER_KEY]) });
      const deliverer = where.databaseUrl ? await good() : await lacking.plugboard.close().then(good);
      const done = await eventually(async () => {
        const res = await deliverer.api('GET', `/api/actions/execution/${id}`);
        return res.body?.status === 'ok' ? res.body : undefined;
      }, 30_000, 'the good instance to deliver the action');
      expect(done).toMatchObject({ attempts: 1, result: { status: 'ok', data: { tokenLength: SECRET.length } } });
      expect(done.events.map((e: { event: { outcome?: string } }) => e.event.outcome ?? null)).toEqual([null, 'success']);

      // Warned once (not spinning on the action meanwhile), without the secret.
      const warnings = records().filter((r) => r.level === 40 && r.msg.includes('is released for another instance'));
      expect(warnings.map((w) => w.msg)).toEqual([expect.stringContaining(`Queued action ${id} is released for another instance`)]);
      expect(lines.join('')).not.toContain(SECRET);
    },
    60_000,
  );
});
