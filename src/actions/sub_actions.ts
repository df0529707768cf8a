import { z } from 'zod';
import { OutboundRequestError, type OutboundRequest } from '../net/http_client.js';
import { answerFacts, ExecutorError } from './failure.js';
import { formatZodError } from './format_zod_error.js';
import { defineConnectorType, type ConnectorTypeDefinition, type ExecutorContext, type ValidatorContext } from './types.js';

// The sub-action framework of reference §8: one connector type, several operations, chosen by
// `subAction`, each with its own params schema; and the request helper such types share.

/** `{subAction, subActionParams}`; other top-level keys are dropped, as zod does in Kibana. */
export const subActionParamsSchema = z.object({
  subAction: z.string().meta({ label: 'Sub action', help: 'The operation to run.' }),
  subActionParams: z.record(z.string(), z.unknown()).nullish().meta({ label: 'Sub action parameters', help: "Checked against the operation's own schema." }),
});
export type SubActionParams = z.output<typeof subActionParamsSchema>;

export type SubActionContext<C, S> = ExecutorContext<C, S, SubActionParams> & { client: ServiceClient };

export interface SubAction<C, S> {
  name: string;
  /** null: the operation takes no parameters. */
  schema: z.ZodType | null;
  run(ctx: SubActionContext<C, S>, params: any): Promise<unknown>;
}

/**
 * A failed call to the service. Thrown, as Kibana's are: the result says `retry: true`, from the
 * framework except a 429 (the user's, as Kibana tags rate limiting); the queue gets the status.
 */
export class ServiceRequestError extends ExecutorError {
  override name = 'ServiceRequestError';
  constructor(message: string, status?: number, headers: Record<string, string> = {}) {
    super(message, status === 429 ? 'user' : 'framework', status === undefined ? undefined : answerFacts({ status, headers }));
  }
}

export interface ServiceRequest<T> {
  url: string;
  method?: OutboundRequest['method'];
  /** Sent as JSON unless a string. */
  body?: unknown;
  headers?: Record<string, string>;
  /** A per-call timeout; the effective one is the larger of this and responseTimeout. */
  timeoutMs?: number;
  /** The answer must match this; otherwise `Response validation failed (…)`. */
  responseSchema?: z.ZodType<T>;
}

export interface ServiceResponse<T> {
  status: number;
  headers: Record<string, string>;
  data: T;
}

export interface ServiceClient {
  request<T = unknown>(req: ServiceRequest<T>): Promise<ServiceResponse<T>>;
}

export interface ServiceClientOptions {
  /** Basic authentication for every request. */
  auth?: { username: string; password: string };
  /** The type's reading of an error answer, for `Status code: N. Message: <this>`. */
  errorMessage(response: { status: number; statusText: string; data: unknown }): string;
}

/** `https://a//b/` → `https://a/b`: doubled and trailing slashes of the path are dropped, as Kibana does. */
export function normalizeServiceUrl(url: string): string {
  const parsed = new URL(url);
  parsed.pathname = parsed.pathname.replace(/\/{2,}/g, '/').replace(/(.)\/$/, '$1');
  const text = parsed.toString();
  return parsed.pathname === '/' && !parsed.search && !parsed.hash ? text.replace(/\/$/, '') : text;
}

/** JSON when the text parses, the text otherwise; nothing for an empty body (axios' reading). */
export function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Requests to a type's service through the outbound policy (allowedHosts, proxy, TLS,
 * limits), JSON by default, with non-2xx answers and unexpected bodies turned into
 * ServiceRequestErrors worded as Kibana's sub-action connectors word them.
 */
export function serviceClient(ctx: Pick<ExecutorContext<unknown, unknown, unknown>, 'services' | 'signal'>, options: ServiceClientOptions): ServiceClient {
  return {
    async request<T>(req: ServiceRequest<T>): Promise<ServiceResponse<T>> {
      const headers: Record<string, string> = { 'Content-Type': 'application/json', ...req.headers };
      if (options.auth) headers.Authorization = `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64')}`;
      let res;
      try {
        res = await ctx.services.http.send({
          url: normalizeServiceUrl(req.url),
          method: req.method ?? 'GET',
          headers,
          body: req.body === undefined ? undefined : typeof req.body === 'string' ? req.body : JSON.stringify(req.body),
          signal: ctx.signal,
          timeoutMs: req.timeoutMs,
        });
      } catch (err) {
        const detail = err instanceof OutboundRequestError && err.code ? `[${err.code}] ${err.message}` : (err as Error).message;
        throw new ServiceRequestError(`Status code: undefined. Message: ${detail}`);
      }
      const data = parseBody(res.body);
      if (res.status < 200 || res.status >= 300) {
        throw new ServiceRequestError(`Status code: ${res.status}. Message: ${options.errorMessage({ status: res.status, statusText: res.statusText, data })}`, res.status, res.headers);
      }
      if (!req.responseSchema) return { status: res.status, headers: res.headers, data: data as T };
      const checked = req.responseSchema.safeParse(data);
      // No status: an unexpected answer may be a passing fault of the service, so it is retried.
      if (!checked.success) throw new ServiceRequestError(`Response validation failed (${formatZodError(checked.error)})`);
      return { status: res.status, headers: res.headers, data: checked.data };
    },
  };
}

/**
 * Kibana's urlAllowListValidator: a config validator that checks the URL in `config[key]`
 * against allowedHosts, worded `error validating url: …` unless a type words it otherwise.
 */
export function urlAllowListValidator<C>(key: keyof C & string, wording = 'error validating url'): (config: C, ctx: ValidatorContext) => void {
  return (config, { configurationUtilities }) => {
    try {
      configurationUtilities.allowedHosts.ensureUriAllowed(String(config[key]));
    } catch (err) {
      throw new Error(`${wording}: ${(err as Error).message}`);
    }
  };
}

type SubActionTypeDefinition<C, S> = Omit<ConnectorTypeDefinition<C, S, SubActionParams>, 'schemas' | 'executor'> & {
  schemas: { config: z.ZodType<C>; secrets: z.ZodType<S> };
  subActions: Array<SubAction<C, S>>;
  /** How the type reads its service's error answers, and its credentials. */
  client(ctx: ExecutorContext<C, S, SubActionParams>): ServiceClientOptions;
};

/**
 * A connector type made of sub-actions (Opsgenie, Tines, D3 Security, the ITSM types…). Its
 * failures are thrown, as Kibana's are, so the action executor answers them (ExecutorError).
 */
export function defineSubActionConnectorType<C, S>(def: SubActionTypeDefinition<C, S>): ConnectorTypeDefinition<C, S, SubActionParams> {
  const byName = new Map(def.subActions.map((s) => [s.name, s]));
  const { subActions: _subActions, client, schemas, ...rest } = def;
  return defineConnectorType<C, S, SubActionParams>({
    ...rest,
    schemas: { ...schemas, params: subActionParamsSchema },
    subActionSchemas: def.subActions.map(({ name, schema }) => ({ name, schema })),
    async executor(ctx) {
      const { subAction, subActionParams } = ctx.params;
      const action = byName.get(subAction);
      if (!action) {
        // Kibana's "Connector name" is the type's name.
        throw new ExecutorError(`Sub action "${subAction}" is not registered. Connector id: ${ctx.connectorId}. Connector name: ${def.name}. Connector type: ${def.id}`, 'framework', {
          permanent: true,
        });
      }
      let params: unknown = subActionParams;
      if (action.schema) {
        const checked = action.schema.safeParse(subActionParams ?? {});
        if (!checked.success) throw new ExecutorError(`Request validation failed (${formatZodError(checked.error)})`, 'user', { permanent: true });
        params = checked.data;
      }
      const data = await action.run({ ...ctx, client: serviceClient(ctx, client(ctx)) }, params);
      return { status: 'ok', actionId: ctx.connectorId, data: data ?? {} };
    },
  });
}
