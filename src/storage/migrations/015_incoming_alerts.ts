import type { Kysely } from 'kysely';

// Incoming alerts (issue 19): one row per alert of a space, keyed by the fingerprint of its
// label set, as Alertmanager keys its alerts. Times are epoch milliseconds, so that "active at
// now" (`ends_at > now`) is a plain comparison on both dialects; labels and annotations are JSON.
// `first_seen_at` survives re-firings: only the retention of resolved alerts deletes a row.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('incoming_alerts')
    .addColumn('space_id', 'text', (c) => c.notNull().references('spaces.id').onDelete('cascade'))
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('labels', 'text', (c) => c.notNull())
    .addColumn('annotations', 'text', (c) => c.notNull())
    .addColumn('starts_at', 'bigint', (c) => c.notNull())
    .addColumn('ends_at', 'bigint', (c) => c.notNull())
    .addColumn('timeout', 'integer', (c) => c.notNull())
    .addColumn('generator_url', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('first_seen_at', 'bigint', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('incoming_alerts_pk', ['space_id', 'fingerprint'])
    .execute();
  // The active count of the maxActiveAlerts guard and the deletion of resolved alerts.
  await db.schema.createIndex('incoming_alerts_ends_at').on('incoming_alerts').column('ends_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('incoming_alerts').execute();
}
