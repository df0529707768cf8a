import type { ConnectionOptions } from 'node:tls';
import type { PlugboardConfig } from '../config/schema.js';
import { AllowedHosts } from './allowed_hosts.js';
import { DeniedAddresses } from './address_ranges.js';
import { findCustomHostSetting, resolveCustomHostSettings, type CustomHostSetting } from './custom_host_settings.js';
import { tlsConnectionOptions, type TlsProfile, type VerificationMode } from './tls_options.js';

export interface ProxySettings {
  url: string;
  headers: Record<string, string>;
  verificationMode: VerificationMode;
}

/** Per-connector TLS settings (e.g. a webhook's CA, verification mode, client certificate). */
export type TlsOverrides = Partial<TlsProfile>;

/** What an SMTP client needs to connect to one server under the policy. */
export interface SmtpConnectionPolicy {
  tls: ConnectionOptions;
  requireTLS?: boolean;
  ignoreTLS?: boolean;
  /** An HTTP CONNECT proxy to reach the server through. */
  proxy?: ProxySettings;
}

export interface NetworkPolicyOptions {
  allowedHosts: AllowedHosts;
  deniedAddresses: DeniedAddresses;
  verificationMode: VerificationMode;
  proxy?: ProxySettings & { bypassHosts?: string[]; onlyHosts?: string[] };
  customHostSettings: CustomHostSetting[];
}

/**
 * Every rule about where connectors may connect and how (xpack.actions.* and
 * plugboard.net.*), resolved once at start-up: allowed hosts, the SSRF guard, the proxy and
 * which hosts use it, TLS verification and per-host settings.
 */
export class NetworkPolicy {
  readonly allowedHosts: AllowedHosts;
  readonly deniedAddresses: DeniedAddresses;
  private readonly bypass: Set<string> | undefined;
  private readonly only: Set<string> | undefined;

  constructor(private readonly options: NetworkPolicyOptions) {
    this.allowedHosts = options.allowedHosts;
    this.deniedAddresses = options.deniedAddresses;
    this.bypass = options.proxy?.bypassHosts && new Set(options.proxy.bypassHosts.map((h) => h.toLowerCase()));
    this.only = options.proxy?.onlyHosts && new Set(options.proxy.onlyHosts.map((h) => h.toLowerCase()));
  }

  /** The proxy a request to `hostname` goes through, if any (Kibana's bypass / only rules). */
  proxyFor(hostname: string): ProxySettings | undefined {
    const { proxy } = this.options;
    if (!proxy) return undefined;
    const host = hostname.toLowerCase();
    if (this.bypass?.has(host)) return undefined;
    if (this.only && !this.only.has(host)) return undefined;
    return { url: proxy.url, headers: proxy.headers, verificationMode: proxy.verificationMode };
  }

  /** The matching customHostSettings entry for a target URL. */
  customHostFor(target: URL): CustomHostSetting | undefined {
    return findCustomHostSetting(this.options.customHostSettings, target);
  }

  /**
   * TLS for a target: the global verification mode, then the host's customHostSettings (CA
   * and mode), then the connector's own overrides, each winning over the one before.
   */
  tlsProfileFor(target: URL, overrides?: TlsOverrides): TlsProfile {
    const custom = this.customHostFor(target)?.ssl;
    const profile: TlsProfile = { verificationMode: custom?.verificationMode ?? this.options.verificationMode };
    if (custom?.certificateAuthoritiesData) profile.ca = custom.certificateAuthoritiesData;
    if (overrides) {
      for (const [key, value] of Object.entries(overrides)) if (value !== undefined) (profile as unknown as Record<string, unknown>)[key] = value;
    }
    return profile;
  }

  /** Connection settings for an SMTP server, for the email connector's transport. */
  smtpPolicy(host: string, port: number): SmtpConnectionPolicy {
    const target = new URL(`smtp://${host.includes(':') ? `[${host}]` : host}:${port}`);
    const custom = this.customHostFor(target);
    const policy: SmtpConnectionPolicy = { tls: tlsConnectionOptions(this.tlsProfileFor(target)) };
    if (custom?.smtp?.requireTLS) policy.requireTLS = true;
    if (custom?.smtp?.ignoreTLS) policy.ignoreTLS = true;
    const proxy = this.proxyFor(target.hostname);
    if (proxy) policy.proxy = proxy;
    return policy;
  }
}

/** Builds the policy from the configuration (whose schema has already checked each value). */
export function networkPolicyFromConfig(config: PlugboardConfig, baseDir: string, warn: (message: string) => void): NetworkPolicy {
  const actions = config.xpack.actions;
  const legacyMode = (rejectUnauthorized: boolean | undefined): VerificationMode => (rejectUnauthorized === false ? 'none' : 'full');
  let proxy: NetworkPolicyOptions['proxy'];
  if (actions.proxyUrl) {
    let onlyHosts = actions.proxyOnlyHosts;
    if (actions.proxyBypassHosts && onlyHosts) {
      warn('xpack.actions.proxyBypassHosts and xpack.actions.proxyOnlyHosts cannot be used together; xpack.actions.proxyOnlyHosts is ignored.');
      onlyHosts = undefined;
    }
    proxy = {
      url: actions.proxyUrl,
      headers: actions.proxyHeaders ?? {},
      verificationMode: actions.ssl.proxyVerificationMode ?? legacyMode(actions.proxyRejectUnauthorizedCertificates),
      bypassHosts: actions.proxyBypassHosts,
      onlyHosts,
    };
  }
  return new NetworkPolicy({
    allowedHosts: new AllowedHosts(actions.allowedHosts),
    deniedAddresses: new DeniedAddresses(config.plugboard.net.deniedAddresses),
    verificationMode: actions.ssl.verificationMode ?? legacyMode(actions.rejectUnauthorized),
    proxy,
    customHostSettings: resolveCustomHostSettings(actions.customHostSettings ?? [], baseDir, warn),
  });
}
