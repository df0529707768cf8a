import { forbidden } from '../common/errors.js';
import type { RolesRepository } from '../storage/roles_repository.js';
import { SUPERUSER_ROLE, type Principal } from './principal.js';
import { actionsPrivilegeIn, canAccessSpace, canManageSpaces, canMonitor, type Privilege } from './roles.js';

/** The connector operations that Kibana's actions authorization distinguishes. */
export type ActionsOperation = 'create' | 'get' | 'update' | 'delete' | 'execute';

/** Decides whether a principal may perform an operation on connectors in a space. */
export interface ActionsAuthorizer {
  ensureAuthorized(principal: Principal, spaceId: string, operation: ActionsOperation, typeId?: string): Promise<void>;
}

export function unauthorized(operation: ActionsOperation, typeId?: string) {
  return forbidden(typeId ? `Unauthorized to ${operation} a "${typeId}" action` : `Unauthorized to ${operation} actions`);
}

/** What each operation needs: reading (and running) needs `read`, changing needs `all`. */
const NEEDS: Record<ActionsOperation, Privilege> = { get: 'read', execute: 'read', create: 'all', update: 'all', delete: 'all' };

function lesser(a: Privilege | undefined, b: Privilege | undefined): Privilege | undefined {
  return a === 'all' ? b : b && a;
}

/**
 * Kibana's actions authorization over roles (reference §6): a principal's roles grant `read` or
 * `all` on connectors per space, through a base privilege or the `actions` feature privilege;
 * `superuser` grants everything everywhere.
 */
export class RoleAuthorizer implements ActionsAuthorizer {
  constructor(private readonly roles: RolesRepository) {}

  // An API key with role descriptors (`limitedBy`) gets what both they and its owner's roles
  // grant, as Elasticsearch intersects a key's privileges with its owner's.

  /** The privilege the principal has on connectors in a space, if any. */
  async privilegeIn(principal: Principal, spaceId: string): Promise<Privilege | undefined> {
    const own = principal.roles.includes(SUPERUSER_ROLE) ? 'all' : actionsPrivilegeIn(await this.roles.getMany(principal.roles), spaceId);
    return principal.limitedBy ? lesser(own, actionsPrivilegeIn(principal.limitedBy, spaceId)) : own;
  }

  /** Whether the principal may see a space at all. */
  async canAccessSpace(principal: Principal, spaceId: string): Promise<boolean> {
    const own = principal.roles.includes(SUPERUSER_ROLE) || canAccessSpace(await this.roles.getMany(principal.roles), spaceId);
    return own && (!principal.limitedBy || canAccessSpace(principal.limitedBy, spaceId));
  }

  async canManageSpaces(principal: Principal): Promise<boolean> {
    const own = principal.roles.includes(SUPERUSER_ROLE) || canManageSpaces(await this.roles.getMany(principal.roles));
    return own && (!principal.limitedBy || canManageSpaces(principal.limitedBy));
  }

  /** Whether the principal may read the metrics (`GET /metrics`). */
  async canMonitor(principal: Principal): Promise<boolean> {
    const own = principal.roles.includes(SUPERUSER_ROLE) || canMonitor(await this.roles.getMany(principal.roles));
    return own && (!principal.limitedBy || canMonitor(principal.limitedBy));
  }

  async ensureAuthorized(principal: Principal, spaceId: string, operation: ActionsOperation, typeId?: string): Promise<void> {
    const held = await this.privilegeIn(principal, spaceId);
    const needed = NEEDS[operation];
    if (!held || (needed === 'all' && held !== 'all')) throw unauthorized(operation, typeId);
  }
}
