import { z } from 'zod';
import { ensureCanManage, type SecurityResource } from '../../security/manage_security.js';
import type { RolesService } from '../../security/roles_service.js';
import { elasticsearchName, MAX_NATIVE_NAME_LENGTH, MAX_ROLE_DESCRIPTION_LENGTH, roleDescription } from '../../security/names.js';
import { ACTIONS_FEATURE, ACTIONS_FEATURE_PRIVILEGES, kibanaPrivilegeSchema } from '../../security/roles.js';
import type { UsersService } from '../../security/users_service.js';
import { defineRoute, type RouteContext, type RouteSpec } from '../route.js';
import type { SessionCookies } from '../session_cookies.js';
import { errorResponses } from '../schemas.js';
import { SPACE_ID_PATTERN } from './spaces.js';

// Users (Plugboard's own routes, in the shapes of Elasticsearch's user API) and roles (Kibana's
// role API). Both are global: the same under every `/s/{space_id}`, and only for superusers.

/** Free-form metadata; keys starting with `_` are reserved, as in Elasticsearch. */
export const metadataSchema = z
  .record(z.string(), z.unknown())
  .superRefine((value, ctx) => {
    for (const key of Object.keys(value)) {
      if (key.startsWith('_')) ctx.addIssue({ code: 'custom', path: [key], message: 'metadata keys may not start with [_]' });
    }
  })
  .default({})
  .meta({ description: 'Free-form; keys starting with `_` are reserved.' });

// ---------------------------------------------------------------------------------------------
// Users
// ---------------------------------------------------------------------------------------------

const usernameParam = z.strictObject({ username: z.string().min(1) });
/** Elasticsearch's rule, and no `:`, which Basic credentials cannot carry. */
const newUsernameParam = z.strictObject({
  username: elasticsearchName('User', MAX_NATIVE_NAME_LENGTH).refine((name) => !name.includes(':'), "must not contain ':', which Basic credentials cannot carry"),
});

const passwordSchema = z.string().min(6).meta({ description: 'At least 6 characters. Only its scrypt hash is stored.' });

const putUserBody = z
  .strictObject({
    password: passwordSchema.optional().meta({ description: 'Required to create a user; when updating, the password is kept if omitted.' }),
    roles: z.array(z.string().min(1)).meta({ description: 'Role names; unknown roles are kept but grant nothing.' }),
    full_name: z.string().nullable().optional(),
    email: z.string().nullable().optional(),
    metadata: metadataSchema,
    enabled: z.boolean().default(true).meta({ description: 'A disabled user cannot authenticate. PUT replaces it too: it defaults to true.' }),
  })
  .meta({ id: 'put_user_request' });

export const userResponse = z
  .object({
    username: z.string(),
    roles: z.array(z.string()),
    full_name: z.string().nullable(),
    email: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    enabled: z.boolean(),
  })
  .meta({ id: 'user_response' });

const usersResponse = z.record(z.string(), userResponse).meta({ description: 'Users by username, as Elasticsearch answers.' });
const emptyResponse = z.object({}).meta({ description: 'An empty object, as Elasticsearch answers.' });

function userRoutes(users: UsersService, sessions: SessionCookies): RouteSpec[] {
  const tags = ['security'];
  const errors = errorResponses(400, 401, 403, 404);
  const setEnabled =
    (enabled: boolean) =>
    async ({ params, scope }: RouteContext<z.infer<typeof usernameParam>, unknown, unknown>) => {
      await users.setEnabled(params.username, enabled, scope.principal.username);
      return { body: {} };
    };
  return [
    defineRoute({
      method: 'GET',
      url: '/api/security/user',
      operationId: 'getUsers',
      summary: 'List users',
      tags,
      access: 'public',
      responses: { 200: { description: 'Every user', schema: usersResponse }, ...errorResponses(401, 403) },
      async handler() {
        return { body: Object.fromEntries((await users.list()).map((u) => [u.username, u])) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/security/user/:username',
      operationId: 'getUser',
      summary: 'Get a user',
      tags,
      access: 'public',
      params: usernameParam,
      responses: { 200: { description: 'The user, keyed by username', schema: usersResponse }, ...errorResponses(401, 403, 404) },
      async handler({ params }) {
        const user = await users.get(params.username);
        return { body: { [user.username]: user } };
      },
    }),
    defineRoute({
      method: 'PUT',
      url: '/api/security/user/:username',
      operationId: 'putUser',
      audit: { action: 'user_put', object: 'user' },
      summary: 'Create or update a user',
      tags,
      access: 'public',
      params: newUsernameParam,
      body: putUserBody,
      responses: {
        200: { description: 'Whether the user was created', schema: z.object({ created: z.boolean() }) },
        ...errorResponses(400, 401, 403),
      },
      async handler({ params, body, request }) {
        const result = await users.put(params.username, body);
        if (body.password !== undefined) await sessions.keepAfterPasswordChange(request, params.username);
        return { body: result };
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/security/user/:username',
      operationId: 'deleteUser',
      audit: { action: 'user_delete', object: 'user' },
      summary: 'Delete a user',
      tags,
      access: 'public',
      params: usernameParam,
      responses: {
        200: { description: 'Deleted', schema: z.object({ found: z.literal(true) }) },
        404: { description: 'No such user, answered as Elasticsearch does', schema: z.object({ found: z.literal(false) }) },
        ...errorResponses(400, 401, 403),
      },
      async handler({ params }) {
        const found = await users.delete(params.username);
        return { status: found ? 200 : 404, body: { found } };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/security/user/:username/_password',
      operationId: 'changeUserPassword',
      audit: { action: 'user_password_change', object: 'user' },
      summary: 'Change a user password: the old one stops working at once',
      tags,
      access: 'public',
      params: usernameParam,
      body: z.strictObject({ password: passwordSchema }),
      responses: { 200: { description: 'Changed', schema: emptyResponse }, ...errors },
      async handler({ params, body, request }) {
        await users.changePassword(params.username, body.password);
        await sessions.keepAfterPasswordChange(request, params.username);
        return { body: {} };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/security/user/:username/_disable',
      operationId: 'disableUser',
      audit: { action: 'user_disable', object: 'user' },
      summary: 'Disable a user: their credentials stop working at once',
      tags,
      access: 'public',
      params: usernameParam,
      responses: { 200: { description: 'Disabled', schema: emptyResponse }, ...errors },
      handler: setEnabled(false),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/security/user/:username/_enable',
      operationId: 'enableUser',
      audit: { action: 'user_enable', object: 'user' },
      summary: 'Enable a user',
      tags,
      access: 'public',
      params: usernameParam,
      responses: { 200: { description: 'Enabled', schema: emptyResponse }, ...errors },
      handler: setEnabled(true),
    }),
  ];
}

// ---------------------------------------------------------------------------------------------
// Roles
// ---------------------------------------------------------------------------------------------

/** Kibana's checks on top of the entry's shape: `["*"]` or space ids; `actions` takes its feature's privilege names. */
const kibanaEntrySchema = kibanaPrivilegeSchema.superRefine((entry, ctx) => {
  if (entry.spaces.includes('*') && entry.spaces.length > 1) {
    ctx.addIssue({ code: 'custom', path: ['spaces'], message: 'must be ["*"] alone or a list of space ids' });
  }
  entry.spaces.forEach((space, i) => {
    if (space !== '*' && !SPACE_ID_PATTERN.test(space)) {
      ctx.addIssue({ code: 'custom', path: ['spaces', i], message: "must be lower case, a-z, 0-9, '_', and '-' are allowed" });
    }
  });
  (entry.feature[ACTIONS_FEATURE] ?? []).forEach((privilege, i) => {
    if (!(ACTIONS_FEATURE_PRIVILEGES as readonly string[]).includes(privilege)) {
      ctx.addIssue({ code: 'custom', path: ['feature', ACTIONS_FEATURE, i], message: `expected value to equal [${ACTIONS_FEATURE_PRIVILEGES.join(' | ')}]` });
    }
  });
});

const strings = () => z.array(z.string().min(1));
const indexPrivilegeFields = {
  names: strings().min(1),
  privileges: strings().min(1),
  field_security: z.strictObject({ grant: z.array(z.string()).optional(), except: z.array(z.string()).optional() }).optional(),
  query: z.string().optional(),
  allow_restricted_indices: z.boolean().optional(),
};

export const elasticsearchPrivileges = z
  .strictObject({
    cluster: strings().optional(),
    indices: z.array(z.strictObject(indexPrivilegeFields)).optional(),
    remote_indices: z.array(z.strictObject({ ...indexPrivilegeFields, clusters: strings().min(1) })).optional(),
    remote_cluster: z.array(z.strictObject({ privileges: strings().min(1), clusters: strings().min(1) })).optional(),
    run_as: strings().optional(),
  })
  .meta({
    description:
      'Elasticsearch privileges, kept and shown as given. Plugboard grants by one only: the `monitor` cluster privilege (or `manage` or `all`, which include it) reads `GET /metrics`.',
  });

export const putRoleBody = z
  .strictObject({
    description: roleDescription.optional().meta({ description: `Up to ${MAX_ROLE_DESCRIPTION_LENGTH} characters.` }),
    elasticsearch: elasticsearchPrivileges.default({}),
    kibana: z.array(kibanaEntrySchema).default([]).meta({ description: 'Kibana privileges, each over a list of spaces.' }),
    metadata: metadataSchema,
  })
  .meta({ id: 'put_role_request' });

const roleResponse = z
  .object({
    name: z.string(),
    description: z.string().optional(),
    metadata: z.record(z.string(), z.unknown()),
    transient_metadata: z.object({ enabled: z.boolean() }),
    elasticsearch: z.record(z.string(), z.unknown()),
    kibana: z.array(kibanaPrivilegeSchema),
    _transform_error: z.array(z.string()),
    _unrecognized_applications: z.array(z.string()),
  })
  .meta({ id: 'role_response' });

/** Looking up or deleting takes any name, so that roles stored before the rules stay reachable. */
const roleNameParam = z.strictObject({ name: z.string().min(1) });
const newRoleNameParam = z.strictObject({ name: elasticsearchName('Role', MAX_NATIVE_NAME_LENGTH) });

function roleRoutes(roles: RolesService): RouteSpec[] {
  const tags = ['roles'];
  const errors = errorResponses(400, 401, 403, 404);
  return [
    defineRoute({
      method: 'GET',
      url: '/api/security/role',
      operationId: 'getRoles',
      summary: 'List roles, the built-in ones included',
      tags,
      responses: { 200: { description: 'Every role, by name', schema: z.array(roleResponse) }, ...errorResponses(401, 403) },
      async handler() {
        return { body: await roles.list() };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/security/role/:name',
      operationId: 'getRole',
      summary: 'Get a role',
      tags,
      params: roleNameParam,
      responses: { 200: { description: 'The role', schema: roleResponse }, ...errors },
      async handler({ params }) {
        return { body: await roles.get(params.name) };
      },
    }),
    defineRoute({
      method: 'PUT',
      url: '/api/security/role/:name',
      operationId: 'putRole',
      audit: { action: 'role_put', object: 'role' },
      summary: 'Create or update a role',
      tags,
      params: newRoleNameParam,
      body: putRoleBody,
      responses: { 204: { description: 'Saved' }, ...errorResponses(400, 401, 403) },
      async handler({ params, body }) {
        await roles.put(params.name, body);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/security/role/:name',
      operationId: 'deleteRole',
      audit: { action: 'role_delete', object: 'role' },
      summary: 'Delete a role',
      tags,
      params: roleNameParam,
      responses: { 204: { description: 'Deleted' }, ...errors },
      async handler({ params }) {
        await roles.delete(params.name);
        return { status: 204 };
      },
    }),
  ];
}

/** Puts the superuser check in front of a route's handler. */
function managing(resource: SecurityResource, spec: RouteSpec): RouteSpec {
  return {
    ...spec,
    async handler(ctx) {
      ensureCanManage(ctx.scope.principal, resource);
      return spec.handler(ctx);
    },
  };
}

/** A password change ends the user's other browser sessions; `sessions` keeps the one that made it. */
export function securityRoutes(deps: { users: UsersService; roles: RolesService; sessions: SessionCookies }): RouteSpec[] {
  return [
    ...userRoutes(deps.users, deps.sessions).map((spec) => managing('users', spec)),
    ...roleRoutes(deps.roles).map((spec) => managing('roles', spec)),
  ];
}
