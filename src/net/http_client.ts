import { STATUS_CODES } from 'node:http';
import { Agent, request } from 'undici';
import { deadline } from '../common/deadline.js';
import type { AllowedHosts } from './allowed_hosts.js';

export interface OutboundRequest {
  url: string;
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  headers?: Record<string, string>;
  body?: string;
  /** A per-call timeout; the effective timeout is the larger of this and responseTimeout. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface OutboundResponse {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  body: string;
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

export interface OutboundHttpOptions {
  allowedHosts: AllowedHosts;
  maxResponseContentLength: number;
  responseTimeoutMs: number;
}


/**
 * The one way connector types send HTTP. Every request is checked against allowedHosts,
 * bounded in time and in response size (enforced while the body streams).
 */
export class OutboundHttp {
  private readonly dispatcher = new Agent({ connect: { timeout: 30_000 } });

  constructor(private readonly options: OutboundHttpOptions) {}

  async send(req: OutboundRequest): Promise<OutboundResponse> {
    this.options.allowedHosts.ensureUriAllowed(req.url);
    const timeout = Math.max(this.options.responseTimeoutMs, req.timeoutMs ?? 0);
    const limit = deadline(timeout, req.signal);
    const signal = limit.signal;
    try {
      const res = await request(req.url, {
        method: req.method ?? 'GET',
        headers: req.headers,
        body: req.body,
        signal,
        dispatcher: this.dispatcher,
      });
      const body = await this.readCapped(res.body, res.headers['content-length']);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(res.headers)) {
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
      }
      return { status: res.statusCode, statusText: STATUS_CODES[res.statusCode] ?? '', headers, body };
    } catch (err) {
      if (err instanceof OutboundRequestError) throw err;
      if (limit.timedOut) {
        throw new OutboundRequestError(`timeout of ${timeout}ms exceeded`, 'ECONNABORTED');
      }
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const code = (err as { code?: string }).code ?? cause?.code;
      // undici reports connection failures as "fetch failed"-style wrappers; the cause says what happened.
      throw new OutboundRequestError(cause?.message ?? (err as Error).message, code);
    } finally {
      limit.dispose();
    }
  }

  private async readCapped(body: AsyncIterable<Buffer> & { destroy(err?: Error): void }, declared?: string | string[]): Promise<string> {
    const max = this.options.maxResponseContentLength;
    const tooLarge = () =>
      new OutboundRequestError(`maxContentLength size of ${max} exceeded`, 'ERR_MAX_CONTENT_LENGTH');
    if (typeof declared === 'string' && Number(declared) > max) {
      body.destroy();
      throw tooLarge();
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body) {
      size += chunk.length;
      if (size > max) {
        body.destroy();
        throw tooLarge();
      }
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}
