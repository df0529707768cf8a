import type { ExecutorResult } from '../../actions/types.js';
import type { OutboundRequest, OutboundResponse } from '../../net/http_client.js';
import { statusFailure } from '../lib/retry.js';
import type { XmattersConfig, XmattersParams, XmattersSecrets } from './schema.js';
import { redactedUrl } from './validation.js';

/** The alert as the flow's HTTP trigger receives it; undefined fields drop out of the JSON. */
export interface XmattersPayload {
  alertActionGroupName?: string;
  signalId?: string;
  ruleName?: string;
  date?: string;
  severity: string;
  spaceId?: string;
  tags?: string;
}

export function buildPayload(params: XmattersParams): XmattersPayload {
  return {
    alertActionGroupName: params.alertActionGroupName,
    signalId: params.signalId,
    ruleName: params.ruleName,
    date: params.date,
    severity: params.severity || 'High',
    spaceId: params.spaceId,
    tags: params.tags,
  };
}

/** The request, or why there is none (a connector saved without the URL its mode needs). */
export function buildRequest(config: XmattersConfig, secrets: XmattersSecrets, payload: XmattersPayload): OutboundRequest | { error: string } {
  const url = config.usesBasic ? config.configUrl : secrets.secretsUrl;
  if (!url) return { error: 'Error: no url provided' };
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (config.usesBasic && typeof secrets.user === 'string' && typeof secrets.password === 'string') {
    headers.Authorization = `Basic ${Buffer.from(`${secrets.user}:${secrets.password}`).toString('base64')}`;
  }
  return { url, method: 'POST', headers, body: JSON.stringify(payload) };
}

/**
 * A secretsUrl carries the API key, and errors of the HTTP layer quote the URL they were
 * given (allowedHosts, redirects): it is replaced by its redacted form before anyone sees it.
 */
export function withoutSecretsUrl(text: string, secrets: XmattersSecrets): string {
  if (!secrets.secretsUrl) return text;
  let redacted: string;
  try {
    redacted = redactedUrl(new URL(secrets.secretsUrl));
  } catch {
    redacted = '[REDACTED]';
  }
  return text.split(secrets.secretsUrl).join(redacted);
}

export function triggerFailed(actionId: string, serviceMessage: string): ExecutorResult {
  return { status: 'error', actionId, message: 'Error triggering xMatters workflow', serviceMessage };
}

/** `[status] statusText`, plus the `message` of xMatters' JSON error body when there is one. */
function describeError(res: OutboundResponse): string {
  let message: unknown;
  try {
    message = (JSON.parse(res.body) as { message?: unknown } | null)?.message;
  } catch {
    // not JSON: no message
  }
  return `[${res.status}] ${res.statusText}${typeof message === 'string' && message ? `: ${message}` : ''}`;
}

/**
 * Any 2xx means the flow took the alert (xMatters answers 202 with a request id). Kibana adds
 * no serviceMessage to failures; the one here (status and xMatters' message) is an addition.
 */
export function mapResponse(actionId: string, res: OutboundResponse, payload: XmattersPayload): ExecutorResult {
  if (res.status >= 200 && res.status < 300) return { status: 'ok', actionId, data: payload };
  return statusFailure(actionId, 'Error triggering xMatters flow', res, describeError(res));
}
