import { answerFacts, ExecutorError } from '../../actions/failure.js';
import { parseBody } from '../../actions/sub_actions.js';
import type { ExecutorContext } from '../../actions/types.js';
import { OutboundRequestError, type OutboundRequest } from '../../net/http_client.js';
import { createJwtAssertion } from './jwt.js';
import type { ServiceNowBaseConfig, ServiceNowSecrets } from './schema.js';

// Requests to a ServiceNow instance, authenticated as the connector says, and failures worded
// as Kibana's ServiceNow types word them (reference §2, "Errors"):
// `[Action][ServiceNow]: <context>. Error: <e> Reason: <r> [status=…] [method=…] [endpoint=…]`.

export type ServiceNowContext = ExecutorContext<ServiceNowBaseConfig & { usesTableApi?: boolean }, ServiceNowSecrets, unknown>;
type Method = NonNullable<OutboundRequest['method']>;

/** Which ServiceNow API a failed call went to, as Kibana names it in the message. */
export interface RequestContext {
  endpoint: 'table' | 'import_set' | 'health' | 'other';
  method?: 'get' | 'post' | 'patch';
}

/** A call that failed: with the answer when there was one, as axios reports it. */
export class ServiceNowRequestError extends Error {
  constructor(
    message: string,
    readonly response?: { status: number; headers: Record<string, string>; data: unknown },
    readonly code?: string,
  ) {
    super(message);
  }
}

/** ServiceNow took the request but refused its content (an import set row in error): the user's to fix. */
export class ServiceNowApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export const wrongConfiguration = () => new Error('[Action]ServiceNow: Wrong configuration.');

/** `apiUrl` without one trailing slash, the base of every ServiceNow URL. */
export const instanceUrl = (apiUrl: string) => (apiUrl.endsWith('/') ? apiUrl.slice(0, -1) : apiUrl);

/** Kibana's createServiceNowApiError checks: the connection is usable for the chosen authentication. */
export function assertUsableConfiguration({ config, secrets }: Pick<ServiceNowContext, 'config' | 'secrets'>): void {
  const { apiUrl, isOAuth, clientId, jwtKeyId, userIdentifierValue } = config;
  const { username, password, clientSecret, privateKey } = secrets;
  if (!apiUrl || (!isOAuth && (!username || !password)) || (isOAuth && (!clientSecret || !privateKey || !clientId || !jwtKeyId || !userIdentifierValue))) {
    throw wrongConfiguration();
  }
}

/** The `<e>` and `<r>` of the message: ServiceNow's `error` object, or the OAuth error a token request answered. */
function errorAndReason(err: Error): { error: string; reason: string } {
  const data = err instanceof ServiceNowRequestError ? err.response?.data : undefined;
  if (data) {
    const { message, detail } = ((data as { error?: { message?: unknown; detail?: unknown } }).error ?? {}) as { message?: unknown; detail?: unknown };
    const reason = message ? (detail ? `${String(message)}: ${String(detail)}` : String(message)) : 'unknown: no error in error response';
    return { error: err.message, reason };
  }
  try {
    const parsed = JSON.parse(err.message) as { error?: unknown; error_description?: unknown } | null;
    if (typeof parsed?.error === 'string') return { error: parsed.error, reason: typeof parsed.error_description === 'string' ? parsed.error_description : '' };
  } catch {
    // not an OAuth error answer
  }
  return { error: err.message, reason: '' };
}

/**
 * Rewords `err` in place, as Kibana does: a failure inside a step (the health check or the
 * re-read of an incident) is worded again by the step around it.
 */
export function withServiceMessage(err: unknown, message: string, context?: RequestContext): Error {
  const error = err instanceof Error ? err : new Error(String(err));
  const { error: cause, reason } = errorAndReason(error);
  const parts = [`${message}.`, 'Error:', cause];
  if (reason) parts.push('Reason:', reason);
  if (context) {
    const status =
      (error instanceof ServiceNowRequestError ? (error.response?.status ?? error.code) : undefined) ?? (error instanceof ServiceNowApiError ? error.status : undefined) ?? 'none';
    parts.push(`[status=${status}]`);
    if (context.method) parts.push(`[method=${context.method}]`);
    parts.push(`[endpoint=${context.endpoint}]`);
  }
  error.message = `[Action][ServiceNow]: ${parts.join(' ')}`;
  return error;
}

/**
 * What the executor throws: Kibana's result (retry, from the framework; an import-set refusal
 * is the user's), and the answer's status and Retry-After for the queue.
 */
export function toExecutorError(err: unknown): ExecutorError {
  const error = err instanceof Error ? err : new Error(String(err));
  const response = error instanceof ServiceNowRequestError ? error.response : undefined;
  return new ExecutorError(error.message, error instanceof ServiceNowApiError ? 'user' : 'framework', response ? answerFacts(response) : undefined);
}

export interface ServiceNowResponse {
  status: number;
  data: any;
}

export interface ServiceNowClient {
  /** The instance URL without trailing slash. */
  url: string;
  request(method: Method, url: string, body?: unknown): Promise<ServiceNowResponse>;
}

/**
 * Basic authentication, or (isOAuth) a token of the JWT bearer grant from `<apiUrl>/oauth_token.do`,
 * kept per connector until it expires and dropped when ServiceNow answers 4xx with it.
 */
export function serviceNowClient(ctx: ServiceNowContext): ServiceNowClient {
  const { config, secrets, connectorId, services, signal } = ctx;
  const url = instanceUrl(config.apiUrl);
  const basic = !config.isOAuth && secrets.username && secrets.password;

  const authorization = async (): Promise<string> => {
    if (basic) return `Basic ${Buffer.from(`${secrets.username}:${secrets.password}`).toString('base64')}`;
    const { clientId, jwtKeyId, userIdentifierValue } = config;
    const { clientSecret, privateKey, privateKeyPassword } = secrets;
    if (!clientId || !clientSecret || !jwtKeyId || !privateKey || !userIdentifierValue) {
      throw new Error(`Unable to retrieve access token for connectorId: ${connectorId}`);
    }
    const claims = { privateKey, privateKeyPassword, keyId: jwtKeyId, subject: userIdentifierValue, clientId };
    return services.tokens.authorizationHeader({
      connectorId,
      tokenUrl: `${url}/oauth_token.do`,
      clientId,
      clientSecret,
      jwtAssertion: { sign: () => createJwtAssertion(claims), signedFrom: claims },
      signal,
    });
  };

  return {
    url,
    async request(method, target, body) {
      const headers: Record<string, string> = { Accept: 'application/json', Authorization: await authorization() };
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      let res;
      try {
        res = await services.http.send({ url: target, method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
      } catch (err) {
        throw new ServiceNowRequestError((err as Error).message, undefined, err instanceof OutboundRequestError ? err.code : undefined);
      }
      const data = parseBody(res.body);
      if (res.status < 200 || res.status >= 300) {
        if (!basic && res.status >= 400 && res.status < 500) services.tokens.forget(connectorId);
        throw new ServiceNowRequestError(`Request failed with status code ${res.status}`, { status: res.status, headers: res.headers, data });
      }
      return { status: res.status, data };
    },
  };
}
