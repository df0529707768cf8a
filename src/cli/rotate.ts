import path from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import { resolveEncryptionKey } from '../crypto/key_file.js';
import { EncryptionKeyCheck } from '../crypto/key_check.js';
import { bindingOf, SecretsCipher } from '../crypto/secrets_cipher.js';
import { ConnectorsRepository } from '../storage/connectors_repository.js';
import { openDatabase } from '../storage/database.js';

export interface RotationReport {
  rotated: number;
  alreadyCurrent: number;
  failed: string[];
}

/**
 * Re-encrypts every connector's secrets under the primary key, then the key check once every
 * row is under it. Rows that a running server edits meanwhile are skipped by the version
 * check: that edit already used the primary key.
 */
export async function rotateSecrets(repository: ConnectorsRepository, cipher: SecretsCipher, keyCheck: EncryptionKeyCheck): Promise<RotationReport> {
  const report: RotationReport = { rotated: 0, alreadyCurrent: 0, failed: [] };
  for await (const record of repository.iterateAll()) {
    if (cipher.isCurrent(record.secrets)) {
      report.alreadyCurrent++;
      continue;
    }
    const binding = bindingOf(record);
    try {
      const secrets = cipher.decrypt(record.secrets, binding);
      if (await repository.replaceSecrets(record.id, record.version, cipher.encrypt(secrets, binding))) report.rotated++;
      else report.alreadyCurrent++;
    } catch {
      report.failed.push(record.id);
    }
  }
  // Left alone while some secrets still need an old key: instances must keep it until then.
  if (report.failed.length === 0) await keyCheck.renew(cipher);
  return report;
}

export async function rotateEncryptionKey({ config, baseDir }: LoadedConfig): Promise<void> {
  const dataDir = path.resolve(baseDir, config.path.data);
  const eso = config.xpack.encryptedSavedObjects;
  const key = resolveEncryptionKey(eso.encryptionKey, dataDir);
  const cipher = new SecretsCipher(key.key, eso.keyRotation.decryptionOnlyKeys);
  const database = await openDatabase({ url: config.database.url, dataDir });
  try {
    const repository = new ConnectorsRepository(database.db);
    const keyCheck = new EncryptionKeyCheck(database.db);
    await keyCheck.verify(cipher, repository, key.source);
    const report = await rotateSecrets(repository, cipher, keyCheck);
    process.stdout.write(`Re-encrypted ${report.rotated} connector(s); ${report.alreadyCurrent} already used the current key.\n`);
    if (report.failed.length > 0) {
      process.stdout.write(
        `Could not decrypt ${report.failed.length} connector(s) with any configured key: ${report.failed.join(', ')}\n` +
          'Servers still need the old key in keyRotation.decryptionOnlyKeys until these are fixed and the rotation is run again.\n',
      );
      process.exitCode = 1;
    }
  } finally {
    await database.close();
  }
}
