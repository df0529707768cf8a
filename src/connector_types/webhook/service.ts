import type { ActionResult } from '../../actions/types.js';
import { OutboundRequestError, type OutboundRequest, type OutboundResponse } from '../../net/http_client.js';
import { retryForStatus } from '../lib/retry.js';
import { AuthType, type WebhookConfig, type WebhookMethod, type WebhookParams, type WebhookSecrets } from './schema.js';

/** Statuses that mean the request itself is wrong, so the failure is the user's. */
const USER_ERROR_STATUSES = new Set([400, 404, 405, 406, 410, 411, 414, 428, 431]);

export type BuiltRequest = { ok: true; request: OutboundRequest } | { ok: false; reason: string };

export function methodSendsBody(method: WebhookMethod): boolean {
  return method !== 'get' && method !== 'delete';
}

/** Header names are case-insensitive: a later entry replaces any earlier one of the same name. */
export function mergeHeaders(...sources: Array<Record<string, string> | null | undefined>): Record<string, string> {
  const merged = new Map<string, [string, string]>();
  for (const source of sources) {
    for (const [name, value] of Object.entries(source ?? {})) merged.set(name.toLowerCase(), [name, value]);
  }
  return Object.fromEntries(merged.values());
}

export function basicAuthHeader(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

export function buildWebhookRequest(
  config: WebhookConfig,
  secrets: WebhookSecrets,
  params: WebhookParams,
): BuiltRequest {
  const { hasAuth, authType } = config;

  // The outbound HTTP layer has no per-request TLS or token support yet; refuse rather than
  // send the request without the credentials the connector was configured with.
  if (hasAuth && authType === AuthType.SSL) {
    return {
      ok: false,
      reason:
        'TLS client certificate authentication (webhook-authentication-ssl) is not supported yet; it arrives with the networking work',
    };
  }
  if (hasAuth && authType === AuthType.OAuth2ClientCredentials) {
    return {
      ok: false,
      reason:
        'OAuth2 client credentials authentication (webhook-oauth2-client-credentials) is not supported yet; it arrives with the networking work',
    };
  }

  let headers = mergeHeaders(config.headers, secrets.secretHeaders);
  const basic = hasAuth && (authType === AuthType.Basic || !authType);
  if (basic && typeof secrets.user === 'string' && typeof secrets.password === 'string') {
    headers = mergeHeaders(headers, { Authorization: basicAuthHeader(secrets.user, secrets.password) });
  }

  const request: OutboundRequest = {
    url: config.url,
    method: config.method.toUpperCase() as OutboundRequest['method'],
    headers,
  };
  if (methodSendsBody(config.method) && params.body !== undefined) request.body = params.body;
  return { ok: true, request };
}

/** `[status] statusText`, plus `: message` when the body is JSON with a `message`. */
export function describeErrorResponse(res: OutboundResponse): string {
  let message: string | undefined;
  try {
    const parsed: unknown = JSON.parse(res.body);
    const raw = parsed && typeof parsed === 'object' ? (parsed as { message?: unknown }).message : undefined;
    if (typeof raw === 'string') message = raw;
    else if (raw != null) message = JSON.stringify(raw);
  } catch {
    // not JSON: no message
  }
  return `[${res.status}] ${res.statusText}${message ? `: ${message}` : ''}`;
}

export function requestFailed(actionId: string, serviceMessage: string, extra: Partial<ActionResult> = {}): ActionResult {
  return { status: 'error', actionId, message: 'error calling webhook, request failed', serviceMessage, ...extra };
}

export function mapResponse(actionId: string, res: OutboundResponse, body: string | undefined): ActionResult {
  if (res.status >= 200 && res.status < 300) return { status: 'ok', actionId, data: body };

  const serviceMessage = describeErrorResponse(res);
  const retry = retryForStatus(res.status, res.headers);
  if (retry instanceof Date) {
    return { status: 'error', actionId, message: `error calling webhook, retry at ${retry.toISOString()}`, serviceMessage, retry };
  }
  if (retry) return { status: 'error', actionId, message: 'error calling webhook, retry later', serviceMessage, retry };
  const result: ActionResult = {
    status: 'error',
    actionId,
    message: 'error calling webhook, invalid response',
    serviceMessage,
    // Kibana leaves this unset (so the task is retried); the same request would fail again.
    retry: false,
  };
  if (USER_ERROR_STATUSES.has(res.status)) result.errorSource = 'user';
  return result;
}

export function mapSendError(actionId: string, err: unknown): ActionResult {
  if (err instanceof OutboundRequestError) {
    return requestFailed(actionId, err.code ? `[${err.code}] ${err.message}` : err.message);
  }
  // e.g. the allowedHosts refusal, raised before anything is sent.
  if (err instanceof Error) return requestFailed(actionId, err.message);
  return { status: 'error', actionId, message: 'error calling webhook, unexpected error' };
}
