import { answerFacts } from '../../actions/failure.js';
import type { ExecutorResult } from '../../actions/types.js';
import { OutboundRequestError, type OutboundRequest, type OutboundResponse } from '../../net/http_client.js';
import { resultRetry } from '../lib/retry.js';
import type { TlsOverrides } from '../../net/network_policy.js';
import { AuthType, SSLCertType, type WebhookConfig, type WebhookMethod, type WebhookParams, type WebhookSecrets } from './schema.js';

/** OAuth2 client credentials to fetch a token with before sending. */
export interface WebhookOAuth {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope?: string;
  additionalFields?: Record<string, unknown>;
}

export type BuiltRequest = { ok: true; request: OutboundRequest; oauth?: WebhookOAuth } | { ok: false; reason: string };

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
  const request: OutboundRequest = {
    url: config.url,
    method: config.method.toUpperCase() as OutboundRequest['method'],
    headers: mergeHeaders(config.headers, secrets.secretHeaders),
  };
  if (methodSendsBody(config.method) && params.body !== undefined) request.body = params.body;

  const tls = tlsOverrides(config, secrets);
  if (tls) request.tls = tls;

  if (hasAuth && authType === AuthType.OAuth2ClientCredentials) {
    if (!config.accessTokenUrl || !config.clientId || !secrets.clientSecret) return { ok: false, reason: 'Unable to retrieve new access token' };
    return {
      ok: true,
      request,
      oauth: {
        tokenUrl: config.accessTokenUrl,
        clientId: config.clientId,
        clientSecret: secrets.clientSecret,
        ...(config.scope ? { scope: config.scope } : {}),
        // Checked to be a JSON object when the connector was saved.
        ...(config.additionalFields ? { additionalFields: JSON.parse(config.additionalFields) as Record<string, unknown> } : {}),
      },
    };
  }
  // No authType (stored as the user gave it) means basic, as in Kibana.
  const basic = hasAuth && (authType === AuthType.Basic || !authType);
  if (basic && typeof secrets.user === 'string' && typeof secrets.password === 'string') {
    request.headers = mergeHeaders(request.headers, { Authorization: basicAuthHeader(secrets.user, secrets.password) });
  }
  return { ok: true, request };
}

/**
 * The connector's TLS settings: a client certificate (crt and key, or pfx; the password is
 * their passphrase) with SSL authentication, and, whatever the authentication, its own CA and
 * verification mode. The certificate material is stored base64-encoded.
 */
export function tlsOverrides(
  config: Pick<WebhookConfig, 'hasAuth' | 'authType' | 'certType' | 'verificationMode' | 'ca'>,
  secrets: WebhookSecrets,
): TlsOverrides | undefined {
  const tls: TlsOverrides = {};
  if (config.hasAuth && config.authType === AuthType.SSL) {
    if (config.certType === SSLCertType.PFX || (!config.certType && secrets.pfx)) {
      if (secrets.pfx) tls.pfx = Buffer.from(secrets.pfx, 'base64');
    } else {
      if (secrets.crt) tls.cert = Buffer.from(secrets.crt, 'base64');
      if (secrets.key) tls.key = Buffer.from(secrets.key, 'base64');
    }
    if (secrets.password) tls.passphrase = secrets.password;
  }
  if (config.verificationMode) tls.verificationMode = config.verificationMode;
  if (config.ca) tls.ca = Buffer.from(config.ca, 'base64').toString('utf8');
  return Object.keys(tls).length > 0 ? tls : undefined;
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

export function requestFailed(actionId: string, serviceMessage: string, extra: Partial<ExecutorResult> = {}): ExecutorResult {
  return { status: 'error', actionId, message: 'error calling webhook, request failed', serviceMessage, ...extra };
}

export function mapResponse(actionId: string, res: OutboundResponse, body: string | undefined): ExecutorResult {
  if (res.status >= 200 && res.status < 300) return { status: 'ok', actionId, data: body };

  const serviceMessage = describeErrorResponse(res);
  const failure = answerFacts(res);
  const retry = resultRetry(res.status, res.headers);
  if (retry instanceof Date) {
    return { status: 'error', actionId, message: `error calling webhook, retry at ${retry.toISOString()}`, serviceMessage, retry, failure };
  }
  if (retry) return { status: 'error', actionId, message: 'error calling webhook, retry later', serviceMessage, retry, failure };
  return { status: 'error', actionId, message: 'error calling webhook, invalid response', serviceMessage, failure };
}

export function mapSendError(actionId: string, err: unknown): ExecutorResult {
  if (err instanceof OutboundRequestError) {
    return requestFailed(actionId, err.code ? `[${err.code}] ${err.message}` : err.message);
  }
  // e.g. the allowedHosts refusal, raised before anything is sent.
  if (err instanceof Error) return requestFailed(actionId, err.message);
  return { status: 'error', actionId, message: 'error calling webhook, unexpected error' };
}
