import type { Kysely } from 'kysely';

// Connector names have no length limit (as in Kibana), but a PostgreSQL btree entry must fit in
// a third of a page (2,704 bytes): an index holding the name refused long names with an error.
// Listing a space's connectors sorts them in memory; the index only needs to find the space.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('connectors_space_name').execute();
  await db.schema.createIndex('connectors_space').on('connectors').column('space_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('connectors_space').execute();
  await db.schema.createIndex('connectors_space_name').on('connectors').columns(['space_id', 'name']).execute();
}
