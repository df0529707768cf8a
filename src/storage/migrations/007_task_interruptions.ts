import type { Kysely } from 'kysely';

// Attempts cut short by a shutdown keep their number (the next run is the next attempt) but do
// not count towards max_attempts: this column says how many of `attempts` were such.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('tasks')
    .addColumn('interrupted_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('tasks').dropColumn('interrupted_attempts').execute();
}
