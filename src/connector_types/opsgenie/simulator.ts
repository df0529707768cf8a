import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { startTextServer } from '../lib/simulator_server.js';

/**
 * An in-process Opsgenie Alert API v2, as far as the connector uses it:
 *   POST /v2/alerts                                   create (asynchronous: 202)
 *   POST /v2/alerts/<identifier>/close?identifierType close by id (default), alias or tiny id
 * Like Opsgenie, every answer is JSON with `took` and `requestId` (also in X-Request-ID):
 *   202 {result: 'Request will be processed', took, requestId}
 *   401 {message: 'Could not authenticate'} without `Authorization: GenieKey <the key>`
 *   400 for a body that is not a JSON object; 415 for a Content-Type other than JSON
 *   422 {message, errors: {<field>: <problem>}} for a missing, empty or too long message, a
 *       too long alias or an unknown identifierType
 *   404 for any other path, 405 for another method
 * The simulator refuses messages over 130 characters, where the real service's handling is
 * not documented: a connector must truncate them before sending.
 * Alerts are kept by alias (or by a generated id) with their status, for tests to inspect.
 */

export interface OpsgenieRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** The raw body text. */
  raw: string;
  /** The parsed JSON body, or undefined. */
  body: unknown;
}

export interface SimulatedAlert {
  alias: string;
  status: 'open' | 'closed';
  /** The create request's body. */
  created: Record<string, unknown>;
  /** The close request's body, once closed. */
  closed?: Record<string, unknown>;
}

export interface OpsgenieSimulator {
  url: string;
  requests: OpsgenieRequest[];
  /** Alerts by alias (or by generated id when created without one). */
  alerts: Map<string, SimulatedAlert>;
  /** The next answer, whatever the request: a status, a JSON body (took and requestId added) and headers. */
  failNext(status: number, body?: Record<string, unknown> | string, headers?: Record<string, string>): void;
  close(): Promise<void>;
}

export const SIMULATOR_RESULT = 'Request will be processed';
const MAX_MESSAGE = 130;
const MAX_ALIAS = 512;
const NOT_PROCESSABLE = 'Request body is not processable. Please check the errors.';

export async function startOpsgenieSimulator(options: { apiKey: string }): Promise<OpsgenieSimulator> {
  const requests: OpsgenieRequest[] = [];
  const alerts = new Map<string, SimulatedAlert>();
  let failure: { status: number; body: Record<string, unknown> | string; headers: Record<string, string> } | undefined;

  const answer = (res: ServerResponse, status: number, body: Record<string, unknown>, headers: Record<string, string> = {}) => {
    const requestId = randomUUID();
    res
      .writeHead(status, { 'Content-Type': 'application/json', 'X-Request-ID': requestId, ...headers })
      .end(JSON.stringify({ ...body, took: 0.004, requestId }));
  };
  const unprocessable = (res: ServerResponse, errors: Record<string, string>) => answer(res, 422, { message: NOT_PROCESSABLE, errors });

  const handle = (req: OpsgenieRequest, res: ServerResponse) => {
    if (failure) {
      const { status, body, headers } = failure;
      failure = undefined;
      if (typeof body === 'string') return res.writeHead(status, headers).end(body);
      return answer(res, status, body, headers);
    }
    if (req.headers.authorization !== `GenieKey ${options.apiKey}`) return answer(res, 401, { message: 'Could not authenticate' });

    const create = req.path === '/v2/alerts';
    const close = /^\/v2\/alerts\/([^/]+)\/close$/.exec(req.path);
    if (!create && !close) return answer(res, 404, { message: `No handler found for path: ${req.path}` });
    if (req.method !== 'POST') return answer(res, 405, { message: `Request method '${req.method}' not supported` });
    if (!req.headers['content-type']?.startsWith('application/json')) return answer(res, 415, { message: 'Content type not supported' });
    const body = req.body;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) return answer(res, 400, { message: 'Invalid JSON body' });
    const fields = body as Record<string, unknown>;

    if (create) {
      const { message, alias } = fields;
      if (typeof message !== 'string' || message.trim() === '') return unprocessable(res, { message: 'Message can not be empty.' });
      if (message.length > MAX_MESSAGE) return unprocessable(res, { message: `Message can not be longer than ${MAX_MESSAGE} characters.` });
      if (alias !== undefined && (typeof alias !== 'string' || alias.length > MAX_ALIAS)) {
        return unprocessable(res, { alias: `Alias can not be longer than ${MAX_ALIAS} characters.` });
      }
      const key = typeof alias === 'string' && alias !== '' ? alias : randomUUID();
      // Opsgenie de-duplicates an open alert with the same alias instead of opening another.
      if (alerts.get(key)?.status !== 'open') alerts.set(key, { alias: key, status: 'open', created: fields });
      return answer(res, 202, { result: SIMULATOR_RESULT });
    }

    const identifierType = req.query.identifierType ?? 'id';
    if (!['id', 'alias', 'tiny'].includes(identifierType)) return unprocessable(res, { identifierType: 'Invalid identifier type.' });
    // Asynchronous like the real service: an unknown alert still gets 202 and fails later.
    const alert = identifierType === 'alias' ? alerts.get(decodeURIComponent(close![1])) : undefined;
    if (alert) Object.assign(alert, { status: 'closed', closed: fields });
    return answer(res, 202, { result: SIMULATOR_RESULT });
  };

  const server = await startTextServer((req, res, raw) => {
    const url = new URL(req.url ?? '/', 'http://simulator');
    let body: unknown;
    try {
      body = raw === '' ? undefined : JSON.parse(raw);
    } catch {
      body = undefined;
    }
    const recorded = { method: req.method ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, raw, body };
    requests.push(recorded);
    handle(recorded, res);
  });

  return {
    url: server.url,
    requests,
    alerts,
    failNext(status, body = {}, headers = {}) {
      failure = { status, body, headers };
    },
    close: server.close,
  };
}
