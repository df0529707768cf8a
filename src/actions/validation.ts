import type { z } from 'zod';
import { badRequest } from '../common/errors.js';
import { formatZodError } from './format_zod_error.js';
import type { ConnectorTypeDefinition, ValidatorContext } from './types.js';

type Kind = 'config' | 'secrets' | 'params';

const PREFIX: Record<Kind, string> = {
  config: 'error validating connector type config',
  secrets: 'error validating connector type secrets',
  params: 'error validating action params',
};

/** A validation failure; `message` is Kibana's full text, e.g. `error validating action params: …`. */
export class ValidationError extends Error {
  override name = 'ValidationError';
  constructor(
    readonly kind: Kind | 'connector',
    message: string,
  ) {
    super(message);
  }
}

function validateWith<T>(kind: Kind, schema: z.ZodType<T>, value: unknown, custom?: (v: T) => void): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(kind, `${PREFIX[kind]}: ${formatZodError(result.error)}`);
  if (custom) {
    try {
      custom(result.data);
    } catch (err) {
      throw new ValidationError(kind, `${PREFIX[kind]}: ${(err as Error).message}`);
    }
  }
  return result.data;
}

export function validateConfig(def: ConnectorTypeDefinition, config: unknown, ctx: ValidatorContext): Record<string, unknown> {
  return validateWith('config', def.schemas.config, config, def.validate?.config && ((c) => def.validate!.config!(c, ctx)));
}

export function validateSecrets(def: ConnectorTypeDefinition, secrets: unknown, ctx: ValidatorContext): Record<string, unknown> {
  return validateWith('secrets', def.schemas.secrets, secrets, def.validate?.secrets && ((s) => def.validate!.secrets!(s, ctx)));
}

export function validateParams(def: ConnectorTypeDefinition, params: unknown, ctx: ValidatorContext): Record<string, unknown> {
  return validateWith('params', def.schemas.params, params, def.validate?.params && ((p) => def.validate!.params!(p, ctx)));
}

export function validateConnector(def: ConnectorTypeDefinition, config: unknown, secrets: unknown): void {
  if (!def.validate?.connector) return;
  if (config == null) throw new ValidationError('connector', 'error validating action type connector: config must be defined');
  if (secrets == null) throw new ValidationError('connector', 'error validating action type connector: secrets must be defined');
  const problem = def.validate.connector(config, secrets);
  if (problem) throw new ValidationError('connector', `error validating action type connector: ${problem}`);
}

/** Why the type refuses a run of these params requested over HTTP, if it does (see `validate.requestedRun`). */
export function requestedRunRefusal(def: ConnectorTypeDefinition, params: unknown): string | null {
  const check = def.validate?.requestedRun;
  if (!check) return null;
  // Params the schema refuses are left to the run, which reports them as its result.
  const parsed = def.schemas.params.safeParse(params);
  return parsed.success ? check(parsed.data) : null;
}

/** Validation at create and update surfaces as a 400 with the same text. */
export function asBadRequest<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ValidationError) throw badRequest(err.message);
    throw err;
  }
}

/** Whether a run of these params (as the caller sent them) answers with a stream. */
export function streamsAnswer(def: ConnectorTypeDefinition, params: unknown): boolean {
  return def.streamsAnswer?.(params) === true;
}

/** Whether a run of these params (as the caller sent them) answers a file (downloadsAnswer). */
export function downloadsAnswer(def: ConnectorTypeDefinition, params: unknown): boolean {
  return def.downloadsAnswer?.(params) === true;
}

/**
 * Why a caller that cannot read a stream is refused a run of a type whose params answer with
 * one (streamsAnswer, or a file: downloadsAnswer): an HTTP request that did not ask for
 * `text/event-stream` (a file: `application/octet-stream`), or a queued action (nobody reads
 * its answer).
 */
export function streamRefusal(def: ConnectorTypeDefinition, caller: 'http' | 'queued', answer: 'stream' | 'file' = 'stream'): string {
  if (answer === 'file') {
    return caller === 'http'
      ? `${def.id} answers these params with a file: send the request with the header Accept: application/octet-stream to download it`
      : `${def.id} answers these params with a file, which a queued action cannot read`;
  }
  return caller === 'http'
    ? `${def.id} answers these params with a stream: send the request with the header Accept: text/event-stream to read it`
    : `${def.id} answers these params with a stream, which a queued action cannot read`;
}
