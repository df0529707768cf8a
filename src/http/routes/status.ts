import { z } from 'zod';
import { defineRoute, type RouteSpec } from '../route.js';

/**
 * The Kibana version whose connectors API Plugboard answers. Clients such as the Terraform
 * provider read `version.number` to decide which features they may use (e.g. connector ids
 * chosen by the caller), so it names a Kibana version, not Plugboard's own.
 */
export const KIBANA_COMPATIBILITY_VERSION = '9.2.0';

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
