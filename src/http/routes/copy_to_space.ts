import { z } from 'zod';
import { copyToSpaces } from '../../saved_objects/copy_to_space.js';
import type { ConnectorTransferDeps } from '../../saved_objects/deps.js';
import { defineRoute, type RouteSpec } from '../route.js';
import { errorResponses } from '../schemas.js';
import { SPACE_ID_PATTERN } from './spaces.js';

const copyBody = z
  .strictObject({
    spaces: z
      .array(z.string().regex(SPACE_ID_PATTERN, "must be lower case, a-z, 0-9, '_', and '-' are allowed"))
      .min(1)
      .max(100)
      .refine((ids) => new Set(ids).size === ids.length, { message: 'duplicate space ids are not allowed' })
      .meta({ description: 'The spaces to copy the connector to; not its own.' }),
    overwrite: z
      .boolean()
      .default(false)
      .meta({ description: 'Replace the copy made earlier in a space, instead of reporting a conflict there.' }),
  })
  .meta({ id: 'copy_connector_to_space_request' });

const copyResponse = z
  .object({
    results: z.array(
      z.object({
        space_id: z.string(),
        id: z.string().meta({ description: "The copy's id in that space." }),
        status: z.enum(['created', 'overwritten', 'conflict', 'error']),
        message: z.string().optional(),
      }),
    ),
  })
  .meta({ id: 'copy_connector_to_space_response' });

export function copyToSpaceRoutes(deps: ConnectorTransferDeps): RouteSpec[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/api/actions/connector/:id/_copy_to_space',
      operationId: 'copyConnectorToSpace',
      audit: { action: 'connector_copy_to_space', object: 'action' },
      summary: 'Copy a connector, secrets included, into other spaces (Plugboard)',
      tags: ['connectors'],
      access: 'public',
      params: z.strictObject({ id: z.string().min(1).meta({ description: 'The connector identifier.' }) }),
      body: copyBody,
      responses: {
        200: { description: 'One result per space', schema: copyResponse },
        ...errorResponses(400, 401, 403, 404),
      },
      async handler({ params, body, scope }) {
        return { body: await copyToSpaces(deps, scope, params.id, body) };
      },
    }),
  ];
}
