import { z } from 'zod';
import type { CasesService } from '../../cases/cases_service.js';
import { attachmentPatchRequest, attachmentRequest, casePostRequest, casesPatchRequest, LIMITS, SEVERITIES, STATUSES } from '../../cases/schemas.js';
import { defineRoute, type RouteSpec } from '../route.js';
import { errorResponses } from '../schemas.js';

// Kibana's Cases API (reference §1.5), also under /s/{space_id}. Bodies are decoded by the
// cases service with Kibana's own messages (§1.4), so the body schemas here only document them
// and never refuse: the handlers read the body as sent.

const TAGS = ['cases'];
// Audit actions are Kibana's own for these operations (K/server/authorization/index.ts).

/** A schema documented as is, whose parse never fails (the service decodes the raw body). */
export const documented = <T extends z.ZodType>(schema: T) => schema.catch(() => ({}) as z.output<T>);

/** One value or several (`tags=a&tags=b`), as a list. */
const oneOrMany = <T extends z.ZodType<string>>(item: T) => z.union([item, z.array(item)]).transform((v) => (Array.isArray(v) ? v : [v]));

const caseIdParam = z.object({ case_id: z.string().meta({ description: 'The case id.' }) });
const caseSchema = z.looseObject({ id: z.string(), version: z.string(), title: z.string(), owner: z.string(), status: z.string() }).meta({ id: 'case_response', description: "Kibana's case object" });
const pageNumber = z.coerce.number().int().min(1).default(1);

const findQuery = z.object({
  tags: oneOrMany(z.string()).optional(),
  status: oneOrMany(z.enum(STATUSES)).optional(),
  severity: oneOrMany(z.enum(SEVERITIES)).optional(),
  reporters: oneOrMany(z.string()).optional().meta({ description: 'Usernames of the users who opened the cases.' }),
  owner: oneOrMany(z.string()).optional().meta({ description: 'Owners the caller may not read are ignored.' }),
  category: oneOrMany(z.string()).optional(),
  assignees: oneOrMany(z.string()).optional().meta({ description: 'Assignee uids, any of them; `none` for cases assigned to no one.' }),
  from: z.string().optional().meta({ description: 'Cases created at or after: an ISO date or `now-<n><s|m|h|d|w>`.' }),
  to: z.string().optional().meta({ description: 'Cases created at or before: an ISO date or `now-<n><s|m|h|d|w>`.' }),
  search: z.string().optional().meta({ description: 'Words matched case-insensitively as parts of the title or description (Plugboard has no `simple_query_string`).' }),
  searchFields: oneOrMany(z.enum(['title', 'description'])).optional(),
  defaultSearchOperator: z.enum(['AND', 'OR']).optional().meta({ description: 'Whether every word (`AND`) or any (`OR`, the default) must match.' }),
  sortField: z.enum(['title', 'category', 'createdAt', 'updatedAt', 'closedAt', 'status', 'severity']).optional(),
  sortOrder: z.enum(['asc', 'desc']).optional(),
  page: pageNumber,
  perPage: z.coerce.number().int().min(0).default(20).meta({ description: `At most ${LIMITS.casesPerPage}.` }),
});

export const ownerQuery = z.object({ owner: oneOrMany(z.string()).optional() });

/** `ids=["a","b"]` (Kibana's documented form), `ids=a`, or `ids=a&ids=b`. */
const idsQuery = z.object({
  ids: z
    .union([z.string(), z.array(z.string())])
    .transform((v) => {
      if (Array.isArray(v)) return v;
      if (v.trim().startsWith('[')) {
        try {
          const parsed: unknown = JSON.parse(v);
          if (Array.isArray(parsed) && parsed.every((x) => typeof x === 'string')) return parsed as string[];
        } catch {
          // taken as one id
        }
      }
      return [v];
    })
    .pipe(z.array(z.string()).min(1).max(LIMITS.deleteIds))
    // Required, but checked after the caller's privilege (see CasesService.delete).
    .optional()
    .meta({ description: `The case ids, 1 to ${LIMITS.deleteIds}: a JSON array (\`ids=["…"]\`) or repeated.` }),
});

export function casesRoutes(cases: CasesService): RouteSpec[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/api/cases',
      operationId: 'createCase',
      audit: { action: 'case_create', object: 'cases' },
      summary: 'Create a case',
      tags: TAGS,
      body: documented(casePostRequest),
      responses: { 200: { description: 'The case', schema: caseSchema }, ...errorResponses(400, 401, 403) },
      async handler({ request, scope }) {
        return { body: await cases.create(scope, request.body) };
      },
    }),
    defineRoute({
      method: 'PATCH',
      url: '/api/cases',
      operationId: 'updateCases',
      audit: { action: 'case_update', object: 'cases' },
      summary: 'Update cases, each at the version read (1 to 100)',
      tags: TAGS,
      body: documented(casesPatchRequest),
      responses: {
        200: { description: 'The updated cases', schema: z.array(caseSchema) },
        ...errorResponses(400, 401, 403, 404, 406, 409),
      },
      async handler({ request, scope }) {
        return { body: await cases.update(scope, request.body) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/cases',
      operationId: 'deleteCases',
      audit: { action: 'case_delete', object: 'cases' },
      summary: 'Delete cases with their attachments',
      tags: TAGS,
      query: idsQuery,
      responses: { 204: { description: 'Deleted' }, ...errorResponses(400, 401, 403, 404) },
      async handler({ query, scope }) {
        await cases.delete(scope, query.ids);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/cases/_find',
      operationId: 'findCases',
      audit: false,
      summary: 'Find cases by filters, with counts per status',
      tags: TAGS,
      query: findQuery,
      responses: {
        200: {
          description: 'A page of cases',
          schema: z.object({ cases: z.array(caseSchema), page: z.number(), per_page: z.number(), total: z.number(), count_open_cases: z.number(), count_in_progress_cases: z.number(), count_closed_cases: z.number() }),
        },
        ...errorResponses(400, 401, 403),
      },
      async handler({ query, scope }) {
        return { body: await cases.find(scope, query) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/cases/tags',
      operationId: 'getCaseTags',
      summary: 'The tags of the cases the caller may read',
      tags: TAGS,
      query: ownerQuery,
      responses: { 200: { description: 'Tags, sorted', schema: z.array(z.string()) }, ...errorResponses(400, 401, 403) },
      async handler({ query, scope }) {
        return { body: await cases.tags(scope, query.owner) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/cases/reporters',
      operationId: 'getCaseReporters',
      summary: 'The users who opened the cases the caller may read',
      tags: TAGS,
      query: ownerQuery,
      responses: {
        200: { description: 'Users, by username', schema: z.array(z.object({ username: z.string().nullable(), full_name: z.string().nullable(), email: z.string().nullable() })) },
        ...errorResponses(400, 401, 403),
      },
      async handler({ query, scope }) {
        return { body: await cases.reporters(scope, query.owner) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/cases/:case_id',
      operationId: 'getCase',
      summary: 'Get a case (without its comments)',
      tags: TAGS,
      params: caseIdParam,
      responses: { 200: { description: 'The case', schema: caseSchema }, ...errorResponses(401, 403, 404) },
      async handler({ params, scope }) {
        return { body: await cases.get(scope, params.case_id) };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/cases/:case_id/comments',
      operationId: 'addCaseComment',
      audit: { action: 'case_comment_create', object: 'cases' },
      summary: 'Add a user comment or alerts to a case',
      tags: TAGS,
      params: caseIdParam,
      body: documented(attachmentRequest),
      responses: { 200: { description: 'The case with its comments', schema: caseSchema }, ...errorResponses(400, 401, 403, 404) },
      async handler({ params, request, scope }) {
        return { body: await cases.addAttachment(scope, params.case_id, request.body) };
      },
    }),
    defineRoute({
      method: 'PATCH',
      url: '/api/cases/:case_id/comments',
      operationId: 'updateCaseComment',
      audit: { action: 'case_comment_update', object: 'cases' },
      summary: 'Update a comment or alert attachment at the version read',
      tags: TAGS,
      params: caseIdParam,
      body: documented(attachmentPatchRequest),
      responses: { 200: { description: 'The case with its comments', schema: caseSchema }, ...errorResponses(400, 401, 403, 404, 409) },
      async handler({ params, request, scope }) {
        return { body: await cases.updateAttachment(scope, params.case_id, request.body) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/cases/:case_id/comments',
      operationId: 'deleteCaseComments',
      audit: { action: 'case_comment_delete_all', object: 'cases' },
      summary: 'Delete every attachment of a case',
      tags: TAGS,
      params: caseIdParam,
      responses: { 204: { description: 'Deleted' }, ...errorResponses(401, 403, 404) },
      async handler({ params, scope }) {
        await cases.deleteAllAttachments(scope, params.case_id);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/cases/:case_id/comments/:comment_id',
      operationId: 'deleteCaseComment',
      audit: { action: 'case_comment_delete', object: 'cases' },
      summary: 'Delete one attachment of a case',
      tags: TAGS,
      params: caseIdParam.extend({ comment_id: z.string() }),
      responses: { 204: { description: 'Deleted' }, ...errorResponses(401, 403, 404) },
      async handler({ params, scope }) {
        await cases.deleteAttachment(scope, params.case_id, params.comment_id);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/cases/:case_id/comments/:comment_id',
      operationId: 'getCaseComment',
      summary: 'Get one attachment of a case',
      tags: TAGS,
      params: caseIdParam.extend({ comment_id: z.string() }),
      responses: { 200: { description: 'The attachment', schema: z.looseObject({ id: z.string(), version: z.string(), type: z.string() }) }, ...errorResponses(401, 403, 404) },
      async handler({ params, scope }) {
        return { body: await cases.getAttachment(scope, params.case_id, params.comment_id) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/cases/alerts/:alert_id',
      operationId: 'getCasesByAlert',
      summary: 'The cases an alert is attached to',
      tags: TAGS,
      params: z.object({ alert_id: z.string() }),
      query: ownerQuery,
      responses: {
        200: {
          description: 'The cases, oldest first',
          schema: z.array(z.object({ id: z.string(), title: z.string(), description: z.string(), status: z.string(), createdAt: z.string(), totals: z.object({ alerts: z.number(), events: z.number(), userComments: z.number() }) })),
        },
        ...errorResponses(400, 401, 403),
      },
      async handler({ params, query, scope }) {
        return { body: await cases.casesWithAlert(scope, params.alert_id, query.owner) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/cases/:case_id/comments/_find',
      operationId: 'findCaseComments',
      summary: "A page of a case's user comments",
      tags: TAGS,
      params: caseIdParam,
      query: z.object({ page: pageNumber, perPage: z.coerce.number().int().min(0).default(20), sortOrder: z.enum(['asc', 'desc']).optional() }),
      responses: {
        200: { description: 'A page of comments', schema: z.object({ comments: z.array(z.looseObject({ id: z.string(), version: z.string() })), page: z.number(), per_page: z.number(), total: z.number() }) },
        ...errorResponses(400, 401, 403, 404),
      },
      async handler({ params, query, scope }) {
        return { body: await cases.findAttachments(scope, params.case_id, query) };
      },
    }),
  ];
}
