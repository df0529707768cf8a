import type { Kysely } from 'kysely';

// Users carry free-form metadata, as Elasticsearch's users do: JSON, `{}` for existing users.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('users')
    .addColumn('metadata', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').dropColumn('metadata').execute();
}
