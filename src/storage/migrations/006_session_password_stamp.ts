import type { Kysely } from 'kysely';

// A session remembers which password it was opened with (a SHA-256 of the user's password hash
// at login), so that changing the password ends the user's other sessions on every instance,
// whichever way the password was changed.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('sessions')
    .addColumn('password_stamp', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sessions').dropColumn('password_stamp').execute();
}
