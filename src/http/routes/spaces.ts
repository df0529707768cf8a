import { z } from 'zod';
import type { SpacesService } from '../../spaces/spaces_service.js';
import { DEFAULT_SPACE_ID } from '../../spaces/spaces_service.js';
import type { SpaceRecord } from '../../storage/spaces_repository.js';
import { forbidden } from '../../common/errors.js';
import type { Principal } from '../../security/principal.js';
import { defineRoute, type RouteSpec } from '../route.js';
import { errorResponses } from '../schemas.js';

export const SPACE_ID_PATTERN = /^[a-z0-9_-]+$/;

const spaceBody = z
  .strictObject({
    id: z
      .string()
      .min(1)
      .regex(SPACE_ID_PATTERN, "must be lower case, a-z, 0-9, '_', and '-' are allowed")
      .meta({ description: 'The space identifier, used in `/s/{space_id}` URLs.' }),
    name: z.string().min(1),
    description: z.string().optional(),
    initials: z.string().max(2).optional(),
    color: z.string().regex(/^#[a-zA-Z0-9]{6}$/, 'must be a 6 digit hex color, starting with #').optional(),
    disabledFeatures: z.array(z.string()).default([]),
    imageUrl: z.string().regex(/^data:image.*$/, 'Image URL should start with \'data:image\'').optional(),
    solution: z.enum(['security', 'oblt', 'es', 'classic']).optional(),
    _reserved: z.boolean().optional(),
  })
  .meta({ id: 'space' });

const spaceResponse = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().optional(),
    initials: z.string().optional(),
    color: z.string().optional(),
    disabledFeatures: z.array(z.string()),
    imageUrl: z.string().optional(),
    solution: z.string().optional(),
    _reserved: z.boolean().optional(),
  })
  .meta({ id: 'space_response' });

const idParam = z.strictObject({ id: z.string().min(1) });

function toResponse(space: SpaceRecord): z.infer<typeof spaceResponse> {
  return space.id === DEFAULT_SPACE_ID ? { ...space, _reserved: true } : { ...space };
}

function toRecord(body: z.infer<typeof spaceBody>): SpaceRecord {
  const { _reserved: _ignored, ...space } = body;
  return space;
}

const errors = errorResponses(400, 401, 403, 404);
const TAGS = ['spaces'];

/** Kibana's space privileges: seeing a space takes any privilege in it, changing spaces takes `all` everywhere. */
export interface SpacesAuthorizer {
  canAccessSpace(principal: Principal, spaceId: string): Promise<boolean>;
  canManageSpaces(principal: Principal): Promise<boolean>;
}

async function ensureManage(authorizer: SpacesAuthorizer, principal: Principal, verb: 'create' | 'update' | 'delete'): Promise<void> {
  if (!(await authorizer.canManageSpaces(principal))) throw forbidden(`Unauthorized to ${verb} spaces`);
}

export function spaceRoutes(spaces: SpacesService, authorizer: SpacesAuthorizer): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/spaces/space',
      operationId: 'getSpaces',
      summary: 'List spaces',
      tags: TAGS,
      responses: { 200: { description: 'The spaces', schema: z.array(spaceResponse) }, 401: errors[401] },
      async handler({ scope }) {
        const all = await spaces.list();
        const visible = await Promise.all(all.map((space) => authorizer.canAccessSpace(scope.principal, space.id)));
        return { body: all.filter((_, i) => visible[i]).map(toResponse) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/spaces/space/:id',
      operationId: 'getSpace',
      summary: 'Get a space',
      tags: TAGS,
      params: idParam,
      responses: { 200: { description: 'The space', schema: spaceResponse }, ...errors },
      async handler({ params, scope }) {
        if (!(await authorizer.canAccessSpace(scope.principal, params.id))) throw forbidden(`Unauthorized to get ${params.id} space`);
        return { body: toResponse(await spaces.get(params.id)) };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/spaces/space',
      operationId: 'createSpace',
      audit: { action: 'space_create', object: 'space' },
      summary: 'Create a space',
      tags: TAGS,
      body: spaceBody,
      responses: { 200: { description: 'The new space', schema: spaceResponse }, ...errors, ...errorResponses(409) },
      async handler({ body, scope }) {
        await ensureManage(authorizer, scope.principal, 'create');
        return { body: toResponse(await spaces.create(toRecord(body))) };
      },
    }),
    defineRoute({
      method: 'PUT',
      url: '/api/spaces/space/:id',
      operationId: 'updateSpace',
      audit: { action: 'space_update', object: 'space' },
      summary: 'Update a space',
      tags: TAGS,
      params: idParam,
      body: spaceBody,
      responses: { 200: { description: 'The updated space', schema: spaceResponse }, ...errors },
      async handler({ params, body, scope }) {
        await ensureManage(authorizer, scope.principal, 'update');
        return { body: toResponse(await spaces.update(params.id, toRecord(body))) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/spaces/space/:id',
      operationId: 'deleteSpace',
      audit: { action: 'space_delete', object: 'space' },
      summary: 'Delete a space and every connector in it',
      tags: TAGS,
      params: idParam,
      responses: { 204: { description: 'Deleted' }, ...errors },
      async handler({ params, scope }) {
        await ensureManage(authorizer, scope.principal, 'delete');
        await spaces.delete(params.id);
        return { status: 204 };
      },
    }),
  ];
}
