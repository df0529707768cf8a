import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Scope } from '../../actions/actions_client.js';
import { badRequest } from '../../common/errors.js';
import {
  EXECUTION_LOG_SORT_FIELDS,
  getExecutionKpi,
  getExecutionLog,
  type ExecutionEventsQuery,
  type ExecutionLogSort,
  type ExecutionLogSortField,
} from '../../event_log/execution_log_queries.js';
import { executionEvents } from '../../event_log/event_reader.js';
import { KqlError } from '../../common/kql.js';
import { kqlFilter, parseDateValue } from '../../event_log/kql.js';
import type { ActionsAuthorizer } from '../../security/authorization.js';
import type { PlugboardDatabase } from '../../storage/database.js';
import type { Database } from '../../storage/schema.js';
import { getTokenUsage } from '../../event_log/token_usage.js';
import { defineRoute, type RouteSpec } from '../route.js';
import { errorResponses } from '../schemas.js';

export interface ExecutionLogRoutesDeps {
  db: Kysely<Database>;
  dialect: PlugboardDatabase['dialect'];
  authorizer: ActionsAuthorizer;
}

/** `namespaces: ['*']` asks for every space. */
const ALL_SPACES = '*';

const integer = (min: number, max: number) =>
  z
    .number()
    .min(min)
    .max(max)
    .superRefine((value, ctx) => {
      if (!Number.isInteger(value)) ctx.addIssue({ code: 'custom', message: `expected an integer but got [${value}]` });
    });

const dateFields = {
  date_start: z.string().max(100).meta({ description: 'Start of the range: an ISO date, `now` or `now-<n><s|m|h|d|w>` (e.g. `now-24h`).' }),
  date_end: z.string().max(100).optional().meta({ description: 'End of the range (default `now`), in the same forms.' }),
  filter: z.string().max(8192).optional().meta({ description: 'A KQL filter on event-log fields, e.g. `event.outcome:failure`.' }),
  namespaces: z
    .array(z.string().min(1).max(1024))
    .max(1000)
    .optional()
    .meta({ description: 'Space ids to include (default: the space of the request); `["*"]` for all spaces.' }),
};

// The sort entry's key is checked by the handler, which answers with Kibana's wording.
const sortSchema = z
  .array(z.record(z.string(), z.strictObject({ order: z.enum(['asc', 'desc']) })))
  .max(10)
  .default([{ timestamp: { order: 'desc' } }])
  .meta({ description: 'Sort keys, each `{<timestamp|execution_duration|schedule_delay>: {order: asc|desc}}`.' });

const logsBody = z
  .strictObject({
    ...dateFields,
    per_page: integer(1, 100).default(10),
    page: integer(1, 1000).default(1),
    sort: sortSchema,
  })
  .meta({ id: 'get_global_connector_execution_logs_request' });

const kpiBody = z.strictObject(dateFields).meta({ id: 'get_global_connector_execution_kpi_request' });

const logItemSchema = z
  .object({
    id: z.string().meta({ description: 'The execution uuid.' }),
    timestamp: z.string().meta({ description: 'When the first attempt ran.' }),
    duration_ms: z.number().meta({ description: 'The longest attempt.' }),
    status: z.string(),
    message: z.string(),
    version: z.string(),
    schedule_delay_ms: z.number().meta({ description: 'How long the first attempt (the one of `timestamp`) waited to start; retries wait by design.' }),
    space_ids: z.array(z.string()),
    connector_name: z.string(),
    connector_id: z.string(),
    timed_out: z.boolean(),
    source: z.string(),
    attempts: z.number().int().meta({ description: 'Plugboard: how many times the connector ran for this execution.' }),
  })
  .meta({ id: 'connector_execution_log_item' });

const logsResponse = z.object({ total: z.number().int(), data: z.array(logItemSchema) }).meta({ id: 'connector_execution_log' });
const kpiResponse = z
  .object({ success: z.number().int(), unknown: z.number().int(), failure: z.number().int(), warning: z.number().int() })
  .meta({ id: 'connector_execution_kpi' });

const tokenUsageBody = z
  .strictObject({
    date_start: dateFields.date_start,
    date_end: dateFields.date_end,
    connector_id: z.string().min(1).max(1024).optional().meta({ description: 'Only this connector (default: every connector of the space).' }),
  })
  .meta({ id: 'token_usage_request' });

const tokenCounts = {
  executions: z.number().int().meta({ description: 'Successful runs that recorded a token usage.' }),
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  total_tokens: z.number().int(),
};
const tokenUsageResponse = z
  .object({
    connectors: z.array(
      z.object({
        connector_id: z.string(),
        connector_name: z.string(),
        connector_type_id: z.string(),
        ...tokenCounts,
        hours: z.array(z.object({ start: z.string().meta({ description: "The hour's start (UTC)." }), ...tokenCounts })).meta({ description: 'The hours with usage, oldest first.' }),
      }),
    ),
  })
  .meta({ id: 'token_usage' });

const errors = errorResponses(400, 401, 403);
const TAGS = ['connectors'];

function parseDate(value: string, name: string, now: number): number {
  const ms = parseDateValue(value, now);
  if (ms === undefined) throw badRequest(`Invalid date for parameter ${name}: "${value}"`);
  return ms;
}

function parseSort(entries: Array<Record<string, { order: 'asc' | 'desc' }>>): ExecutionLogSort[] {
  const sort: ExecutionLogSort[] = [];
  for (const entry of entries) {
    for (const [field, { order }] of Object.entries(entry)) {
      if (!(EXECUTION_LOG_SORT_FIELDS as readonly string[]).includes(field)) {
        throw badRequest(`Invalid sort field "${field}" - must be one of [${EXECUTION_LOG_SORT_FIELDS.join(',')}]`);
      }
      sort.push({ field: field as ExecutionLogSortField, order });
    }
  }
  return sort;
}

/** Checks `get` on connectors in every space read, and turns the body into a query. */
async function eventsQuery(
  deps: ExecutionLogRoutesDeps,
  scope: Scope,
  body: { date_start: string; date_end?: string; filter?: string; namespaces?: string[] },
): Promise<ExecutionEventsQuery> {
  const requested = body.namespaces?.length ? [...new Set(body.namespaces)] : [scope.spaceId];
  const allSpaces = requested.includes(ALL_SPACES);
  for (const spaceId of allSpaces ? [scope.spaceId] : requested) await deps.authorizer.ensureAuthorized(scope.principal, spaceId, 'get');

  const now = Date.now();
  const dateStart = parseDate(body.date_start, 'date_start', now);
  const dateEnd = body.date_end === undefined ? now : parseDate(body.date_end, 'date_end', now);
  let filter;
  try {
    filter = body.filter === undefined ? undefined : kqlFilter(body.filter, { now });
  } catch (err) {
    if (err instanceof KqlError) throw badRequest(`Invalid KQL filter: ${err.message}`);
    throw err;
  }
  return { dateStart, dateEnd, spaceIds: allSpaces ? undefined : requested, filter };
}

export function executionLogRoutes(deps: ExecutionLogRoutesDeps): RouteSpec[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/internal/actions/_global_connector_execution_logs',
      operationId: 'getGlobalConnectorExecutionLogs',
      audit: false,
      summary: 'Connector executions from the event log, one entry per execution (used by the UI)',
      tags: TAGS,
      access: 'internal',
      body: logsBody,
      responses: { 200: { description: 'A page of executions', schema: logsResponse }, ...errors },
      async handler({ body, scope }) {
        const query = await eventsQuery(deps, scope, body);
        const sort = parseSort(body.sort);
        return { body: await getExecutionLog(deps.db, { ...query, sort, page: body.page, perPage: body.per_page }) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/internal/actions/execution_events/:execution_id',
      operationId: 'getExecutionEvents',
      audit: false,
      summary: "The event-log documents of one execution, every attempt's, oldest first (Plugboard; used by the UI)",
      tags: TAGS,
      access: 'internal',
      params: z.strictObject({ execution_id: z.string().min(1).max(1024) }),
      responses: { 200: { description: 'The documents', schema: z.array(z.record(z.string(), z.unknown())) }, ...errors },
      async handler({ params, scope }) {
        await deps.authorizer.ensureAuthorized(scope.principal, scope.spaceId, 'get');
        const events = await executionEvents(deps.db, params.execution_id);
        // Only what happened in the space of the request, as with the log itself.
        return { body: events.filter((doc) => doc.kibana.space_ids.includes(scope.spaceId)) };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/internal/actions/_global_connector_execution_kpi',
      operationId: 'getGlobalConnectorExecutionKpi',
      audit: false,
      summary: 'Counts of connector executions by outcome (used by the UI)',
      tags: TAGS,
      access: 'internal',
      body: kpiBody,
      responses: { 200: { description: 'Executions by outcome', schema: kpiResponse }, ...errors },
      async handler({ body, scope }) {
        return { body: await getExecutionKpi(deps.db, await eventsQuery(deps, scope, body)) };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/actions/_token_usage',
      operationId: 'getTokenUsage',
      audit: false,
      summary: 'Tokens used by generative-AI connectors over a time range, per connector and per hour (Plugboard)',
      tags: TAGS,
      access: 'public',
      body: tokenUsageBody,
      responses: { 200: { description: "Each connector's tokens", schema: tokenUsageResponse }, ...errors },
      async handler({ body, scope }) {
        const { dateStart, dateEnd } = await eventsQuery(deps, scope, { date_start: body.date_start, date_end: body.date_end });
        const connectors = await getTokenUsage(deps, { spaceId: scope.spaceId, dateStart, dateEnd, ...(body.connector_id ? { connectorId: body.connector_id } : {}) });
        return { body: { connectors } };
      },
    }),
  ];
}
