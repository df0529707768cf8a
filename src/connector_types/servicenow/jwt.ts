import { createPrivateKey } from 'node:crypto';
import { signRs256Jwt } from '../../net/jwt.js';

// The JWT assertion of ServiceNow's JWT bearer grant, as Kibana makes it: RS256, the key id in
// the header, the user as subject, the client as issuer and audience, valid for one hour.
// Node's crypto reads the key (PKCS#1 or PKCS#8, encrypted or not) and signs; JSON and
// base64url are all a JWT adds.

export interface JwtAssertionInput {
  privateKey: string;
  privateKeyPassword: string | null;
  keyId: string;
  subject: string;
  clientId: string;
}

const LIFETIME_SECONDS = 3600;

const ONE_LINE_PEM = /^\s*-----BEGIN ([A-Z0-9 ]+)-----\s*([A-Za-z0-9+/=\s]+?)\s*-----END \1-----\s*$/;

/**
 * The key with its PEM line breaks: a key pasted into a one-line field (a password input drops
 * line breaks) or sent with them turned into spaces is rewrapped, so that it still reads.
 */
export function pemWithLineBreaks(key: string): string {
  const oneLine = key.includes('\n') ? null : ONE_LINE_PEM.exec(key);
  if (!oneLine) return key;
  const [, label, body] = oneLine;
  const lines = body.replace(/\s+/g, '').match(/.{1,64}/g) ?? [];
  return [`-----BEGIN ${label}-----`, ...lines, `-----END ${label}-----`, ''].join('\n');
}

export function createJwtAssertion({ privateKey, privateKeyPassword, keyId, subject, clientId }: JwtAssertionInput, now = Date.now()): string {
  const iat = Math.floor(now / 1000);
  try {
    const pem = pemWithLineBreaks(privateKey);
    const key = createPrivateKey(privateKeyPassword ? { key: pem, passphrase: privateKeyPassword } : pem);
    return signRs256Jwt({ typ: 'JWT', kid: keyId }, { sub: subject, aud: clientId, iss: clientId, iat, exp: iat + LIFETIME_SECONDS }, key);
  } catch (err) {
    // Kibana's wording; the reason is the key parser's, which never quotes the key.
    throw new Error(`Unable to generate JWT token. Error: ${String(err)}`);
  }
}
