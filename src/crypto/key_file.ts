import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

export const KEY_FILE_NAME = 'encryption.key';

export interface ResolvedKey {
  key: string;
  /** Where it came from, for messages. */
  source: string;
  /** Set when this call generated the key: the caller says so, once. */
  generatedAt?: string;
}

/**
 * The configured key wins. Without one, a key is generated into the data directory on first
 * start (mode 0600) and read back on later starts.
 */
export function resolveEncryptionKey(configured: string | undefined, dataDir: string): ResolvedKey {
  if (configured) return { key: configured, source: 'xpack.encryptedSavedObjects.encryptionKey' };
  const file = path.join(dataDir, KEY_FILE_NAME);
  const source = `The key in ${file} (xpack.encryptedSavedObjects.encryptionKey is not set)`;
  if (existsSync(file)) {
    const key = readFileSync(file, 'utf8').trim();
    if (key.length < 32) {
      throw new Error(`The encryption key in ${file} is shorter than 32 characters; restore it from a backup`);
    }
    return { key, source };
  }
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32).toString('base64url');
  writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  return { key, source, generatedAt: file };
}
