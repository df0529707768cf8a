import { hashPassword } from '../../src/security/passwords.js';
import { RolesRepository } from '../../src/storage/roles_repository.js';
import { UsersRepository } from '../../src/storage/users_repository.js';
import type { TestPlugboard } from './plugboard.js';

// Users of the Cases tests: each with roles of feature privileges in every space, calling the
// API with basic authentication, and Kibana's error bodies they are answered.

const PASSWORD = 'a-test-password';

/** Roles most Cases tests use: all, read and minimal_all of one owner each, and none of cases. */
export const CASE_ROLES: Record<string, Record<string, string[]>> = {
  'general-all': { generalCasesV3: ['all'] },
  'general-read': { generalCases: ['read'] },
  'obs-minimal': { observabilityCasesV2: ['minimal_all'] },
  'actions-only': { actions: ['all'] },
};
export const CASE_USERS: Record<string, string[]> = { general: ['general-all'], 'general-reader': ['general-read'], obs: ['obs-minimal'], connectors: ['actions-only'] };

/** Stores the roles (name → feature privileges, in every space) and the users holding them. */
export async function seedCaseUsers(pb: TestPlugboard, roles: Record<string, Record<string, string[]>>, users: Record<string, string[]>): Promise<void> {
  const rolesRepository = new RolesRepository(pb.plugboard.database.db);
  const usersRepository = new UsersRepository(pb.plugboard.database.db);
  for (const [name, feature] of Object.entries(roles)) await rolesRepository.put({ name, kibana: [{ base: [], feature, spaces: ['*'] }], elasticsearch: {}, metadata: {} });
  const passwordHash = await hashPassword(PASSWORD);
  for (const [username, userRoles] of Object.entries(users)) {
    await usersRepository.insertIfAbsent({ username, passwordHash, roles: userRoles, enabled: true, fullName: `${username} full`, email: `${username}@example.com` });
  }
}

/** Calls the API as one of the seeded users. */
export const asCaseUser = (pb: TestPlugboard, username: string) => (method: string, url: string, body?: unknown) =>
  pb.api(method, url, body, { headers: { authorization: `Basic ${Buffer.from(`${username}:${PASSWORD}`).toString('base64')}` } });

const REASONS: Record<number, string> = { 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 406: 'Not Acceptable', 409: 'Conflict' };

/** Kibana's error body. */
export const caseError = (status: number, message: string) => ({ statusCode: status, error: REASONS[status], message });
