import type { IncomingMessage, ServerResponse } from 'node:http';
import { startRecordingServer, type RecordedRequest } from '../lib/simulator_server.js';

/**
 * An in-process Torq webhook integration: `POST /v1/webhooks/<id>`.
 *
 * Like the service (and Kibana's simulator):
 * - the `X-Torq-Token` header must equal the integration's token, otherwise 401;
 * - only POST is accepted (405), on the integration's path (404);
 * - the body must be a JSON object, otherwise 400;
 * - an accepted event is answered 204, as Kibana's simulator does (the real service's success
 *   status and error bodies are unconfirmed; errors here are JSON `{message}`).
 *
 * Canned failures, chosen by the body's `msg`, as in Kibana's simulator: `respond-with-400`,
 * `respond-with-404`, `respond-with-405`, `respond-with-429`, `respond-with-502`; and, an
 * addition, `respond-with-429-retry-after` (Retry-After: SIMULATOR_RETRY_AFTER_SECONDS).
 */

export interface TorqSimulator {
  /** Base URL on 127.0.0.1. */
  url: string;
  /** The integration's webhook URL, with `localhost` as host: the connector accepts no other local name. */
  webhookUrl: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export const SIMULATOR_RETRY_AFTER_SECONDS = 20;
export const WEBHOOK_PATH = '/v1/webhooks/4c1dbe2b-0a77-4a8e-9d4c-5b1f6d3f2a90';

function reply(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify({ message }));
}

export async function startTorqSimulator(options: { token: string }): Promise<TorqSimulator> {

  const handle = (req: IncomingMessage, res: ServerResponse, body: string): void => {
    if ((req.url ?? '/').split('?')[0] !== WEBHOOK_PATH) return reply(res, 404, 'webhook not found');
    if (req.method !== 'POST') return reply(res, 405, 'method not allowed');
    if (req.headers['x-torq-token'] !== options.token) return reply(res, 401, 'invalid token');

    let event: unknown;
    try {
      event = JSON.parse(body);
    } catch {
      return reply(res, 400, 'body is not valid JSON');
    }
    if (!event || typeof event !== 'object' || Array.isArray(event)) return reply(res, 400, 'body must be a JSON object');

    switch ((event as { msg?: unknown }).msg) {
      case 'respond-with-400':
        return reply(res, 400, 'bad request');
      case 'respond-with-404':
        return reply(res, 404, 'webhook not found');
      case 'respond-with-405':
        return reply(res, 405, 'method not allowed');
      case 'respond-with-429':
        return reply(res, 429, 'too many requests');
      case 'respond-with-429-retry-after':
        return reply(res, 429, 'too many requests', { 'Retry-After': String(SIMULATOR_RETRY_AFTER_SECONDS) });
      case 'respond-with-502':
        res.writeHead(502, { 'Content-Type': 'text/html' });
        return void res.end('<html><body><h1>502 Bad Gateway</h1></body></html>');
    }
    res.writeHead(204);
    res.end();
  };

  const { url, requests, close } = await startRecordingServer(handle);
  return {
    url,
    webhookUrl: `${url.replace('127.0.0.1', 'localhost')}${WEBHOOK_PATH}`,
    requests,
    close,
  };
}
