import multipart from '@fastify/multipart';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { maxHeaderSize } from 'node:http';
import type { ServerOptions as HttpsServerOptions } from 'node:https';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { badRequest, PlugboardError } from '../common/errors.js';
import { nestsTooDeep, TOO_DEEP } from '../common/json_depth.js';
import type { Authenticator } from '../security/authentication.js';
import type { LoginThrottle } from '../security/login_throttle.js';
import type { Principal } from '../security/principal.js';
import { DEFAULT_SPACE_ID, type SpacesService } from '../spaces/spaces_service.js';
import { parseRequestPart } from './request_validation.js';
import type { AuditLogger } from '../security/audit.js';
import { auditRequest, noteAnsweredId } from './audit_hook.js';
import { registerHttpMetrics } from './metrics.js';
import type { RouteSpec } from './route.js';
import type { SessionCookies } from './session_cookies.js';
import { loginRedirect, registerUi, uiRequestKind } from './ui_assets.js';
import { SPACE_ID_PATTERN } from './routes/spaces.js';

export interface HttpServerDeps {
  routes: RouteSpec[];
  authenticator: Authenticator;
  /** Browser sessions: the `sid` cookie authenticates requests without an Authorization header. */
  sessions: SessionCookies;
  /** Failed-password throttling of Basic credentials. */
  loginThrottle: LoginThrottle;
  spaces: SpacesService;
  logger: Logger;
  maxPayload: number;
  /** TLS options (server.ssl.*): the server speaks HTTPS; without them, plain HTTP. */
  https?: HttpsServerOptions;
  audit?: AuditLogger;
  /** The built web UI (default: ui/dist of the package). */
  uiDir?: string;
  /** Where request metrics go (`GET /metrics`). */
  metrics?: Registry;
  /** `Bearer` tokens of alert senders, taken on the senders' routes only (`plugboard.ingest.tokens`). */
  senderTokens?: { authenticate(authorization: string, spaceId: string): Principal | undefined };
}

const SPACE_PREFIX = /^\/s\/([^/?#]+)(\/[^?#]*)?(\?.*)?$/;
const spaceOf = new WeakMap<object, string>();
const principalOf = new WeakMap<object, Principal>();
const rawBodies = new WeakMap<object, Buffer>();

/** The JSON body's bytes as received, for routes with `rawBody` (empty without a body). */
export const rawBodyOf = (request: FastifyRequest): Buffer => rawBodies.get(request) ?? Buffer.alloc(0);

function errorBody(statusCode: number, message: string) {
  const { reason } = new PlugboardError(statusCode, message);
  return { statusCode, error: reason, message };
}

/** The Fastify server: space prefix, authentication, kbn-xsrf, validation and error bodies. */
export interface HttpServer {
  app: FastifyInstance;
  /**
   * Resolves once no route handler is running. `app.close()` waits for open connections, but
   * not for handlers whose client already went away; the database must outlive those too.
   */
  handlersDone(): Promise<void>;
  /** Shutdown begins: answers from now on close their keep-alive connections. */
  drain(): void;
}

export function createHttpServer(deps: HttpServerDeps): HttpServer {
  let running = 0;
  let idle: (() => void) | undefined;
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // Per-request lines go out at debug level from the onResponse hook below.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: deps.maxPayload,
    ...(deps.https ? { https: deps.https } : {}),
    // `/s/{space_id}/api/...` is the same route as `/api/...` in another space.
    rewriteUrl(req) {
      const url = req.url ?? '/';
      const match = SPACE_PREFIX.exec(url);
      if (!match || !SPACE_ID_PATTERN.test(match[1])) return url;
      spaceOf.set(req, match[1]);
      return `${match[2] ?? '/'}${match[3] ?? ''}`;
    },
    // Fastify cuts path parameters at 100 characters with its own 414. Kibana has no such cut:
    // a long id reaches the route and gets its answer (404, or the id rule's 400). No segment
    // can be longer than the request head Node accepts anyway.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: maxHeaderSize },
    // Failures before routing (bad percent-encoding) get the same error bodies as the rest.
    frameworkErrors: answerError,
  });
  // multipart/form-data (the saved-objects import): routes read the parts themselves, each with its own limits.
  void app.register(multipart);
  const parseJson = app.getDefaultJsonParser('error', 'error');
  // A body nested too deep is refused from its text, before it is built or walked.
  const tooDeep = () => badRequest(`[request body]: ${TOO_DEEP}`);
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, bytes, done) => {
    // Routes that check a signature over the body (Grafana's HMAC) get the bytes as received.
    if ((request.routeOptions.config as { spec?: RouteSpec } | undefined)?.spec?.rawBody) rawBodies.set(request, bytes as Buffer);
    const text = (bytes as Buffer).toString('utf8');
    if (nestsTooDeep(text)) return done(tooDeep());
    parseJson(request, text, done);
  });
  // As Kibana (hapi) reads `text/*` bodies as strings and its object schemas parse strings as
  // JSON, such a body holding JSON is taken as JSON; other text is refused in Kibana's words.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser(/^text\//, { parseAs: 'string' }, (request, text, done) => {
    if (nestsTooDeep(text as string)) return done(tooDeep());
    parseJson(request, text as string, (err, value) => (err ? done(badRequest('[request body]: could not parse object value from json input')) : done(null, value)));
  });

  app.setErrorHandler(answerError);

  function answerError(err: Error & { code?: string; statusCode?: number }, request: FastifyRequest, reply: FastifyReply) {
    if (err instanceof PlugboardError) {
      return reply.code(err.statusCode).headers(err.headers).send(errorBody(err.statusCode, err.message));
    }
    switch (err.code) {
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
        return reply.code(400).send(errorBody(400, 'Invalid request payload JSON format'));
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return reply.code(400).send(errorBody(400, '[request body]: expected a plain object value, but found [null] instead.'));
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return reply.code(413).send(errorBody(413, `Payload content length greater than maximum allowed: ${deps.maxPayload}`));
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return reply.code(415).send(errorBody(415, 'Unsupported Media Type'));
      case 'FST_ERR_BAD_URL':
        return reply.code(400).send(errorBody(400, 'Invalid request path: malformed percent-encoding'));
      case 'FST_ERR_MAX_PARAM_LENGTH':
        // Only reachable without a socket (longer than any request head): no route matches.
        return reply.code(404).send(errorBody(404, 'Not Found'));
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.code(err.statusCode).send(errorBody(err.statusCode, err.message));
    }
    request.log.error({ err }, `${request.method} ${request.url} failed`);
    return reply.code(500).send(errorBody(500, 'An internal server error occurred.'));
  }

  const sendUiPage = registerUi(app, deps.uiDir);
  app.setNotFoundHandler((request, reply) =>
    uiRequestKind(request) ? sendUiPage(reply) : reply.code(404).send(errorBody(404, 'Not Found')),
  );

  const publicUrls = new Set(deps.routes.filter((r) => r.unauthenticated).map((r) => r.url));

  app.addHook('onRequest', async (request, reply) => {
    const forSenders = (request.routeOptions.config as { spec?: RouteSpec } | undefined)?.spec?.forSenders === true;
    // Public routes that change something (login, logout) need kbn-xsrf too, as in Kibana;
    // the senders' public ones (Alertmanager's health checks) do not.
    if (publicUrls.has(request.routeOptions.url ?? '')) return forSenders ? undefined : requireXsrf(request);
    // The UI's files and login page are public; its other pages need a browser session.
    const uiKind = uiRequestKind(request);
    if (uiKind === 'asset' || uiKind === 'login') return;
    if (uiKind === 'page') {
      if (!(await deps.sessions.authenticate(request, reply))) return reply.redirect(loginRedirect(request));
      return;
    }
    const authorization = request.headers.authorization;
    // Credentials in a header come first; a browser's session cookie is used without them,
    // except on the senders' routes, which also take the space's ingest token.
    const principal =
      authorization === undefined
        ? forSenders
          ? undefined
          : await deps.sessions.authenticate(request, reply)
        : forSenders && deps.senderTokens && /^Bearer /i.test(authorization)
          ? deps.senderTokens.authenticate(authorization, spaceOf.get(request.raw) ?? DEFAULT_SPACE_ID)
          : await deps.loginThrottle.attempt(authorization, request.ip, reply, () => deps.authenticator.authenticate(authorization));
    if (!principal) {
      // One challenge per scheme, each its own header, as Elasticsearch answers.
      reply.header('WWW-Authenticate', ['Basic realm="plugboard", charset="UTF-8"', 'ApiKey']);
      throw new PlugboardError(401, 'Unauthorized');
    }
    principalOf.set(request, principal);
    if (!forSenders) requireXsrf(request);
  });

  // While draining, answer in-flight requests with `Connection: close` so that keep-alive
  // sockets do not hold the shutdown open until they time out, and clients reconnect elsewhere.
  let closing = false;
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });

  if (deps.metrics) registerHttpMetrics(app, deps.metrics);
  app.addHook('onResponse', async (request, reply) => {
    request.log.debug({ method: request.method, url: request.url, statusCode: reply.statusCode, ms: reply.elapsedTime }, 'request');
    if (deps.audit) {
      const spec = request.routeOptions.config as { spec?: RouteSpec } | undefined;
      auditRequest(deps.audit, spec?.spec, request, reply.statusCode, principalOf.get(request), spaceOf.get(request.raw) ?? DEFAULT_SPACE_ID);
    }
  });

  for (const spec of deps.routes) {
    app.route({
      method: spec.method,
      url: spec.url,
      config: { spec },
      handler: async (request, reply) => {
        running++;
        try {
          return await handle(spec, request, reply);
        } finally {
          if (--running === 0) idle?.();
        }
      },
    });
  }
  return {
    app,
    handlersDone: () => (running === 0 ? Promise.resolve() : new Promise<void>((resolve) => (idle = resolve))),
    drain: () => {
      closing = true;
    },
  };

  async function handle(spec: RouteSpec, request: FastifyRequest, reply: FastifyReply) {
    const spaceId = spaceOf.get(request.raw) ?? DEFAULT_SPACE_ID;
    if (!spec.unauthenticated) await deps.spaces.ensureExists(spaceId);
    const params = spec.params ? parseRequestPart('params', spec.params, request.params) : {};
    const query = spec.query ? parseRequestPart('query', spec.query, request.query) : {};
    const body = spec.body ? parseRequestPart('body', spec.body, request.body) : undefined;
    const controller = new AbortController();
    // The response closing before it finished means the client went away.
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) controller.abort();
    });
    const result = await spec.handler({
      params,
      query,
      body,
      scope: { spaceId, principal: principalOf.get(request) ?? anonymous(request) },
      signal: controller.signal,
      request,
      reply,
    });
    if (result.headers) reply.headers(result.headers);
    noteAnsweredId(request, result.body);
    reply.code(result.status ?? 200);
    return result.status === 204 ? reply.send() : reply.send(result.body);
  }
}

function requireXsrf(request: FastifyRequest): void {
  if (!['GET', 'HEAD', 'OPTIONS'].includes(request.method) && request.headers['kbn-xsrf'] === undefined) {
    throw new PlugboardError(400, 'Request must contain a kbn-xsrf header.');
  }
}

function anonymous(_request: FastifyRequest): Principal {
  return { username: 'anonymous', roles: [], authenticationType: 'basic' };
}
