import type { Registry } from 'prom-client';
import { forbidden } from '../../common/errors.js';
import type { RoleAuthorizer } from '../../security/authorization.js';
import { defineRoute, type RouteSpec } from '../route.js';
import { errorResponses } from '../schemas.js';

export function metricsRoutes(registry: Registry, authorizer: Pick<RoleAuthorizer, 'canMonitor'>): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/metrics',
      operationId: 'getMetrics',
      summary: 'Metrics in the Prometheus text format',
      tags: ['system'],
      access: 'public',
      responses: { 200: { description: 'Prometheus text exposition format' }, ...errorResponses(401, 403) },
      async handler({ scope }) {
        if (!(await authorizer.canMonitor(scope.principal))) throw forbidden('Unauthorized to read metrics: the [monitor] cluster privilege is needed');
        // A string body with its own content type is sent as is, not serialised as JSON.
        return { body: await registry.metrics(), headers: { 'content-type': registry.contentType } };
      },
    }),
  ];
}
