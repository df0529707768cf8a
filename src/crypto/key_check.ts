import type { Kysely } from 'kysely';
import { ConfigError } from '../config/load.js';
import type { ConnectorsRepository } from '../storage/connectors_repository.js';
import type { Database } from '../storage/schema.js';
import { bindingOf, DecryptionError, type SecretsBinding, type SecretsCipher } from './secrets_cipher.js';

// A known value stored encrypted next to the connector secrets, under the key they are written
// with. An instance whose keys cannot read it would fail every action it claims, so it refuses
// to start instead.

const CHECK_ID = 'connector-secrets';
const CHECK_VALUE = 'plugboard encryption key check';
const CHECK_BINDING: SecretsBinding = { spaceId: '', connectorId: 'encryption-key-check', typeId: '', config: {} };

/** `keyName` says where the primary key comes from (the setting, or the generated key file). */
function wrongKey(keyName: string): ConfigError {
  return new ConfigError(
    `${keyName} cannot decrypt the connector secrets stored in this database, nor can any key in ` +
      'xpack.encryptedSavedObjects.keyRotation.decryptionOnlyKeys: they were encrypted with another key. ' +
      'Start with the key the data was written with (the one other instances use). To change keys, set the new key as ' +
      'xpack.encryptedSavedObjects.encryptionKey, list the old one in xpack.encryptedSavedObjects.keyRotation.decryptionOnlyKeys, ' +
      'and run `plugboard encryption rotate`.',
  );
}

function reads(cipher: SecretsCipher, envelope: string, binding: SecretsBinding): boolean {
  try {
    cipher.decrypt(envelope, binding);
    return true;
  } catch (err) {
    if (err instanceof DecryptionError) return false;
    throw err;
  }
}

export class EncryptionKeyCheck {
  constructor(private readonly db: Kysely<Database>) {}

  private async stored(): Promise<string | undefined> {
    const row = await this.db.selectFrom('encryption_key_check').select('envelope').where('id', '=', CHECK_ID).executeTakeFirst();
    return row?.envelope;
  }

  /**
   * Throws a ConfigError naming `keyName` unless the cipher's keys read the stored check. A
   * database without one (created before the check existed, or new) gets one, once the keys
   * have shown they read the secrets already there.
   */
  async verify(cipher: SecretsCipher, connectors: ConnectorsRepository, keyName: string): Promise<void> {
    let envelope = await this.stored();
    if (envelope === undefined) {
      if (!(await readsExistingSecrets(cipher, connectors))) throw wrongKey(keyName);
      // Instances starting together on a new database: the first check written wins.
      await this.db
        .insertInto('encryption_key_check')
        .values({ id: CHECK_ID, envelope: cipher.encrypt({ check: CHECK_VALUE }, CHECK_BINDING), updated_at: Date.now() })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
      envelope = (await this.stored())!;
    }
    if (!reads(cipher, envelope, CHECK_BINDING)) throw wrongKey(keyName);
  }

  /** Writes the check under the cipher's primary key (after a rotation). */
  async renew(cipher: SecretsCipher): Promise<void> {
    const envelope = cipher.encrypt({ check: CHECK_VALUE }, CHECK_BINDING);
    await this.db
      .insertInto('encryption_key_check')
      .values({ id: CHECK_ID, envelope, updated_at: Date.now() })
      .onConflict((oc) => oc.column('id').doUpdateSet({ envelope, updated_at: Date.now() }))
      .execute();
  }
}

/**
 * Whether the keys read the secrets already stored: true when there are none or one of them
 * decrypts (a row edited by hand must not lock everyone out).
 */
async function readsExistingSecrets(cipher: SecretsCipher, connectors: ConnectorsRepository): Promise<boolean> {
  let unreadable = 0;
  for await (const record of connectors.iterateAll()) {
    if (record.isMissingSecrets) continue;
    if (reads(cipher, record.secrets, bindingOf(record))) return true;
    unreadable++;
  }
  return unreadable === 0;
}
