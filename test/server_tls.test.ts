import { execFile, spawn } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import type { RequestOptions } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { createPlugboard } from '../src/plugboard.js';
import { BASIC_AUTH, startTestPlugboard, TEST_ENCRYPTION_KEY, TEST_PASSWORD, type TestPlugboard } from './helpers/plugboard.js';
import { createTlsFixtures, httpsGet, type TlsFixtures } from './helpers/tls_fixtures.js';

// server.ssl.*: Plugboard's own HTTP server over TLS, exercised through real sockets.

const ROOT = path.resolve(import.meta.dirname, '..');
const SERVER_KEY_PASSPHRASE = 'server-key-passphrase';

let fixtures: TlsFixtures;
let encryptedServerKeyPath: string;
let serverPfxPath: string;

beforeAll(async () => {
  fixtures = await createTlsFixtures();
  // The fixtures' encrypted key and PKCS#12 belong to the client certificate (clientAuth only),
  // which a client would refuse as a server certificate: make server ones here.
  encryptedServerKeyPath = path.join(fixtures.dir, 'server.enc.key');
  writeFileSync(
    encryptedServerKeyPath,
    createPrivateKey(fixtures.server.key).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: SERVER_KEY_PASSPHRASE }),
  );
  serverPfxPath = path.join(fixtures.dir, 'server.p12');
  await promisify(execFile)(
    'openssl',
    [
      'pkcs12', '-export', '-inkey', 'server.key', '-in', 'server.crt', '-certfile', 'ca.crt', '-out', 'server.p12',
      '-keypbe', 'AES-256-CBC', '-certpbe', 'AES-256-CBC', '-macalg', 'sha256', '-passout', `pass:${SERVER_KEY_PASSPHRASE}`,
    ],
    { cwd: fixtures.dir, env: { ...process.env, OPENSSL_CONF: path.join(fixtures.dir, 'openssl.cnf') } },
  );
}, 60_000);

afterAll(async () => {
  await fixtures?.cleanup();
});

const running: TestPlugboard[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.close()));
});

/** A Plugboard listening on 127.0.0.1 with the given server.ssl.* settings; resolves to its URL. */
async function listenWithTls(ssl: Record<string, unknown>): Promise<string> {
  const settings = Object.fromEntries(Object.entries({ enabled: true, ...ssl }).map(([k, v]) => [`server.ssl.${k}`, v]));
  const test = await startTestPlugboard({ settings });
  running.push(test);
  return test.plugboard.listen();
}

const serverPem = () => ({ certificate: fixtures.server.certPath, key: fixtures.server.keyPath });

/** GET /api/status as the elastic user over HTTPS, with the given TLS client options. */
const getStatus = (url: string, tls: RequestOptions = {}) => httpsGet(`${url}/api/status`, { headers: { authorization: BASIC_AUTH }, ...tls });

const trusted = () => ({ ca: fixtures.ca.cert });
/** How a server that refuses the client certificate shows to the client (a TLS 1.3 alert, or a reset before it arrives). */
const CLIENT_CERT_REFUSED = /certificate required|unknown ca|ECONNRESET|socket hang up/;

describe('server.ssl', () => {
  it('serves HTTPS that a client trusting the CA accepts, and listen() says https://', async () => {
    const url = await listenWithTls(serverPem());
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const res = await getStatus(url, trusted());
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toHaveProperty('status');
  });

  it('is refused by a client that does not trust the CA', async () => {
    const url = await listenWithTls(serverPem());
    await expect(getStatus(url)).rejects.toMatchObject({ code: expect.stringMatching(/ISSUER|SIGNATURE|SELF_SIGNED/) });
    await expect(getStatus(url, { ca: fixtures.otherCa.cert })).rejects.toMatchObject({ code: expect.stringMatching(/ISSUER|SIGNATURE|SELF_SIGNED/) });
  });

  it('does not answer plain HTTP on the TLS port', async () => {
    const url = await listenWithTls(serverPem());
    const plain = url.replace(/^https:/, 'http:');
    const outcome = await new Promise<string>((resolve) => {
      const req = httpRequest(`${plain}/api/status`, { agent: false, headers: { authorization: BASIC_AUTH } }, (res) => {
        res.resume();
        resolve(`status ${res.statusCode}`);
      });
      req.on('error', (err) => resolve(`error ${(err as NodeJS.ErrnoException).code ?? err.message}`));
      req.setTimeout(10_000, () => req.destroy(new Error('timed out')));
      req.end();
    });
    expect(outcome).toMatch(/^error (ECONNRESET|EPIPE|socket hang up)/);
  });

  it('decrypts an encrypted key with keyPassphrase', async () => {
    const url = await listenWithTls({ certificate: fixtures.server.certPath, key: encryptedServerKeyPath, keyPassphrase: SERVER_KEY_PASSPHRASE });
    expect((await getStatus(url, trusted())).status).toBe(200);
  });

  it('stops start-up on a wrong keyPassphrase, naming the settings', async () => {
    await expect(
      listenWithTls({ certificate: fixtures.server.certPath, key: encryptedServerKeyPath, keyPassphrase: 'wrong' }),
    ).rejects.toThrow(/server\.ssl\.certificate \/ key \/ keyPassphrase/);
  });

  it('uses a PKCS#12 keystore (keystore.path and keystore.password)', async () => {
    const url = await listenWithTls({ keystore: { path: serverPfxPath, password: SERVER_KEY_PASSPHRASE } });
    expect((await getStatus(url, trusted())).status).toBe(200);
  });

  describe('clientAuthentication', () => {
    const clientCert = () => ({ cert: fixtures.client.cert, key: fixtures.client.key });

    it('required: refuses a client without a certificate and accepts one signed by certificateAuthorities', async () => {
      const url = await listenWithTls({ ...serverPem(), clientAuthentication: 'required', certificateAuthorities: fixtures.clientCa.certPath });
      await expect(getStatus(url, trusted())).rejects.toThrow(CLIENT_CERT_REFUSED);
      expect((await getStatus(url, { ...trusted(), ...clientCert() })).status).toBe(200);
    });

    it('required: refuses a client certificate from another CA', async () => {
      const url = await listenWithTls({ ...serverPem(), clientAuthentication: 'required', certificateAuthorities: [fixtures.otherCa.certPath] });
      await expect(getStatus(url, { ...trusted(), ...clientCert() })).rejects.toThrow(CLIENT_CERT_REFUSED);
    });

    it('optional: accepts clients with and without a certificate', async () => {
      const url = await listenWithTls({ ...serverPem(), clientAuthentication: 'optional', certificateAuthorities: [fixtures.clientCa.certPath] });
      expect((await getStatus(url, trusted())).status).toBe(200);
      expect((await getStatus(url, { ...trusted(), ...clientCert() })).status).toBe(200);
    });

    it('needs server.ssl.enabled', async () => {
      await expect(startTestPlugboard({ settings: { 'server.ssl.clientAuthentication': 'required' } })).rejects.toThrow(
        /server\.ssl\.clientAuthentication: needs server\.ssl\.enabled: true/,
      );
    });
  });

  it('supportedProtocols [TLSv1.3] refuses a TLSv1.2-only client', async () => {
    const url = await listenWithTls({ ...serverPem(), supportedProtocols: ['TLSv1.3'] });
    await expect(getStatus(url, { ...trusted(), maxVersion: 'TLSv1.2' })).rejects.toThrow(/protocol version/);
    expect((await getStatus(url, { ...trusted(), minVersion: 'TLSv1.3' })).status).toBe(200);
  });

  it('defaults to TLSv1.2 and TLSv1.3', async () => {
    const url = await listenWithTls(serverPem());
    expect((await getStatus(url, { ...trusted(), maxVersion: 'TLSv1.2' })).status).toBe(200);
    await expect(getStatus(url, { ...trusted(), minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' })).rejects.toThrow(/protocol version/);
  });

  describe('start-up errors', () => {
    it('enabled without certificate and key names both settings', async () => {
      const attempt = startTestPlugboard({ settings: { 'server.ssl.enabled': true } });
      await expect(attempt).rejects.toThrow(/server\.ssl\.certificate: must be set/);
      await expect(attempt).rejects.toThrow(/server\.ssl\.key: must be set/);
    });

    it('enabled with only a certificate names the key', async () => {
      await expect(startTestPlugboard({ settings: { 'server.ssl.enabled': true, 'server.ssl.certificate': fixtures.server.certPath } })).rejects.toThrow(
        /server\.ssl\.key: must be set/,
      );
    });

    it('refuses certificate together with keystore.path', async () => {
      await expect(
        startTestPlugboard({ settings: { 'server.ssl.enabled': true, 'server.ssl.certificate': fixtures.server.certPath, 'server.ssl.keystore.path': serverPfxPath } }),
      ).rejects.toThrow(/server\.ssl\.certificate: cannot be used together with server\.ssl\.keystore\.path/);
    });

    it.each([
      ['certificate', () => ({ ...serverPem(), certificate: path.join(fixtures.dir, 'missing.crt') })],
      ['key', () => ({ ...serverPem(), key: path.join(fixtures.dir, 'missing.key') })],
      ['certificateAuthorities', () => ({ ...serverPem(), certificateAuthorities: [fixtures.clientCa.certPath, path.join(fixtures.dir, 'missing-ca.crt')] })],
      ['keystore.path', () => ({ keystore: { path: path.join(fixtures.dir, 'missing.p12') } })],
    ])('an unreadable %s file names the setting', async (setting, ssl) => {
      await expect(listenWithTls(ssl())).rejects.toThrow(`server.ssl.${setting}: cannot read "${path.join(fixtures.dir, 'missing')}`);
    });

    it('reads no file and opens nothing when TLS is off', async () => {
      const test = await startTestPlugboard({ settings: { 'server.ssl.certificate': '/nonexistent/server.crt' } });
      running.push(test);
      expect(await test.plugboard.listen()).toMatch(/^http:\/\//);
    });
  });

  it('resolves relative file paths against the configuration file directory', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'plugboard-tls-data-'));
    const configFile = path.join(fixtures.dir, 'kibana.yml');
    writeFileSync(
      configFile,
      [
        'server.host: 127.0.0.1',
        'server.port: 0',
        'server.ssl.enabled: true',
        'server.ssl.certificate: server.crt',
        'server.ssl.key: ./server.key',
        'server.ssl.certificateAuthorities: client_ca.crt',
        'server.ssl.clientAuthentication: required',
        `path.data: ${JSON.stringify(dataDir)}`,
        `security.elasticPassword: ${TEST_PASSWORD}`,
        `xpack.encryptedSavedObjects.encryptionKey: ${TEST_ENCRYPTION_KEY}`,
        'logging.root.level: off',
        '',
      ].join('\n'),
    );
    const { config, baseDir } = loadConfig({ file: configFile });
    const plugboard = await createPlugboard({ config, baseDir, logger: pino({ level: 'silent' }) });
    try {
      const url = await plugboard.listen();
      expect(url).toMatch(/^https:/);
      expect((await getStatus(url, { ...trusted(), cert: fixtures.client.cert, key: fixtures.client.key })).status).toBe(200);
    } finally {
      await plugboard.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('plugboard serve prints an https:// URL', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'plugboard-tls-serve-'));
    const configFile = path.join(fixtures.dir, 'serve.yml');
    writeFileSync(configFile, ['server.ssl.enabled: true', 'server.ssl.certificate: server.crt', 'server.ssl.key: server.key', 'logging.root.level: off', ''].join('\n'));
    const env: NodeJS.ProcessEnv = { ...process.env, PLUGBOARD_ELASTIC_PASSWORD: TEST_PASSWORD };
    for (const key of ['PLUGBOARD_DATABASE_URL', 'PLUGBOARD_CONFIG', 'PLUGBOARD_PORT', 'PLUGBOARD_DATA_DIR']) delete env[key];
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir, '--config', configFile],
      { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      let output = '';
      const url = await new Promise<string>((resolve, reject) => {
        const onData = (chunk: Buffer) => {
          output += chunk.toString('utf8');
          const match = /Plugboard listening on (\S+)/.exec(output);
          if (match) resolve(match[1]);
        };
        child.stdout!.on('data', onData);
        child.stderr!.on('data', onData);
        child.once('exit', (code) => reject(new Error(`plugboard serve exited (${code}) before listening:\n${output}`)));
      });
      expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect((await getStatus(url, trusted())).status).toBe(200);
    } finally {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});
