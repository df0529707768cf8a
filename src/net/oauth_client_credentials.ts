import { createHash } from 'node:crypto';
import stringify from 'safe-stable-stringify';
import type { OutboundHttp } from './http_client.js';

export interface ClientCredentials {
  /** Tokens are kept per connector. */
  connectorId: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope?: string;
  /** Extra form fields of the token request. */
  additionalFields?: Record<string, unknown>;
  /**
   * A JWT bearer grant (RFC 7523) instead of client_credentials: `sign` makes the assertion
   * when a token is fetched; `signedFrom` is what it is made from, so that edited keys or
   * claims do not reuse a token.
   */
  jwtAssertion?: { sign(): string; signedFrom: unknown };
  /**
   * `basic`: the client id and secret go only in an HTTP Basic header and the form is empty
   * (CrowdStrike's token endpoint); `form` (default): they are form fields with the grant.
   */
  clientAuthentication?: 'form' | 'basic';
  /** The token counts as expired this long before its expires_in (Kibana's CrowdStrike and Defender connectors: 5 s), so none expires in flight. */
  expiryMarginMs?: number;
  signal?: AbortSignal;
}

const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

interface CachedToken {
  /** Which credentials it was issued for: an edited connector does not reuse it. */
  fingerprint: string;
  header: string;
  expiresAt: number;
}

/** The token endpoint answered, but not with a usable token: its answer is kept for the caller's wording. */
export class TokenRequestError extends Error {
  override name = 'TokenRequestError';
  constructor(
    message: string,
    readonly response: { status: number; headers: Record<string, string>; body: Record<string, unknown> | undefined },
  ) {
    super(message);
  }
}

/**
 * OAuth2 client-credentials (or JWT bearer) tokens (Kibana's flow, reference §0.7): a form POST to the token
 * URL (the client's credentials as form fields, or only as Basic auth), through the same outbound
 * policy as every request (so allowedHosts applies to it); only a 200 (or 201) with token_type,
 * access_token and expires_in counts. The `<token_type> <token>` header is reused until expires_in
 * seconds after the request started, less the caller's margin. Kept in memory per instance:
 * a token is a secret, and each instance fetching its own costs one request per hour or so.
 */
export class ClientCredentialsTokens {
  private readonly tokens = new Map<string, CachedToken>();
  private readonly pending = new Map<string, Promise<string>>();

  constructor(private readonly http: OutboundHttp) {}

  /** The Authorization header value for these credentials, fetched when none is cached. */
  async authorizationHeader(credentials: ClientCredentials): Promise<string> {
    const fingerprint = createHash('sha256')
      .update(
        stringify([
          credentials.tokenUrl,
          credentials.clientId,
          credentials.clientSecret,
          credentials.scope ?? null,
          credentials.additionalFields ?? null,
          credentials.jwtAssertion?.signedFrom ?? null,
          credentials.clientAuthentication ?? 'form',
        ]) ?? '',
      )
      .digest('base64url');
    const cached = this.tokens.get(credentials.connectorId);
    if (cached && cached.fingerprint === fingerprint && cached.expiresAt > Date.now()) return cached.header;
    // Concurrent executions of one connector share one token request.
    const key = `${credentials.connectorId}\n${fingerprint}`;
    let request = this.pending.get(key);
    if (!request) {
      request = this.requestToken(credentials, fingerprint).finally(() => this.pending.delete(key));
      this.pending.set(key, request);
    }
    return request;
  }

  /**
   * Drops a connector's token, e.g. after the service answered 4xx with it. Given the header that
   * was refused, only that token: when several calls are refused one token, the first to come
   * back drops it and the others reuse the one fetched after it.
   */
  forget(connectorId: string, refusedHeader?: string): void {
    if (refusedHeader !== undefined && this.tokens.get(connectorId)?.header !== refusedHeader) return;
    this.tokens.delete(connectorId);
  }

  private async requestToken(credentials: ClientCredentials, fingerprint: string): Promise<string> {
    const startedAt = Date.now();
    const res = credentials.clientAuthentication === 'basic' ? await this.sendBasic(credentials) : await this.sendForm(credentials);
    let body: Record<string, unknown> | undefined;
    try {
      const parsed: unknown = JSON.parse(res.body);
      if (parsed && typeof parsed === 'object') body = parsed as Record<string, unknown>;
    } catch {
      // reported below
    }
    const answer = { status: res.status, headers: res.headers, body };
    // RFC 6749 says 200; CrowdStrike answers 201 Created.
    if (res.status !== 200 && res.status !== 201) throw new TokenRequestError(body ? (stringify(body) ?? res.body) : `[${res.status}] ${res.statusText}`, answer);
    const { token_type: type, access_token: token, expires_in: expiresIn } = body ?? {};
    if (typeof type !== 'string' || typeof token !== 'string' || token === '' || !Number.isFinite(Number(expiresIn))) {
      throw new TokenRequestError('the token response has no token_type, access_token and expires_in', answer);
    }
    const header = `${type} ${token}`;
    const expiresAt = startedAt + Number(expiresIn) * 1000 - (credentials.expiryMarginMs ?? 0);
    this.tokens.set(credentials.connectorId, { fingerprint, header, expiresAt });
    return header;
  }

  /** The grant as form fields, the client's credentials among them. */
  private sendForm(credentials: ClientCredentials) {
    const form = credentials.jwtAssertion
      ? new URLSearchParams({ grant_type: JWT_BEARER_GRANT, assertion: credentials.jwtAssertion.sign() })
      : new URLSearchParams({ grant_type: 'client_credentials' });
    // A JWT bearer grant may name no client (Google's service accounts are the assertion's issuer).
    if (credentials.clientId || !credentials.jwtAssertion) form.set('client_id', credentials.clientId);
    if (credentials.clientSecret) form.set('client_secret', credentials.clientSecret);
    if (credentials.scope) form.set('scope', credentials.scope);
    for (const [name, value] of Object.entries(credentials.additionalFields ?? {})) {
      form.set(name, typeof value === 'string' ? value : JSON.stringify(value));
    }
    return this.http.send({
      url: credentials.tokenUrl,
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=UTF-8' },
      body: form.toString(),
      signal: credentials.signal,
    });
  }

  /** The client's credentials in a Basic header only, an empty form (CrowdStrike's token request). */
  private sendBasic(credentials: ClientCredentials) {
    return this.http.send({
      url: credentials.tokenUrl,
      method: 'POST',
      headers: {
        Accept: 'application/json',
        'Content-Type': 'application/x-www-form-urlencoded',
        Authorization: `Basic ${Buffer.from(`${credentials.clientId}:${credentials.clientSecret}`).toString('base64')}`,
      },
      body: '',
      signal: credentials.signal,
    });
  }
}
