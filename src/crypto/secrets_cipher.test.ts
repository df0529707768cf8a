import { describe, expect, it } from 'vitest';
import { DecryptionError, SecretsCipher, UnknownKeyError } from './secrets_cipher.js';

const KEY_A = 'a'.repeat(32);
const KEY_B = 'b'.repeat(32);
const binding = { spaceId: 'default', connectorId: 'c1', typeId: '.webhook', config: { url: 'https://x.example', method: 'post' } };

describe('SecretsCipher', () => {
  it('round-trips secrets and never stores the plaintext', () => {
    const cipher = new SecretsCipher(KEY_A);
    const envelope = cipher.encrypt({ password: 'hunter2-very-secret' }, binding);
    expect(envelope).not.toContain('hunter2');
    expect(Buffer.from(envelope.split(':')[2], 'base64').toString('latin1')).not.toContain('hunter2');
    expect(cipher.decrypt(envelope, binding)).toEqual({ password: 'hunter2-very-secret' });
  });

  it('uses a fresh IV each time', () => {
    const cipher = new SecretsCipher(KEY_A);
    expect(cipher.encrypt({ a: 'b' }, binding)).not.toBe(cipher.encrypt({ a: 'b' }, binding));
  });

  it.each([
    ['config', { ...binding, config: { url: 'https://evil.example', method: 'post' } }],
    ['id', { ...binding, connectorId: 'c2' }],
    ['space', { ...binding, spaceId: 'other' }],
    ['type', { ...binding, typeId: '.slack' }],
  ])('refuses to decrypt when the %s differs', (_what, other) => {
    const cipher = new SecretsCipher(KEY_A);
    const envelope = cipher.encrypt({ password: 'p' }, binding);
    expect(() => cipher.decrypt(envelope, other)).toThrow(DecryptionError);
    expect(() => cipher.decrypt(envelope, other)).toThrow(/Unable to decrypt the secrets of connector/);
  });

  it('binds to config regardless of key order', () => {
    const cipher = new SecretsCipher(KEY_A);
    const envelope = cipher.encrypt({ p: 1 }, binding);
    expect(cipher.decrypt(envelope, { ...binding, config: { method: 'post', url: 'https://x.example' } })).toEqual({ p: 1 });
  });

  it('decrypts with a decryption-only key and re-encrypts with the primary', () => {
    const old = new SecretsCipher(KEY_A);
    const envelope = old.encrypt({ p: 'x' }, binding);
    const rotated = new SecretsCipher(KEY_B, [KEY_A]);
    expect(rotated.isCurrent(envelope)).toBe(false);
    expect(rotated.decrypt(envelope, binding)).toEqual({ p: 'x' });
    const renewed = rotated.encrypt({ p: 'x' }, binding);
    expect(rotated.isCurrent(renewed)).toBe(true);
    expect(() => new SecretsCipher(KEY_B).decrypt(envelope, binding)).toThrow(DecryptionError);
    expect(new SecretsCipher(KEY_B).decrypt(renewed, binding)).toEqual({ p: 'x' });
  });

  it('tells secrets under a key it lacks (another instance may have it) from secrets that do not match', () => {
    const envelope = new SecretsCipher(KEY_B).encrypt({ p: 'x' }, binding);
    expect(() => new SecretsCipher(KEY_A).decrypt(envelope, binding)).toThrow(UnknownKeyError);
    expect(() => new SecretsCipher(KEY_A).decrypt(envelope, binding)).toThrow(/^Unable to decrypt the secrets of connector "c1": they were encrypted with a key that is not configured here/);
    // The key is known but the row was changed: no other instance can do better.
    const edited = { ...binding, connectorId: 'c2' };
    const thrown = (() => {
      try {
        new SecretsCipher(KEY_B).decrypt(envelope, edited);
      } catch (err) {
        return err;
      }
    })();
    expect(thrown).toBeInstanceOf(DecryptionError);
    expect(thrown).not.toBeInstanceOf(UnknownKeyError);
  });

  it('rejects an envelope in an unknown format', () => {
    expect(() => new SecretsCipher(KEY_A).decrypt('plain text', binding)).toThrow(/not in a known format/);
  });
});
