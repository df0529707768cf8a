import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { installZod3Messages } from '../common/zod_messages.js';
import { connectorIdSchema } from '../http/routes/connectors.js';
import { nonEmptyString, objectWithoutEmptyStrings } from '../http/request_validation.js';
import { UsageError } from './command_io.js';

// The file `plugboard apply` reads: a map of connector id → {name, actionTypeId, config,
// secrets}, the shape of kibana.yml's `xpack.actions.preconfigured`, so such a block can be
// pasted. Secret values may refer to environment variables and files, so that the file itself
// can be committed without them.

export interface FileConnector {
  id: string;
  name: string;
  actionTypeId: string;
  config: Record<string, unknown>;
  /** With every reference resolved. */
  secrets: Record<string, unknown>;
}

export interface ConnectorFile {
  /** As given on the command line, for messages. */
  file: string;
  /** In the order of the file. */
  connectors: FileConnector[];
}

const fileConnectorSchema = z.strictObject({
  name: nonEmptyString(),
  actionTypeId: nonEmptyString(),
  config: objectWithoutEmptyStrings().default({}),
  secrets: z.record(z.string(), z.unknown()).default({}),
});

type Json = Record<string, unknown>;

const isPlainObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Reads, checks and resolves a connectors file. Every problem is reported at once, each line
 * naming where in the file it is (`my-hook.actionTypeId: Required`); any problem throws a
 * UsageError, before anything is sent to a server.
 */
export function readConnectorFile(file: string, opts: { cwd: string; env: NodeJS.ProcessEnv }): ConnectorFile {
  installZod3Messages();
  const absolute = path.resolve(opts.cwd, file);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = YAML.parse(text);
  } catch (err) {
    throw new UsageError(`${file} is not valid YAML: ${(err as Error).message}`);
  }
  if (parsed === null || parsed === undefined) {
    throw new UsageError(`${file} is empty: it must hold a map of connector id → {name, actionTypeId, config, secrets} ({} for none)`);
  }
  if (!isPlainObject(parsed)) throw new UsageError(`${file} must hold a map of connector id → {name, actionTypeId, config, secrets}`);

  const problems: string[] = [];
  const connectors: FileConnector[] = [];
  for (const [id, entry] of Object.entries(parsed)) {
    if (id.startsWith('xpack.') || id === 'xpack') {
      problems.push(`${id}: the file holds the connectors themselves; remove the "${id}:" line and un-indent what was below it`);
      continue;
    }
    const validId = connectorIdSchema.safeParse(id);
    if (!validId.success) problems.push(`${id}: ${validId.error.issues[0].message}`);
    const result = fileConnectorSchema.safeParse(entry);
    if (!result.success) {
      problems.push(...describeIssues(id, result.error));
      continue;
    }
    const secrets = resolveReferences(result.data.secrets, [id, 'secrets'], { env: opts.env, baseDir: path.dirname(absolute) }, problems);
    connectors.push({ id, name: result.data.name, actionTypeId: result.data.actionTypeId, config: result.data.config, secrets: secrets as Json });
  }
  if (problems.length > 0) throw new UsageError(`${file} is not a valid connectors file:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  return { file, connectors };
}

function describeIssues(id: string, error: z.ZodError): string[] {
  return error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => `${[id, ...issue.path, key].join('.')}: unknown key`);
    return [`${[id, ...issue.path.map(String)].join('.')}: ${issue.message}`];
  });
}

/** `${NAME}` anywhere in a value; `$${NAME}` stands for a literal `${NAME}`. */
const ENV_REFERENCE = /\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const FILE_PREFIX = 'file:';

interface ResolveContext {
  env: NodeJS.ProcessEnv;
  /** Relative `file:` paths are relative to the connectors file. */
  baseDir: string;
}

/** Replaces references in every string of a secrets value, recording what cannot be resolved. */
function resolveReferences(value: unknown, where: string[], ctx: ResolveContext, problems: string[]): unknown {
  if (typeof value === 'string') return resolveString(value, where.join('.'), ctx, problems);
  if (Array.isArray(value)) return value.map((item, i) => resolveReferences(item, [...where, String(i)], ctx, problems));
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolveReferences(item, [...where, key], ctx, problems)]));
  }
  return value;
}

function resolveString(value: string, where: string, ctx: ResolveContext, problems: string[]): string {
  const before = problems.length;
  const expand = (text: string) =>
    text.replace(ENV_REFERENCE, (whole, escaped: string, name: string) => {
      if (escaped) return whole.slice(1);
      const resolved = ctx.env[name];
      // An empty variable is treated as unset: CI systems often define missing secrets as "".
      if (resolved === undefined || resolved === '') {
        problems.push(`${where}: environment variable ${name} is not set`);
        return '';
      }
      return resolved;
    });

  let resolved: string;
  if (value.startsWith(FILE_PREFIX)) {
    const target = expand(value.slice(FILE_PREFIX.length));
    if (problems.length > before) return '';
    try {
      resolved = readFileSync(path.resolve(ctx.baseDir, target), 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      problems.push(`${where}: cannot read ${target}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      return '';
    }
  } else {
    resolved = expand(value);
  }
  if (problems.length === before && resolved.trim() === '') problems.push(`${where}: is empty`);
  return resolved;
}
