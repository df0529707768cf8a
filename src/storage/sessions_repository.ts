import type { Kysely } from 'kysely';
import type { Database, SessionsTable } from './schema.js';

/** Browser sessions, keyed by the SHA-256 of the id in the cookie. Times are epoch milliseconds. */
export class SessionsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(session: SessionsTable): Promise<void> {
    await this.db.insertInto('sessions').values(session).execute();
  }

  async get(idHash: string): Promise<SessionsTable | undefined> {
    return this.db.selectFrom('sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
  }

  async setLastSeen(idHash: string, lastSeenAt: number): Promise<void> {
    await this.db.updateTable('sessions').set({ last_seen_at: lastSeenAt }).where('id_hash', '=', idHash).execute();
  }

  /** Re-stamps one session of this user with the password it now has. */
  async setPasswordStamp(idHash: string, username: string, passwordStamp: string): Promise<void> {
    await this.db
      .updateTable('sessions')
      .set({ password_stamp: passwordStamp })
      .where('id_hash', '=', idHash)
      .where('username', '=', username)
      .execute();
  }

  async delete(idHash: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
  }

  /** Deletes sessions past their lifespan, or idle since `idleSince` when given. */
  async deleteStale(now: number, idleSince: number | undefined): Promise<void> {
    await this.db
      .deleteFrom('sessions')
      .where((eb) => {
        const expired = eb('expires_at', '<=', now);
        return idleSince === undefined ? expired : eb.or([expired, eb('last_seen_at', '<=', idleSince)]);
      })
      .execute();
  }
}
