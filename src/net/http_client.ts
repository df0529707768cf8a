import { STATUS_CODES } from 'node:http';
import { request, type Dispatcher } from 'undici';
import type { Readable } from 'node:stream';
import { abortAfter, deadline } from '../common/deadline.js';
import { DeniedAddressError } from './address_ranges.js';
import { DispatcherCache } from './dispatchers.js';
import type { NetworkPolicy, TlsOverrides } from './network_policy.js';

export interface OutboundRequest {
  url: string;
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  headers?: Record<string, string>;
  body?: string;
  /** A per-call timeout; the effective timeout is the larger of this and responseTimeout. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** The connector's own TLS settings (CA, verification mode, client certificate). */
  tls?: TlsOverrides;
  /** Redirects followed at most; 0 returns a redirect response as it is. */
  maxRedirects?: number;
}

type Hop = Required<Pick<OutboundRequest, 'url' | 'method'>> & Pick<OutboundRequest, 'headers' | 'body'>;

/**
 * The request for the next hop: 307 and 308 keep method and body; 303, and 301/302 after a
 * POST, become a GET without body (as browsers and axios do). Credentials are dropped when
 * the redirect leaves the host.
 */
function redirectedRequest(hop: Hop, status: number, next: URL): Hop {
  const keepsMethod = status === 307 || status === 308 || (status !== 303 && hop.method !== 'POST');
  const crossHost = next.host !== new URL(hop.url).host;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(hop.headers ?? {})) {
    const lower = name.toLowerCase();
    if (crossHost && CROSS_HOST_DROPPED_HEADERS.has(lower)) continue;
    if (!keepsMethod && (lower === 'content-type' || lower === 'content-length')) continue;
    headers[name] = value;
  }
  return keepsMethod ? { url: next.href, method: hop.method, headers, body: hop.body } : { url: next.href, method: 'GET', headers };
}

export interface OutboundResponse {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  body: string;
}

/** An answer whose body is still arriving (OutboundHttp.stream). */
export interface OutboundStreamResponse extends Omit<OutboundResponse, 'body'> {
  body: Readable;
  /** Reads the rest of the body as text, held to maxResponseContentLength (for an error answer). */
  text(): Promise<string>;
}

function responseHead(res: Dispatcher.ResponseData): Omit<OutboundResponse, 'body'> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(res.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return { status: res.statusCode, statusText: STATUS_CODES[res.statusCode] ?? '', headers };
}

/** A failure before any HTTP status was received (DNS, connection, TLS, timeout, size). */
export class OutboundRequestError extends Error {
  override name = 'OutboundRequestError';
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** What went wrong before an answer, as an OutboundRequestError. */
function outboundError(err: unknown, timedOut: boolean, timeout: number): OutboundRequestError {
  if (err instanceof OutboundRequestError) return err;
  if (timedOut) return new OutboundRequestError(`timeout of ${timeout}ms exceeded`, 'ECONNABORTED');
  if (err instanceof DeniedAddressError) return new OutboundRequestError(err.message, err.code);
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const code = (err as { code?: string }).code ?? cause?.code;
  // undici reports connection failures as "fetch failed"-style wrappers; the cause says what happened.
  return new OutboundRequestError(cause?.message ?? (err as Error).message, code);
}

export interface OutboundHttpOptions {
  policy: NetworkPolicy;
  maxResponseContentLength: number;
  responseTimeoutMs: number;
}

/** axios' default, which Kibana's requests follow. */
export const DEFAULT_MAX_REDIRECTS = 21;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Credentials meant for one host are not sent on to another. */
const CROSS_HOST_DROPPED_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);

/**
 * The one way connector types send HTTP. Every request, and every redirect hop, is checked
 * against allowedHosts and the SSRF guard, goes through the proxy and TLS settings the policy
 * gives for its target, and is bounded in time and in response size (enforced while the body
 * streams).
 */
export class OutboundHttp {
  private readonly dispatchers: DispatcherCache;

  constructor(private readonly options: OutboundHttpOptions) {
    this.dispatchers = new DispatcherCache(options.policy.deniedAddresses);
  }

  async send(req: OutboundRequest): Promise<OutboundResponse> {
    const timeout = Math.max(this.options.responseTimeoutMs, req.timeoutMs ?? 0);
    const limit = deadline(timeout, req.signal);
    try {
      return await this.toResponse(await this.open(req, limit.signal));
    } catch (err) {
      throw outboundError(err, limit.timedOut, timeout);
    } finally {
      limit.dispose();
    }
  }

  /**
   * A request whose answer is read as it arrives (server-sent events): the timeout holds until
   * the status and headers are in, the caller's signal for as long as the body flows, and the
   * body is not held to maxResponseContentLength (axios does not hold streams to it either).
   * The caller reads or destroys `body`; destroying it closes the connection.
   */
  async stream(req: OutboundRequest): Promise<OutboundStreamResponse> {
    const timeout = Math.max(this.options.responseTimeoutMs, req.timeoutMs ?? 0);
    const controller = new AbortController();
    const onAbort = () => controller.abort(req.signal?.reason);
    if (req.signal?.aborted) onAbort();
    else req.signal?.addEventListener('abort', onAbort, { once: true });
    const headersDue = abortAfter(controller, timeout);
    let res: Dispatcher.ResponseData;
    try {
      res = await this.open(req, controller.signal);
    } catch (err) {
      req.signal?.removeEventListener('abort', onAbort);
      throw outboundError(err, headersDue.timedOut(), timeout);
    } finally {
      headersDue.entry.cancel();
    }
    res.body.once('close', () => req.signal?.removeEventListener('abort', onAbort));
    return { ...responseHead(res), body: res.body, text: () => this.readCapped(res.body, res.headers['content-length']) };
  }

  /** Sends the request and follows its redirects; resolves when the last answer's head is in. */
  private async open(req: OutboundRequest, signal: AbortSignal): Promise<Dispatcher.ResponseData> {
    let hop: Hop = { url: req.url, method: req.method ?? 'GET', headers: req.headers, body: req.body };
    const maxRedirects = req.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
    for (let redirects = 0; ; redirects++) {
      const res = await this.sendOnce(hop, req.tls, signal);
      const location = REDIRECT_STATUSES.has(res.statusCode) ? res.headers.location : undefined;
      if (typeof location !== 'string' || maxRedirects === 0) return res;
      // Read and dropped, so the connection can be reused (a large body closes it instead).
      await res.body.dump({ limit: 64 * 1024 });
      if (redirects >= maxRedirects) throw new OutboundRequestError(`Maximum number of redirects exceeded (${maxRedirects})`, 'ERR_FR_TOO_MANY_REDIRECTS');
      hop = redirectedRequest(hop, res.statusCode, new URL(location, hop.url));
    }
  }

  /** One request, after the policy checks for its target. */
  private async sendOnce(hop: Hop, tls: TlsOverrides | undefined, signal: AbortSignal): Promise<Dispatcher.ResponseData> {
    const { policy } = this.options;
    policy.allowedHosts.ensureUriAllowed(hop.url);
    const target = new URL(hop.url);
    const proxy = policy.proxyFor(target.hostname);
    // Direct connections are guarded inside the socket's DNS lookup; literals never look up,
    // and a proxy resolves the name itself, so those are checked here as far as this machine
    // can resolve them.
    if (proxy) await policy.deniedAddresses.checkHostname(target.hostname);
    else policy.deniedAddresses.checkLiteral(target.hostname);
    const dispatcher = this.dispatchers.get(proxy, policy.tlsProfileFor(target, tls));
    return request(target, { method: hop.method, headers: hop.headers, body: hop.body, signal, dispatcher });
  }

  private async toResponse(res: Dispatcher.ResponseData): Promise<OutboundResponse> {
    const body = await this.readCapped(res.body, res.headers['content-length']);
    return { ...responseHead(res), body };
  }

  private async readCapped(body: Dispatcher.ResponseData['body'], declared?: string | string[]): Promise<string> {
    const max = this.options.maxResponseContentLength;
    const abort = () => {
      // Closes the connection mid-body; the abort error it raises is this one, already reported.
      body.on('error', () => undefined);
      body.destroy();
      return new OutboundRequestError(`maxContentLength size of ${max} exceeded`, 'ERR_MAX_CONTENT_LENGTH');
    };
    if (typeof declared === 'string' && Number(declared) > max) throw abort();
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body) {
      size += (chunk as Buffer).length;
      if (size > max) throw abort();
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  async close(): Promise<void> {
    await this.dispatchers.close();
  }
}
