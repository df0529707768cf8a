import { forbidden } from '../common/errors.js';
import type { RolesRepository } from '../storage/roles_repository.js';
import { SUPERUSER_ROLE, type Principal } from './principal.js';
import { actionsPrivilegeIn, canAccessSpace, casesGrantIn, type CasesGrant, canManageSpaces, canMonitor, endpointSecurityIn, rulesPrivilegeIn, type Privilege, type RoleDefinition } from './roles.js';

/** The connector operations that Kibana's actions authorization distinguishes. */
export type ActionsOperation = 'create' | 'get' | 'update' | 'delete' | 'execute';

/** Decides whether a principal may perform an operation on connectors in a space. */
export interface ActionsAuthorizer {
  ensureAuthorized(principal: Principal, spaceId: string, operation: ActionsOperation, typeId?: string): Promise<void>;
  /**
   * Running an endpoint-security (EDR) type's sub-action that acts beyond reading: `all` on
   * connectors and Kibana's `endpoint_security_execute` sub-feature privilege, both in the space.
   */
  ensureEndpointSecurityAuthorized(principal: Principal, spaceId: string, typeId: string): Promise<void>;
}

export function unauthorized(operation: ActionsOperation, typeId?: string) {
  return forbidden(typeId ? `Unauthorized to ${operation} a "${typeId}" action` : `Unauthorized to ${operation} actions`);
}

/** What each operation needs: reading (and running) needs `read`, changing needs `all`. */
const NEEDS: Record<ActionsOperation, Privilege> = { get: 'read', execute: 'read', create: 'all', update: 'all', delete: 'all' };

/** The rule operations of Kibana's alerting authorization. */
export type RulesOperation =
  | 'create'
  | 'get'
  | 'find'
  | 'update'
  | 'delete'
  | 'enable'
  | 'disable'
  | 'muteAll'
  | 'unmuteAll'
  | 'muteAlert'
  | 'unmuteAlert'
  | 'updateApiKey'
  | 'runSoon';

const READ_RULE_OPERATIONS: RulesOperation[] = ['get', 'find'];

/** Decides whether a principal may perform an operation on rules in a space. */
export interface RulesAuthorizer {
  rulesPrivilegeIn(principal: Principal, spaceId: string): Promise<Privilege | undefined>;
  ensureRulesAuthorized(principal: Principal, spaceId: string, operation: RulesOperation, ruleTypeId?: string, consumer?: string): Promise<void>;
}

/** Kibana's alerting authorization messages; without a rule (no privilege at all), the operation alone. */
export function unauthorizedRule(operation: RulesOperation, ruleTypeId?: string, consumer?: string) {
  if (operation === 'find') return forbidden('Unauthorized to find rules for any rule types');
  if (!ruleTypeId) return forbidden(`Unauthorized to ${operation} rules`);
  return forbidden(`Unauthorized by "${consumer}" to ${operation} "${ruleTypeId}" rule`);
}

function lesser(a: Privilege | undefined, b: Privilege | undefined): Privilege | undefined {
  return a === 'all' ? b : b && a;
}

/**
 * Kibana's actions authorization over roles (reference §6): a principal's roles grant `read` or
 * `all` on connectors per space, through a base privilege or the `actions` feature privilege;
 * `superuser` grants everything everywhere.
 */
export class RoleAuthorizer implements ActionsAuthorizer, RulesAuthorizer {
  constructor(private readonly roles: RolesRepository) {}

  // An API key with role descriptors (`limitedBy`) gets what both they and its owner's roles
  // grant, as Elasticsearch intersects a key's privileges with its owner's.

  /** The privilege the principal has on connectors in a space, if any. */
  privilegeIn(principal: Principal, spaceId: string): Promise<Privilege | undefined> {
    return this.grantedBy(principal, (roles) => actionsPrivilegeIn(roles, spaceId));
  }

  /** The privilege the principal has on rules in a space, if any (`stackAlerts` feature or a base privilege). */
  rulesPrivilegeIn(principal: Principal, spaceId: string): Promise<Privilege | undefined> {
    return this.grantedBy(principal, (roles) => rulesPrivilegeIn(roles, spaceId));
  }

  async ensureRulesAuthorized(principal: Principal, spaceId: string, operation: RulesOperation, ruleTypeId?: string, consumer?: string): Promise<void> {
    const held = await this.rulesPrivilegeIn(principal, spaceId);
    const needed: Privilege = READ_RULE_OPERATIONS.includes(operation) ? 'read' : 'all';
    if (!held || (needed === 'all' && held !== 'all')) throw unauthorizedRule(operation, ruleTypeId, consumer);
  }

  private async grantedBy(principal: Principal, privilegeOf: (roles: RoleDefinition[]) => Privilege | undefined): Promise<Privilege | undefined> {
    const own = principal.roles.includes(SUPERUSER_ROLE) ? 'all' : privilegeOf(await this.roles.getMany(principal.roles));
    return principal.limitedBy ? lesser(own, privilegeOf(principal.limitedBy)) : own;
  }

  /** What the principal may do with one owner's cases in a space (its roles, and its key's if any). */
  async casesGrantIn(principal: Principal, spaceId: string, owner: string): Promise<CasesGrant> {
    if (principal.roles.includes(SUPERUSER_ROLE) && !principal.limitedBy) return { read: true, write: true, delete: true, comment: true, settings: true };
    const own = principal.roles.includes(SUPERUSER_ROLE) ? undefined : casesGrantIn(await this.roles.getMany(principal.roles), spaceId, owner);
    const key = principal.limitedBy ? casesGrantIn(principal.limitedBy, spaceId, owner) : undefined;
    if (!own) return key!;
    if (!key) return own;
    return { read: own.read && key.read, write: own.write && key.write, delete: own.delete && key.delete, comment: own.comment && key.comment, settings: own.settings && key.settings };
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

  /** Whether the principal holds the endpoint-security sub-feature privilege in a space (both its roles and its key's, if any). */
  async endpointSecurityIn(principal: Principal, spaceId: string): Promise<boolean> {
    const own = principal.roles.includes(SUPERUSER_ROLE) || endpointSecurityIn(await this.roles.getMany(principal.roles), spaceId);
    return own && (!principal.limitedBy || endpointSecurityIn(principal.limitedBy, spaceId));
  }

  async ensureEndpointSecurityAuthorized(principal: Principal, spaceId: string, typeId: string): Promise<void> {
    // Kibana's message for the missing sub-feature is its execute refusal, naming the type.
    if ((await this.privilegeIn(principal, spaceId)) !== 'all' || !(await this.endpointSecurityIn(principal, spaceId))) throw unauthorized('execute', typeId);
  }

  async ensureAuthorized(principal: Principal, spaceId: string, operation: ActionsOperation, typeId?: string): Promise<void> {
    const held = await this.privilegeIn(principal, spaceId);
    const needed = NEEDS[operation];
    if (!held || (needed === 'all' && held !== 'all')) throw unauthorized(operation, typeId);
  }
}
