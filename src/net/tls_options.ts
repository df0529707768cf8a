import type { ConnectionOptions } from 'node:tls';

export type VerificationMode = 'none' | 'certificate' | 'full';

/** What decides how a TLS connection is made: verification, trusted CAs, a client certificate. */
export interface TlsProfile {
  verificationMode: VerificationMode;
  /** PEM certificate authorities; when set they replace the default trust store, as in Kibana. */
  ca?: string;
  cert?: Buffer;
  key?: Buffer;
  pfx?: Buffer;
  passphrase?: string;
}

/**
 * Node TLS options for a profile. `certificate` checks the chain but not the hostname, `none`
 * checks nothing (Kibana's getNodeSSLOptions).
 */
export function tlsConnectionOptions(profile: TlsProfile): ConnectionOptions {
  const options: ConnectionOptions = { rejectUnauthorized: profile.verificationMode !== 'none' };
  if (profile.verificationMode === 'certificate') options.checkServerIdentity = () => undefined;
  if (profile.ca) options.ca = profile.ca;
  if (profile.pfx) options.pfx = profile.pfx;
  if (profile.cert) options.cert = profile.cert;
  if (profile.key) options.key = profile.key;
  if (profile.passphrase !== undefined) options.passphrase = profile.passphrase;
  return options;
}
