import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startRecordingServer, type RecordedRequest } from '../lib/simulator_server.js';

/**
 * An in-process PagerDuty Events API v2: `POST /v2/enqueue`.
 *
 * Like the service:
 * - the routing key comes from the body's `routing_key` or the `X-Routing-Key` header (the one
 *   Kibana uses); it must be 32 alphanumeric characters, and, when the simulator was given
 *   `routingKeys`, one of them;
 * - `event_action` must be trigger, acknowledge or resolve; acknowledge and resolve need a
 *   `dedup_key` (at most 255 characters); a trigger needs `payload` with `summary`, `source` and a
 *   valid `severity`;
 * - an invalid event is answered 400 `{status: 'invalid event', message: 'Event object is invalid',
 *   errors: [...]}`, a body that is not a JSON object 400 `{status: 'Unrecognized object', ...}`;
 * - an accepted event is answered 202 `{status: 'success', message: 'Event processed', dedup_key}`,
 *   with a generated dedup_key when the trigger had none.
 * The error sentences follow PagerDuty's published examples where there are some; the others are
 * in the same style (unconfirmed wording).
 *
 * Canned failures, chosen by `payload.summary` (or `dedup_key` for events without payload), as in
 * Kibana's simulator: `respond-with-429` (no Retry-After), `respond-with-429-retry-after`
 * (Retry-After: SIMULATOR_RETRY_AFTER_SECONDS; an addition), `respond-with-502`,
 * `respond-with-418`.
 */

export interface PagerDutySimulator {
  /** Base URL; events go to `${url}/v2/enqueue`. */
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export const SIMULATOR_RETRY_AFTER_SECONDS = 30;
const SEVERITIES = ['critical', 'error', 'warning', 'info'];
const EVENT_ACTIONS = ['trigger', 'acknowledge', 'resolve'];

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

const blank = (value: unknown) => typeof value !== 'string' || value.trim() === '';

function problems(event: Record<string, unknown>, routingKey: string | undefined, known: Set<string> | undefined): string[] {
  const errors: string[] = [];
  if (blank(routingKey)) errors.push("'routing_key' is missing or blank");
  else {
    if (routingKey!.length !== 32) errors.push("Length of 'routing_key' is incorrect (should be 32 characters)");
    if (!/^[A-Za-z0-9]*$/.test(routingKey!)) errors.push("'routing_key' cannot contain non-alphanumeric characters.");
    if (errors.length === 0 && known && !known.has(routingKey!)) errors.push('Invalid routing key');
  }

  const action = event.event_action;
  if (blank(action)) errors.push("'event_action' is missing or blank");
  else if (!EVENT_ACTIONS.includes(action as string)) errors.push("'event_action' is invalid (must be one of: trigger, acknowledge, resolve)");

  const dedupKey = event.dedup_key;
  if (dedupKey !== undefined && typeof dedupKey !== 'string') errors.push("'dedup_key' must be a string");
  else if (typeof dedupKey === 'string' && dedupKey.length > 255) errors.push("'dedup_key' is too long (max 255 characters)");
  if ((action === 'acknowledge' || action === 'resolve') && blank(dedupKey)) errors.push("'dedup_key' is missing or blank");

  if (action === 'trigger') {
    const payload = event.payload;
    if (!payload || typeof payload !== 'object' || Array.isArray(payload)) errors.push("'payload' is missing or not an object");
    else {
      const { summary, source, severity } = payload as Record<string, unknown>;
      if (blank(summary)) errors.push("'payload.summary' is missing or blank");
      if (blank(source)) errors.push("'payload.source' is missing or blank");
      if (blank(severity)) errors.push("'payload.severity' is missing or blank");
      else if (!SEVERITIES.includes(severity as string)) errors.push("'payload.severity' is invalid (must be one of: critical, error, warning, info)");
    }
  }
  return errors;
}

/** The canned answer chosen by the event, if any. */
function canned(res: ServerResponse, event: Record<string, unknown>): boolean {
  const payload = event.payload as { summary?: unknown } | undefined;
  const control = payload?.summary ?? event.dedup_key;
  switch (control) {
    case 'respond-with-429':
      json(res, 429, { status: 'throttle event', message: 'Requests for this service are arriving too quickly. Please retry later.' });
      return true;
    case 'respond-with-429-retry-after':
      json(res, 429, { status: 'throttle event', message: 'Requests for this service are arriving too quickly. Please retry later.' }, {
        'Retry-After': String(SIMULATOR_RETRY_AFTER_SECONDS),
      });
      return true;
    case 'respond-with-502':
      res.writeHead(502, { 'Content-Type': 'text/html' });
      res.end('<html><body><h1>502 Bad Gateway</h1></body></html>');
      return true;
    case 'respond-with-418':
      json(res, 418, { status: 'teapot', message: "I'm a teapot" });
      return true;
  }
  return false;
}

export async function startPagerDutySimulator(options: { routingKeys?: string[] } = {}): Promise<PagerDutySimulator> {
  const known = options.routingKeys ? new Set(options.routingKeys) : undefined;

  const handle = (req: IncomingMessage, res: ServerResponse, body: string): void => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/v2/enqueue') return json(res, 404, { status: 'not found', message: 'Not found' });
    if (req.method !== 'POST') return json(res, 405, { status: 'method not allowed', message: 'Only POST is supported' });

    let event: unknown;
    try {
      event = JSON.parse(body);
    } catch {
      return json(res, 400, { status: 'Unrecognized object', message: 'Event object format is unrecognized', errors: ['JSON parse error'] });
    }
    if (!event || typeof event !== 'object' || Array.isArray(event)) {
      return json(res, 400, { status: 'Unrecognized object', message: 'Event object format is unrecognized', errors: ['Event is not a JSON object'] });
    }
    const fields = event as Record<string, unknown>;
    const header = req.headers['x-routing-key'];
    const routingKey = typeof fields.routing_key === 'string' ? fields.routing_key : Array.isArray(header) ? header[0] : header;

    const errors = problems(fields, routingKey, known);
    if (errors.length > 0) return json(res, 400, { status: 'invalid event', message: 'Event object is invalid', errors });
    if (canned(res, fields)) return;

    const dedupKey = typeof fields.dedup_key === 'string' && fields.dedup_key !== '' ? fields.dedup_key : randomBytes(16).toString('hex');
    json(res, 202, { status: 'success', message: 'Event processed', dedup_key: dedupKey });
  };

  return startRecordingServer(handle);
}
