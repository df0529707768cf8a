import { z } from 'zod';
import { KIBANA_COMPATIBILITY_VERSION } from '../../common/kibana_version.js';
import { defineRoute, type RouteSpec } from '../route.js';

const statusResponse = z.object({
  name: z.string(),
  version: z.object({ number: z.string(), build_flavor: z.string(), build_snapshot: z.boolean() }),
  plugboard: z.object({ version: z.string() }),
  status: z.object({ overall: z.object({ level: z.enum(['available', 'degraded', 'unavailable']) }) }),
});

export function statusRoutes(info: { version: string; isReady: () => boolean }): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/status',
      operationId: 'getStatus',
      summary: 'Readiness of the server (no credentials needed)',
      tags: ['system'],
      unauthenticated: true,
      responses: {
        200: { description: 'Available', schema: statusResponse },
        503: { description: 'Starting or shutting down', schema: statusResponse },
      },
      async handler() {
        const ready = info.isReady();
        return {
          status: ready ? 200 : 503,
          body: {
            name: 'plugboard',
            version: { number: KIBANA_COMPATIBILITY_VERSION, build_flavor: 'traditional', build_snapshot: false },
            plugboard: { version: info.version },
            status: { overall: { level: ready ? 'available' : 'unavailable' } },
          },
        };
      },
    }),
  ];
}
