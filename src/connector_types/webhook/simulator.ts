import type { IncomingMessage, ServerResponse } from 'node:http';
import { startRecordingServer, type RecordedRequest } from '../lib/simulator_server.js';

/**
 * An in-process stand-in for Kibana's webhook simulator. POST and PUT bodies are matched as raw
 * text:
 *   success                 200 OK
 *   authenticate            200 with Basic elastic:changeme, else 403
 *   success_post_method     200 when the method is POST, else 403
 *   success_put_method      200 when the method is PUT, else 403
 *   failure                 500 Error
 *   header_as_payload       records the request headers (JSON) and answers 200
 *   payload <x>             records x and answers 200 ok
 * Additions for the retry table (not in Kibana's simulator):
 *   rate_limit              429 with Retry-After: 5
 *   rate_limit <value>      429 with Retry-After: <value> verbatim (e.g. an HTTP-date)
 *   rate_limit_without_retry_after   429 without Retry-After
 *   bad_request_json        400 with a JSON body {"message": "..."}
 *   status <code>           that status with a text body
 *   status_json <code> <json>        that status with the given JSON body
 *   redirect                302 to /redirected (the network layer follows it: a GET of the payloads)
 * Anything else is 400 `unexpected body ...`. GET returns the recorded payloads as a JSON array
 * and clears them; other methods get 400.
 */

export interface WebhookSimulator {
  /** Base URL, e.g. `http://127.0.0.1:54321`; any path is accepted. */
  url: string;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export const SIMULATOR_RETRY_AFTER_SECONDS = 5;
export const SIMULATOR_BAD_REQUEST_MESSAGE = 'the webhook simulator rejected the request';

function basicCredentials(authorization: string | undefined): { username: string; password: string } {
  const parts = authorization?.split(/\s+/) ?? [];
  if (parts.length < 2) return { username: '', password: '' };
  const decoded = Buffer.from(parts[1], 'base64').toString();
  const colon = decoded.indexOf(':');
  if (colon === -1) return { username: '', password: '' };
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function reply(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, headers);
  res.end(body);
}

export async function startWebhookSimulator(): Promise<WebhookSimulator> {
  let payloads: string[] = [];

  const handle = (req: IncomingMessage, res: ServerResponse, body: string): void => {
    const method = req.method ?? '';
    if (method === 'GET') {
      reply(res, 200, JSON.stringify(payloads, null, 4), { 'Content-Type': 'application/json' });
      payloads = [];
      return;
    }
    if (method !== 'POST' && method !== 'PUT') {
      reply(res, 400, 'unknown request to webhook simulator [no content]');
      return;
    }

    switch (body) {
      case 'success':
        return reply(res, 200, 'OK');
      case 'authenticate': {
        const { username, password } = basicCredentials(req.headers.authorization);
        if (username === 'elastic' && password === 'changeme') return reply(res, 200, 'OK');
        return reply(res, 403, `the validateAuthentication operation failed. invalid credentials for [${username}]`);
      }
      case 'success_post_method':
      case 'success_put_method': {
        const expected = body === 'success_post_method' ? 'POST' : 'PUT';
        if (method === expected) return reply(res, 200, 'OK');
        return reply(res, 403, `the validateAuthentication operation failed. expected ${expected}, got ${method}`);
      }
      case 'failure':
        return reply(res, 500, 'Error');
      case 'header_as_payload':
        payloads.push(JSON.stringify(req.headers));
        return reply(res, 200, 'OK');
      case 'rate_limit':
        return reply(res, 429, 'Too Many Requests', { 'Retry-After': String(SIMULATOR_RETRY_AFTER_SECONDS) });
      case 'rate_limit_without_retry_after':
        return reply(res, 429, 'Too Many Requests');
      case 'bad_request_json':
        return reply(res, 400, JSON.stringify({ message: SIMULATOR_BAD_REQUEST_MESSAGE }), {
          'Content-Type': 'application/json',
        });
      case 'redirect':
        return reply(res, 302, 'Found', { Location: '/redirected' });
    }

    let match = /^payload ([\s\S]*)$/.exec(body);
    if (match) {
      payloads.push(match[1]);
      return reply(res, 200, 'ok');
    }
    match = /^rate_limit (.+)$/.exec(body);
    if (match) return reply(res, 429, 'Too Many Requests', { 'Retry-After': match[1] });
    match = /^status (\d{3})$/.exec(body);
    if (match) return reply(res, Number(match[1]), `simulated status ${match[1]}`);
    match = /^status_json (\d{3}) ([\s\S]*)$/.exec(body);
    if (match) return reply(res, Number(match[1]), match[2], { 'Content-Type': 'application/json' });

    reply(res, 400, `unexpected body ${body}`);
  };

  return startRecordingServer(handle);
}
