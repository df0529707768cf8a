import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { rotateSecrets } from '../src/cli/rotate.js';
import { EncryptionKeyCheck } from '../src/crypto/key_check.js';
import { KEY_FILE_NAME } from '../src/crypto/key_file.js';
import { SecretsCipher } from '../src/crypto/secrets_cipher.js';
import { ConnectorsRepository } from '../src/storage/connectors_repository.js';
import { availableDialects, createPostgresSchema } from './helpers/databases.js';
import { startTestPlugboard, TEST_ENCRYPTION_KEY, type TestPlugboard } from './helpers/plugboard.js';
import { secretEchoType } from './helpers/test_types.js';
import { captureLogger } from './helpers/logs.js';

const dialects = await availableDialects();
const SECRET = 'plaintext-token-7f3a9c1e55';

describe.each(dialects)('connector secrets on %s', (dialect) => {
  const open: TestPlugboard[] = [];
  const start = async (opts: Parameters<typeof startTestPlugboard>[0] = {}) => {
    const pb = await startTestPlugboard({ dialect, extraConnectorTypes: [secretEchoType], ...opts });
    open.push(pb);
    return pb;
  };
  afterEach(async () => {
    for (const pb of open.splice(0)) await pb.close().catch(() => undefined);
  });

  it('stores no plaintext secret anywhere in the database', async () => {
    const { logger, lines } = captureLogger();
    const pb = await start({ logger });
    const res = await pb.api('POST', '/api/actions/connector/enc-1', {
      name: 'Echo',
      connector_type_id: '.test-secret-echo',
      secrets: { token: SECRET },
    });
    expect(res.status).toBe(200);
    const run = await pb.api('POST', '/api/actions/connector/enc-1/_execute', { params: {} });
    expect(run.body).toEqual({ status: 'ok', connector_id: 'enc-1', data: { tokenLength: SECRET.length } });

    if (dialect === 'sqlite') {
      await sql`pragma wal_checkpoint(TRUNCATE)`.execute(pb.plugboard.database.db);
      const file = pb.plugboard.database.file!;
      for (const f of [file, `${file}-wal`]) {
        if (existsSync(f)) expect(readFileSync(f).includes(Buffer.from(SECRET))).toBe(false);
      }
      expect(readFileSync(file).includes(Buffer.from('enc-1'))).toBe(true);
    } else {
      const rows = await sql<{ row: string }>`select c::text as row from connectors c`.execute(pb.plugboard.database.db);
      expect(rows.rows.length).toBe(1);
      expect(rows.rows[0].row).not.toContain(SECRET);
    }
    expect(lines.join('')).not.toContain(SECRET);
  });

  it('never returns a secret in an execute result, even when the executor leaks it', async () => {
    const { logger, lines } = captureLogger();
    const pb = await start({ logger });
    await pb.api('POST', '/api/actions/connector/leaky', { name: 'Leaky', connector_type_id: '.test-secret-echo', secrets: { token: SECRET } });
    const failed = await pb.api('POST', '/api/actions/connector/leaky/_execute', { params: { fail: true } });
    expect(failed.body).toMatchObject({ status: 'error', service_message: 'token was [REDACTED]' });
    const thrown = await pb.api('POST', '/api/actions/connector/leaky/_execute', { params: { throw: true } });
    expect(thrown.body).toMatchObject({ status: 'error', message: 'an error occurred while running the action', retry: true });
    expect(thrown.text).not.toContain(SECRET);
    expect(lines.join('')).not.toContain(SECRET);
  });

  it('fails to decrypt, with a clear error, a row whose config was edited by hand', async () => {
    const pb = await start();
    await pb.api('POST', '/api/actions/connector/tampered', {
      name: 'Echo',
      connector_type_id: '.test-secret-echo',
      config: { label: 'original' },
      secrets: { token: SECRET },
    });
    await pb.plugboard.database.db
      .updateTable('connectors')
      .set({ config: JSON.stringify({ label: 'edited-by-hand' }) })
      .where('id', '=', 'tampered')
      .execute();
    const res = await pb.api('POST', '/api/actions/connector/tampered/_execute', { params: {} });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      status: 'error',
      connector_id: 'tampered',
      message: expect.stringMatching(/^Unable to decrypt the secrets of connector "tampered": they were encrypted for a different type, id, space or config/),
      retry: false,
      errorSource: 'framework',
    });
    // Reading the connector does not need its secrets and still works.
    expect((await pb.api('GET', '/api/actions/connector/tampered')).body.config).toEqual({ label: 'edited-by-hand' });
  });

  it('rotates the key: old secrets stay readable through decryptionOnlyKeys, then need only the new key', async () => {
    const NEW_KEY = 'a-brand-new-encryption-key-with-32-plus-characters';
    const pg = dialect === 'postgres' ? await createPostgresSchema() : undefined;
    try {
      const first = await start({ databaseUrl: pg?.url, dataDir: undefined });
      for (const id of ['rot-1', 'rot-2']) {
        await first.api('POST', `/api/actions/connector/${id}`, { name: id, connector_type_id: '.test-secret-echo', secrets: { token: SECRET } });
      }
      const dataDir = first.dataDir;
      await first.plugboard.close();

      const rotating = await start({
        databaseUrl: pg?.url,
        dataDir,
        settings: {
          'xpack.encryptedSavedObjects.encryptionKey': NEW_KEY,
          'xpack.encryptedSavedObjects.keyRotation.decryptionOnlyKeys': [TEST_ENCRYPTION_KEY],
        },
      });
      expect((await rotating.api('POST', '/api/actions/connector/rot-1/_execute', { params: {} })).body.status).toBe('ok');
      const { db } = rotating.plugboard.database;
      const rotate = () => rotateSecrets(new ConnectorsRepository(db), new SecretsCipher(NEW_KEY, [TEST_ENCRYPTION_KEY]), new EncryptionKeyCheck(db));
      const report = await rotate();
      expect(report).toEqual({ rotated: 2, alreadyCurrent: 0, failed: [] });
      const again = await rotate();
      expect(again).toEqual({ rotated: 0, alreadyCurrent: 2, failed: [] });
      await rotating.plugboard.close();

      const after = await start({ databaseUrl: pg?.url, dataDir, settings: { 'xpack.encryptedSavedObjects.encryptionKey': NEW_KEY } });
      for (const id of ['rot-1', 'rot-2']) {
        expect((await after.api('POST', `/api/actions/connector/${id}/_execute`, { params: {} })).body.status).toBe('ok');
      }
    } finally {
      await pg?.drop();
    }
  });
});

describe('generated encryption key', () => {
  it('is written once into the data directory with mode 0600 and announced once', async () => {
    const { logger, lines } = captureLogger();
    const pb = await startTestPlugboard({ logger, settings: { 'xpack.encryptedSavedObjects.encryptionKey': undefined } });
    const keyFile = path.join(pb.dataDir, KEY_FILE_NAME);
    try {
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);
      const key = readFileSync(keyFile, 'utf8').trim();
      expect(key.length).toBeGreaterThanOrEqual(32);
      expect(lines.filter((l) => l.includes('Generated an encryption key')).length).toBe(1);
      await pb.api('POST', '/api/actions/connector/kept', { name: 'k', connector_type_id: '.server-log' });
      await pb.plugboard.close();

      const second = captureLogger();
      const again = await startTestPlugboard({ logger: second.logger, dataDir: pb.dataDir, settings: { 'xpack.encryptedSavedObjects.encryptionKey': undefined } });
      expect(readFileSync(keyFile, 'utf8').trim()).toBe(key);
      expect(second.lines.filter((l) => l.includes('Generated an encryption key')).length).toBe(0);
      expect(lines.join('')).not.toContain(key);
      expect((await again.api('POST', '/api/actions/connector/kept/_execute', { params: { message: 'x' } })).body.status).toBe('ok');
      await again.close();
    } finally {
      await pb.close().catch(() => undefined);
    }
  });
});
