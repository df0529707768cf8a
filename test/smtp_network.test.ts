import { createTransport } from 'nodemailer';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { networkPolicyFromConfig } from '../src/net/network_policy.js';
import { smtpTransportOptions } from '../src/net/smtp_connection.js';
import { startMappingProxy } from './helpers/mapping_proxy.js';
import { startTestSmtpServer, type TestSmtpServer } from './helpers/smtp_server.js';
import { findTinyproxy, startTinyproxy, type Tinyproxy } from './helpers/tinyproxy.js';
import { createTlsFixtures, type TlsFixtures } from './helpers/tls_fixtures.js';

// SMTP connections under the outbound policy, against a real SMTP server (smtp-server, with
// STARTTLS or implicit TLS and certificates made at test time) and a real proxy (tinyproxy).

const tinyproxyBin = await findTinyproxy();

let tls: TlsFixtures;
const servers: TestSmtpServer[] = [];

beforeAll(async () => {
  tls = await createTlsFixtures();
});
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});
afterAll(async () => {
  await tls.cleanup();
});

async function startSmtp(opts: { secure?: boolean; noStartTls?: boolean } = {}): Promise<TestSmtpServer> {
  const server = await startTestSmtpServer({
    secure: opts.secure ?? false,
    ...(opts.noStartTls ? { disabledCommands: ['STARTTLS'] } : {}),
    key: tls.server.key,
    cert: tls.server.cert,
  });
  servers.push(server);
  return server;
}

async function send(settings: Record<string, unknown>, server: TestSmtpServer, secure = false, host = '127.0.0.1') {
  const { config } = loadConfig({ settings: settings as never });
  const policy = networkPolicyFromConfig(config, process.cwd(), () => undefined);
  const transport = createTransport({ ...smtpTransportOptions(policy, { host, port: server.port, secure }), connectionTimeout: 5000 });
  try {
    return await transport.sendMail({ from: 'alerts@example.com', to: 'oncall@example.com', subject: 'Disk full', text: 'on host-1' });
  } finally {
    transport.close();
  }
}

const trustFor = (server: TestSmtpServer, smtp?: Record<string, boolean>) => ({
  'xpack.actions.customHostSettings': [{ url: `smtp://127.0.0.1:${server.port}`, ssl: { certificateAuthoritiesData: tls.ca.cert }, ...(smtp ? { smtp } : {}) }],
});

describe('SMTP under the outbound policy', () => {
  it('upgrades with STARTTLS, verifying the server against the CA of its smtp:// customHostSettings entry', async () => {
    const server = await startSmtp();
    await expect(send({}, server)).rejects.toThrow(/unable to verify|certificate/i);
    expect(server.received).toHaveLength(0);
    const info = await send(trustFor(server), server);
    expect(info.accepted).toEqual(['oncall@example.com']);
    expect(server.received).toHaveLength(1);
    expect(server.received[0]).toMatchObject({ secure: true, mailFrom: 'alerts@example.com' });
    expect(server.received[0].raw).toContain('Subject: Disk full');
  });

  it('speaks TLS from the first byte on a secure port, and skips verification under none', async () => {
    const server = await startSmtp({ secure: true });
    await expect(send({}, server, true)).rejects.toThrow(/unable to verify|certificate/i);
    await send({ 'xpack.actions.ssl.verificationMode': 'none' }, server, true);
    await send(trustFor(server), server, true);
    expect(server.received.map((r) => r.secure)).toEqual([true, true]);
  });

  it('follows smtp.ignoreTLS and smtp.requireTLS of the host entry', async () => {
    const offersTls = await startSmtp();
    // ignoreTLS: plain text even though the server offers STARTTLS (and its certificate is unknown).
    await send({ 'xpack.actions.customHostSettings': [{ url: `smtp://127.0.0.1:${offersTls.port}`, smtp: { ignoreTLS: true } }] }, offersTls);
    expect(offersTls.received.map((r) => r.secure)).toEqual([false]);

    const noTls = await startSmtp({ noStartTls: true });
    await send({}, noTls);
    expect(noTls.received.map((r) => r.secure)).toEqual([false]);
    await expect(send(trustFor(noTls, { requireTLS: true }), noTls)).rejects.toThrow(/STARTTLS/);
    expect(noTls.received).toHaveLength(1);
  });

  it('refuses a server in a denied address range before connecting', async () => {
    const server = await startSmtp();
    const err = await send({ 'plugboard.net.deniedAddresses': ['127.0.0.0/8'] }, server).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'EADDRDENIED' });
    expect((err as Error).message).toContain('plugboard.net.deniedAddresses');
    expect(server.connections).toBe(0);
  });

  it('hands a server name only the proxy can resolve to the proxy, and still refuses a denied address before it', async () => {
    const name = 'only-the-proxy-knows.test';
    const proxy = await startMappingProxy({ [name]: '127.0.0.1' });
    try {
      // Without STARTTLS: the test certificate does not name the proxy-only host.
      const server = await startSmtp({ noStartTls: true });
      const settings = { 'xpack.actions.proxyUrl': proxy.url, 'plugboard.net.deniedAddresses': ['127.0.0.0/8'] };
      await send(settings, server, false, name);
      expect(server.received).toHaveLength(1);
      await expect(send(settings, server)).rejects.toMatchObject({ code: 'EADDRDENIED' });
      expect(proxy.targets).toEqual([`${name}:${server.port}`]);
    } finally {
      await proxy.close();
    }
  });

  describe.skipIf(!tinyproxyBin)('through the proxy', () => {
    let proxy: Tinyproxy;
    beforeAll(async () => {
      proxy = (await startTinyproxy({ basicAuth: { user: 'mailer', password: 'proxy-pass' } }))!;
    });
    afterAll(async () => {
      await proxy.stop();
    });
    const proxyHeaders = { 'Proxy-Authorization': `Basic ${Buffer.from('mailer:proxy-pass').toString('base64')}` };

    it('tunnels the SMTP connection with CONNECT, sending proxyHeaders, with TLS end to end', async () => {
      const server = await startSmtp();
      const before = (await proxy.targets()).length;
      await send({ 'xpack.actions.proxyUrl': proxy.url, 'xpack.actions.proxyHeaders': proxyHeaders, ...trustFor(server) }, server);
      expect(server.received.map((r) => r.secure)).toEqual([true]);
      expect((await proxy.targets()).slice(before)).toEqual([`127.0.0.1:${server.port}`]);
      // Without the proxy's credentials the tunnel is refused.
      await expect(send({ 'xpack.actions.proxyUrl': proxy.url, ...trustFor(server) }, server)).rejects.toThrow('Proxy response (407) !== 200 when HTTP Tunneling');
      // A bypassed host is reached directly.
      const direct = (await proxy.targets()).length;
      await send({ 'xpack.actions.proxyUrl': proxy.url, 'xpack.actions.proxyBypassHosts': ['127.0.0.1'], ...trustFor(server) }, server);
      expect((await proxy.targets()).length).toBe(direct);
      expect(server.received).toHaveLength(2);
    });
  });
});
