import { Option, type Command } from 'commander';
import { SPACE_ID_PATTERN } from '../http/routes/spaces.js';
import { DEFAULT_SPACE_ID } from '../spaces/spaces_service.js';
import { UsageError } from './command_io.js';

export const DEFAULT_SERVER_URL = 'http://localhost:5601';

export interface ServerOptions {
  url?: string;
  apiKey?: string;
  space?: string;
}

/** A request the server answered with an error status; the message is the server's. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Adds --url, --api-key and --space to a command that talks to a server. */
export function addServerOptions(command: Command): Command {
  return command
    .addOption(new Option('--url <url>', `the server's URL (default: PLUGBOARD_URL, else ${DEFAULT_SERVER_URL})`))
    .addOption(new Option('--api-key <encoded>', 'the `encoded` value of an API key (default: PLUGBOARD_API_KEY)'))
    .addOption(new Option('--space <id>', 'the space to work in (default: the default space)'));
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
}

/**
 * Talks to a running Plugboard with an API key, in one space: paths are given without the
 * `/s/{space}` prefix, which is added here.
 */
export class ApiClient {
  readonly baseUrl: string;
  readonly spaceId: string;
  private readonly authorization: string;

  constructor(opts: { url: string; apiKey: string; space?: string }) {
    this.baseUrl = opts.url.replace(/\/+$/, '');
    this.spaceId = opts.space ?? DEFAULT_SPACE_ID;
    this.authorization = `ApiKey ${opts.apiKey}`;
  }

  /** Reads --url / --api-key, falling back to PLUGBOARD_URL / PLUGBOARD_API_KEY. */
  static fromOptions(opts: ServerOptions, env: NodeJS.ProcessEnv): ApiClient {
    const apiKey = opts.apiKey ?? env.PLUGBOARD_API_KEY;
    if (!apiKey) {
      throw new UsageError(
        'an API key is required: pass --api-key or set PLUGBOARD_API_KEY to the `encoded` value that POST /api/security/api_key returns',
      );
    }
    const url = opts.url ?? (env.PLUGBOARD_URL || DEFAULT_SERVER_URL);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new UsageError(`--url must be an http:// or https:// URL, got "${url}"`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UsageError(`--url must be an http:// or https:// URL, got "${url}"`);
    if (opts.space !== undefined && !SPACE_ID_PATTERN.test(opts.space)) {
      throw new UsageError(`--space must be a space id (lowercase letters, digits, "_" and "-"), got "${opts.space}"`);
    }
    return new ApiClient({ url, apiKey, space: opts.space });
  }

  /** The path in this client's space. */
  spacePath(path: string): string {
    return this.spaceId === DEFAULT_SPACE_ID ? path : `/s/${this.spaceId}${path}`;
  }

  /** Sends a request in this client's space; answers with an error status throw ApiError. */
  async request(method: string, path: string, body?: { json: unknown } | { form: FormData }): Promise<ApiResponse> {
    const headers: Record<string, string> = { authorization: this.authorization };
    if (method !== 'GET') headers['kbn-xsrf'] = 'plugboard-cli';
    let payload: string | FormData | undefined;
    if (body && 'json' in body) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body.json);
    } else if (body) {
      payload = body.form;
    }
    const target = `${this.baseUrl}${this.spacePath(path)}`;
    let res: Response;
    try {
      res = await fetch(target, { method, headers, body: payload });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new Error(`cannot reach ${this.baseUrl}: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
    }
    const text = await res.text();
    if (res.status >= 400) throw new ApiError(res.status, `${method} ${this.spacePath(path)} failed (${res.status}): ${serverMessage(text, res.statusText)}`);
    return { status: res.status, headers: res.headers, text };
  }

  /** Sends JSON (or a form), reads JSON. */
  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.request(method, path, body === undefined ? undefined : body instanceof FormData ? { form: body } : { json: body });
    if (!res.text) return undefined as T;
    try {
      return JSON.parse(res.text) as T;
    } catch {
      throw new Error(`${method} ${this.spacePath(path)} did not answer with JSON: is ${this.baseUrl} a Plugboard server?`);
    }
  }
}

/** The `message` of a `{statusCode, error, message}` body, else the body itself. */
function serverMessage(text: string, statusText: string): string {
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed.message === 'string' && parsed.message) return parsed.message;
  } catch {
    // not JSON
  }
  return text.trim().slice(0, 500) || statusText;
}
