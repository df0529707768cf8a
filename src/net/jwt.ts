import { sign, type KeyObject } from 'node:crypto';

// A JWS in compact form signed with RS256 (RFC 7515, 7518): the JSON header and claims,
// base64url-encoded, and Node's RSA-SHA256 signature of the two. Node's crypto reads the key.

const segment = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** `header.claims.signature`, `alg: RS256` set in the header. */
export function signRs256Jwt(header: Record<string, unknown>, claims: Record<string, unknown>, key: KeyObject): string {
  const signingInput = `${segment({ alg: 'RS256', ...header })}.${segment(claims)}`;
  return `${signingInput}.${sign('sha256', Buffer.from(signingInput), key).toString('base64url')}`;
}
