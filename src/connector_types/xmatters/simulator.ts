import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startRecordingServer, type RecordedRequest } from '../lib/simulator_server.js';

/**
 * An in-process xMatters flow HTTP trigger: `POST /api/integration/1/functions/<id>/triggers`.
 *
 * Like the service:
 * - a request authenticates with Basic credentials (`user`, `password`) or with the `apiKey`
 *   query parameter of the trigger URL; otherwise 401;
 * - only POST is accepted (405), on the trigger path (404);
 * - the body must be JSON (400); xMatters does not check its fields: the flow maps them;
 * - an accepted request is answered 202 `{requestId}`.
 * Error bodies take the xMatters REST shape `{code, reason, message}` (wording unconfirmed).
 *
 * Canned failures, chosen by `alertActionGroupName`, as in Kibana's simulator:
 * `respond-with-400`, `respond-with-429`, `respond-with-502`; and, an addition,
 * `respond-with-429-retry-after` (Retry-After: SIMULATOR_RETRY_AFTER_SECONDS).
 */

export interface XmattersSimulator {
  /** Base URL of the simulated instance. */
  url: string;
  /** The trigger URL for basic authentication. */
  triggerUrl: string;
  /** The trigger URL with the API key, for usesBasic false. */
  triggerUrlWithApiKey: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export interface XmattersSimulatorOptions {
  user: string;
  password: string;
  apiKey: string;
}

export const SIMULATOR_RETRY_AFTER_SECONDS = 45;
export const TRIGGER_PATH = '/api/integration/1/functions/6c2ae1c2-76c5-4c1a-bb7e-3f8f2fd1cd1f/triggers';

function error(res: ServerResponse, code: number, reason: string, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(code, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify({ code, reason, message }));
}

function basicCredentials(authorization: string | undefined): string | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(authorization ?? '');
  return match ? Buffer.from(match[1], 'base64').toString() : undefined;
}

export async function startXmattersSimulator(options: XmattersSimulatorOptions): Promise<XmattersSimulator> {

  const handle = (req: IncomingMessage, res: ServerResponse, body: string): void => {
    const url = new URL(req.url ?? '/', 'http://simulator');
    if (url.pathname !== TRIGGER_PATH) return error(res, 404, 'Not Found', 'No trigger at this address');
    if (req.method !== 'POST') return error(res, 405, 'Method Not Allowed', 'Triggers accept POST only');

    const basic = basicCredentials(req.headers.authorization);
    const apiKey = url.searchParams.get('apiKey');
    const authenticated = basic !== undefined ? basic === `${options.user}:${options.password}` : apiKey === options.apiKey;
    if (!authenticated) return error(res, 401, 'Unauthorized', 'Invalid credentials');

    let payload: unknown;
    try {
      payload = JSON.parse(body);
    } catch {
      return error(res, 400, 'Bad Request', 'The request body is not valid JSON');
    }

    const group = payload && typeof payload === 'object' ? (payload as { alertActionGroupName?: unknown }).alertActionGroupName : undefined;
    switch (group) {
      case 'respond-with-400':
        return error(res, 400, 'Bad Request', 'The flow refused the request');
      case 'respond-with-429':
        return error(res, 429, 'Too Many Requests', 'Request rate limit exceeded');
      case 'respond-with-429-retry-after':
        return error(res, 429, 'Too Many Requests', 'Request rate limit exceeded', { 'Retry-After': String(SIMULATOR_RETRY_AFTER_SECONDS) });
      case 'respond-with-502':
        res.writeHead(502, { 'Content-Type': 'text/html' });
        return void res.end('<html><body><h1>502 Bad Gateway</h1></body></html>');
    }

    res.writeHead(202, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ requestId: randomUUID() }));
  };

  const { url, requests, close } = await startRecordingServer(handle);
  return {
    url,
    triggerUrl: `${url}${TRIGGER_PATH}`,
    triggerUrlWithApiKey: `${url}${TRIGGER_PATH}?apiKey=${encodeURIComponent(options.apiKey)}`,
    requests,
    close,
  };
}
