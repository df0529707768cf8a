import { createPrivateKey, sign } from 'node:crypto';

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

const segment = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

export function createJwtAssertion({ privateKey, privateKeyPassword, keyId, subject, clientId }: JwtAssertionInput, now = Date.now()): string {
  const iat = Math.floor(now / 1000);
  try {
    const key = createPrivateKey(privateKeyPassword ? { key: privateKey, passphrase: privateKeyPassword } : privateKey);
    const signingInput = `${segment({ alg: 'RS256', typ: 'JWT', kid: keyId })}.${segment({ sub: subject, aud: clientId, iss: clientId, iat, exp: iat + LIFETIME_SECONDS })}`;
    return `${signingInput}.${sign('sha256', Buffer.from(signingInput), key).toString('base64url')}`;
  } catch (err) {
    // Kibana's wording; the reason is the key parser's, which never quotes the key.
    throw new Error(`Unable to generate JWT token. Error: ${String(err)}`);
  }
}
