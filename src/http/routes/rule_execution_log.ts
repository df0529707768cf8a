import type { Kysely } from 'kysely';
import { z } from 'zod';
import { getAlertSummary, DEFAULT_SUMMARY_EXECUTIONS } from '../../alerting/alert_summary.js';
import { parseRuleDuration } from '../../alerting/duration.js';
import type { RulesClient } from '../../alerting/rules_client.js';
import { badRequest } from '../../common/errors.js';
import { KqlError } from '../../common/kql.js';
import { kqlFilter, parseDateValue } from '../../event_log/kql.js';
import {
  getRuleExecutionKpi,
  getRuleExecutionLog,
  RULE_EXECUTION_LOG_SORT_FIELDS,
  type RuleEventsQuery,
  type RuleExecutionLogQuery,
  type RuleExecutionLogSortField,
} from '../../event_log/rule_execution_log.js';
import type { Database } from '../../storage/schema.js';
import { defineRoute, type RouteSpec } from '../route.js';
import { errorResponses } from '../schemas.js';

// A rule's event-log routes (reference kibana-alerting-rules.md §4.3, Kibana's _alert_summary):
// reading the rule first authorizes them as the rules routes do (`get` on the rule) and 404s.
// The global execution log and KPI read every rule's runs of the spaces the caller may read
// rules in (Kibana's get_global_execution_logs.ts / get_global_execution_kpi.ts).

export interface RuleExecutionLogRoutesDeps {
  db: Kysely<Database>;
  rules: Pick<RulesClient, 'get' | 'readableRuleSpaces'>;
}

const idParam = z.strictObject({ id: z.string().min(1).meta({ description: 'The rule identifier.' }) });
const TAGS = ['alerting'];
const errors = errorResponses(400, 401, 403, 404);

type SortEntry = Record<string, { order: 'asc' | 'desc' }>;
const sortEntries = z.array(z.record(z.string(), z.strictObject({ order: z.enum(['asc', 'desc']) })));

/** A query string carries the sort as JSON (as Kibana's UI sends it); an array is taken as is. */
const sortParam = z
  .union([z.string().max(2000), sortEntries])
  .optional()
  .meta({ description: 'Sort keys as JSON, each `{<field>: {order: asc|desc}}`; default `[{"timestamp":{"order":"desc"}}]`.' });

/** The query's date_start, refused in the words of a missing request part. */
function requiredDateStart(dateStart: string | undefined): string {
  if (dateStart === undefined) throw badRequest('[request query.date_start]: expected value of type [string] but got [undefined]');
  return dateStart;
}

const dateFields = {
  // Required, but checked in the handler once the rule is read: a caller who may not read rules
  // gets its 403 first, whatever its query.
  date_start: z.string().max(100).optional().meta({ description: 'Start of the range (required): an ISO date, `now` or `now-<n><s|m|h|d|w>`.' }),
  date_end: z.string().max(100).optional().meta({ description: 'End of the range (default `now`).' }),
  filter: z.string().max(8192).optional().meta({ description: 'A KQL filter on the rule `execute` events, e.g. `event.outcome:failure`.' }),
};

const logQuery = z.strictObject({
  ...dateFields,
  per_page: z.coerce.number().int().min(1).default(10),
  page: z.coerce.number().int().min(1).default(1),
  sort: sortParam,
});

// Kibana's `namespaces`: space ids; a query string gives one as a plain value, several by repeating it.
const namespacesParam = z
  .union([z.string().min(1).max(1024), z.array(z.string().min(1).max(1024)).max(1000)])
  .optional()
  .meta({ description: 'Space ids whose rule runs are read (default: the space of the request); spaces where the caller may not read rules are left out.' });

const globalLogQuery = logQuery.extend({ namespaces: namespacesParam });
const globalKpiQuery = z.strictObject({ ...dateFields, namespaces: namespacesParam });

const asList = (value: string | string[] | undefined) => (value === undefined ? undefined : Array.isArray(value) ? value : [value]);

const summaryQuery = z.strictObject({
  date_start: z.string().max(100).optional().meta({ description: 'Start of the range (default: 60 intervals of the rule ago).' }),
  number_of_executions: z.coerce.number().int().min(1).optional().meta({ description: 'Executions whose durations are reported (default 60).' }),
});

function parseDate(value: string, name: string, now: number): number {
  const ms = parseDateValue(value, now);
  if (ms === undefined) throw badRequest(`Invalid date for parameter ${name}: "${value}"`);
  return ms;
}

function parseSort(param: string | SortEntry[] | undefined): Array<{ field: RuleExecutionLogSortField; order: 'asc' | 'desc' }> {
  let entries: SortEntry[] = [{ timestamp: { order: 'desc' } }];
  if (typeof param === 'string') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(param);
    } catch {
      throw badRequest('[request query.sort]: could not parse array value from json input');
    }
    const checked = sortEntries.safeParse(Array.isArray(parsed) ? parsed : [parsed]);
    if (!checked.success) throw badRequest('[request query.sort]: expected value of type [array]');
    entries = checked.data;
  } else if (param) {
    entries = param;
  }
  const sort: Array<{ field: RuleExecutionLogSortField; order: 'asc' | 'desc' }> = [];
  for (const entry of entries) {
    for (const [field, { order }] of Object.entries(entry)) {
      if (!(RULE_EXECUTION_LOG_SORT_FIELDS as readonly string[]).includes(field)) {
        throw badRequest(`Invalid sort field "${field}" - must be one of [${RULE_EXECUTION_LOG_SORT_FIELDS.join(',')}]`);
      }
      sort.push({ field: field as RuleExecutionLogSortField, order });
    }
  }
  return sort;
}

function compileFilter(filter: string | undefined, now: number) {
  try {
    return filter === undefined ? undefined : kqlFilter(filter, { now });
  } catch (err) {
    if (err instanceof KqlError) throw badRequest(`Invalid kuery syntax for filter ${filter}`);
    throw err;
  }
}

const passthrough = z.record(z.string(), z.unknown());

/** The range and filter of a log or KPI query, over one rule's runs or (without one) every rule's. */
function eventsQuery(query: { date_start?: string; date_end?: string; filter?: string }, spaceIds: string[], ruleId?: string): RuleEventsQuery {
  const now = Date.now();
  return {
    ruleId,
    spaceIds,
    dateStart: parseDate(requiredDateStart(query.date_start), 'date_start', now),
    dateEnd: query.date_end === undefined ? now : parseDate(query.date_end, 'date_end', now),
    filter: compileFilter(query.filter, now),
  };
}

/** A log query: the range and filter, then Kibana's sort and page. */
function logPageQuery(query: z.infer<typeof logQuery>, spaceIds: string[], ruleId?: string): RuleExecutionLogQuery {
  return { ...eventsQuery(query, spaceIds, ruleId), sort: parseSort(query.sort), page: query.page, perPage: query.per_page };
}

export function ruleExecutionLogRoutes(deps: RuleExecutionLogRoutesDeps): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/internal/alerting/rule/:id/_execution_log',
      operationId: 'getRuleExecutionLog',
      audit: false,
      access: 'internal',
      summary: "A rule's executions from the event log, one entry per run, with the actions each queued (used by the UI)",
      tags: TAGS,
      params: idParam,
      query: logQuery,
      responses: {
        200: { description: 'A page of executions', schema: z.object({ total: z.number().int(), data: z.array(passthrough) }) },
        ...errors,
        ...errorResponses(413),
      },
      async handler({ params, query, scope }) {
        const rule = await deps.rules.get(scope, params.id);
        return { body: await getRuleExecutionLog(deps.db, logPageQuery(query, [scope.spaceId], rule.id)) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/internal/alerting/rule/:id/_execution_kpi',
      operationId: 'getRuleExecutionKpi',
      audit: false,
      access: 'internal',
      summary: "Counts of a rule's executions by outcome, with their alerts and actions (used by the UI)",
      tags: TAGS,
      params: idParam,
      query: z.strictObject(dateFields),
      responses: { 200: { description: 'The counts', schema: passthrough }, ...errors, ...errorResponses(413) },
      async handler({ params, query, scope }) {
        const rule = await deps.rules.get(scope, params.id);
        return { body: await getRuleExecutionKpi(deps.db, eventsQuery(query, [scope.spaceId], rule.id)) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/internal/alerting/rule/:id/_alert_summary',
      operationId: 'getRuleAlertSummary',
      audit: false,
      access: 'internal',
      summary: "A rule's alerts and status from its events: each alert's status, muted, flapping and group; the run durations and errors",
      tags: TAGS,
      params: idParam,
      query: summaryQuery,
      responses: { 200: { description: 'The summary', schema: passthrough }, ...errors },
      async handler({ params, query, scope }) {
        const rule = await deps.rules.get(scope, params.id);
        const now = Date.now();
        const executions = query.number_of_executions ?? DEFAULT_SUMMARY_EXECUTIONS;
        const fallback = now - parseRuleDuration(rule.schedule.interval) * executions;
        const dateStart = query.date_start === undefined ? fallback : parseDate(query.date_start, 'dateStart', now);
        return { body: await getAlertSummary(deps.db, rule, { dateStart: new Date(dateStart), dateEnd: new Date(now), numberOfExecutions: executions }) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/internal/alerting/_global_execution_logs',
      operationId: 'getGlobalRuleExecutionLog',
      audit: false,
      access: 'internal',
      summary: 'Every rule execution of the space (or of the spaces asked for), one entry per run with its rule (used by the UI)',
      tags: TAGS,
      query: globalLogQuery,
      responses: {
        200: { description: 'A page of executions', schema: z.object({ total: z.number().int(), data: z.array(passthrough) }) },
        ...errorResponses(400, 401, 403, 413),
      },
      async handler({ query, scope }) {
        const spaceIds = await deps.rules.readableRuleSpaces(scope, asList(query.namespaces));
        return { body: await getRuleExecutionLog(deps.db, logPageQuery(query, spaceIds)) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/internal/alerting/_global_execution_kpi',
      operationId: 'getGlobalRuleExecutionKpi',
      audit: false,
      access: 'internal',
      summary: 'Counts of every rule execution of the space (or of the spaces asked for) by outcome, with their alerts and actions (used by the UI)',
      tags: TAGS,
      query: globalKpiQuery,
      responses: { 200: { description: 'The counts', schema: passthrough }, ...errorResponses(400, 401, 403, 413) },
      async handler({ query, scope }) {
        const spaceIds = await deps.rules.readableRuleSpaces(scope, asList(query.namespaces));
        return { body: await getRuleExecutionKpi(deps.db, eventsQuery(query, spaceIds)) };
      },
    }),
  ];
}
