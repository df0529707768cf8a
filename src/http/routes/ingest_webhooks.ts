import { z } from 'zod';
import { badRequest, notFound, PlugboardError } from '../../common/errors.js';
import { parseAlertmanagerWebhook } from '../../ingest/alertmanager_webhook.js';
import { parseGrafanaWebhook, verifyGrafanaSignature } from '../../ingest/grafana_webhook.js';
import type { IngestIntake } from '../../ingest/intake.js';
import { parseJsonPayload, type JsonIngestMapping } from '../../ingest/json_mapping.js';
import { PayloadRefusal, type ParsedPayload } from '../../ingest/payload.js';
import type { IncomingAlertSource } from '../../ingest/types.js';
import { defineRoute, type RouteContext, type RouteResponse, type RouteSpec } from '../route.js';
import { errorResponses } from '../schemas.js';
import { rawBodyOf } from '../server.js';

// Webhook ingest (issue 19 point 2): Alertmanager's `webhook_config` payload, Grafana's webhook
// contact point and generic JSON bodies read through a configured mapping, each at its own route
// of Plugboard's, each turned into incoming alerts by its parser (src/ingest/) and stored by the
// same path as `POST /api/v2/alerts` (src/ingest/intake.ts): same credentials (Basic, ApiKey, the
// space's ingest token), same privilege (the rules' `all` in the space), same maxActiveAlerts
// guard, metrics and listener. Answers are Kibana-shaped ({statusCode, error, message}): these
// routes are Plugboard's own, and Alertmanager and Grafana only read the status code.
//
// Status codes, for senders that retry 5xx and never 4xx (Alertmanager, Grafana): 400 for a
// payload that will never be accepted (the message names the field; alerts of the payload that
// were valid are stored, best effort as Alertmanager's own API), 404 for a JSON route that is not
// configured, 401 for a missing or wrong Grafana signature, 429 over the guard (a 4xx: the storm
// is not made worse by retries; the sender logs it), 5xx only for what a retry can cure.

export interface IngestWebhookRoutesDeps {
  intake: IngestIntake;
  settings: {
    /** `plugboard.ingest.webhookResolveTimeout`. */
    webhookResolveTimeoutMs: number;
    grafana: { hmacSecret?: string; hmacHeader?: string; hmacTimestampHeader?: string };
    json: Record<string, JsonIngestMapping>;
  };
  clock?: () => Date;
}

const acceptedSchema = z
  .object({
    alerts: z
      .array(
        z.object({
          fingerprint: z.string().meta({ description: 'The id of the incoming alert in the space (the fingerprint of its labels).' }),
          status: z.enum(['firing', 'resolved']),
          change: z.enum(['new', 'updated', 'resolved', 'refired', 'unchanged']).meta({ description: 'What this post changed in the stored alert.' }),
        }),
      )
      .meta({ description: 'The stored alerts, in the order of the payload.' }),
  })
  .meta({ description: 'Every alert of the payload stored.' });

const webhookBody = (what: string) => z.unknown().meta({ description: what, type: 'object' } as Record<string, unknown>);

/**
 * Firing alerts of webhook payloads carry no end, and their senders repeat them only every
 * `repeat_interval` (Alertmanager's and Grafana's default 4h, evaluated every `group_interval`,
 * 5m) while they send the resolution when it happens. The v2 API's resolveTimeout (5m, for
 * senders that resend every minute) would resolve them wrongly between repeats, so they last
 * `plugboard.ingest.webhookResolveTimeout` (default 6h) after their last notification. Not
 * "until the resolution comes": a resolution that never comes (`send_resolved: false`, alerts
 * silenced at the sender when they end, a sender that lost its state) would keep an alert
 * active for ever and count against maxActiveAlerts.
 */
function resolveTimeoutFor(source: IncomingAlertSource, mapping: JsonIngestMapping | undefined, webhookMs: number): number | undefined {
  if (source === 'json') return mapping?.status ? webhookMs : undefined;
  return webhookMs;
}

export function ingestWebhookRoutes(deps: IngestWebhookRoutesDeps): RouteSpec[] {
  const now = () => deps.clock?.() ?? new Date();
  const { intake } = deps;

  /** Parses, stores and answers; the caller checked access (and the signature) already. */
  async function ingest(
    ctx: RouteContext<unknown, unknown, unknown>,
    source: IncomingAlertSource,
    parse: (body: unknown, at: Date) => ParsedPayload<unknown>,
    mapping?: JsonIngestMapping,
  ): Promise<RouteResponse> {
    const at = now();
    let parsed: ParsedPayload<unknown>;
    try {
      parsed = parse(ctx.body, at);
    } catch (err) {
      if (!(err instanceof PayloadRefusal)) throw err;
      intake.countInvalid(1);
      throw badRequest(err.message);
    }
    intake.countInvalid(parsed.errors.length);
    const outcome = await intake.store(ctx.scope.spaceId, parsed.alerts, source, at, ctx.request.log, {
      resolveTimeoutMs: resolveTimeoutFor(source, mapping, deps.settings.webhookResolveTimeoutMs),
    });
    if ('refused' in outcome) throw new PlugboardError(429, outcome.refused.message);
    if (parsed.errors.length) {
      const stored = parsed.alerts.length;
      const rest = stored ? ` (the other ${stored} alert${stored === 1 ? ' was' : 's were'} stored)` : '';
      throw badRequest(`${parsed.errors.join('; ')}${rest}`);
    }
    return {
      body: {
        alerts: outcome.stored.map(({ alert, change }) => ({
          fingerprint: alert.fingerprint,
          status: Date.parse(alert.endsAt) <= at.getTime() ? 'resolved' : 'firing',
          change,
        })),
      },
    };
  }

  // `access: 'public'` is written in each route: scripts/generate_docs.ts reads it from the spec.
  const common = { method: 'POST' as const, tags: ['ingest'], forSenders: true };
  const answers = (extra: Record<number, { description: string }> = {}) => ({
    200: { description: 'Stored: each alert with its fingerprint, status and change', schema: acceptedSchema },
    ...errorResponses(400, 401, 403),
    ...extra,
    429: { description: 'Storing the payload would exceed `plugboard.ingest.maxActiveAlerts`: nothing stored', schema: errorResponses(429)[429].schema },
  });

  return [
    defineRoute({
      ...common,
      url: '/api/ingest/alertmanager',
      operationId: 'ingestAlertmanagerWebhook',
      access: 'public',
      summary: "Take Alertmanager's webhook notification (`webhook_config`, payload version 4) (Plugboard)",
      body: webhookBody("Alertmanager's webhook payload (`version: \"4\"`)"),
      responses: answers(),
      audit: { action: 'ingest_alertmanager_webhook' },
      async handler(ctx) {
        await intake.ensureAccess(ctx.scope.principal, ctx.scope.spaceId, 'all', 'post alerts');
        return ingest(ctx, 'alertmanager-webhook', parseAlertmanagerWebhook);
      },
    }),
    defineRoute({
      ...common,
      url: '/api/ingest/grafana',
      operationId: 'ingestGrafanaWebhook',
      access: 'public',
      summary: "Take Grafana's webhook contact point notification (payload version 1) (Plugboard)",
      rawBody: true,
      body: webhookBody("Grafana's webhook payload (`version: \"1\"`)"),
      responses: answers(),
      audit: { action: 'ingest_grafana_webhook' },
      async handler(ctx) {
        await intake.ensureAccess(ctx.scope.principal, ctx.scope.spaceId, 'all', 'post alerts');
        const { hmacSecret, hmacHeader, hmacTimestampHeader } = deps.settings.grafana;
        if (hmacSecret !== undefined) {
          const check = verifyGrafanaSignature({
            body: rawBodyOf(ctx.request),
            secret: hmacSecret,
            headers: ctx.request.headers,
            header: hmacHeader,
            timestampHeader: hmacTimestampHeader,
            now: now().getTime(),
          });
          if (!check.ok) throw new PlugboardError(401, `Invalid Grafana webhook signature: ${check.reason}`);
        }
        return ingest(ctx, 'grafana-webhook', parseGrafanaWebhook);
      },
    }),
    defineRoute({
      ...common,
      url: '/api/ingest/json/:name',
      operationId: 'ingestJson',
      access: 'public',
      summary: 'Take alerts from a JSON body through the mapping `plugboard.ingest.json.<name>` (Plugboard)',
      params: z.object({ name: z.string().meta({ description: 'The route name: a key of `plugboard.ingest.json`.' }) }),
      body: webhookBody('Any JSON body that the mapping reads'),
      responses: answers(errorResponses(404)),
      audit: { action: 'ingest_json', object: 'ingest_json_route' },
      async handler(ctx) {
        await intake.ensureAccess(ctx.scope.principal, ctx.scope.spaceId, 'all', 'post alerts');
        const { name } = ctx.params;
        const mapping = Object.hasOwn(deps.settings.json, name) ? deps.settings.json[name] : undefined;
        if (!mapping) throw notFound(`No JSON ingest route [${name}]: plugboard.ingest.json.${name} is not configured`);
        return ingest(ctx as RouteContext<unknown, unknown, unknown>, 'json', (body, at) => parseJsonPayload(body, mapping, at), mapping);
      },
    }),
  ];
}
