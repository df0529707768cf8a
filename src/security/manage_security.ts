import { forbidden } from '../common/errors.js';
import { isSuperuser, type Principal } from './principal.js';

/** What the security routes manage; each needs the `superuser` role. */
export type SecurityResource = 'users' | 'roles' | 'the audit log';

/** Users, roles and the audit log are global: only a superuser may read or change them, in any space. */
export function ensureCanManage(principal: Principal, resource: SecurityResource): void {
  if (!isSuperuser(principal)) throw forbidden(`Unauthorized to ${resource === 'the audit log' ? 'read' : 'manage'} ${resource}`);
}
