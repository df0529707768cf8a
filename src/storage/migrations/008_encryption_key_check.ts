import type { Kysely } from 'kysely';

// A known value encrypted under the key the data is written with: an instance started with a
// key that cannot read it refuses to start instead of failing every action it claims.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('encryption_key_check')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('envelope', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('encryption_key_check').execute();
}
