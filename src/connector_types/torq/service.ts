import { answerFacts } from '../../actions/failure.js';
import type { ExecutorResult } from '../../actions/types.js';
import { OutboundRequestError, type OutboundResponse } from '../../net/http_client.js';
import { resultRetry } from '../lib/retry.js';

const PREFIX = 'error triggering Torq workflow';

/** The body re-serialized, or why it is not JSON. An empty body is JSON null, sent as no body. */
export function parseBody(body: string): { ok: true; json: string | undefined } | { ok: false; reason: string } {
  try {
    const parsed: unknown = JSON.parse(body || 'null');
    return { ok: true, json: parsed === null ? undefined : JSON.stringify(parsed) };
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
}

export function invalidBody(actionId: string, reason: string): ExecutorResult {
  // Kibana leaves retry unset; the queue does not send again a body that would fail the same way.
  return { status: 'error', actionId, message: `${PREFIX}, invalid body`, serviceMessage: reason, failure: { permanent: true } };
}

/** `[status] statusText`, plus `: message` when the body is JSON with a `message`. */
function describeError(res: OutboundResponse): string {
  let message: unknown;
  try {
    const parsed: unknown = JSON.parse(res.body);
    if (parsed && typeof parsed === 'object') message = (parsed as { message?: unknown }).message;
  } catch {
    // not JSON: no message
  }
  const suffix = typeof message === 'string' ? message : message != null ? JSON.stringify(message) : '';
  return `[${res.status}] ${res.statusText}${suffix ? `: ${suffix}` : ''}`;
}

/** Kibana's words for the statuses it names. */
const WORDING: Record<number, string> = {
  401: 'unauthorised',
  404: 'make sure the webhook URL is valid',
  405: 'method is not supported',
};

/** 2xx is success, with the params body as data; other statuses as Kibana words them. */
export function mapResponse(actionId: string, res: OutboundResponse, body: string): ExecutorResult {
  if (res.status >= 200 && res.status < 300) return { status: 'ok', actionId, data: body };

  const serviceMessage = describeError(res);
  const failure = answerFacts(res);
  const retry = resultRetry(res.status, res.headers);
  if (retry instanceof Date) {
    return { status: 'error', actionId, message: `${PREFIX}, retry at ${retry.toISOString()}`, serviceMessage, retry, failure };
  }
  if (retry) return { status: 'error', actionId, message: `${PREFIX}, retry later`, serviceMessage, retry, failure };
  return { status: 'error', actionId, message: `${PREFIX}, ${WORDING[res.status] ?? 'invalid response'}`, serviceMessage, failure };
}

/** No HTTP status: connection, TLS, timeout, size limit, or allowedHosts refusing the URL. */
export function mapSendError(actionId: string, err: unknown): ExecutorResult {
  if (err instanceof OutboundRequestError) {
    const serviceMessage = err.code ? `[${err.code}] ${err.message}` : err.message;
    return { status: 'error', actionId, message: `${PREFIX}, request failed`, serviceMessage };
  }
  if (err instanceof Error) return { status: 'error', actionId, message: `${PREFIX}, request failed`, serviceMessage: err.message };
  return { status: 'error', actionId, message: `${PREFIX}, unexpected error` };
}
