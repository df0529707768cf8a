import { lookup } from 'node:dns/promises';
import { writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect as netConnect, type AddressInfo } from 'node:net';
import path from 'node:path';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { OutboundHttp } from '../src/net/http_client.js';
import { networkPolicyFromConfig } from '../src/net/network_policy.js';
import { availableDialects } from './helpers/databases.js';
import { captureLogger } from './helpers/logs.js';
import { startMappingProxy, type MappingProxy } from './helpers/mapping_proxy.js';
import { startTestPlugboard } from './helpers/plugboard.js';
import { startStatusSink } from './helpers/status_sink.js';
import { findTinyproxy, startTinyproxy, type Tinyproxy } from './helpers/tinyproxy.js';
import { createTlsFixtures, startTlsServer, type TestTlsServer, type TlsFixtures } from './helpers/tls_fixtures.js';

// The outbound policy against real parts: tinyproxy started by the test, TLS servers with
// certificates made by openssl at test time. Which requests went through the proxy is read
// from the proxy's own log.

const tinyproxyBin = await findTinyproxy();
const dialects = await availableDialects();
const clients: OutboundHttp[] = [];

function clientFor(settings: Record<string, unknown>, baseDir = process.cwd()): OutboundHttp {
  const { config } = loadConfig({ settings: settings as never });
  const http = new OutboundHttp({
    policy: networkPolicyFromConfig(config, baseDir, () => undefined),
    maxResponseContentLength: config.xpack.actions.maxResponseContentLength,
    responseTimeoutMs: 5000,
  });
  clients.push(http);
  return http;
}

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
});

/** A plain http server on 127.0.0.1 that records request headers. */
async function startHttpTarget(): Promise<{ url: string; port: number; headers: IncomingHttpHeaders[]; close(): Promise<void> }> {
  const headers: IncomingHttpHeaders[] = [];
  const server: Server = createHttpServer((req, res) => {
    headers.push(req.headers);
    req.resume();
    req.on('end', () => res.end('plain ok'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    headers,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

let tls: TlsFixtures;
let trusted: TestTlsServer;
let wrongHost: TestTlsServer;
let untrusted: TestTlsServer;
let plain: Awaited<ReturnType<typeof startHttpTarget>>;

beforeAll(async () => {
  tls = await createTlsFixtures();
  [trusted, wrongHost, untrusted, plain] = await Promise.all([
    startTlsServer(tls.server),
    startTlsServer(tls.wrongHost),
    startTlsServer(tls.untrusted),
    startHttpTarget(),
  ]);
});
afterAll(async () => {
  await Promise.all([trusted.close(), wrongHost.close(), untrusted.close(), plain.close()]);
  await tls.cleanup();
});

describe('TLS verification (xpack.actions.ssl.verificationMode, customHostSettings)', () => {
  const caFor = (server: TestTlsServer) => ({
    'xpack.actions.customHostSettings': [{ url: server.url, ssl: { certificateAuthoritiesData: tls.ca.cert } }],
  });

  it('refuses a server signed by an unknown CA under full and certificate, and accepts it under none', async () => {
    for (const mode of ['full', 'certificate'] as const) {
      const err = await clientFor({ 'xpack.actions.ssl.verificationMode': mode }).send({ url: untrusted.url }).catch((e: unknown) => e);
      expect(err, mode).toMatchObject({ name: 'OutboundRequestError', code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    }
    await expect(clientFor({ 'xpack.actions.ssl.verificationMode': 'none' }).send({ url: untrusted.url })).resolves.toMatchObject({ status: 200, body: 'ok' });
    // The older form of the setting.
    await expect(clientFor({ 'xpack.actions.rejectUnauthorized': false }).send({ url: untrusted.url })).resolves.toMatchObject({ status: 200 });
  });

  it('trusts a host through its customHostSettings CA, given inline or as a file', async () => {
    await expect(clientFor({}).send({ url: trusted.url })).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    await expect(clientFor(caFor(trusted)).send({ url: `${trusted.url}/any` })).resolves.toMatchObject({ status: 200 });
    const fromFile = clientFor(
      { 'xpack.actions.customHostSettings': [{ url: trusted.url, ssl: { certificateAuthoritiesFiles: path.basename(tls.ca.certPath) } }] },
      path.dirname(tls.ca.certPath),
    );
    await expect(fromFile.send({ url: trusted.url })).resolves.toMatchObject({ status: 200 });
    // Another port of the same host is another entry: not trusted.
    await expect(clientFor(caFor(trusted)).send({ url: untrusted.url })).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
  });

  it('refuses a hostname mismatch only under full', async () => {
    const full = await clientFor(caFor(wrongHost)).send({ url: wrongHost.url }).catch((e: unknown) => e);
    expect(full).toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    await expect(clientFor({ ...caFor(wrongHost), 'xpack.actions.ssl.verificationMode': 'certificate' }).send({ url: wrongHost.url })).resolves.toMatchObject({ status: 200 });
    // Per host: the entry's own mode.
    const perHost = { 'xpack.actions.customHostSettings': [{ url: wrongHost.url, ssl: { certificateAuthoritiesData: tls.ca.cert, verificationMode: 'certificate' } }] };
    await expect(clientFor(perHost).send({ url: wrongHost.url })).resolves.toMatchObject({ status: 200 });
  });
});

describe.skipIf(!tinyproxyBin)('proxy (xpack.actions.proxyUrl and friends) through tinyproxy', () => {
  let proxy: Tinyproxy;
  beforeAll(async () => {
    proxy = (await startTinyproxy())!;
  });
  afterAll(async () => {
    await proxy.stop();
  });
  const newTargets = async (before: number) => (await proxy.targets()).slice(before);

  it('tunnels https targets with CONNECT and forwards http targets, keeping the target TLS policy', async () => {
    const before = (await proxy.targets()).length;
    const http = clientFor({
      'xpack.actions.proxyUrl': proxy.url,
      'xpack.actions.customHostSettings': [{ url: trusted.url, ssl: { certificateAuthoritiesData: tls.ca.cert } }],
    });
    await expect(http.send({ url: `${trusted.url}/tunnelled`, method: 'POST', body: 'x' })).resolves.toMatchObject({ status: 200 });
    await expect(http.send({ url: `${plain.url}/forwarded` })).resolves.toMatchObject({ status: 200, body: 'plain ok' });
    // Through the tunnel the target's certificate is still checked.
    await expect(http.send({ url: untrusted.url })).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    expect(await newTargets(before)).toEqual([`127.0.0.1:${trusted.port}`, `127.0.0.1:${plain.port}`, `127.0.0.1:${untrusted.port}`]);
    expect(trusted.requests.at(-1)).toMatchObject({ method: 'POST', url: '/tunnelled', body: 'x' });
    // tinyproxy marks what it forwarded.
    expect(plain.headers.at(-1)!.via).toMatch(/tinyproxy/);
  });

  it('leaves out proxyBypassHosts, or proxies only proxyOnlyHosts', async () => {
    let before = (await proxy.targets()).length;
    const bypass = clientFor({ 'xpack.actions.proxyUrl': proxy.url, 'xpack.actions.proxyBypassHosts': ['127.0.0.1'] });
    await bypass.send({ url: plain.url });
    await bypass.send({ url: `http://localhost:${plain.port}/` });
    expect(await newTargets(before)).toEqual([`localhost:${plain.port}`]);

    before = (await proxy.targets()).length;
    const only = clientFor({ 'xpack.actions.proxyUrl': proxy.url, 'xpack.actions.proxyOnlyHosts': ['127.0.0.1'] });
    await only.send({ url: plain.url });
    await only.send({ url: `http://localhost:${plain.port}/` });
    expect(await newTargets(before)).toEqual([`127.0.0.1:${plain.port}`]);
  });

  it('checks the SSRF guard before asking the proxy', async () => {
    const before = (await proxy.targets()).length;
    const http = clientFor({ 'xpack.actions.proxyUrl': proxy.url, 'plugboard.net.deniedAddresses': ['127.0.0.0/8', '::1/128', '169.254.0.0/16'] });
    await expect(http.send({ url: `http://localhost:${plain.port}/` })).rejects.toMatchObject({ code: 'EADDRDENIED' });
    await expect(http.send({ url: 'http://169.254.169.254/' })).rejects.toMatchObject({ code: 'EADDRDENIED' });
    expect(await newTargets(before)).toEqual([]);
  });

  it('sends proxyHeaders to the proxy, on CONNECT and on forwarded requests', async () => {
    const guarded = (await startTinyproxy({ basicAuth: { user: 'plugboard', password: 'proxy-pass' } }))!;
    try {
      const withoutHeaders = clientFor({ 'xpack.actions.proxyUrl': guarded.url });
      await expect(withoutHeaders.send({ url: plain.url })).rejects.toThrow(/407/);
      const headers = { 'Proxy-Authorization': `Basic ${Buffer.from('plugboard:proxy-pass').toString('base64')}` };
      const http = clientFor({
        'xpack.actions.proxyUrl': guarded.url,
        'xpack.actions.proxyHeaders': headers,
        'xpack.actions.ssl.verificationMode': 'none',
      });
      await expect(http.send({ url: plain.url })).resolves.toMatchObject({ status: 200 });
      await expect(http.send({ url: untrusted.url })).resolves.toMatchObject({ status: 200 });
      // The proxy's credentials are for the proxy only.
      expect(plain.headers.at(-1)!['proxy-authorization']).toBeUndefined();
    } finally {
      await guarded.stop();
    }
  });

  describe('an https:// proxy (ssl.proxyVerificationMode)', () => {
    let front: TlsServer;
    let frontUrl: string;
    beforeAll(async () => {
      // TLS in front of tinyproxy, with a certificate of an unknown CA.
      front = createTlsServer({ key: tls.untrusted.key, cert: tls.untrusted.cert }, (socket) => {
        const upstream = netConnect(proxy.port, '127.0.0.1');
        socket.pipe(upstream).pipe(socket);
        const end = () => {
          socket.destroy();
          upstream.destroy();
        };
        socket.on('error', end);
        upstream.on('error', end);
      });
      await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
      frontUrl = `https://127.0.0.1:${(front.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      await new Promise((resolve) => front.close(resolve));
    });

    it('verifies the proxy certificate unless told not to', async () => {
      await expect(clientFor({ 'xpack.actions.proxyUrl': frontUrl }).send({ url: plain.url })).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
      const before = (await proxy.targets()).length;
      const lax = clientFor({ 'xpack.actions.proxyUrl': frontUrl, 'xpack.actions.ssl.proxyVerificationMode': 'none' });
      await expect(lax.send({ url: plain.url })).resolves.toMatchObject({ status: 200 });
      expect(await newTargets(before)).toEqual([`127.0.0.1:${plain.port}`]);
    });
  });

  it('is what a connector execution goes through, end to end', async () => {
    const before = (await proxy.targets()).length;
    const pb = await startTestPlugboard({ settings: { 'xpack.actions.proxyUrl': proxy.url } });
    try {
      const created = await pb.api('POST', '/api/actions/connector', {
        name: 'via proxy',
        connector_type_id: '.webhook',
        config: { url: `${plain.url}/e2e`, hasAuth: false },
        secrets: {},
      });
      expect(created.status).toBe(200);
      const run = await pb.api('POST', `/api/actions/connector/${created.body.id}/_execute`, { params: { body: 'hello' } });
      expect(run.body).toMatchObject({ status: 'ok' });
      expect(await newTargets(before)).toEqual([`127.0.0.1:${plain.port}`]);
    } finally {
      await pb.close();
    }
  });
});

// A name only the proxy can resolve, as behind a proxy that queries an internal DNS. `.test` is
// reserved, so this machine's resolver does not know it either.
const PROXY_ONLY_NAME = 'only-the-proxy-knows.test';
const LOOPBACK_DENIED = ['127.0.0.0/8', '::1/128', '169.254.0.0/16'];

describe('the SSRF guard behind a proxy that resolves names this machine cannot', () => {
  let proxy: MappingProxy;
  beforeAll(async () => {
    proxy = await startMappingProxy({ [PROXY_ONLY_NAME]: '127.0.0.1' });
  });
  afterAll(async () => {
    await proxy.close();
  });

  it('hands such a name to the proxy, forwarded over http and tunnelled with CONNECT', async () => {
    await expect(lookup(PROXY_ONLY_NAME), 'the premise: this machine cannot resolve the name').rejects.toThrow();
    const before = proxy.targets.length;
    const http = clientFor({
      'xpack.actions.proxyUrl': proxy.url,
      // The proxy's own view of the network decides where the name leads, even into a range
      // this machine denies.
      'plugboard.net.deniedAddresses': LOOPBACK_DENIED,
      'xpack.actions.customHostSettings': [
        { url: `https://${PROXY_ONLY_NAME}:${trusted.port}`, ssl: { certificateAuthoritiesData: tls.ca.cert, verificationMode: 'certificate' } },
      ],
    });
    await expect(http.send({ url: `http://${PROXY_ONLY_NAME}:${plain.port}/forwarded` })).resolves.toMatchObject({ status: 200, body: 'plain ok' });
    expect(plain.headers.at(-1)!.host).toBe(`${PROXY_ONLY_NAME}:${plain.port}`);
    await expect(http.send({ url: `https://${PROXY_ONLY_NAME}:${trusted.port}/tunnelled`, method: 'POST', body: 'x' })).resolves.toMatchObject({ status: 200 });
    expect(trusted.requests.at(-1)).toMatchObject({ method: 'POST', url: '/tunnelled', body: 'x' });
    expect(proxy.targets.slice(before)).toEqual([`${PROXY_ONLY_NAME}:${plain.port}`, `${PROXY_ONLY_NAME}:${trusted.port}`]);

    // Without the proxy the name leads nowhere.
    await expect(clientFor({}).send({ url: `http://${PROXY_ONLY_NAME}:${plain.port}/` })).rejects.toMatchObject({ name: 'OutboundRequestError' });
  });

  it('still refuses addresses in a denied range, and names that resolve here into one, before asking the proxy', async () => {
    const before = proxy.targets.length;
    const http = clientFor({ 'xpack.actions.proxyUrl': proxy.url, 'plugboard.net.deniedAddresses': LOOPBACK_DENIED });
    for (const url of [`http://127.0.0.1:${plain.port}/`, `http://[::1]:${plain.port}/`, `http://localhost:${plain.port}/`, `https://localhost:${trusted.port}/`, 'http://169.254.169.254/latest/meta-data/']) {
      await expect(http.send({ url }), url).rejects.toMatchObject({ code: 'EADDRDENIED' });
    }
    expect(proxy.targets.slice(before)).toEqual([]);
  });
});

describe.each(dialects)('a webhook connector behind that proxy, on %s', (dialect) => {
  it("reaches its target through the proxy and reads the target's answers (Kibana's unreachable-target test)", async () => {
    const [sink, proxy] = await Promise.all([startStatusSink(), startMappingProxy({ [PROXY_ONLY_NAME]: '127.0.0.1' })]);
    const pb = await startTestPlugboard({ dialect, settings: { 'xpack.actions.proxyUrl': proxy.url } });
    try {
      const target = `${PROXY_ONLY_NAME}:${new URL(sink.url).port}`;
      const created = await pb.api('POST', '/api/actions/connector', {
        name: 'behind the proxy',
        connector_type_id: '.webhook',
        config: { url: `http://${target}/endpoint` },
        secrets: {},
      });
      expect(created.status).toBe(200);
      const execute = () => pb.api('POST', `/api/actions/connector/${created.body.id}/_execute`, { params: { body: 'failure' } });

      sink.respondWith({ status: 500, body: '' });
      expect((await execute()).body).toMatchObject({ status: 'error', message: 'error calling webhook, retry later', service_message: '[500] Internal Server Error', retry: true });
      sink.respondWith({ status: 200, body: '' });
      expect((await execute()).body).toMatchObject({ status: 'ok' });

      expect(sink.requests.map((r) => [r.method, r.url, r.headers.host, r.body])).toEqual([
        ['POST', '/endpoint', target, 'failure'],
        ['POST', '/endpoint', target, 'failure'],
      ]);
      expect(proxy.targets).toEqual([target, target]);
    } finally {
      await pb.close();
      await Promise.all([sink.close(), proxy.close()]);
    }
  });
});

describe('start-up', () => {
  it('warns that plugboard.serviceUrlOverrides sends a type elsewhere', async () => {
    const { logger, records } = captureLogger();
    const pb = await startTestPlugboard({ logger, settings: { 'plugboard.serviceUrlOverrides': { '.slack_api': 'http://127.0.0.1:9/api' } } });
    await pb.close();
    expect(records()).toContainEqual(
      expect.objectContaining({
        level: 40,
        msg: 'plugboard.serviceUrlOverrides: every .slack_api connector talks to http://127.0.0.1:9/api instead of its service; meant for tests and demos only.',
      }),
    );
  });

  it('stops when a customHostSettings CA file cannot be read, naming the setting', async () => {
    const missing = path.join(tls.dir, 'missing-ca.pem');
    await expect(
      startTestPlugboard({ settings: { 'xpack.actions.customHostSettings': [{ url: 'https://a.example', ssl: { certificateAuthoritiesFiles: [missing] } }] } }),
    ).rejects.toThrow(`xpack.actions.customHostSettings[0].ssl.certificateAuthoritiesFiles: cannot read "${missing}"`);
    writeFileSync(missing, tls.ca.cert);
    const pb = await startTestPlugboard({ settings: { 'xpack.actions.customHostSettings': [{ url: 'https://a.example', ssl: { certificateAuthoritiesFiles: [missing] } }] } });
    await pb.close();
  });
});
