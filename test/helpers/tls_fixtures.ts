import { text } from 'node:stream/consumers';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, request as httpsRequest, type RequestOptions, type Server } from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { promisify } from 'node:util';

// Real X.509 material for outbound-TLS tests, made with the `openssl` CLI in a fresh temporary
// directory on every call (nothing is cached or shared between test files), plus a small
// node:https server to aim clients at. Keys are EC P-256 (much faster to generate than RSA).
//
// Only flags that OpenSSL 1.1.1 and 3.x both understand are used, and every command gets its
// own minimal config file, so the system openssl.cnf does not matter.

const run = promisify(execFile);

/** The passphrase of `clientPfx` and `clientEncryptedKey`. */
export const CLIENT_PFX_PASSPHRASE = 'plugboard-test-passphrase';

export interface KeyCertPair {
  /** PEM, unencrypted PKCS#8 (`-----BEGIN PRIVATE KEY-----`). */
  key: string;
  /** PEM certificate. */
  cert: string;
  keyPath: string;
  certPath: string;
}

export interface TlsFixtures {
  /** The temporary directory holding every file below; removed by `cleanup()`. */
  dir: string;
  /** A test CA (self-signed, basicConstraints CA:TRUE). Trust `ca.cert` to accept `server`. */
  ca: KeyCertPair;
  /** Signed by `ca`; SANs DNS:localhost, IP:127.0.0.1; CN=localhost. */
  server: KeyCertPair;
  /** Signed by `ca`; SAN DNS:wrong.example only, so 127.0.0.1/localhost fail the hostname check. */
  wrongHost: KeyCertPair;
  /** A second, unrelated CA. */
  otherCa: KeyCertPair;
  /** Signed by `otherCa`; SANs DNS:localhost, IP:127.0.0.1 (the "unknown CA" case when only `ca` is trusted). */
  untrusted: KeyCertPair;
  /** The CA that signs client certificates (give `clientCa.cert` to a `requestCert` server). */
  clientCa: KeyCertPair;
  /** Signed by `clientCa`; extendedKeyUsage clientAuth; CN=plugboard-test-client. */
  client: KeyCertPair;
  /** PKCS#12 of `client` key + cert (AES-256-CBC, SHA-256 MAC), passphrase CLIENT_PFX_PASSPHRASE. */
  clientPfx: Buffer;
  clientPfxPath: string;
  /** `client.key` as encrypted PKCS#8 PEM (`-----BEGIN ENCRYPTED PRIVATE KEY-----`, AES-256), passphrase CLIENT_PFX_PASSPHRASE. */
  clientEncryptedKey: string;
  clientEncryptedKeyPath: string;
  /** Removes `dir`. */
  cleanup(): Promise<void>;
}

/** Subject CNs, for assertions (e.g. `clientCertSubject`). */
export const FIXTURE_CN = {
  ca: 'Plugboard Test CA',
  server: 'localhost',
  wrongHost: 'wrong.example',
  otherCa: 'Plugboard Other Test CA',
  untrusted: 'localhost',
  clientCa: 'Plugboard Test Client CA',
  client: 'plugboard-test-client',
} as const;

const OPENSSL_CONFIG = `# minimal config for tls_fixtures.ts
[req]
distinguished_name = dn
prompt = no

[dn]
CN = unused

[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[server_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:localhost, IP:127.0.0.1

[wrong_host_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:wrong.example

[client_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`;

const DAYS = '7';

async function openssl(dir: string, args: string[]): Promise<void> {
  try {
    await run('openssl', args, { cwd: dir, env: { ...process.env, OPENSSL_CONF: path.join(dir, 'openssl.cnf') } });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new Error('the `openssl` CLI is needed by the TLS test fixtures but is not on PATH (Debian: apt-get install openssl)');
    throw new Error(`openssl ${args.join(' ')} failed: ${e.stderr?.trim() || e.message}`);
  }
}

const serial = () => `0x${randomBytes(8).toString('hex').replace(/^./, '1')}`;

async function genKey(dir: string, name: string): Promise<void> {
  await openssl(dir, ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`]);
}

async function readPair(dir: string, name: string): Promise<KeyCertPair> {
  const keyPath = path.join(dir, `${name}.key`);
  const certPath = path.join(dir, `${name}.crt`);
  const [key, cert] = await Promise.all([readFile(keyPath, 'utf8'), readFile(certPath, 'utf8')]);
  return { key, cert, keyPath, certPath };
}

async function makeCa(dir: string, name: string, cn: string): Promise<void> {
  await genKey(dir, name);
  await openssl(dir, [
    'req', '-config', 'openssl.cnf', '-new', '-x509', '-key', `${name}.key`, '-out', `${name}.crt`,
    '-subj', `/CN=${cn}`, '-days', DAYS, '-sha256', '-set_serial', serial(), '-extensions', 'ca_ext',
  ]);
}

async function makeLeaf(dir: string, name: string, cn: string, caName: string, extensions: string): Promise<void> {
  await genKey(dir, name);
  await openssl(dir, ['req', '-config', 'openssl.cnf', '-new', '-key', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`]);
  await openssl(dir, [
    'x509', '-req', '-in', `${name}.csr`, '-CA', `${caName}.crt`, '-CAkey', `${caName}.key`, '-set_serial', serial(),
    '-days', DAYS, '-sha256', '-extfile', 'openssl.cnf', '-extensions', extensions, '-out', `${name}.crt`,
  ]);
}

/** Fresh CAs, server and client certificates in a new temporary directory (about 25 openssl runs, in parallel where possible). */
export async function createTlsFixtures(): Promise<TlsFixtures> {
  const dir = await mkdtemp(path.join(tmpdir(), 'plugboard-tls-'));
  try {
    await writeFile(path.join(dir, 'openssl.cnf'), OPENSSL_CONFIG);
    await Promise.all([
      makeCa(dir, 'ca', FIXTURE_CN.ca).then(() =>
        Promise.all([
          makeLeaf(dir, 'server', FIXTURE_CN.server, 'ca', 'server_ext'),
          makeLeaf(dir, 'wrong_host', FIXTURE_CN.wrongHost, 'ca', 'wrong_host_ext'),
        ]),
      ),
      makeCa(dir, 'other_ca', FIXTURE_CN.otherCa).then(() => makeLeaf(dir, 'untrusted', FIXTURE_CN.untrusted, 'other_ca', 'server_ext')),
      makeCa(dir, 'client_ca', FIXTURE_CN.clientCa)
        .then(() => makeLeaf(dir, 'client', FIXTURE_CN.client, 'client_ca', 'client_ext'))
        .then(() =>
          Promise.all([
            // Explicit modern algorithms: OpenSSL 1.1.1's defaults (RC2-40 / 3DES, SHA-1 MAC) are
            // "legacy" to the OpenSSL 3 inside Node 20 and would fail with "unsupported".
            openssl(dir, [
              'pkcs12', '-export', '-inkey', 'client.key', '-in', 'client.crt', '-name', FIXTURE_CN.client, '-out', 'client.p12',
              '-keypbe', 'AES-256-CBC', '-certpbe', 'AES-256-CBC', '-macalg', 'sha256', '-passout', `pass:${CLIENT_PFX_PASSPHRASE}`,
            ]),
            openssl(dir, ['pkey', '-in', 'client.key', '-aes256', '-passout', `pass:${CLIENT_PFX_PASSPHRASE}`, '-out', 'client.enc.key']),
          ]),
        ),
    ]);

    const [ca, server, wrongHost, otherCa, untrusted, clientCa, client, clientPfx, clientEncryptedKey] = await Promise.all([
      readPair(dir, 'ca'),
      readPair(dir, 'server'),
      readPair(dir, 'wrong_host'),
      readPair(dir, 'other_ca'),
      readPair(dir, 'untrusted'),
      readPair(dir, 'client_ca'),
      readPair(dir, 'client'),
      readFile(path.join(dir, 'client.p12')),
      readFile(path.join(dir, 'client.enc.key'), 'utf8'),
    ]);
    return {
      dir,
      ca,
      server,
      wrongHost,
      otherCa,
      untrusted,
      clientCa,
      client,
      clientPfx,
      clientPfxPath: path.join(dir, 'client.p12'),
      clientEncryptedKey,
      clientEncryptedKeyPath: path.join(dir, 'client.enc.key'),
      cleanup: () => rm(dir, { recursive: true, force: true }),
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

export interface RecordedRequest {
  method: string;
  /** The request target as received (origin-form, e.g. `/path?q=1`). */
  url: string;
  headers: IncomingHttpHeaders;
  /** The whole body, UTF-8. */
  body: string;
  /** The subject CN of the client certificate, when one was presented. */
  clientCertSubject?: string;
}

export interface TlsServerOptions {
  key: string;
  cert: string;
  /**
   * Ask for a client certificate, with `rejectUnauthorized: true`: a missing certificate or one
   * not signed by `ca` fails the handshake (with TLS 1.3 the client sees it as a reset/alert
   * when it sends its request).
   */
  requestCert?: boolean;
  /** CA(s) that client certificates must chain to (PEM). */
  ca?: string | string[];
  /**
   * Answers the request. The request is recorded first, so its body has already been read and
   * is passed as `body`; the default answers 200 `ok`.
   */
  handler?: (req: IncomingMessage, res: ServerResponse, body: string) => void;
}

export interface TestTlsServer {
  /** `https://127.0.0.1:PORT` (no trailing slash). */
  url: string;
  port: number;
  /** Every request, in order of arrival, recorded once its body has arrived. */
  requests: RecordedRequest[];
  /** TLS handshake failures seen by the server (`tlsClientError`), e.g. a missing client certificate. */
  tlsClientErrors: Error[];
  close(): Promise<void>;
}

export interface HttpsAnswer {
  status: number;
  body: string;
}

/** One node:https GET on a fresh connection (no agent, so no TLS session reuse between cases); fails after 10 s. */
export function httpsGet(url: string, opts: RequestOptions = {}): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { agent: false, ...opts }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`GET ${url} timed out`)));
    req.end();
  });
}

/** A node:https server on 127.0.0.1 and a free port. */
export async function startTlsServer(opts: TlsServerOptions): Promise<TestTlsServer> {
  const requests: RecordedRequest[] = [];
  const tlsClientErrors: Error[] = [];
  const server: Server = createServer(
    {
      key: opts.key,
      cert: opts.cert,
      ca: opts.ca,
      requestCert: opts.requestCert ?? false,
      rejectUnauthorized: opts.requestCert ?? false,
    },
    (req, res) => {
      req.on('error', () => undefined);
      res.on('error', () => undefined);
      void text(req).then((body) => {
        const peer = (req.socket as TLSSocket).getPeerCertificate();
        const cn = peer?.subject?.CN;
        requests.push({
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body,
          ...(cn ? { clientCertSubject: Array.isArray(cn) ? cn.join(',') : cn } : {}),
        });
        try {
          if (opts.handler) opts.handler(req, res, body);
          else {
            res.writeHead(200, { 'content-type': 'text/plain' });
            res.end('ok');
          }
        } catch (err) {
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`handler failed: ${(err as Error).message}`);
        }
      });
    },
  );
  server.on('tlsClientError', (err) => tlsClientErrors.push(err));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    requests,
    tlsClientErrors,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
