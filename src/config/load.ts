import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { z } from 'zod';
import { installZod3Messages } from '../common/zod_messages.js';
import { configSchema, type PlugboardConfig } from './schema.js';

/** A start-up error whose message names the offending configuration key. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Json = Record<string, unknown>;

const isPlainObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

// Maps whose keys are data (connector ids, header names), not setting names: dotted keys
// below them are kept as they are.
const OPAQUE_MAPS = new Set([
  'xpack.actions.preconfigured.*.config',
  'xpack.actions.preconfigured.*.secrets',
  'xpack.actions.proxyHeaders',
]);

function isOpaque(keyPath: string[]): boolean {
  for (const pattern of OPAQUE_MAPS) {
    const parts = pattern.split('.');
    if (parts.length === keyPath.length && parts.every((p, i) => p === '*' || p === keyPath[i])) return true;
  }
  return false;
}

/**
 * kibana.yml accepts `a.b.c: 1` and `a: {b: {c: 1}}` alike, and mixes of both. Expand every
 * dotted key into nested maps, refusing a key given twice.
 */
export function expandDottedKeys(input: Json, parentPath: string[] = []): Json {
  const out: Json = {};
  for (const [rawKey, rawValue] of Object.entries(input)) {
    const keyParts = rawKey.split('.');
    const fullPath = [...parentPath, ...keyParts];
    const value =
      isPlainObject(rawValue) && !isOpaque(fullPath) && !isIdKeyedMap(fullPath)
        ? expandDottedKeys(rawValue, fullPath)
        : isPlainObject(rawValue) && isIdKeyedMap(fullPath)
          ? expandIdKeyedMap(rawValue, fullPath)
          : rawValue;
    let target = out;
    for (const [i, part] of keyParts.slice(0, -1).entries()) {
      const existing = target[part];
      if (existing === undefined) target[part] = {};
      else if (!isPlainObject(existing)) {
        throw new ConfigError(`Invalid configuration: ${[...parentPath, ...keyParts.slice(0, i + 1)].join('.')} is given twice`);
      }
      target = target[part] as Json;
    }
    const last = keyParts[keyParts.length - 1];
    if (target[last] !== undefined) {
      if (isPlainObject(target[last]) && isPlainObject(value)) {
        target[last] = mergeDisjoint(target[last] as Json, value, fullPath);
      } else {
        throw new ConfigError(`Invalid configuration: ${fullPath.join('.')} is given twice`);
      }
    } else {
      target[last] = value;
    }
  }
  return out;
}

/** Maps keyed by connector or connector type ids, which may hold dots (`.slack`). */
const ID_KEYED_MAPS = new Set([
  'xpack.actions.preconfigured',
  'plugboard.actions.flowControl.types',
  'plugboard.actions.flowControl.connectors',
  'plugboard.serviceUrlOverrides',
]);

function isIdKeyedMap(keyPath: string[]): boolean {
  return ID_KEYED_MAPS.has(keyPath.join('.'));
}

// The ids are kept whole; their entries are expanded as usual.
function expandIdKeyedMap(map: Json, parentPath: string[]): Json {
  const out: Json = {};
  for (const [id, entry] of Object.entries(map)) {
    out[id] = isPlainObject(entry) ? expandDottedKeys(entry, [...parentPath, id]) : entry;
  }
  return out;
}

function mergeDisjoint(a: Json, b: Json, keyPath: string[]): Json {
  const out: Json = { ...a };
  for (const [key, value] of Object.entries(b)) {
    if (out[key] === undefined) out[key] = value;
    else if (isPlainObject(out[key]) && isPlainObject(value)) {
      out[key] = mergeDisjoint(out[key] as Json, value, [...keyPath, key]);
    } else {
      throw new ConfigError(`Invalid configuration: ${[...keyPath, key].join('.')} is given twice`);
    }
  }
  return out;
}

function setPath(target: Json, dotted: string, value: unknown): void {
  const parts = dotted.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    if (!isPlainObject(node[part])) node[part] = {};
    node = node[part] as Json;
  }
  node[parts[parts.length - 1]] = value;
}

/** Formats a zod error so that each line names the configuration key it is about. */
export function describeConfigIssues(error: z.ZodError): string {
  const lines = error.issues.map((issue) => {
    const keys =
      issue.code === 'unrecognized_keys' ? issue.keys.map((k) => [...issue.path, k]) : [issue.path];
    return keys
      .map((keyPath) => {
        const name = keyPath.map(String).join('.') || '(root)';
        const reason = issue.code === 'unrecognized_keys' ? 'unknown setting' : issue.message;
        return `  ${name}: ${reason}`;
      })
      .join('\n');
  });
  return `Invalid configuration:\n${lines.join('\n')}`;
}

export interface ConfigSources {
  /** Path of a YAML file, or undefined for none. */
  file?: string;
  /** Settings given on the command line or by environment variables, as dotted keys. */
  overrides?: Record<string, unknown>;
  /** Settings given inline (tests), merged under the overrides. */
  settings?: Json;
}

export interface LoadedConfig {
  config: PlugboardConfig;
  /** The directory that relative paths in the file are resolved against. */
  baseDir: string;
}

export function readConfigFile(file: string): Json {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`Cannot read the configuration file ${file}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = YAML.parse(text) ?? {};
  } catch (err) {
    throw new ConfigError(`The configuration file ${file} is not valid YAML: ${(err as Error).message}`);
  }
  if (!isPlainObject(parsed)) throw new ConfigError(`The configuration file ${file} must hold a map of settings`);
  return parsed;
}

export function loadConfig(sources: ConfigSources = {}): LoadedConfig {
  installZod3Messages();
  const raw: Json = {};
  const fromFile = sources.file ? expandDottedKeys(readConfigFile(sources.file)) : {};
  const merged = mergeDisjoint(fromFile, expandDottedKeys(sources.settings ?? {}), []);
  Object.assign(raw, merged);
  for (const [key, value] of Object.entries(sources.overrides ?? {})) {
    if (value !== undefined) setPath(raw, key, value);
  }
  const result = configSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(describeConfigIssues(result.error));
  const baseDir = sources.file ? path.dirname(path.resolve(sources.file)) : process.cwd();
  return { config: result.data, baseDir };
}

/** Reads the environment variables of API.md into dotted overrides. */
export function overridesFromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (env.PLUGBOARD_PORT !== undefined) out['server.port'] = parsePort(env.PLUGBOARD_PORT, 'PLUGBOARD_PORT');
  if (env.PLUGBOARD_DATA_DIR) out['path.data'] = env.PLUGBOARD_DATA_DIR;
  if (env.PLUGBOARD_DATABASE_URL) out['database.url'] = env.PLUGBOARD_DATABASE_URL;
  if (env.PLUGBOARD_ELASTIC_PASSWORD) out['security.elasticPassword'] = env.PLUGBOARD_ELASTIC_PASSWORD;
  return out;
}

export function parsePort(value: string, source: string): number {
  if (!/^\d+$/.test(value.trim())) throw new ConfigError(`Invalid configuration: ${source} must be a port number, got "${value}"`);
  return Number(value);
}
