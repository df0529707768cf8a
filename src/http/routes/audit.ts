import type { Kysely } from 'kysely';
import { z } from 'zod';
import { readAuditLog } from '../../security/audit.js';
import { ensureCanManage } from '../../security/manage_security.js';
import type { Database } from '../../storage/schema.js';
import { defineRoute, type RouteSpec } from '../route.js';
import { errorResponses } from '../schemas.js';

const auditQuery = z.strictObject({
  page: z.coerce.number().int().min(1).default(1).meta({ description: 'Page number, from 1.' }),
  per_page: z.coerce.number().int().min(1).max(1000).default(50).meta({ description: 'Events per page.' }),
  action: z.string().min(1).optional().meta({ description: 'Only events of this action, e.g. `connector_create` or `access_denied`.' }),
  user: z.string().min(1).optional().meta({ description: 'Only events of this user.' }),
});

const auditResponse = z
  .object({
    total: z.number(),
    page: z.number(),
    per_page: z.number(),
    events: z.array(z.record(z.string(), z.unknown())).meta({ description: 'ECS-shaped events, newest first, as in the JSON lines file.' }),
  })
  .meta({ id: 'audit_log_response' });

export function auditRoutes(db: Kysely<Database>): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/security/audit',
      operationId: 'getAuditLog',
      summary: 'Read the audit log, newest first (Plugboard; superusers)',
      tags: ['security'],
      access: 'public',
      query: auditQuery,
      responses: { 200: { description: 'A page of audit events', schema: auditResponse }, ...errorResponses(400, 401, 403) },
      async handler({ query, scope }) {
        ensureCanManage(scope.principal, 'the audit log');
        const { total, events } = await readAuditLog(db, { page: query.page, perPage: query.per_page, action: query.action, username: query.user });
        return { body: { total, page: query.page, per_page: query.per_page, events } };
      },
    }),
  ];
}
