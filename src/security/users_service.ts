import { badRequest, notFound } from '../common/errors.js';
import type { UserRecord, UsersRepository } from '../storage/users_repository.js';
import { BOOTSTRAP_USER, type Authenticator } from './authentication.js';
import { hashPassword } from './passwords.js';

/** A user as the API shows it, in Elasticsearch's shape: never a password or its hash. */
export interface UserView {
  username: string;
  roles: string[];
  full_name: string | null;
  email: string | null;
  metadata: Record<string, unknown>;
  enabled: boolean;
}

/** The body of a create-or-update, as Elasticsearch's PUT user. */
export interface UserInput {
  password?: string;
  roles: string[];
  full_name?: string | null;
  email?: string | null;
  metadata: Record<string, unknown>;
  enabled: boolean;
}

const userNotFound = (username: string) => notFound(`user [${username}] not found`);

/**
 * Users of the native realm, managed as Elasticsearch manages them. Passwords are stored only as
 * scrypt hashes. Every change of credentials, roles or enabled state makes the authenticator
 * forget what it cached about the user, so the change applies to the very next request.
 */
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly authenticator: Pick<Authenticator, 'forgetUser'>,
  ) {}

  async list(): Promise<UserView[]> {
    return (await this.users.list()).map(toView);
  }

  async get(username: string): Promise<UserView> {
    const user = await this.users.get(username);
    if (!user) throw userNotFound(username);
    return toView(user);
  }

  /**
   * Creates the user, or replaces its fields (keeping the password when none is given), as
   * Elasticsearch's PUT user does. Resolves to whether the user was created.
   */
  async put(username: string, input: UserInput): Promise<{ created: boolean }> {
    if (username === BOOTSTRAP_USER) throw badRequest(`user [${BOOTSTRAP_USER}] is reserved and only the password can be changed`);
    const fields = { roles: input.roles, fullName: input.full_name ?? null, email: input.email ?? null, metadata: input.metadata, enabled: input.enabled };
    const passwordHash = input.password === undefined ? undefined : await hashPassword(input.password);
    // Insert first: of two concurrent creates, the second then updates what the first made.
    if (passwordHash !== undefined && (await this.users.insertIfAbsent({ username, passwordHash, ...fields }))) return { created: true };
    if (!(await this.users.update(username, { ...fields, passwordHash }))) {
      throw badRequest('[request body.password]: a password is required to create a user');
    }
    this.authenticator.forgetUser(username);
    return { created: false };
  }

  async changePassword(username: string, password: string): Promise<void> {
    if (!(await this.users.setPasswordHash(username, await hashPassword(password)))) throw userNotFound(username);
    this.authenticator.forgetUser(username);
  }

  /** `actor` is who asks: as in Elasticsearch, nobody may change their own enabled state. */
  async setEnabled(username: string, enabled: boolean, actor: string): Promise<void> {
    if (!enabled && username === BOOTSTRAP_USER) throw badRequest(`user [${BOOTSTRAP_USER}] is the bootstrap superuser and cannot be disabled`);
    if (username === actor) throw badRequest('users may not update the enabled status of their own account');
    if (!(await this.users.setEnabled(username, enabled))) throw userNotFound(username);
    this.authenticator.forgetUser(username);
  }

  /** Resolves to whether the user existed. */
  async delete(username: string): Promise<boolean> {
    if (username === BOOTSTRAP_USER) throw badRequest(`user [${BOOTSTRAP_USER}] is reserved and cannot be deleted`);
    const found = await this.users.delete(username);
    this.authenticator.forgetUser(username);
    return found;
  }
}

function toView(user: UserRecord): UserView {
  return {
    username: user.username,
    roles: user.roles,
    full_name: user.fullName ?? null,
    email: user.email ?? null,
    // The bootstrap user is reserved, as Elasticsearch marks its built-in users.
    metadata: user.username === BOOTSTRAP_USER ? { ...user.metadata, _reserved: true } : (user.metadata ?? {}),
    enabled: user.enabled,
  };
}
