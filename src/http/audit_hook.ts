import type { FastifyRequest } from 'fastify';
import type { AuditLogger } from '../security/audit.js';
import { parseAuthorization } from '../security/authentication.js';
import type { Principal } from '../security/principal.js';
import type { RouteSpec } from './route.js';

/** The id a create answered with, for routes whose URL does not hold it. */
const answeredIds = new WeakMap<object, string>();
/** The user a request acts for before it is authenticated (the login form's user name). */
const claimedUsers = new WeakMap<object, string>();

export function noteClaimedUser(request: FastifyRequest, username: string): void {
  claimedUsers.set(request, username);
}

export function noteAnsweredId(request: FastifyRequest, body: unknown): void {
  const id = body && typeof body === 'object' && 'id' in body ? (body as { id: unknown }).id : undefined;
  if (typeof id === 'string') answeredIds.set(request, id);
}

/** For a failed attempt: the user named in Basic credentials, or the id of an API key (never the secret part). */
function claimedIdentity(authorization: string | undefined): string | undefined {
  const credentials = parseAuthorization(authorization ?? '');
  if (!credentials) return undefined;
  return credentials.scheme === 'apikey' ? `api key ${credentials.name}` : credentials.name;
}

/**
 * Every request that changes or runs something (create, update, delete, execute, enqueue,
 * login, role, user and API-key changes), and every refused one (401, 403), becomes an
 * audit event: who, from where, in which space, on which object, with what outcome. Only the
 * route, its ids and the status are recorded, never a body.
 */
export function auditRequest(
  audit: AuditLogger,
  spec: RouteSpec | undefined,
  request: FastifyRequest,
  status: number,
  principal: Principal | undefined,
  spaceId: string,
): void {
  if (!spec || spec.audit === false) return;
  const refused = status === 401 || status === 403;
  if (request.method === 'GET' && !refused) return;
  // A refusal is recorded as such, except on routes that authenticate themselves (login).
  const action =
    status === 401 && !spec.unauthenticated ? 'authentication' : status === 403 ? 'access_denied' : (spec.audit?.action ?? spec.operationId);
  const params = (request.params ?? {}) as Record<string, unknown>;
  const idParam = [params.id, params.case_id, params.username, params.name].find((v): v is string => typeof v === 'string');
  const objectId = idParam ?? answeredIds.get(request);
  const objectType = spec.audit?.object;
  const username = principal?.username ?? claimedUsers.get(request) ?? claimedIdentity(request.headers.authorization);
  const outcome = status < 400 ? 'success' : 'failure';
  const target = objectType ? ` ${objectType}${objectId ? ` [id=${objectId}]` : ''}` : '';
  void audit.log({
    action,
    outcome,
    username,
    spaceId,
    object: objectType && objectId ? { type: objectType, id: objectId } : undefined,
    clientIp: request.ip,
    message: `User [${username ?? 'unknown'}] ${outcome === 'success' ? 'did' : 'failed'} ${spec.audit?.action ?? spec.operationId}${target} (${request.method} ${request.routeOptions.url}: ${status})`,
    details: { method: request.method, route: request.routeOptions.url, status },
  });
}
