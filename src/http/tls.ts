import { constants } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ServerOptions } from 'node:https';
import path from 'node:path';
import { createSecureContext, type SecureVersion } from 'node:tls';
import { ConfigError } from '../config/load.js';
import { TLS_PROTOCOLS, type ServerSslConfig } from '../config/schema.js';

// The SSL_OP_NO_* flag that turns each protocol off, for gaps between the lowest and highest
// version allowed (e.g. TLSv1.1 and TLSv1.3 without TLSv1.2).
const NO_PROTOCOL: Record<SecureVersion, number> = {
  TLSv1: constants.SSL_OP_NO_TLSv1,
  'TLSv1.1': constants.SSL_OP_NO_TLSv1_1,
  'TLSv1.2': constants.SSL_OP_NO_TLSv1_2,
  'TLSv1.3': constants.SSL_OP_NO_TLSv1_3,
};

/**
 * Node's TLS server options for `server.ssl.*` (Kibana's SslConfig), or undefined when TLS is
 * off. Files are read now, relative paths against `baseDir` (the configuration file's
 * directory); a file that cannot be read stops start-up with a ConfigError naming its setting.
 * The schema has already checked that certificate and key, or a keystore, are given.
 */
export function tlsServerOptions(ssl: ServerSslConfig, baseDir: string): ServerOptions | undefined {
  if (!ssl.enabled) return undefined;
  const read = (file: string, setting: string): Buffer => {
    const resolved = path.resolve(baseDir, file);
    try {
      return readFileSync(resolved);
    } catch (err) {
      throw new ConfigError(`Invalid configuration: server.ssl.${setting}: cannot read "${resolved}": ${(err as Error).message}`);
    }
  };

  const options: ServerOptions = {};
  if (ssl.keystore.path) {
    options.pfx = read(ssl.keystore.path, 'keystore.path');
    if (ssl.keystore.password !== undefined) options.passphrase = ssl.keystore.password;
  } else {
    options.cert = read(ssl.certificate!, 'certificate');
    options.key = read(ssl.key!, 'key');
    if (ssl.keyPassphrase !== undefined) options.passphrase = ssl.keyPassphrase;
  }
  if (ssl.certificateAuthorities !== undefined) {
    const files = typeof ssl.certificateAuthorities === 'string' ? [ssl.certificateAuthorities] : ssl.certificateAuthorities;
    if (files.length > 0) options.ca = files.map((file) => read(file, 'certificateAuthorities'));
  }

  const allowed = TLS_PROTOCOLS.filter((version) => ssl.supportedProtocols.includes(version));
  options.minVersion = allowed[0];
  options.maxVersion = allowed[allowed.length - 1];
  options.secureOptions = TLS_PROTOCOLS.filter((version) => !allowed.includes(version)).reduce((flags, version) => flags | NO_PROTOCOL[version], 0);

  options.requestCert = ssl.clientAuthentication !== 'none';
  options.rejectUnauthorized = ssl.clientAuthentication === 'required';
  // A wrong passphrase, or a key that does not match its certificate, fails here rather than
  // deep inside the server's construction with nothing to say which setting is wrong.
  try {
    createSecureContext(options);
  } catch (err) {
    const settings = ssl.keystore.path ? 'server.ssl.keystore.path / keystore.password' : 'server.ssl.certificate / key / keyPassphrase';
    throw new ConfigError(`Invalid configuration: ${settings}: ${(err as Error).message}`);
  }
  return options;
}
