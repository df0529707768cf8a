import YAML from 'yaml';
import { z } from 'zod';
import type { IngestIntake } from '../../ingest/intake.js';
import { goJson, parsePostableAlerts } from '../../ingest/alertmanager_input.js';
import { MatcherSyntaxError, matchesLabels, parseMatcher, type Matcher } from '../../ingest/matchers.js';
import { isResolved, type IncomingAlert, type SilenceLookup } from '../../ingest/types.js';
import type { IncomingAlertsRepository } from '../../storage/incoming_alerts_repository.js';
import { defineRoute, type RouteResponse, type RouteSpec } from '../route.js';
import { errorResponses } from '../schemas.js';

// Alertmanager's API v2, the parts alert senders use (Prometheus, Grafana, vmalert, amtool), and
// its health checks. Answers are Alertmanager's, byte for byte where a sender reads them (the
// JSON-string bodies of 400 and 429, go-swagger's 422); authentication and authorization are
// Plugboard's: Basic, ApiKey, or the space's ingest token (`plugboard.ingest.tokens`).
//
// Which privilege: incoming alerts are what incoming-alerts rules act on, so they follow the
// rules' privilege (the `stackAlerts` feature, or a base privilege, in the space): reading alerts
// and the status needs `read`, posting needs `all`, as creating or changing a rule does; posting
// makes rules run actions, which a read-only user cannot cause either.

/** The one receiver Plugboard reports: its rules, not an Alertmanager routing tree, route alerts. */
export const PLUGBOARD_RECEIVER = 'plugboard';

export interface AlertmanagerRoutesDeps {
  store: IncomingAlertsRepository;
  /** Access checks and the store path shared with the webhook routes (src/ingest/intake.ts). */
  intake: IngestIntake;
  settings: { resolveTimeoutMs: number; resolvedRetentionMs: number; maxActiveAlerts: number; tokenSpaces: string[] };
  silences: SilenceLookup;
  version: string;
  /** When Plugboard started (the status's `uptime`). */
  startedAt: Date;
  clock?: () => Date;
}

const jsonString = z.string().meta({ description: 'A JSON string, as Alertmanager answers (amtool decodes it).' });
const swaggerError = z.object({ code: z.number().int(), message: z.string() }).meta({ description: "go-swagger's error body, as Alertmanager answers." });

const postableAlerts = z.unknown().meta({
  description: "Alertmanager's postableAlerts: an array of alerts; read as Alertmanager 0.25 reads it (see docs/api.md).",
  type: 'array',
  items: {
    type: 'object',
    required: ['labels'],
    properties: {
      labels: { type: 'object', additionalProperties: { type: 'string' } },
      annotations: { type: 'object', additionalProperties: { type: 'string' } },
      startsAt: { type: 'string', format: 'date-time' },
      endsAt: { type: 'string', format: 'date-time' },
      generatorURL: { type: 'string', format: 'uri' },
    },
  },
} as Record<string, unknown>);

const alertsQuery = z.object({
  active: z.unknown().optional().meta({ description: 'Show active alerts (default true).' }),
  silenced: z.unknown().optional().meta({ description: 'Show silenced alerts (default true).' }),
  inhibited: z.unknown().optional().meta({ description: 'Show inhibited alerts (default true).' }),
  unprocessed: z.unknown().optional().meta({ description: 'Show unprocessed alerts (default true).' }),
  filter: z.unknown().optional().meta({ description: 'Matchers (`name="value"`, `=~`, `!=`, `!~`), repeatable; all must match.' }),
  receiver: z.unknown().optional().meta({ description: 'A regular expression that a receiver of the alert must match whole.' }),
});

/** go-openapi's swag.ConvertBool: these words are true, anything else false. */
const TRUE_WORDS = new Set(['true', '1', 'yes', 'ok', 'y', 'on', 'selected', 'checked', 't', 'enabled']);
function boolParam(value: unknown): boolean {
  if (value === undefined) return true;
  const text = Array.isArray(value) ? String(value[0]) : String(value);
  return TRUE_WORDS.has(text.toLowerCase());
}

const list = (value: unknown): string[] => (value === undefined ? [] : Array.isArray(value) ? value.map(String) : [String(value)]);

const amAnswer = (status: number, body: string): RouteResponse => ({ status, body, headers: { 'content-type': 'application/json' } });

/** A Go duration as Alertmanager's config prints it: `5m`, `1h`, `1h30m`, `90s`. */
export function goDuration(ms: number): string {
  if (ms === 0) return '0s';
  const units: Array<[string, number]> = [['y', 365 * 86_400_000], ['w', 7 * 86_400_000], ['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]];
  let rest = ms;
  let out = '';
  for (const [unit, size] of units) {
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return out;
}

export function alertmanagerRoutes(deps: AlertmanagerRoutesDeps): RouteSpec[] {
  const now = () => deps.clock?.() ?? new Date();
  const { intake } = deps;
  const ensureAccess = intake.ensureAccess;

  function gettable(alert: IncomingAlert, silencedBy: string[]) {
    return {
      annotations: alert.annotations,
      endsAt: alert.endsAt,
      fingerprint: alert.fingerprint,
      receivers: [{ name: PLUGBOARD_RECEIVER }],
      startsAt: alert.startsAt,
      status: { inhibitedBy: [], mutedBy: [], silencedBy, state: silencedBy.length ? 'suppressed' : 'active' },
      updatedAt: alert.updatedAt,
      ...(alert.generatorURL ? { generatorURL: alert.generatorURL } : {}),
      labels: alert.labels,
    };
  }

  const health = (url: string, operationId: string, summary: string) =>
    defineRoute({
      method: 'GET',
      url,
      operationId,
      summary,
      tags: ['alertmanager'],
      access: 'public',
      unauthenticated: true,
      forSenders: true,
      audit: false,
      responses: { 200: { description: '`OK` (HEAD: no body)' } },
      handler: async () => ({ body: 'OK', headers: { 'content-type': 'text/plain; charset=utf-8' } }),
    });

  const V1_GONE = goJson({
    status: 'deprecated',
    error: 'The Alertmanager v1 API was deprecated in version 0.16.0 and is removed as of version 0.27.0 - please use the equivalent route in the v2 API',
  });
  const v1Routes: Array<[RouteSpec['method'], string, string]> = [
    ['GET', '/api/v1/status', 'Status'],
    ['GET', '/api/v1/receivers', 'Receivers'],
    ['GET', '/api/v1/alerts', 'GetAlerts'],
    ['POST', '/api/v1/alerts', 'PostAlerts'],
    ['GET', '/api/v1/silences', 'GetSilences'],
    ['POST', '/api/v1/silences', 'PostSilences'],
    ['GET', '/api/v1/silence/:sid', 'GetSilence'],
    ['DELETE', '/api/v1/silence/:sid', 'DeleteSilence'],
  ];

  return [
    defineRoute({
      method: 'POST',
      url: '/api/v2/alerts',
      operationId: 'alertmanagerPostAlerts',
      summary: "Post alerts, as to Alertmanager's API v2 (Prometheus, Grafana, amtool)",
      tags: ['alertmanager'],
      access: 'public',
      forSenders: true,
      body: postableAlerts,
      responses: {
        200: { description: 'Stored (empty body)' },
        400: { description: 'Some alerts were invalid (the valid ones are stored): their messages, joined by `; `, as a JSON string', schema: jsonString },
        422: { description: "A required field missing or a malformed URI: go-swagger's error, nothing stored", schema: swaggerError },
        429: { description: 'Storing the post would exceed `plugboard.ingest.maxActiveAlerts`: a JSON string, nothing stored', schema: jsonString },
        ...errorResponses(401, 403),
      },
      // Audited as every write is (and every refusal): one event per post, without its alerts.
      audit: { action: 'alertmanager_post_alerts' },
      async handler({ body, scope, request }) {
        await ensureAccess(scope.principal, scope.spaceId, 'all', 'post alerts');
        const at = now();
        const parsed = parsePostableAlerts(body, at.getTime(), deps.settings.resolveTimeoutMs);
        if ('answer' in parsed) return amAnswer(parsed.answer.status, parsed.answer.body);
        intake.countInvalid(parsed.errors.length);
        const outcome = await intake.store(scope.spaceId, parsed.alerts, 'alertmanager-api', at, request.log);
        if ('refused' in outcome) return amAnswer(429, goJson(outcome.refused.message));
        if (parsed.errors.length) return amAnswer(400, goJson(parsed.errors.join('; ')));
        return { status: 200, body: '' };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v2/alerts',
      operationId: 'alertmanagerGetAlerts',
      summary: "The space's active alerts, as Alertmanager's API v2 lists them",
      tags: ['alertmanager'],
      access: 'public',
      forSenders: true,
      query: alertsQuery,
      responses: {
        200: { description: 'Gettable alerts, by fingerprint' },
        400: { description: 'A bad matcher or receiver expression, as a JSON string', schema: jsonString },
        ...errorResponses(401, 403),
      },
      async handler({ query, scope }) {
        await ensureAccess(scope.principal, scope.spaceId, 'read', 'read alerts');
        const matchers: Matcher[] = [];
        for (const text of list(query.filter)) {
          try {
            matchers.push(parseMatcher(text));
          } catch (err) {
            if (err instanceof MatcherSyntaxError) return amAnswer(400, goJson(err.message));
            throw err;
          }
        }
        let receiver: RegExp | undefined;
        const receiverText = list(query.receiver)[0];
        if (receiverText !== undefined) {
          try {
            receiver = new RegExp(`^(?:${receiverText})$`, 'u');
          } catch (err) {
            return amAnswer(400, goJson(`failed to parse receiver param: error parsing regexp: ${(err as Error).message}`));
          }
        }
        const [active, silenced] = [boolParam(query.active), boolParam(query.silenced)];
        const at = now();
        const out = [];
        for (const alert of await deps.store.list(scope.spaceId, at)) {
          if (isResolved(alert, at.getTime())) continue;
          if (receiver && !receiver.test(PLUGBOARD_RECEIVER)) continue;
          if (!matchesLabels(matchers, alert.labels)) continue;
          const silencedBy = await deps.silences.silencedBy(scope.spaceId, alert.labels, at);
          if (!active && silencedBy.length === 0) continue;
          if (!silenced && silencedBy.length > 0) continue;
          // Nothing is inhibited or unprocessed here: those filters leave every alert.
          out.push(gettable(alert, silencedBy));
        }
        out.sort((a, b) => (a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0));
        return { body: out };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v2/status',
      operationId: 'alertmanagerGetStatus',
      summary: "Alertmanager's status: cluster disabled, Plugboard's version, the ingest settings as config",
      tags: ['alertmanager'],
      access: 'public',
      forSenders: true,
      responses: { 200: { description: "Alertmanager's alertmanagerStatus" }, ...errorResponses(401, 403) },
      async handler({ scope }) {
        await ensureAccess(scope.principal, scope.spaceId, 'read', 'read the alertmanager status');
        const { settings } = deps;
        const original = YAML.stringify({
          global: { resolve_timeout: goDuration(settings.resolveTimeoutMs) },
          route: { receiver: PLUGBOARD_RECEIVER },
          receivers: [{ name: PLUGBOARD_RECEIVER }],
          plugboard: {
            ingest: {
              resolveTimeout: goDuration(settings.resolveTimeoutMs),
              resolvedRetention: goDuration(settings.resolvedRetentionMs),
              maxActiveAlerts: settings.maxActiveAlerts,
              // Whether this space takes an ingest token; never the token.
              ingestToken: settings.tokenSpaces.includes(scope.spaceId),
            },
          },
        });
        return {
          body: {
            cluster: { peers: [], status: 'disabled' },
            config: { original },
            uptime: deps.startedAt.toISOString(),
            versionInfo: { branch: '', buildDate: '', buildUser: 'plugboard', goVersion: `node ${process.version}`, revision: '', version: `plugboard-${deps.version}` },
          },
        };
      },
    }),
    health('/-/healthy', 'alertmanagerHealthy', 'Alertmanager-style health check: `OK`, no credentials needed'),
    health('/-/ready', 'alertmanagerReady', 'Alertmanager-style readiness check: `OK`, no credentials needed'),
    ...v1Routes.map(([method, url, name]) =>
      defineRoute({
        method,
        url,
        operationId: `alertmanagerV1${name}`,
        summary: "Alertmanager's API v1, removed: 410 with Alertmanager 0.27's notice",
        tags: ['alertmanager'],
        access: 'public',
        unauthenticated: true,
        forSenders: true,
        audit: false,
        responses: { 410: { description: "Alertmanager 0.27's deprecation notice", schema: z.object({ status: z.string(), error: z.string() }) } },
        handler: async () => amAnswer(410, V1_GONE),
      }),
    ),
  ];
}
