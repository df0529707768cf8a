import { text } from 'node:stream/consumers';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { closeServer, listenOnLoopback } from './simulator_server.js';

// An OAuth2 token endpoint for the client-credentials grant (RFC 6749 §4.4), as connectors
// with OAuth2 authentication call it: a form POST answered with a JSON token.

export interface TokenRequest {
  headers: IncomingHttpHeaders;
  form: Record<string, string>;
}

export interface OAuthTokenSimulator {
  /** The token URL. */
  url: string;
  requests: TokenRequest[];
  /** Tokens issued so far, newest last (`token-1`, `token-2`, …). */
  issued: string[];
  /** The next answers, instead of a token: a status and a JSON body. */
  failNext(status: number, body: Record<string, unknown>): void;
  close(): Promise<void>;
}

/**
 * Issues `Bearer token-<n>` with `expires_in` to a client whose id and secret match; a wrong
 * or missing one gets 401 `{"error":"invalid_client"}`, a grant other than
 * client_credentials 400 `{"error":"unsupported_grant_type"}`, as the RFC specifies.
 */
export async function startOAuthTokenSimulator(client: { id: string; secret: string; expiresIn?: number }): Promise<OAuthTokenSimulator> {
  const requests: TokenRequest[] = [];
  const issued: string[] = [];
  let failure: { status: number; body: Record<string, unknown> } | undefined;
  const server = createServer((req, res) => {
    void text(req).then((body) => {
      const form = Object.fromEntries(new URLSearchParams(body));
      requests.push({ headers: req.headers, form });
      const answer = (status: number, body: Record<string, unknown>) =>
        res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }).end(JSON.stringify(body));
      if (failure) {
        const { status, body } = failure;
        failure = undefined;
        return answer(status, body);
      }
      if (req.method !== 'POST' || !req.headers['content-type']?.startsWith('application/x-www-form-urlencoded')) {
        return answer(400, { error: 'invalid_request' });
      }
      if (form.grant_type !== 'client_credentials') return answer(400, { error: 'unsupported_grant_type' });
      if (form.client_id !== client.id || form.client_secret !== client.secret) return answer(401, { error: 'invalid_client' });
      const token = `token-${issued.length + 1}`;
      issued.push(token);
      answer(200, { token_type: 'Bearer', access_token: token, expires_in: client.expiresIn ?? 3600, ...(form.scope ? { scope: form.scope } : {}) });
    });
  });
  const url = `${await listenOnLoopback(server)}/oauth2/token`;
  return {
    url,
    requests,
    issued,
    failNext(status, body) {
      failure = { status, body };
    },
    close: () => closeServer(server),
  };
}
