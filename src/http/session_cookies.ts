import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../security/principal.js';
import type { SessionStore } from '../security/sessions.js';

/** Kibana's session cookie name (xpack.security.cookieName defaults to it). */
export const SESSION_COOKIE = 'sid';

/**
 * The `sid` cookie of browser sessions. It lasts as long as the browser (the session's own
 * limits are kept in the database), is out of reach of scripts, is not sent on cross-site
 * requests, and is only sent over TLS when the server speaks TLS.
 */
export class SessionCookies {
  private readonly attributes: string;

  constructor(
    readonly store: SessionStore,
    secure: boolean,
  ) {
    this.attributes = `Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
  }

  /** The session id the request carries, if any. */
  idOf(request: FastifyRequest): string | undefined {
    for (const pair of (request.headers.cookie ?? '').split(';')) {
      const eq = pair.indexOf('=');
      if (eq > 0 && pair.slice(0, eq).trim() === SESSION_COOKIE) return pair.slice(eq + 1).trim() || undefined;
    }
    return undefined;
  }

  /** The session that authenticated the request: its cookie, unless credentials came in a header. */
  currentId(request: FastifyRequest): string | undefined {
    return request.headers.authorization === undefined ? this.idOf(request) : undefined;
  }

  /** The principal of the request's session; a cookie of a session that is gone is cleared. */
  async authenticate(request: FastifyRequest, reply: FastifyReply): Promise<Principal | undefined> {
    const id = this.idOf(request);
    if (id === undefined) return undefined;
    const principal = await this.store.authenticate(id);
    if (!principal) this.clear(reply);
    return principal;
  }

  /** After a password change: the request's own session stays open if it is that user's. */
  async keepAfterPasswordChange(request: FastifyRequest, username: string): Promise<void> {
    const id = this.currentId(request);
    if (id !== undefined) await this.store.keepAfterPasswordChange(id, username);
  }

  set(reply: FastifyReply, id: string): void {
    reply.header('Set-Cookie', `${SESSION_COOKIE}=${id}; ${this.attributes}`);
  }

  clear(reply: FastifyReply): void {
    reply.header('Set-Cookie', `${SESSION_COOKIE}=; ${this.attributes}; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT`);
  }
}
