import { createServer as createHttpServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSecureContext } from 'node:tls';
import { ProxyAgent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTinyproxy, parseTinyproxyLog, startTinyproxy, type Tinyproxy } from './helpers/tinyproxy.js';
import { CLIENT_PFX_PASSPHRASE, createTlsFixtures, FIXTURE_CN, httpsGet, startTlsServer, type TestTlsServer, type TlsFixtures } from './helpers/tls_fixtures.js';

// Self-test of the outbound-networking test helpers: openssl-made certificates behave as their
// names say, and a test-started tinyproxy tunnels/forwards and reports what it was asked for.
// The proxy part skips without tinyproxy, unless PLUGBOARD_REQUIRE_SERVICES=1.

const tinyproxyBin = await findTinyproxy();

let fx: TlsFixtures;
const servers: TestTlsServer[] = [];

beforeAll(async () => {
  fx = await createTlsFixtures();
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await fx?.cleanup();
});

async function tlsServer(opts: Parameters<typeof startTlsServer>[0]): Promise<TestTlsServer> {
  const server = await startTlsServer(opts);
  servers.push(server);
  return server;
}

describe('TLS fixtures', () => {
  it('makes a server certificate that is trusted through the test CA only', async () => {
    const server = await tlsServer({ key: fx.server.key, cert: fx.server.cert });
    expect(server.url).toBe(`https://127.0.0.1:${server.port}`);

    expect(await httpsGet(`${server.url}/hello?x=1`, { ca: fx.ca.cert })).toEqual({ status: 200, body: 'ok' });
    expect(await httpsGet(`https://localhost:${server.port}/`, { ca: fx.ca.cert })).toEqual({ status: 200, body: 'ok' });
    expect(server.requests[0]).toMatchObject({ method: 'GET', url: '/hello?x=1', body: '' });
    expect(server.requests[0].clientCertSubject).toBeUndefined();

    // Not trusted by default (Node's bundled roots), nor through another CA.
    await expect(httpsGet(server.url)).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    await expect(httpsGet(server.url, { ca: fx.otherCa.cert })).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
  });

  it('makes a certificate from an unknown CA', async () => {
    const server = await tlsServer({ key: fx.untrusted.key, cert: fx.untrusted.cert });
    await expect(httpsGet(server.url, { ca: fx.ca.cert })).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    expect(await httpsGet(server.url, { ca: fx.otherCa.cert })).toEqual({ status: 200, body: 'ok' });
  });

  it('makes a certificate for the wrong host name', async () => {
    const server = await tlsServer({ key: fx.wrongHost.key, cert: fx.wrongHost.cert });
    await expect(httpsGet(server.url, { ca: fx.ca.cert })).rejects.toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    await expect(httpsGet(`https://localhost:${server.port}/`, { ca: fx.ca.cert })).rejects.toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    // The chain itself is fine: only the host name check fails.
    expect(await httpsGet(server.url, { ca: fx.ca.cert, checkServerIdentity: () => undefined })).toEqual({ status: 200, body: 'ok' });
  });

  it('makes client certificates as a PEM pair, an encrypted key and a PKCS#12 bundle', async () => {
    // Node 20 (OpenSSL 3) loads the bundle without the legacy provider.
    expect(() => createSecureContext({ pfx: fx.clientPfx, passphrase: CLIENT_PFX_PASSPHRASE })).not.toThrow();
    expect(fx.clientEncryptedKey).toContain('-----BEGIN ENCRYPTED PRIVATE KEY-----');

    const server = await tlsServer({
      key: fx.server.key,
      cert: fx.server.cert,
      requestCert: true,
      ca: fx.clientCa.cert,
      handler: (req, res, body) => {
        res.writeHead(201, { 'content-type': 'text/plain' });
        res.end(`got ${req.method} ${body.length}`);
      },
    });
    const base = { ca: fx.ca.cert };

    expect(await httpsGet(server.url, { ...base, key: fx.client.key, cert: fx.client.cert })).toEqual({ status: 201, body: 'got GET 0' });
    expect(await httpsGet(server.url, { ...base, key: fx.clientEncryptedKey, passphrase: CLIENT_PFX_PASSPHRASE, cert: fx.client.cert })).toMatchObject({ status: 201 });
    expect(await httpsGet(server.url, { ...base, pfx: fx.clientPfx, passphrase: CLIENT_PFX_PASSPHRASE })).toMatchObject({ status: 201 });
    expect(server.requests.map((r) => r.clientCertSubject)).toEqual([FIXTURE_CN.client, FIXTURE_CN.client, FIXTURE_CN.client]);

    // No client certificate, or one from a CA the server does not trust: the handshake fails.
    // (TLS 1.3: the client learns it when it reads the answer: an alert, or a reset.)
    const refused = { code: expect.stringMatching(/CERTIFICATE_REQUIRED|ECONNRESET|EPIPE/) };
    await expect(httpsGet(server.url, base)).rejects.toMatchObject(refused);
    await expect(httpsGet(server.url, { ...base, key: fx.server.key, cert: fx.server.cert })).rejects.toMatchObject(refused);
    expect(server.requests).toHaveLength(3);
    expect(server.tlsClientErrors.length).toBeGreaterThanOrEqual(2);

    // A wrong passphrase fails on the client before anything is sent.
    await expect(httpsGet(server.url, { ...base, pfx: fx.clientPfx, passphrase: 'wrong' })).rejects.toThrow(/mac verify failure/i);
  });
});

describe('tinyproxy log parsing', () => {
  it('normalises CONNECT and absolute-form targets to host:port', () => {
    const log = [
      'CONNECT   Nov 28 08:19:33.254 [10832]: Connect (file descriptor 5): 127.0.0.1',
      'CONNECT   Nov 28 08:19:33.254 [10832]: Request (file descriptor 5): GET http://127.0.0.1:38766/foo?x=1 HTTP/1.1',
      'INFO      Nov 28 08:19:33.255 [10832]: opensock: opening connection to 127.0.0.1:38766',
      'CONNECT   Nov 28 08:19:33.277 [10832]: Request (file descriptor 5): CONNECT 127.0.0.1:44321 HTTP/1.1',
      'CONNECT   Nov 28 08:19:33.293 [10832]: Request (file descriptor 7): GET http://LocalHost/ HTTP/1.1',
      'CONNECT   Nov 28 08:19:33.306 [10832]: Request (file descriptor 5): GET http://[::1]:81/ HTTP/1.0',
      'CONNECT   Nov 28 08:19:33.321 [10832]: Request (file descriptor 5): CONNECT [::1]:443 HTTP/1.1',
      'CONNECT   Nov 28 08:19:33.321 [10832]: Request (file descriptor 5): GET http://half.written',
    ].join('\n');
    expect(parseTinyproxyLog(log).map((r) => r.hostPort)).toEqual(['127.0.0.1:38766', '127.0.0.1:44321', 'localhost:80', '[::1]:81', '[::1]:443']);
    expect(parseTinyproxyLog(log)[1]).toEqual({ method: 'CONNECT', target: '127.0.0.1:44321', hostPort: '127.0.0.1:44321' });
  });
});

describe.skipIf(!tinyproxyBin)('tinyproxy', () => {
  let tlsTarget: TestTlsServer;
  let httpTarget: Server;
  let httpUrl: string;
  const httpSeen: Array<{ url: string; headers: IncomingHttpHeaders }> = [];

  beforeAll(async () => {
    tlsTarget = await tlsServer({ key: fx.server.key, cert: fx.server.cert });
    httpTarget = createHttpServer((req, res) => {
      httpSeen.push({ url: req.url ?? '', headers: req.headers });
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('plain ok');
    });
    await new Promise<void>((resolve) => httpTarget.listen(0, '127.0.0.1', resolve));
    httpUrl = `http://127.0.0.1:${(httpTarget.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    httpTarget.closeAllConnections();
    await new Promise((resolve) => httpTarget.close(resolve));
  });

  async function withProxy(opts: Parameters<typeof startTinyproxy>[0], fn: (proxy: Tinyproxy) => Promise<void>): Promise<void> {
    const proxy = await startTinyproxy(opts);
    if (!proxy) throw new Error('tinyproxy was found but startTinyproxy() returned undefined');
    try {
      await fn(proxy);
    } catch (err) {
      (err as Error).message += `\n--- tinyproxy log ---\n${await proxy.log()}`;
      throw err;
    } finally {
      await proxy.stop();
    }
  }

  it('tunnels https through CONNECT, forwards plain http, and lists both targets', async () => {
    await withProxy({}, async (proxy) => {
      expect(proxy.url).toBe(`http://127.0.0.1:${proxy.port}`);

      const tunnel = new ProxyAgent({ uri: proxy.url, requestTls: { ca: fx.ca.cert } });
      const plain = new ProxyAgent({ uri: proxy.url, proxyTunnel: false });
      try {
        const viaConnect = await request(`${tlsTarget.url}/through-connect`, { dispatcher: tunnel });
        expect(viaConnect.statusCode).toBe(200);
        expect(await viaConnect.body.text()).toBe('ok');
        expect(tlsTarget.requests.at(-1)).toMatchObject({ url: '/through-connect' });

        const viaForward = await request(`${httpUrl}/forwarded?q=1`, { dispatcher: plain });
        expect(viaForward.statusCode).toBe(200);
        expect(await viaForward.body.text()).toBe('plain ok');
        // tinyproxy rewrote the absolute-form request and added its Via header.
        expect(httpSeen.at(-1)?.url).toBe('/forwarded?q=1');
        expect(httpSeen.at(-1)?.headers.via).toMatch(/tinyproxy/);
      } finally {
        await Promise.all([tunnel.close(), plain.close()]);
      }

      expect(await proxy.targets()).toEqual([`127.0.0.1:${tlsTarget.port}`, new URL(httpUrl).host]);
      expect((await proxy.requests()).map((r) => r.method)).toEqual(['CONNECT', 'GET']);
    });
  });

  it('with basicAuth, refuses requests without Proxy-Authorization (407) and passes them with it', async () => {
    const user = 'plugboard';
    const password = 'proxy-secret';
    await withProxy({ basicAuth: { user, password } }, async (proxy) => {
      const authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

      // A raw absolute-form request shows the real answer.
      const raw = await new Promise<{ status: number; headers: IncomingHttpHeaders }>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port: proxy.port, path: `${httpUrl}/raw`, agent: false }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
        });
        req.on('error', reject);
        req.end();
      });
      expect(raw.status).toBe(407);
      expect(raw.headers['proxy-authenticate']).toMatch(/^Basic /);

      const agents = {
        tunnel: new ProxyAgent({ uri: proxy.url, requestTls: { ca: fx.ca.cert } }),
        plain: new ProxyAgent({ uri: proxy.url, proxyTunnel: false }),
        tunnelAuth: new ProxyAgent({ uri: proxy.url, requestTls: { ca: fx.ca.cert }, headers: { 'proxy-authorization': authorization } }),
        plainAuth: new ProxyAgent({ uri: proxy.url, proxyTunnel: false, headers: { 'proxy-authorization': authorization } }),
        plainWrong: new ProxyAgent({ uri: proxy.url, proxyTunnel: false, headers: { 'proxy-authorization': `Basic ${Buffer.from(`${user}:nope`).toString('base64')}` } }),
      };
      try {
        // undici turns a 407 into an error: "Proxy response (407) !== 200 when HTTP Tunneling"
        // for CONNECT, "Proxy Authentication Required (407)" for absolute-form requests.
        await expect(request(`${tlsTarget.url}/no-auth`, { dispatcher: agents.tunnel })).rejects.toThrow(/407/);
        await expect(request(`${httpUrl}/no-auth`, { dispatcher: agents.plain })).rejects.toThrow(/407/);

        const tunnelled = await request(`${tlsTarget.url}/auth`, { dispatcher: agents.tunnelAuth });
        expect([tunnelled.statusCode, await tunnelled.body.text()]).toEqual([200, 'ok']);
        const forwarded = await request(`${httpUrl}/auth`, { dispatcher: agents.plainAuth });
        expect([forwarded.statusCode, await forwarded.body.text()]).toEqual([200, 'plain ok']);

        // Wrong credentials: tinyproxy 1.11 answers 401 (not 407), which undici passes through.
        const wrong = await request(`${httpUrl}/wrong-auth`, { dispatcher: agents.plainWrong });
        await wrong.body.dump();
        expect([401, 407]).toContain(wrong.statusCode);
      } finally {
        await Promise.all(Object.values(agents).map((a) => a.close()));
      }

      // Refused requests are listed too: targets() is what the proxy was asked for.
      const tls = `127.0.0.1:${tlsTarget.port}`;
      const http = new URL(httpUrl).host;
      expect(await proxy.targets()).toEqual([http, tls, http, tls, http, http]);
    });
  });
});
