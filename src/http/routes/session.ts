import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { PlugboardError } from '../../common/errors.js';
import { BOOTSTRAP_USER, type Authenticator } from '../../security/authentication.js';
import type { LoginThrottle } from '../../security/login_throttle.js';
import type { Principal } from '../../security/principal.js';
import type { UserView, UsersService } from '../../security/users_service.js';
import { noteClaimedUser } from '../audit_hook.js';
import { defineRoute, type RouteSpec } from '../route.js';
import { errorResponses } from '../schemas.js';
import { userResponse } from './security.js';
import type { SessionCookies } from '../session_cookies.js';

// Kibana's login, logout and current-user routes, for browsers: the basic provider (named
// `basic`, as in a default kibana.yml) opens a session kept in the database.

const loginBody = z
  .strictObject({
    providerType: z.string().meta({ description: 'Only `basic` is supported.' }),
    providerName: z.string().meta({ description: 'Only `basic` is supported.' }),
    currentURL: z.string().meta({ description: 'The login page URL; its `next` parameter, when it is a path on this server, is where to go after login.' }),
    params: z.strictObject({ username: z.string().min(1), password: z.string().min(1) }),
  })
  .meta({ id: 'login_request' });

const realm = z.object({ name: z.string(), type: z.string() });
const currentUserResponse = userResponse
  .extend({
    authentication_realm: realm,
    lookup_realm: realm,
    authentication_provider: z.object({ type: z.string(), name: z.string() }),
    authentication_type: z.string(),
    api_key: z.object({ id: z.string(), name: z.string() }).optional().meta({ description: 'The API key the request authenticated with.' }),
    elastic_cloud_user: z.boolean(),
  })
  .meta({ id: 'current_user_response' });

/** Kibana names requests that bring their own Authorization header after its `http` provider. */
const HTTP_PROVIDER = { type: 'http', name: '__http__' };

const unauthorized = () => new PlugboardError(401, 'Unauthorized');

/**
 * Where to go after login: the `next` parameter of the login page URL when it stays on this
 * server (with the page's fragment), else `/`, as Kibana's `parseNextURL`.
 */
export function nextURL(currentURL: string): string {
  const base = 'http://plugboard.invalid';
  const current = URL.canParse(currentURL, base) ? new URL(currentURL, base) : undefined;
  const next = current?.searchParams.get('next');
  const internal = next && !/^[a-z][a-z\d+.-]*:/i.test(next) && URL.canParse(next, base) && new URL(next, base).origin === base;
  return internal ? `${next}${current!.hash}` : '/';
}

/** Elasticsearch's realms: the bootstrap user is a reserved user, the others native ones. */
function realmOf(username: string) {
  return username === BOOTSTRAP_USER ? { name: 'reserved', type: 'reserved' } : { name: 'default_native', type: 'native' };
}

export function sessionRoutes(deps: {
  cookies: SessionCookies;
  authenticator: Authenticator;
  loginThrottle: LoginThrottle;
  users: UsersService;
}): RouteSpec[] {
  const { cookies, authenticator, loginThrottle, users } = deps;
  const tags = ['security'];
  return [
    defineRoute({
      method: 'POST',
      url: '/internal/security/login',
      operationId: 'login',
      summary: 'Log in with a username and password: opens a session and sets its `sid` cookie',
      tags,
      access: 'internal',
      unauthenticated: true,
      body: loginBody,
      audit: { action: 'user_login' },
      responses: {
        200: { description: 'Logged in; the answer sets the `sid` cookie', schema: z.object({ location: z.string() }) },
        ...errorResponses(400, 401, 429),
      },
      async handler({ body, request, reply }) {
        const { username, password } = body.params;
        noteClaimedUser(request, username);
        // Basic credentials cannot carry a `:` in the username, and no user has one.
        if (body.providerType !== 'basic' || body.providerName !== 'basic' || username.includes(':')) throw unauthorized();
        const authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
        const principal = await loginThrottle.attempt(authorization, request.ip, reply, () => authenticator.authenticate(authorization));
        if (!principal) throw unauthorized();
        // A new login replaces the browser's session rather than leaving it open.
        const previous = cookies.idOf(request);
        if (previous !== undefined) await cookies.store.end(previous);
        cookies.set(reply, await cookies.store.create(principal.username));
        return { body: { location: nextURL(body.currentURL) } };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/security/logout',
      operationId: 'logoutRedirect',
      summary: "Log out of the browser session, then go to the login page (Kibana's logout link)",
      tags,
      unauthenticated: true,
      query: z.looseObject({ next: z.string().optional(), msg: z.string().optional() }),
      audit: { action: 'user_logout' },
      responses: { 302: { description: 'Logged out; redirects to `/login?msg=LOGGED_OUT`' } },
      async handler({ query, request, reply }) {
        await endSession(request, reply);
        const search = new URLSearchParams();
        if (query.next) search.set('next', query.next);
        search.set('msg', query.msg || 'LOGGED_OUT');
        return { status: 302, headers: { location: `/login?${search}` } };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/security/logout',
      operationId: 'logout',
      summary: 'Log out of the browser session: the session ends and its cookie is cleared (Plugboard)',
      tags,
      access: 'public',
      unauthenticated: true,
      audit: { action: 'user_logout' },
      responses: { 204: { description: 'Logged out (also when there was no session)' }, ...errorResponses(400) },
      async handler({ request, reply }) {
        await endSession(request, reply);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/internal/security/me',
      operationId: 'getCurrentUser',
      summary: 'The user making the request, as Kibana describes it',
      tags,
      access: 'internal',
      responses: { 200: { description: 'The current user', schema: currentUserResponse }, ...errorResponses(401) },
      async handler({ scope: { principal }, request }) {
        if (principal.apiKey) return { body: apiKeyUser(principal.username, principal.apiKey) };
        return { body: currentUser(await users.get(principal.username), principal, cookies.currentId(request) !== undefined) };
      },
    }),
  ];

  async function endSession(request: FastifyRequest, reply: FastifyReply) {
    const id = cookies.idOf(request);
    if (id !== undefined) await cookies.store.end(id);
    cookies.clear(reply);
  }
}

function currentUser(user: UserView, principal: Principal, viaSession: boolean): z.infer<typeof currentUserResponse> {
  const userRealm = realmOf(user.username);
  return {
    ...user,
    roles: principal.roles,
    authentication_realm: userRealm,
    lookup_realm: userRealm,
    authentication_provider: viaSession ? { type: 'basic', name: 'basic' } : HTTP_PROVIDER,
    authentication_type: 'realm',
    elastic_cloud_user: false,
  };
}

/** As Elasticsearch describes a request authenticated with an API key: no roles or user details of the owner. */
function apiKeyUser(username: string, apiKey: { id: string; name: string }): z.infer<typeof currentUserResponse> {
  const apiKeyRealm = { name: '_es_api_key', type: '_es_api_key' };
  return {
    username,
    roles: [],
    full_name: null,
    email: null,
    metadata: {},
    enabled: true,
    authentication_realm: apiKeyRealm,
    lookup_realm: apiKeyRealm,
    authentication_provider: HTTP_PROVIDER,
    authentication_type: 'api_key',
    api_key: { id: apiKey.id, name: apiKey.name },
    elastic_cloud_user: false,
  };
}
