import type { Kysely } from 'kysely';

// Alertmanager-style silences (issue 19), per space. `matchers` is the JSON list of the API's
// matchers ({name, value, isRegex, isEqual}); times are ISO strings with milliseconds, as the
// API shows them. Expired silences stay until their end is older than the retention.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('silences')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('space_id', 'text', (c) => c.notNull().references('spaces.id').onDelete('cascade'))
    .addColumn('matchers', 'text', (c) => c.notNull())
    .addColumn('starts_at', 'text', (c) => c.notNull())
    .addColumn('ends_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('comment', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  // The lookup reads a space's silences that have not ended; the purge, those long ended.
  await db.schema.createIndex('silences_space_ends').on('silences').columns(['space_id', 'ends_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('silences').execute();
}
