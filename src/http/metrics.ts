import type { FastifyInstance } from 'fastify';
import { Histogram, type Registry } from 'prom-client';
import { DURATION_BUCKETS } from '../tasks/metrics.js';
import { openApiPath } from './openapi.js';

/** The route label of requests that matched no route (unknown paths and the UI's pages). */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Counts and times every answered request by route pattern (as in the OpenAPI document, with
 * `{id}` placeholders and without the `/s/{space_id}` prefix), method and status. Labelled by
 * pattern, never by the URL, so that ids and unknown paths cannot grow the series without end.
 */
export function registerHttpMetrics(app: FastifyInstance, registry: Registry): void {
  const requests = new Histogram({
    name: 'plugboard_http_request_duration_seconds',
    help: 'HTTP requests by route pattern, method and status code, and how long they took to answer',
    labelNames: ['route', 'method', 'status_code'] as const,
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    const pattern = request.routeOptions.url;
    requests.observe(
      { route: pattern === undefined ? UNMATCHED_ROUTE : routeLabel(pattern, request.params), method: request.method, status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
}

/**
 * The OpenAPI path of the variant that matched: a pattern with an optional last parameter
 * (`/api/actions/connector/:id?`) stands for two documented paths, with and without it.
 */
function routeLabel(pattern: string, params: unknown): string {
  const optional = /\/:(\w+)\?$/.exec(pattern);
  if (!optional) return openApiPath(pattern);
  const given = (params as Record<string, string | undefined>)[optional[1]!];
  return openApiPath(given ? pattern.slice(0, -1) : pattern.slice(0, optional.index));
}
