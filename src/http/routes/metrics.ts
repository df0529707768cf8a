import type { Registry } from 'prom-client';
import { defineRoute, type RouteSpec } from '../route.js';

export function metricsRoutes(registry: Registry): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/metrics',
      operationId: 'getMetrics',
      summary: 'Metrics in the Prometheus text format',
      tags: ['system'],
      access: 'public',
      responses: { 200: { description: 'Prometheus text exposition format' } },
      async handler() {
        // A string body with its own content type is sent as is, not serialised as JSON.
        return { body: await registry.metrics(), headers: { 'content-type': registry.contentType } };
      },
    }),
  ];
}
