import { sql, type Kysely } from 'kysely';

// Versions of incoming alerts, so that a reader can ask a space for the alerts changed since
// it last looked instead of reading them all (src/ingest/incoming_alerts_index.ts). Each post
// takes the next version of its space from `incoming_alert_versions` as its first write; the
// row lock that takes serialises the posts of a space across instances, so versions follow
// commit order and a reader that sees a version sees every lower one. `generation` is set when
// the space's counter is created: a space deleted (its alerts and counter cascade) and created
// again gets a new one, which tells readers to drop what they kept.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('incoming_alert_versions')
    .addColumn('space_id', 'text', (c) => c.primaryKey().references('spaces.id').onDelete('cascade'))
    .addColumn('generation', 'text', (c) => c.notNull())
    .addColumn('version', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.alterTable('incoming_alerts').addColumn('version', 'bigint', (c) => c.notNull().defaultTo(sql`0`)).execute();
  await db.schema.createIndex('incoming_alerts_space_version').on('incoming_alerts').columns(['space_id', 'version']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('incoming_alerts_space_version').execute();
  await db.schema.alterTable('incoming_alerts').dropColumn('version').execute();
  await db.schema.dropTable('incoming_alert_versions').execute();
}
