import { z } from 'zod';
import type { ActionsClient } from '../../actions/actions_client.js';
import { defineRoute, type RouteSpec } from '../route.js';
import { errorResponses } from '../schemas.js';

// Kibana's stack_connectors plugin routes that its UI calls (INTERNAL_BASE_STACK_CONNECTORS_API_PATH).

export function stackConnectorRoutes(client: ActionsClient): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/internal/stack_connectors/:id/secret_headers',
      operationId: 'getSecretHeaderNames',
      summary: "The names of a webhook connector's secret headers, never their values (used by Kibana's UI)",
      tags: ['connectors'],
      access: 'internal',
      params: z.strictObject({ id: z.string().min(1).meta({ description: 'The connector identifier.' }) }),
      responses: {
        200: { description: 'The header names', schema: z.array(z.string()).meta({ id: 'secret_header_names_response' }) },
        ...errorResponses(400, 401, 403, 404),
      },
      async handler({ params, scope }) {
        return { body: await client.secretHeaderNames(scope, params.id) };
      },
    }),
  ];
}
