import { STATUS_CODES } from 'node:http';
import { ServiceRequestError, type ServiceRequest, type SubActionContext } from '../../actions/sub_actions.js';
import { TokenRequestError } from '../../net/oauth_client_credentials.js';
import { defenderErrorMessage, defenderUnansweredMessage } from './errors.js';
import type { DefenderConfig, DefenderSecrets } from './schema.js';

// Microsoft Entra ID client-credentials tokens for Defender's API (reference §8.2): a form POST
// to the tenant's v2.0 token endpoint, through the outbound policy (allowedHosts applies), the
// token kept per connector by ClientCredentialsTokens until 5 s before it expires, concurrent
// calls sharing one request; the API refusing a token (401) gets one new token and one retry.

type Context = SubActionContext<DefenderConfig, DefenderSecrets>;

/** Kibana's margin: a token this close to its expiry is not used. */
const EXPIRY_MARGIN_MS = 5_000;

/** `oAuthServerUrl` with its path replaced by `/{tenantId}/oauth2/v2.0/token`. */
export function tokenUrlOf({ oAuthServerUrl, tenantId }: Pick<DefenderConfig, 'oAuthServerUrl' | 'tenantId'>): string {
  const url = new URL(oAuthServerUrl);
  url.pathname = `/${encodeURIComponent(tenantId)}/oauth2/v2.0/token`;
  url.search = '';
  url.hash = '';
  return url.toString();
}

/** `Bearer <token>` for the connector's app, fetched when none is kept; a failed fetch is worded as Defender's failures. */
export async function authorizationHeader(ctx: Context): Promise<string> {
  let tokenUrl: string;
  try {
    tokenUrl = tokenUrlOf(ctx.config);
  } catch (err) {
    throw new ServiceRequestError(`Status code: undefined. Message: ${(err as Error).message}`);
  }
  const called = { method: 'post', url: tokenUrl };
  try {
    return await ctx.services.tokens.authorizationHeader({
      connectorId: ctx.connectorId,
      tokenUrl,
      clientId: ctx.config.clientId,
      clientSecret: ctx.secrets.clientSecret,
      scope: ctx.config.oAuthScope,
      expiryMarginMs: EXPIRY_MARGIN_MS,
      signal: ctx.signal,
    });
  } catch (err) {
    if (err instanceof TokenRequestError) {
      const { status, headers, body } = err.response;
      // A 200 without a token is no HTTP failure: the reason, retried as an unexpected answer is.
      if (status === 200) throw new ServiceRequestError(`Status code: 200. Message: ${err.message}`);
      const message = defenderErrorMessage({ status, statusText: STATUS_CODES[status] ?? '', data: body }, called);
      throw new ServiceRequestError(`Status code: ${status}. Message: ${message}`, status, headers);
    }
    throw new ServiceRequestError(`Status code: undefined. Message: ${defenderUnansweredMessage({ message: (err as Error).message }, called)}`);
  }
}

/**
 * A JSON request to Defender's API with the token. A 401 means the token is no longer good
 * (rotated credentials, a revoked app): that token is dropped, unless a concurrent call already
 * replaced it, and the request is sent once more with the current one.
 */
export async function fetchFromDefender<T = Record<string, unknown>>(ctx: Context, req: Omit<ServiceRequest<T>, 'headers'>): Promise<T> {
  const send = async (authorization: string) => (await ctx.client.request<T>({ ...req, headers: { Authorization: authorization } })).data;
  const authorization = await authorizationHeader(ctx);
  try {
    return await send(authorization);
  } catch (err) {
    if (!(err instanceof ServiceRequestError) || err.failure?.httpStatus !== 401) throw err;
    ctx.logger.warn({ connectorId: ctx.connectorId }, 'Defender refused the access token (401): trying once more with a new one');
    ctx.services.tokens.forget(ctx.connectorId, authorization);
    return await send(await authorizationHeader(ctx));
  }
}
