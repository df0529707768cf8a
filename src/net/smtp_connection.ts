import { once } from 'node:events';
import { connect as netConnect, isIP, type Socket } from 'node:net';
import type { SMTPTransportOptions } from 'nodemailer';
import { Client } from 'undici';
import type { NetworkPolicy, ProxySettings } from './network_policy.js';
import { tlsConnectionOptions } from './tls_options.js';

const CONNECT_TIMEOUT_MS = 30_000;

export interface SmtpServer {
  host: string;
  port: number;
  /** TLS from the first byte (usually port 465); otherwise STARTTLS when the server offers it. */
  secure: boolean;
}

/**
 * nodemailer SMTP transport options for a server, under the same policy as HTTP: the TLS
 * verification and CA of xpack.actions.ssl and customHostSettings, the smtp requireTLS /
 * ignoreTLS of its `smtp://host:port` entry, the proxy (a CONNECT tunnel, with proxyHeaders)
 * and the SSRF guard. The socket is always opened here, never by nodemailer, so that the guard
 * sees the address actually connected to.
 */
export function smtpTransportOptions(policy: NetworkPolicy, server: SmtpServer): SMTPTransportOptions {
  const rules = policy.smtpPolicy(server.host, server.port);
  return {
    host: server.host,
    port: server.port,
    secure: server.secure,
    tls: { ...rules.tls, ...(isIP(server.host) ? {} : { servername: server.host }) },
    ...(rules.requireTLS ? { requireTLS: true } : {}),
    ...(rules.ignoreTLS ? { ignoreTLS: true } : {}),
    getSocket: (_options, callback) => {
      openSmtpSocket(policy, server, rules.proxy).then(
        (connection) => callback(null, { connection }),
        (err: Error) => callback(err),
      );
    },
  };
}

async function openSmtpSocket(policy: NetworkPolicy, server: SmtpServer, proxy: ProxySettings | undefined): Promise<Socket> {
  const guard = policy.deniedAddresses;
  if (proxy) {
    await guard.checkHostname(server.host);
    return tunnel(proxy, server);
  }
  guard.checkLiteral(server.host);
  const socket = netConnect({ host: server.host, port: server.port, timeout: CONNECT_TIMEOUT_MS, ...(guard.enabled ? { lookup: guard.lookup } : {}) });
  try {
    await Promise.race([
      once(socket, 'connect'),
      once(socket, 'timeout').then(() => {
        throw new Error(`connection to ${server.host}:${server.port} timed out`);
      }),
    ]);
  } catch (err) {
    socket.destroy();
    throw err;
  }
  socket.setTimeout(0);
  return socket;
}

/** A CONNECT tunnel through the proxy, sending proxyHeaders, verifying an https proxy by its mode. */
async function tunnel(proxy: ProxySettings, server: SmtpServer): Promise<Socket> {
  const client = new Client(proxy.url, { connect: { ...tlsConnectionOptions({ verificationMode: proxy.verificationMode }), timeout: CONNECT_TIMEOUT_MS } });
  try {
    const host = server.host.includes(':') ? `[${server.host}]` : server.host;
    const { socket, statusCode } = await client.connect({ path: `${host}:${server.port}`, headers: proxy.headers });
    if (statusCode !== 200) {
      socket.destroy();
      throw new Error(`Proxy response (${statusCode}) !== 200 when HTTP Tunneling`);
    }
    return socket as Socket;
  } finally {
    // The tunnel's socket has left the client; closing the client does not touch it.
    void client.close();
  }
}
