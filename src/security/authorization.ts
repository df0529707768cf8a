import { forbidden } from '../common/errors.js';
import { SUPERUSER_ROLE, type Principal } from './principal.js';

/** The connector operations that Kibana's actions authorization distinguishes. */
export type ActionsOperation = 'create' | 'get' | 'update' | 'delete' | 'execute';

/**
 * Decides whether a principal may perform an operation on connectors in a space. This is the
 * seam that roles and per-space privileges plug into; until then only superusers pass.
 */
export interface ActionsAuthorizer {
  ensureAuthorized(principal: Principal, spaceId: string, operation: ActionsOperation, typeId?: string): Promise<void>;
}

export function unauthorized(operation: ActionsOperation, typeId?: string) {
  return forbidden(typeId ? `Unauthorized to ${operation} a "${typeId}" action` : `Unauthorized to ${operation} actions`);
}

export class SuperuserAuthorizer implements ActionsAuthorizer {
  async ensureAuthorized(principal: Principal, _spaceId: string, operation: ActionsOperation, typeId?: string): Promise<void> {
    if (!principal.roles.includes(SUPERUSER_ROLE)) throw unauthorized(operation, typeId);
  }
}
