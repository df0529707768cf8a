import { forbidden } from '../common/errors.js';
import { SUPERUSER_ROLE, type Principal } from './principal.js';

/** What the security routes manage; each needs the `superuser` role. */
export type SecurityResource = 'users' | 'roles';

/** Users and roles are global: only a superuser may read or change them, in any space. */
export function ensureCanManage(principal: Principal, resource: SecurityResource): void {
  if (!principal.roles.includes(SUPERUSER_ROLE)) throw forbidden(`Unauthorized to manage ${resource}`);
}
