import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export interface UserRecord {
  username: string;
  passwordHash: string;
  roles: string[];
  enabled: boolean;
}

export class UsersRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async get(username: string): Promise<UserRecord | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
    if (!row) return undefined;
    return {
      username: row.username,
      passwordHash: row.password_hash,
      roles: JSON.parse(row.roles) as string[],
      enabled: Boolean(row.enabled),
    };
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
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) => oc.column('username').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async setPasswordHash(username: string, passwordHash: string): Promise<void> {
    await this.db
      .updateTable('users')
      .set({ password_hash: passwordHash, updated_at: new Date().toISOString() })
      .where('username', '=', username)
      .execute();
  }
}
