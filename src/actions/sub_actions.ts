import { z } from 'zod';
import type { Readable } from 'node:stream';
import { OutboundRequestError, type OutboundRequest, type OutboundResponse } from '../net/http_client.js';
import type { TlsOverrides } from '../net/network_policy.js';
import { answerFacts, ExecutorError } from './failure.js';
import { contentDispositionFileName, describedFile, fileDelivered, isFileBody } from './file_answer.js';
import { formatZodError } from './format_zod_error.js';
import { defineConnectorType, type ConnectorTypeDefinition, type EndpointKind, type ExecutorContext, type ExecutorResult, type ValidatorContext } from './types.js';

// The sub-action framework of reference §8: one connector type, several operations, chosen by
// `subAction`, each with its own params schema; and the request helper such types share.

/** `{subAction, subActionParams}`; other top-level keys are dropped, as zod does in Kibana. */
export const subActionParamsSchema = z.object({
  subAction: z.string().meta({ label: 'Sub action', help: 'The operation to run.' }),
  subActionParams: z.record(z.string(), z.unknown()).nullish().meta({ label: 'Sub action parameters', help: "Checked against the operation's own schema." }),
});
export type SubActionParams = z.output<typeof subActionParamsSchema>;

/**
 * The params of endpoint-security types: also `confirm`, Plugboard's acknowledgement that a
 * queued sub-action changes a host (`_bulk_enqueue` needs it for those). Optional, so Kibana's
 * clients, which never send it, work unchanged; it is taken off before the sub-action runs.
 */
export const endpointSubActionParamsSchema = subActionParamsSchema.extend({
  confirm: z.boolean().optional().meta({
    label: 'Confirm',
    help: "Plugboard's: `true` acknowledges that the sub-action changes a host; queueing such a sub-action over HTTP needs it. Never sent to the service.",
  }),
});

export type SubActionContext<C, S> = ExecutorContext<C, S, SubActionParams> & { client: ServiceClient };

/** A sub-action's answer with the tokens it used (see ExecutorResult.usage). */
export class AnswerWithUsage {
  constructor(
    readonly data: unknown,
    readonly usage: ExecutorResult['usage'],
  ) {}
}

export interface SubAction<C, S> {
  name: string;
  /** null: the operation takes no parameters. */
  schema: z.ZodType | null;
  run(ctx: SubActionContext<C, S>, params: any): Promise<unknown>;
  /**
   * It answers with a stream (ConnectorTypeDefinition.streamsAnswer): always, or when its params
   * (as sent, before its schema) say so.
   */
  streams?: true | ((subActionParams: Record<string, unknown> | null | undefined) => boolean);
  /**
   * It answers a file: the service's bytes as a Node Readable, never held whole (over HTTP,
   * `_execute` answers them as `application/octet-stream`). Its run returns the Readable
   * (ServiceClient.download notes the file's name and size beside it); the framework derives the
   * type's downloadsAnswer from it.
   */
  downloads?: true;
  /**
   * Endpoint-security types (EDR) only. `reads`: Kibana lets it run without the endpoint-security
   * sub-feature privilege (agent details, online status). `changesHost`: it acts on a machine
   * (isolate, release, run a script, RTR), so `_bulk_enqueue` queues it only with `confirm: true`.
   */
  endpoint?: EndpointKind;
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
  /** Aborts the request too (an in-process caller's own signal, which outlives the execution). */
  signal?: AbortSignal;
}

export interface ServiceResponse<T> {
  status: number;
  headers: Record<string, string>;
  data: T;
}

export interface ServiceClient {
  request<T = unknown>(req: ServiceRequest<T>): Promise<ServiceResponse<T>>;
  /**
   * A request whose 2xx answer is handed over as it arrives (server-sent events); an error
   * answer is read and thrown as `request` throws it.
   */
  stream(req: Omit<ServiceRequest<never>, 'responseSchema'>): Promise<ServiceResponse<Readable>>;
  /** A file, as `stream` hands it over, the name and size the service gave noted beside it (SubAction.downloads). */
  download(req: Omit<ServiceRequest<never>, 'responseSchema'>): Promise<Readable>;
}

/** The request an error answered, for types whose error messages name it. */
export interface CalledRequest {
  method: string;
  url: string;
}

export interface ServiceClientOptions {
  /** Basic authentication for every request. */
  auth?: { username: string; password: string };
  /** The connector's own TLS settings (a client certificate, its verification mode). */
  tls?: TlsOverrides;
  /** The type's reading of an error answer, for `Status code: N. Message: <this>` (some name the request: method lower-case, as axios has it). */
  errorMessage(response: { status: number; statusText: string; data: unknown }, request: CalledRequest): string;
  /** Its reading of a request that got no answer (`Status code: undefined. Message: <this>`); `[code] message` without it. */
  unansweredMessage?(error: { code?: string; message: string }, request: CalledRequest): string;
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
  const outbound = (req: ServiceRequest<unknown>): OutboundRequest => {
    const headers: Record<string, string> = { 'Content-Type': 'application/json', ...req.headers };
    if (options.auth) headers.Authorization = `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64')}`;
    return {
      url: normalizeServiceUrl(req.url),
      method: req.method ?? 'GET',
      headers,
      body: req.body === undefined ? undefined : typeof req.body === 'string' ? req.body : JSON.stringify(req.body),
      signal: req.signal ? AbortSignal.any([ctx.signal, req.signal]) : ctx.signal,
      timeoutMs: req.timeoutMs,
      ...(options.tls ? { tls: options.tls } : {}),
    };
  };
  const called = (out: OutboundRequest): CalledRequest => ({ method: (out.method ?? 'GET').toLowerCase(), url: out.url });
  const unanswered = (err: unknown, out: OutboundRequest) => {
    const code = err instanceof OutboundRequestError ? err.code : undefined;
    const { message } = err as Error;
    const detail = options.unansweredMessage ? options.unansweredMessage({ code, message }, called(out)) : code ? `[${code}] ${message}` : message;
    return new ServiceRequestError(`Status code: undefined. Message: ${detail}`);
  };
  const refused = (res: Omit<OutboundResponse, 'body'>, data: unknown, out: OutboundRequest) =>
    new ServiceRequestError(
      `Status code: ${res.status}. Message: ${options.errorMessage({ status: res.status, statusText: res.statusText, data }, called(out))}`,
      res.status,
      res.headers,
    );
  const isSuccess = (status: number) => status >= 200 && status < 300;
  const client: ServiceClient = {
    async request<T>(req: ServiceRequest<T>): Promise<ServiceResponse<T>> {
      const out = outbound(req);
      let res;
      try {
        res = await ctx.services.http.send(out);
      } catch (err) {
        throw unanswered(err, out);
      }
      const data = parseBody(res.body);
      if (!isSuccess(res.status)) throw refused(res, data, out);
      if (!req.responseSchema) return { status: res.status, headers: res.headers, data: data as T };
      const checked = req.responseSchema.safeParse(data);
      // No status: an unexpected answer may be a passing fault of the service, so it is retried.
      if (!checked.success) throw new ServiceRequestError(`Response validation failed (${formatZodError(checked.error)})`);
      return { status: res.status, headers: res.headers, data: checked.data };
    },
    async stream(req) {
      const out = outbound(req);
      let res;
      try {
        res = await ctx.services.http.stream(out);
      } catch (err) {
        throw unanswered(err, out);
      }
      if (isSuccess(res.status)) return { status: res.status, headers: res.headers, data: res.body };
      let text = '';
      try {
        text = await res.text();
      } catch {
        // Unreadable (cut, or too large): the status says enough.
      }
      throw refused(res, parseBody(text), out);
    },
    async download(req) {
      const { headers, data } = await client.stream(req);
      const size = Number(headers['content-length']);
      return describedFile(data, {
        fileName: contentDispositionFileName(headers['content-disposition']),
        contentLength: headers['content-length'] !== undefined && Number.isSafeInteger(size) && size >= 0 ? size : undefined,
      });
    },
  };
  return client;
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

type SubActionTypeDefinition<C, S> = Omit<ConnectorTypeDefinition<C, S, SubActionParams>, 'schemas' | 'executor' | 'streamsAnswer' | 'downloadsAnswer'> & {
  schemas: { config: z.ZodType<C>; secrets: z.ZodType<S> };
  subActions: Array<SubAction<C, S>>;
  /** How the type reads its service's error answers, and its credentials. */
  client(ctx: ExecutorContext<C, S, SubActionParams>): ServiceClientOptions;
};

/** Whether the sub-action these params name answers with a stream. */
function streamsBy<C, S>(byName: Map<string, SubAction<C, S>>, params: SubActionParams | null | undefined): boolean {
  if (!params || typeof params !== 'object') return false;
  const streams = byName.get(params.subAction)?.streams;
  return streams === true || (typeof streams === 'function' && streams(params.subActionParams as Record<string, unknown> | null | undefined));
}

/** Whether the sub-action these params name answers a file. */
function downloadsBy<C, S>(byName: Map<string, SubAction<C, S>>, params: SubActionParams | null | undefined): boolean {
  return !!params && typeof params === 'object' && byName.get(params.subAction)?.downloads === true;
}

/**
 * A connector type made of sub-actions (Opsgenie, Tines, D3 Security, the ITSM types…). Its
 * failures are thrown, as Kibana's are, so the action executor answers them (ExecutorError).
 */
export function defineSubActionConnectorType<C, S>(def: SubActionTypeDefinition<C, S>): ConnectorTypeDefinition<C, S, SubActionParams> {
  const byName = new Map(def.subActions.map((s) => [s.name, s]));
  const { subActions: _subActions, client, schemas, ...rest } = def;
  const streaming = def.subActions.some((s) => s.streams);
  const downloading = def.subActions.some((s) => s.downloads);
  const endpoint = def.supportedFeatureIds.includes('endpointSecurity') || def.subActions.some((s) => s.endpoint);
  return defineConnectorType<C, S, SubActionParams>({
    ...rest,
    ...(streaming ? { streamsAnswer: (params: SubActionParams | null | undefined) => streamsBy(byName, params) } : {}),
    ...(downloading ? { downloadsAnswer: (params: SubActionParams | null | undefined) => downloadsBy(byName, params) } : {}),
    ...(endpoint ? { endpointKindOf: (params: SubActionParams | null | undefined) => (params && typeof params === 'object' ? byName.get(params.subAction)?.endpoint : undefined) } : {}),
    schemas: { ...schemas, params: endpoint ? endpointSubActionParamsSchema : subActionParamsSchema },
    subActionSchemas: def.subActions.map(({ name, schema }) => ({ name, schema })),
    async executor(rawCtx) {
      // `confirm` is Plugboard's word to the queue, not the service's: the sub-action never sees it.
      const { confirm: _confirm, ...plain } = rawCtx.params as SubActionParams & { confirm?: boolean };
      const ctx = endpoint ? { ...rawCtx, params: plain } : rawCtx;
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
      const answer = await action.run({ ...ctx, client: serviceClient(ctx, client(ctx)) }, params);
      if (action.downloads) {
        if (!isFileBody(answer)) throw new ExecutorError(`Sub action "${subAction}" answered no file`, 'framework', { permanent: true });
        // The execute event waits for the file's end (a usage promise, as a streamed answer's).
        return { status: 'ok', actionId: ctx.connectorId, data: answer, usage: fileDelivered(answer) };
      }
      if (answer instanceof AnswerWithUsage) {
        const result: ExecutorResult = { status: 'ok', actionId: ctx.connectorId, data: answer.data ?? {} };
        if (answer.usage) result.usage = answer.usage;
        return result;
      }
      return { status: 'ok', actionId: ctx.connectorId, data: answer ?? {} };
    },
  });
}
