import { z } from 'zod';
import { parseDuration } from '../../config/units.js';
import { API_KEY_REALM, type ApiKeysService, type CreateApiKeyInput } from '../../security/api_keys.js';
import { apiKeyName, elasticsearchName, MAX_ROLE_DESCRIPTOR_NAME_LENGTH, roleDescription } from '../../security/names.js';
import { defineRoute, type RouteSpec } from '../route.js';
import { errorResponses, queryFlag } from '../schemas.js';
import { elasticsearchPrivileges, metadataSchema, putRoleBody } from './security.js';

// API keys (Plugboard's own routes, in the shapes of Elasticsearch's create, get and invalidate
// API key APIs). Global like users: the same under every `/s/{space_id}`.

/** Keeps the expiration time (epoch ms) far inside what a number and a bigint column hold. */
const MAX_EXPIRATION_MS = 1e15;

/** A time value with a unit, as Elasticsearch's `expiration`; to milliseconds. */
const expiration = z
  .string()
  .transform((value, ctx) => {
    const ms = /[a-z]\s*$/i.test(value) ? parseDuration(value) : undefined;
    if (!ms || ms > MAX_EXPIRATION_MS) {
      ctx.addIssue({ code: 'custom', message: `expected a time value such as "1d", "12h", "30m" or "45s", got ${JSON.stringify(value)}` });
      return z.NEVER;
    }
    return ms;
  })
  .meta({ description: 'How long the key lives, e.g. `1d`, `12h`, `30m` (units `d`, `h`, `m`, `s`, `ms`). Omitted: the key does not expire.' });

const descriptorName = elasticsearchName('Role', MAX_ROLE_DESCRIPTOR_NAME_LENGTH);
const keyName = apiKeyName.meta({ description: 'Up to 256 characters, without control characters, leading or trailing spaces or a leading `_`; need not be unique.' });
const kibanaRoleDescriptors = z.record(descriptorName, putRoleBody);

const createApiKeyBody = z
  .strictObject({
    name: keyName,
    expiration: expiration.optional(),
    role_descriptors: kibanaRoleDescriptors.default({}).meta({
      description:
        'Kibana role bodies by name. The key gets no more than both they and its owner grant; omitted or empty: the key has its owner\'s privileges.',
    }),
    metadata: metadataSchema,
  })
  .meta({ id: 'create_api_key_request' });

/**
 * An Elasticsearch role descriptor: Plugboard keeps its Elasticsearch privileges. Kibana's
 * privileges in Elasticsearch's form (`applications`) are refused rather than dropped, so that
 * no key silently lacks what its creator meant it to have; `kibana_role_descriptors` takes them.
 */
const elasticsearchRoleDescriptor = elasticsearchPrivileges.extend({
  applications: z
    .array(z.unknown())
    .optional()
    .refine((entries) => !entries?.length, 'Kibana privileges cannot be given as application privileges here; give them in kibana_role_descriptors'),
  description: roleDescription.optional(),
  metadata: metadataSchema,
});

/** Kibana's internal create body: a `rest` key with Elasticsearch or Kibana role descriptors. */
const internalCreateApiKeyBody = z
  .strictObject({
    type: z.enum(['rest', 'cross_cluster']).optional().meta({ description: '`rest` (the default); `cross_cluster` keys need remote clusters, which Plugboard has not.' }),
    name: keyName,
    expiration: expiration.optional(),
    role_descriptors: z
      .record(descriptorName, elasticsearchRoleDescriptor)
      .optional()
      .meta({ description: 'Elasticsearch role descriptors by name: their Elasticsearch privileges (e.g. `cluster: ["monitor"]`) and no Kibana privilege.' }),
    kibana_role_descriptors: kibanaRoleDescriptors
      .optional()
      .meta({ description: 'Kibana role bodies (`elasticsearch`, `kibana`) by name, as `role_descriptors` of `POST /api/security/api_key`.' }),
    metadata: metadataSchema,
    access: z.unknown().optional().meta({ description: "A `cross_cluster` key's access; such keys are refused." }),
  })
  .superRefine((body, ctx) => {
    if (body.type === 'cross_cluster') ctx.addIssue({ code: 'custom', path: ['type'], message: 'cross-cluster API keys are not supported: Plugboard has no remote clusters' });
    if (body.role_descriptors && body.kibana_role_descriptors) {
      ctx.addIssue({ code: 'custom', path: ['kibana_role_descriptors'], message: 'only one of [role_descriptors, kibana_role_descriptors] can be specified' });
    }
  })
  .transform(({ name, expiration: lifetime, metadata, role_descriptors: es, kibana_role_descriptors: kibana }) => ({
    name,
    expiration: lifetime,
    metadata,
    role_descriptors:
      kibana ??
      Object.fromEntries(
        Object.entries(es ?? {}).map(([roleName, { description, metadata: roleMetadata, applications: _none, ...privileges }]) => [
          roleName,
          { ...(description !== undefined ? { description } : {}), elasticsearch: privileges, kibana: [], metadata: roleMetadata },
        ]),
      ),
  }))
  .meta({ id: 'create_api_key_internal_request' });

const createApiKeyResponse = z
  .object({
    id: z.string(),
    name: z.string(),
    api_key: z.string().meta({ description: 'The key, shown only in this answer.' }),
    encoded: z.string().meta({ description: 'base64 of `id:api_key`: send `Authorization: ApiKey <encoded>`.' }),
    expiration: z.number().int().optional().meta({ description: 'When the key expires, in epoch milliseconds.' }),
  })
  .meta({ id: 'create_api_key_response' });

const getApiKeysQuery = z.strictObject({
  id: z.string().min(1).optional().meta({ description: 'The key with this id.' }),
  name: z.string().min(1).optional().meta({ description: 'Keys of this name, or with this prefix when it ends with `*`.' }),
  owner: queryFlag.meta({ description: "Only your own keys. Without it a superuser gets every user's keys; others get their own anyway." }),
  active_only: queryFlag.meta({ description: 'Only keys neither invalidated nor expired.' }),
});

const apiKeyResponse = z
  .object({
    id: z.string(),
    name: z.string(),
    creation: z.number().int().meta({ description: 'Epoch milliseconds.' }),
    expiration: z.number().int().optional().meta({ description: 'Epoch milliseconds; absent when the key does not expire.' }),
    invalidated: z.boolean(),
    invalidation: z.number().int().optional().meta({ description: 'When it was invalidated, in epoch milliseconds.' }),
    username: z.string().meta({ description: 'The owner.' }),
    realm: z.literal(API_KEY_REALM),
    metadata: z.record(z.string(), z.unknown()),
    role_descriptors: z.record(z.string(), z.record(z.string(), z.unknown())),
  })
  .meta({ id: 'api_key_response' });

const invalidateApiKeysBody = z
  .strictObject({
    ids: z.array(z.string().min(1)).min(1).optional().meta({ description: 'Key ids.' }),
    name: z.string().min(1).optional().meta({ description: 'A key name.' }),
    owner: z.boolean().default(false).meta({ description: 'Only your own keys; alone, all of them. Users other than superusers only reach their own keys anyway.' }),
  })
  .superRefine((body, ctx) => {
    if (body.ids && body.name !== undefined) ctx.addIssue({ code: 'custom', message: 'only one of [ids, name] can be specified' });
    if (!body.ids && body.name === undefined && !body.owner) ctx.addIssue({ code: 'custom', message: 'one of [ids, name] must be specified if [owner] is false' });
  })
  .meta({ id: 'invalidate_api_key_request' });

const invalidateApiKeysResponse = z
  .object({
    invalidated_api_keys: z.array(z.string()).meta({ description: 'Ids of the keys invalidated now.' }),
    previously_invalidated_api_keys: z.array(z.string()).meta({ description: 'Ids of the keys that were invalidated already.' }),
    error_count: z.number().int(),
  })
  .meta({ id: 'invalidate_api_key_response' });

/** A create route: the public one and Kibana's internal one differ only in their body. */
function createApiKeyRoute(
  keys: ApiKeysService,
  route: Pick<RouteSpec, 'url' | 'operationId' | 'summary' | 'access' | 'tags'> & { body: z.ZodType<CreateApiKeyInput, unknown> },
): RouteSpec {
  return defineRoute({
    method: 'POST',
    ...route,
    audit: { action: 'api_key_create', object: 'api_key' },
    responses: { 200: { description: 'The key, shown this once', schema: createApiKeyResponse }, ...errorResponses(400, 401, 403) },
    async handler({ body, scope }) {
      return { body: await keys.create(scope.principal, body) };
    },
  });
}

export function apiKeyRoutes(keys: ApiKeysService): RouteSpec[] {
  const tags = ['security'];
  return [
    createApiKeyRoute(keys, { url: '/api/security/api_key', operationId: 'createApiKey', summary: 'Create an API key for yourself', tags, access: 'public', body: createApiKeyBody }),
    createApiKeyRoute(keys, {
      url: '/internal/security/api_key',
      operationId: 'createApiKeyInternal',
      summary: "Create an API key for yourself, with Kibana's internal body (used by Kibana's UI and API tests)",
      tags,
      access: 'internal',
      body: internalCreateApiKeyBody,
    }),
    defineRoute({
      method: 'GET',
      url: '/api/security/api_key',
      operationId: 'getApiKeys',
      summary: 'List API keys: your own, or every user\'s for a superuser',
      tags,
      access: 'public',
      query: getApiKeysQuery,
      responses: { 200: { description: 'The keys, oldest first', schema: z.object({ api_keys: z.array(apiKeyResponse) }) }, ...errorResponses(400, 401) },
      async handler({ query, scope }) {
        const apiKeys = await keys.list(scope.principal, { id: query.id, name: query.name, owner: query.owner, activeOnly: query.active_only });
        return { body: { api_keys: apiKeys } };
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/security/api_key',
      operationId: 'invalidateApiKeys',
      summary: 'Invalidate API keys',
      tags,
      access: 'public',
      body: invalidateApiKeysBody,
      audit: { action: 'api_key_invalidate' },
      responses: { 200: { description: 'What was invalidated', schema: invalidateApiKeysResponse }, ...errorResponses(400, 401) },
      async handler({ body, scope }) {
        return { body: await keys.invalidate(scope.principal, body) };
      },
    }),
  ];
}
