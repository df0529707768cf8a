import type { Kysely, Updateable } from 'kysely';
import type { Database, UsersTable } from './schema.js';

export interface UserRecord {
  username: string;
  passwordHash: string;
  roles: string[];
  enabled: boolean;
  fullName?: string | null;
  email?: string | null;
  metadata?: Record<string, unknown>;
}

/** What an update replaces; the password hash only when given. */
export type UserUpdate = Omit<UserRecord, 'username' | 'passwordHash'> & { passwordHash?: string };

export class UsersRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async get(username: string): Promise<UserRecord | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  async list(): Promise<UserRecord[]> {
    const rows = await this.db.selectFrom('users').selectAll().orderBy('username').execute();
    return rows.map(fromRow);
  }

  /** Creates the user unless it exists; returns whether it was created. */
  async insertIfAbsent(user: UserRecord): Promise<boolean> {
    const now = new Date().toISOString();
    const result = await this.db
      .insertInto('users')
      .values({
        username: user.username,
        password_hash: user.passwordHash,
        roles: JSON.stringify(user.roles),
        enabled: user.enabled ? 1 : 0,
        full_name: user.fullName ?? null,
        email: user.email ?? null,
        metadata: JSON.stringify(user.metadata ?? {}),
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) => oc.column('username').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  /** Resolves to whether the user exists. */
  async setPasswordHash(username: string, passwordHash: string): Promise<boolean> {
    return this.set(username, { password_hash: passwordHash });
  }

  /** Replaces the user's fields (and the password hash when given); resolves to whether the user exists. */
  async update(username: string, user: UserUpdate): Promise<boolean> {
    return this.set(username, {
      roles: JSON.stringify(user.roles),
      enabled: user.enabled ? 1 : 0,
      full_name: user.fullName ?? null,
      email: user.email ?? null,
      metadata: JSON.stringify(user.metadata ?? {}),
      ...(user.passwordHash !== undefined ? { password_hash: user.passwordHash } : {}),
    });
  }

  /** Resolves to whether the user exists. */
  async setEnabled(username: string, enabled: boolean): Promise<boolean> {
    return this.set(username, { enabled: enabled ? 1 : 0 });
  }

  /** Resolves to whether the user existed. */
  async delete(username: string): Promise<boolean> {
    const result = await this.db.deleteFrom('users').where('username', '=', username).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  private async set(username: string, values: Updateable<UsersTable>): Promise<boolean> {
    const result = await this.db
      .updateTable('users')
      .set({ ...values, updated_at: new Date().toISOString() })
      .where('username', '=', username)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
}

function fromRow(row: UsersTable): UserRecord {
  return {
    username: row.username,
    passwordHash: row.password_hash,
    roles: JSON.parse(row.roles) as string[],
    enabled: Boolean(row.enabled),
    fullName: row.full_name,
    email: row.email,
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
  };
}
