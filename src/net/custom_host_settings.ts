import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../config/load.js';
import type { VerificationMode } from './tls_options.js';

/** A customHostSettings entry after start-up: canonical url, CA files read into the data. */
export interface CustomHostSetting {
  /** `<protocol>//<hostname>:<port>` */
  url: string;
  smtp?: { requireTLS?: boolean; ignoreTLS?: boolean };
  ssl?: { verificationMode?: VerificationMode; certificateAuthoritiesData?: string };
}

export interface CustomHostSettingInput {
  url: string;
  smtp?: { requireTLS?: boolean; ignoreTLS?: boolean };
  ssl?: { verificationMode?: VerificationMode; certificateAuthoritiesFiles?: string | string[]; certificateAuthoritiesData?: string };
}

const SETTING = 'xpack.actions.customHostSettings';
const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443, 'smtp:': 25 };

function portOf(url: URL): number | undefined {
  if (url.port !== '') return Number(url.port);
  return DEFAULT_PORTS[url.protocol];
}

/** `https://Example.com/path` → `https://example.com:443`; undefined when it has no port. */
export function canonicalHostUrl(url: URL): string | undefined {
  const port = portOf(url);
  return port === undefined ? undefined : `${url.protocol}//${url.hostname}:${port}`;
}

/**
 * Normalises the entries as Kibana does: only https and smtp URLs are kept, each reduced to its
 * canonical form (path, credentials and hash are ignored with a warning), CA files are read and
 * appended to the CA data (relative paths from the configuration file's directory), requireTLS wins over ignoreTLS, and the first of duplicate URLs
 * wins. Unlike Kibana, a CA file that cannot be read stops start-up: trusting less than the
 * configuration says would only show later as failed connections.
 */
export function resolveCustomHostSettings(entries: CustomHostSettingInput[], baseDir: string, warn: (message: string) => void): CustomHostSetting[] {
  const resolved: CustomHostSetting[] = [];
  const seen = new Set<string>();
  entries.forEach((entry, index) => {
    const key = `${SETTING}[${index}]`;
    let parsed: URL;
    try {
      parsed = new URL(entry.url);
    } catch (err) {
      warn(`${key}: invalid URL "${entry.url}", ignoring it: ${(err as Error).message}`);
      return;
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'smtp:') {
      warn(`${key}: unsupported protocol in URL "${entry.url}" (only https: and smtp:), ignoring it`);
      return;
    }
    const url = canonicalHostUrl(parsed);
    if (!url) {
      warn(`${key}: no port in URL "${entry.url}", ignoring it`);
      return;
    }
    if (parsed.username || parsed.password) warn(`${key}: the credentials in URL "${entry.url}" are ignored; remove them from the configuration`);
    if (parsed.hash) warn(`${key}: the hash in URL "${entry.url}" is ignored`);
    if (parsed.pathname && parsed.pathname !== '/') warn(`${key}: the path in URL "${entry.url}" is ignored`);

    const setting: CustomHostSetting = { url };
    if (entry.smtp) {
      if (parsed.protocol !== 'smtp:') {
        warn(`${key}: URL "${entry.url}" is not smtp:, so its smtp settings are ignored`);
      } else if (entry.smtp.requireTLS && entry.smtp.ignoreTLS) {
        warn(`${key}: requireTLS and ignoreTLS are both true; using requireTLS`);
        setting.smtp = { requireTLS: true, ignoreTLS: false };
      } else {
        setting.smtp = { ...entry.smtp };
      }
    }
    if (entry.ssl) {
      const files = typeof entry.ssl.certificateAuthoritiesFiles === 'string' ? [entry.ssl.certificateAuthoritiesFiles] : (entry.ssl.certificateAuthoritiesFiles ?? []);
      const data = [entry.ssl.certificateAuthoritiesData, ...files.map((file) => readCaFile(path.resolve(baseDir, file), `${key}.ssl.certificateAuthoritiesFiles`))].filter(
        (pem): pem is string => !!pem,
      );
      setting.ssl = {
        ...(entry.ssl.verificationMode ? { verificationMode: entry.ssl.verificationMode } : {}),
        ...(data.length > 0 ? { certificateAuthoritiesData: data.join('\n') } : {}),
      };
    }
    if (seen.has(url)) {
      warn(`${key}: an earlier entry already has the canonical URL "${url}"; only the first is used`);
      return;
    }
    seen.add(url);
    resolved.push(setting);
  });
  return resolved;
}

function readCaFile(file: string, key: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`Invalid configuration: ${key}: cannot read "${file}": ${(err as Error).message}`);
  }
}

/** The entry whose canonical URL equals the target's (scheme, host and port; path ignored). */
export function findCustomHostSetting(settings: CustomHostSetting[], target: URL): CustomHostSetting | undefined {
  if (settings.length === 0) return undefined;
  const url = canonicalHostUrl(target);
  return url === undefined ? undefined : settings.find((s) => s.url === url);
}
