import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../config/load.js';

// Secrets of the ingest settings given as files (`tokenFile`, `hmacSecretFile`): read once at
// start, relative to the configuration file; a problem stops start-up naming the key, never the
// secret.

/** The secret in `file` (relative to `baseDir`), its trailing newline removed. */
export function readSecretFile(key: string, file: string, baseDir: string): string {
  const resolved = path.resolve(baseDir, file);
  try {
    return readFileSync(resolved, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    throw new ConfigError(`Invalid configuration: ${key}: cannot read ${resolved}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

export interface GrafanaIngestSetting {
  hmacSecret?: string;
  hmacSecretFile?: string;
  hmacHeader?: string;
  hmacTimestampHeader?: string;
}

/** `plugboard.ingest.grafana` with the secret read from its file. */
export function grafanaIngestSettings(setting: GrafanaIngestSetting, baseDir: string): { hmacSecret?: string; hmacHeader?: string; hmacTimestampHeader?: string } {
  const { hmacSecretFile, ...rest } = setting;
  if (hmacSecretFile === undefined) return rest;
  const key = 'plugboard.ingest.grafana.hmacSecretFile';
  const secret = readSecretFile(key, hmacSecretFile, baseDir);
  if (secret === '') throw new ConfigError(`Invalid configuration: ${key}: the file ${path.resolve(baseDir, hmacSecretFile)} is empty`);
  return { ...rest, hmacSecret: secret };
}
