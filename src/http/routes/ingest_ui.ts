import { z } from 'zod';
import type { Scope } from '../../actions/actions_client.js';
import { StoredRuleMatchers } from '../../alerting/rule_types/incoming_alerts/params.js';
import { INCOMING_ALERTS_RULE_TYPE_ID } from '../../alerting/rule_types/incoming_alerts/rule_type.js';
import { badRequest, forbidden, notFound, PlugboardError } from '../../common/errors.js';
import { MatcherSyntaxError, matchesLabels, parseMatchers, type Matcher } from '../../ingest/matchers.js';
import { gettableSilence, SilenceSetError, type Silences } from '../../ingest/silences.js';
import { isResolved, type IncomingAlert, type SilenceLookup } from '../../ingest/types.js';
import type { RulesAuthorizer } from '../../security/authorization.js';
import type { IncomingAlertsRepository } from '../../storage/incoming_alerts_repository.js';
import type { RuleRecord } from '../../storage/rules_repository.js';
import { parseRequestPart } from '../request_validation.js';
import { defineRoute, type RouteSpec } from '../route.js';
import { errorResponses } from '../schemas.js';
import { gettableSilenceSchema } from './silences.js';

// Plugboard's own routes for the UI's Alerts page (issue 19 point 7): the space's incoming
// alerts as the store keeps them (with first seen, source and resolved ones, which Alertmanager's
// GET /api/v2/alerts does not give) and their silences. The UI cannot call the /api/v2/* routes:
// they are senders' routes, which take no browser session (a page could otherwise post to them
// in a user's name, as they need no kbn-xsrf). These routes take the session and need kbn-xsrf
// for changes, as every route of the UI does. Privileges are those of the v2 routes: `read` on
// rules (the stackAlerts feature or a base privilege) to read, `all` to create or expire.
//
// Input is checked after the privilege (a caller without one learns nothing from a 400), so the
// schemas in the specs document it and never refuse; the handlers parse it.

export interface IngestUiRoutesDeps {
  store: Pick<IncomingAlertsRepository, 'list'>;
  silences: Silences;
  /** Who silences an alert; the v2 routes' lookup (tests inject theirs). */
  silenceLookup?: SilenceLookup;
  /** The space's rules, for the incoming-alerts rules that select each alert. */
  rules: { listBySpace(spaceId: string): Promise<Array<Pick<RuleRecord, 'id' | 'name' | 'alertTypeId' | 'consumer' | 'params'>>> };
  authorizer: Pick<RulesAuthorizer, 'rulesPrivilegeIn' | 'ensureRulesAuthorized'>;
  clock?: () => Date;
}

export type IncomingAlertStatus = 'firing' | 'suppressed' | 'resolved';

const alertsQuery = z.object({
  filter: z
    .string()
    .optional()
    .meta({ description: 'Alertmanager matchers separated by commas (`severity=~"crit|page", team!="qa"`, braces optional); every one must match.' }),
  include_resolved: z.enum(['true', 'false']).optional().meta({ description: 'Also list resolved alerts still retained (`plugboard.ingest.resolvedRetention`); default false.' }),
});

const incomingAlertSchema = z
  .object({
    fingerprint: z.string(),
    labels: z.record(z.string(), z.string()),
    annotations: z.record(z.string(), z.string()),
    startsAt: z.string(),
    endsAt: z.string(),
    timeout: z.boolean().meta({ description: 'The end is the resolve timeout, not one the sender gave.' }),
    updatedAt: z.string().meta({ description: 'The last time a sender posted it.' }),
    firstSeenAt: z.string().meta({ description: 'When Plugboard first stored this label set in the space.' }),
    source: z.enum(['alertmanager-api', 'alertmanager-webhook', 'grafana-webhook', 'json']),
    generatorURL: z.string(),
    status: z.enum(['firing', 'suppressed', 'resolved']).meta({ description: '`suppressed`: firing but muted by an active silence.' }),
    silencedBy: z.array(z.string()).meta({ description: 'The ids of the active silences that mute it.' }),
    rules: z
      .array(z.object({ id: z.string(), name: z.string() }))
      .meta({ description: 'The `plugboard.incoming-alerts` rules of the space, enabled or not, whose matchers select it (those the caller may read), by name.' }),
  })
  .meta({ id: 'ingest_incoming_alert' });

const matcherBody = z.strictObject({
  name: z.string().min(1).meta({ description: 'A label name.' }),
  value: z.string().meta({ description: 'The value, or a regular expression (RE2 syntax) matching the whole value.' }),
  isRegex: z.boolean(),
  isEqual: z.boolean().default(true).meta({ description: 'false negates the matcher (`!=`, `!~`).' }),
});

const silenceBody = z.strictObject({
  matchers: z.array(matcherBody).min(1).meta({ description: 'The alerts muted: those whose labels every matcher accepts.' }),
  startsAt: z.iso.datetime({ offset: true }).optional().meta({ description: 'ISO time; absent or past: now.' }),
  endsAt: z.iso.datetime({ offset: true }).meta({ description: 'ISO time, after the start and not in the past.' }),
  comment: z.string().trim().min(1).meta({ description: 'Why (Alertmanager requires one).' }),
});

const silenceSchema = gettableSilenceSchema.meta({ id: 'ingest_silence' });

const silenceIdParams = z.object({ id: z.string().meta({ description: 'The silence id.' }) });

/** Never refuses: the handler checks the privilege first, then parses with the same schema. */
const documented = <T extends z.ZodType>(schema: T) => schema.catch(() => undefined as never) as unknown as T;

export function ingestUiRoutes(deps: IngestUiRoutesDeps): RouteSpec[] {
  const now = () => deps.clock?.() ?? new Date();
  const lookup = deps.silenceLookup ?? deps.silences;

  async function ensure(scope: Scope, needed: 'read' | 'all', what: string): Promise<void> {
    const held = await deps.authorizer.rulesPrivilegeIn(scope.principal, scope.spaceId);
    if (held && (needed === 'read' || held === 'all')) return;
    throw forbidden(`Unauthorized to ${what}: the [${needed}] privilege of the [stackAlerts] feature (or a base privilege) is needed in space [${scope.spaceId}]`);
  }

  const storedMatchers = new StoredRuleMatchers();

  /**
   * The space's incoming-alerts rules the caller may read, by name, with their matchers as the
   * rule's runs parse them (a rule whose params do not parse selects nothing, as its runs fail).
   */
  async function incomingAlertsRules(scope: Scope): Promise<Array<{ id: string; name: string; matchers: Matcher[] }>> {
    const readable = new Map<string, boolean>();
    const mayRead = async (consumer: string) => {
      if (!readable.has(consumer)) {
        readable.set(
          consumer,
          await deps.authorizer.ensureRulesAuthorized(scope.principal, scope.spaceId, 'get', INCOMING_ALERTS_RULE_TYPE_ID, consumer).then(
            () => true,
            (err: unknown) => {
              if (err instanceof PlugboardError && err.statusCode === 403) return false;
              throw err;
            },
          ),
        );
      }
      return readable.get(consumer)!;
    };
    const found = [];
    for (const rule of await deps.rules.listBySpace(scope.spaceId)) {
      if (rule.alertTypeId !== INCOMING_ALERTS_RULE_TYPE_ID || !(await mayRead(rule.consumer))) continue;
      const matchers = storedMatchers.of(rule.params);
      if (matchers) found.push({ id: rule.id, name: rule.name, matchers });
    }
    return found.sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  }

  return [
    defineRoute({
      method: 'GET',
      url: '/internal/ingest/alerts',
      operationId: 'ingestListAlerts',
      summary: "The space's incoming alerts as stored, with status, first seen, source, silences and the incoming-alerts rules that select them (Plugboard; the UI's Alerts page)",
      tags: ['ingest'],
      access: 'internal',
      query: documented(alertsQuery),
      responses: {
        200: { description: 'The alerts, newest update first', schema: z.object({ alerts: z.array(incomingAlertSchema) }) },
        ...errorResponses(400, 401, 403),
      },
      async handler({ request, scope }) {
        await ensure(scope, 'read', 'read alerts');
        const query = parseRequestPart('query', alertsQuery, request.query);
        let matchers: Matcher[] = [];
        try {
          matchers = query.filter ? parseMatchers(query.filter) : [];
        } catch (err) {
          if (err instanceof MatcherSyntaxError) throw badRequest(`[request query.filter]: ${err.message}`);
          throw err;
        }
        const rules = await incomingAlertsRules(scope);
        const at = now();
        const alerts = [];
        for (const alert of await deps.store.list(scope.spaceId, at)) {
          const resolved = isResolved(alert, at.getTime());
          if (resolved && query.include_resolved !== 'true') continue;
          if (!matchesLabels(matchers, alert.labels)) continue;
          const silencedBy = resolved ? [] : await lookup.silencedBy(scope.spaceId, alert.labels, at);
          const selecting = rules.filter((rule) => matchesLabels(rule.matchers, alert.labels)).map(({ id, name }) => ({ id, name }));
          alerts.push(view(alert, resolved ? 'resolved' : silencedBy.length ? 'suppressed' : 'firing', silencedBy, selecting));
        }
        return { body: { alerts } };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/internal/ingest/silences',
      operationId: 'ingestListSilences',
      summary: "The space's silences: active, pending, then expired ones still retained (Plugboard; the UI's Silences tab)",
      tags: ['ingest'],
      access: 'internal',
      responses: { 200: { description: 'The silences, in Alertmanager\'s order', schema: z.object({ silences: z.array(silenceSchema) }) }, ...errorResponses(401, 403) },
      async handler({ scope }) {
        await ensure(scope, 'read', 'read silences');
        const at = now();
        const list = await deps.silences.list(scope.spaceId, [], at);
        return { body: { silences: list.map((s) => gettableSilence(s, at.getTime())) } };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/internal/ingest/silences',
      operationId: 'ingestCreateSilence',
      summary: "Creates a silence in the caller's name (Plugboard; the UI's silence form)",
      tags: ['ingest'],
      access: 'internal',
      body: documented(silenceBody),
      responses: { 200: { description: 'The new silence', schema: silenceSchema }, ...errorResponses(400, 401, 403) },
      audit: { action: 'ingest_create_silence' },
      async handler({ request, scope }) {
        await ensure(scope, 'all', 'create silences');
        const body = parseRequestPart('body', silenceBody, request.body);
        const at = now();
        const startsAt = body.startsAt ? new Date(body.startsAt) : at;
        const endsAt = new Date(body.endsAt);
        if (endsAt.getTime() <= startsAt.getTime()) throw badRequest('[request body.endsAt]: the end must be after the start');
        if (endsAt.getTime() < at.getTime()) throw badRequest('[request body.endsAt]: the end cannot be in the past');
        let id: string;
        try {
          id = await deps.silences.set(scope.spaceId, { matchers: body.matchers, startsAt, endsAt, createdBy: scope.principal.username, comment: body.comment }, at);
        } catch (err) {
          if (err instanceof SilenceSetError) throw badRequest(`[request body.matchers]: ${err.message}`);
          throw err;
        }
        const created = await deps.silences.get(scope.spaceId, id, at);
        return { body: gettableSilence(created!, at.getTime()) };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/internal/ingest/silences/:id/_expire',
      operationId: 'ingestExpireSilence',
      summary: 'Expires a silence now; an expired one stays as it is (Plugboard; used by the UI)',
      tags: ['ingest'],
      access: 'internal',
      params: silenceIdParams,
      responses: { 204: { description: 'Expired' }, ...errorResponses(401, 403, 404) },
      audit: { action: 'ingest_expire_silence' },
      async handler({ params, scope }) {
        await ensure(scope, 'all', 'expire silences');
        if (!(await deps.silences.expire(scope.spaceId, params.id, now()))) throw notFound(`Silence [${params.id}] not found`);
        return { status: 204 };
      },
    }),
  ];
}

function view(alert: IncomingAlert, status: IncomingAlertStatus, silencedBy: string[], rules: Array<{ id: string; name: string }>) {
  return {
    fingerprint: alert.fingerprint,
    labels: alert.labels,
    annotations: alert.annotations,
    startsAt: alert.startsAt,
    endsAt: alert.endsAt,
    timeout: alert.timeout,
    updatedAt: alert.updatedAt,
    firstSeenAt: alert.firstSeenAt,
    source: alert.source,
    generatorURL: alert.generatorURL,
    status,
    silencedBy,
    rules,
  };
}
