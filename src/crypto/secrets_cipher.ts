import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import stringify from 'safe-stable-stringify';

/** What the encrypted secrets are bound to: a copied or hand-edited row fails to decrypt. */
export interface SecretsBinding {
  spaceId: string;
  connectorId: string;
  typeId: string;
  config: Record<string, unknown>;
}

/** The binding of a stored connector. */
export function bindingOf(connector: { id: string; spaceId: string; typeId: string; config: Record<string, unknown> }): SecretsBinding {
  return { spaceId: connector.spaceId, connectorId: connector.id, typeId: connector.typeId, config: connector.config };
}

export class DecryptionError extends Error {
  override name = 'DecryptionError';
}

/** The secrets were written with a key this instance does not have (another may have it). */
export class UnknownKeyError extends DecryptionError {
  override name = 'UnknownKeyError';
}

const ENVELOPE_PREFIX = 'v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

interface DerivedKey {
  key: Buffer;
  /** Short public fingerprint stored in the envelope so the right key is tried first. */
  keyId: string;
}

function deriveKey(secret: string): DerivedKey {
  const key = Buffer.from(hkdfSync('sha256', secret, 'plugboard', 'connector-secrets-v1', 32));
  const keyId = createHash('sha256').update(key).digest('base64url').slice(0, 8);
  return { key, keyId };
}

/** The additional authenticated data: stable JSON of the connector's identity and config. */
export function additionalData(binding: SecretsBinding): Buffer {
  const aad = stringify([binding.spaceId, 'action', binding.connectorId, { actionTypeId: binding.typeId, config: binding.config }]);
  return Buffer.from(aad ?? '', 'utf8');
}

/**
 * AES-256-GCM encryption of connector secrets. The primary key encrypts; the primary and
 * every decryption-only key may decrypt, which is what makes key rotation possible without
 * downtime.
 */
export class SecretsCipher {
  private readonly primary: DerivedKey;
  private readonly all: DerivedKey[];

  constructor(primaryKey: string, decryptionOnlyKeys: string[] = []) {
    this.primary = deriveKey(primaryKey);
    this.all = [this.primary, ...decryptionOnlyKeys.map(deriveKey)];
  }

  encrypt(secrets: Record<string, unknown>, binding: SecretsBinding): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.primary.key, iv);
    cipher.setAAD(additionalData(binding));
    const body = Buffer.concat([cipher.update(JSON.stringify(secrets), 'utf8'), cipher.final()]);
    const packed = Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
    return `${ENVELOPE_PREFIX}${this.primary.keyId}:${packed}`;
  }

  decrypt(envelope: string, binding: SecretsBinding): Record<string, unknown> {
    const parts = envelope.split(':');
    if (parts.length !== 3 || `${parts[0]}:` !== ENVELOPE_PREFIX) {
      throw new DecryptionError(`the stored secrets of connector "${binding.connectorId}" are not in a known format`);
    }
    const [, keyId, packed] = parts;
    const raw = Buffer.from(packed, 'base64');
    const iv = raw.subarray(0, IV_BYTES);
    const tag = raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES);
    const body = raw.subarray(IV_BYTES + TAG_BYTES);
    const aad = additionalData(binding);
    const candidates = [...this.all].sort((a, b) => Number(b.keyId === keyId) - Number(a.keyId === keyId));
    for (const candidate of candidates) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', candidate.key, iv);
        decipher.setAAD(aad);
        decipher.setAuthTag(tag);
        const plain = Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
        return JSON.parse(plain) as Record<string, unknown>;
      } catch {
        // Wrong key or tampered data: try the next key.
      }
    }
    if (!this.all.some((k) => k.keyId === keyId)) {
      throw new UnknownKeyError(
        `Unable to decrypt the secrets of connector "${binding.connectorId}": they were encrypted with a key that is not ` +
          'configured here (xpack.encryptedSavedObjects.encryptionKey or keyRotation.decryptionOnlyKeys)',
      );
    }
    throw new DecryptionError(
      `Unable to decrypt the secrets of connector "${binding.connectorId}": they were encrypted for a different ` +
        'type, id, space or config (was the row edited or copied?), or with a key that is not configured',
    );
  }

  /** Whether the envelope was written with the current primary key. */
  isCurrent(envelope: string): boolean {
    return envelope.split(':')[1] === this.primary.keyId;
  }
}
