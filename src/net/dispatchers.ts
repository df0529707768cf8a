import { createHash } from 'node:crypto';
import { Agent, ProxyAgent, type Dispatcher } from 'undici';
import type { DeniedAddresses } from './address_ranges.js';
import type { ProxySettings } from './network_policy.js';
import { tlsConnectionOptions, type TlsProfile } from './tls_options.js';

const CONNECT_TIMEOUT_MS = 30_000;
/** Distinct (proxy, TLS) combinations kept open; client certificates make one per connector. */
const MAX_DISPATCHERS = 64;

function fingerprint(value: string | Buffer | undefined): string {
  return value === undefined ? '' : createHash('sha256').update(value).digest('base64url').slice(0, 22);
}

/**
 * undici dispatchers (connection pools) cached per proxy and TLS profile, so that keep-alive
 * connections are shared by every request with the same settings, and never by requests with
 * different ones. Direct connections resolve names through the SSRF guard.
 */
export class DispatcherCache {
  private readonly dispatchers = new Map<string, Dispatcher>();

  constructor(private readonly deniedAddresses: DeniedAddresses) {}

  get(proxy: ProxySettings | undefined, tls: TlsProfile): Dispatcher {
    const key = [
      proxy ? `${proxy.url} ${JSON.stringify(proxy.headers)} ${proxy.verificationMode}` : '',
      tls.verificationMode,
      fingerprint(tls.ca),
      fingerprint(tls.cert),
      fingerprint(tls.key),
      fingerprint(tls.pfx),
      fingerprint(tls.passphrase),
    ].join('|');
    let dispatcher = this.dispatchers.get(key);
    if (dispatcher) {
      // Most recently used last, so the oldest is the first to go.
      this.dispatchers.delete(key);
    } else {
      dispatcher = this.create(proxy, tls);
      if (this.dispatchers.size >= MAX_DISPATCHERS) {
        const [oldestKey, oldest] = this.dispatchers.entries().next().value!;
        this.dispatchers.delete(oldestKey);
        // Requests in flight on it finish first.
        oldest.close().catch(() => undefined);
      }
    }
    this.dispatchers.set(key, dispatcher);
    return dispatcher;
  }

  private create(proxy: ProxySettings | undefined, tls: TlsProfile): Dispatcher {
    const targetTls = tlsConnectionOptions(tls);
    if (!proxy) {
      return new Agent({
        connect: {
          ...targetTls,
          timeout: CONNECT_TIMEOUT_MS,
          ...(this.deniedAddresses.enabled ? { lookup: this.deniedAddresses.lookup } : {}),
        },
      });
    }
    return new ProxyAgent({
      uri: proxy.url,
      headers: proxy.headers,
      // https targets through a CONNECT tunnel; http targets as absolute-form requests to the
      // proxy, as Kibana's http-proxy-agent sends them.
      proxyTunnel: false,
      requestTls: targetTls,
      proxyTls: { ...tlsConnectionOptions({ verificationMode: proxy.verificationMode }), timeout: CONNECT_TIMEOUT_MS },
    });
  }

  async close(): Promise<void> {
    const all = [...this.dispatchers.values()];
    this.dispatchers.clear();
    await Promise.all(all.map((d) => d.close()));
  }
}
