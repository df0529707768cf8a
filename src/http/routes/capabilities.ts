import { z } from 'zod';
import type { Principal } from '../../security/principal.js';
import type { Privilege } from '../../security/roles.js';
import { defineRoute, type RouteSpec } from '../route.js';
import { errorResponses, queryFlag } from '../schemas.js';

/** The privilege a principal holds on connectors in a space (see RoleAuthorizer). */
export interface PrivilegeReader {
  privilegeIn(principal: Principal, spaceId: string): Promise<Privilege | undefined>;
  /** The privilege on rules in the space (Kibana's alerting feature). */
  rulesPrivilegeIn(principal: Principal, spaceId: string): Promise<Privilege | undefined>;
}

const actionsCapabilities = z
  .object({
    show: z.boolean().meta({ description: 'The connectors of the space can be listed and read.' }),
    execute: z.boolean().meta({ description: 'They can be run (tested).' }),
    save: z.boolean().meta({ description: 'Connectors can be created and changed.' }),
    delete: z.boolean().meta({ description: 'Connectors can be deleted.' }),
  })
  .meta({ id: 'actions_capabilities' });

const rulesCapabilities = z
  .object({
    show: z.boolean().meta({ description: 'The rules of the space can be listed and read (Plugboard).' }),
    save: z.boolean().meta({ description: 'Rules can be created, changed, enabled, muted and deleted.' }),
  })
  .meta({ id: 'rules_capabilities' });

const capabilitiesResponse = z
  .object({
    navLinks: z.record(z.string(), z.boolean()),
    management: z.record(z.string(), z.record(z.string(), z.boolean())),
    catalogue: z.record(z.string(), z.boolean()),
    actions: actionsCapabilities,
    rules: rulesCapabilities,
  })
  .meta({ id: 'capabilities_response' });

/** Kibana's `actions` feature: `read` grants the UI `show` and `execute`, `all` also `save` and `delete`. */
function actionsOf(privilege: Privilege | undefined): z.infer<typeof actionsCapabilities> {
  return { show: !!privilege, execute: !!privilege, save: privilege === 'all', delete: privilege === 'all' };
}

/**
 * Kibana's capabilities route: what the caller's UI may offer in the space of the request. Of
 * Kibana's features Plugboard has only `actions` (Stack Management > Connectors).
 */
export function capabilitiesRoutes(privileges: PrivilegeReader): RouteSpec[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/api/core/capabilities',
      operationId: 'resolveCapabilities',
      summary: 'What the caller may do in the space, as UI capabilities (used by the UI)',
      tags: ['capabilities'],
      query: z.strictObject({
        useDefaultCapabilities: queryFlag.meta({ description: 'The capabilities without the caller\'s privileges applied (everything Plugboard offers).' }),
      }),
      body: z.strictObject({ applications: z.array(z.string()).meta({ description: 'Application ids; Plugboard has none of its own, so they change nothing.' }) }),
      audit: false,
      responses: { 200: { description: 'The capabilities in the space of the request', schema: capabilitiesResponse }, ...errorResponses(400, 401) },
      async handler({ query, scope }) {
        const privilege = query.useDefaultCapabilities ? 'all' : await privileges.privilegeIn(scope.principal, scope.spaceId);
        const actions = actionsOf(privilege);
        const rulesPrivilege = query.useDefaultCapabilities ? 'all' : await privileges.rulesPrivilegeIn(scope.principal, scope.spaceId);
        const rules = { show: !!rulesPrivilege, save: rulesPrivilege === 'all' };
        const management = { insightsAndAlerting: { triggersActions: actions.show, triggersActionsConnectors: actions.show } };
        return { body: { navLinks: {}, management, catalogue: {}, actions, rules } };
      },
    }),
  ];
}
