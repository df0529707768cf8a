import type { Kysely } from 'kysely';

// Kibana's case configuration (issue 22): the settings of one owner's cases in a space —
// default connector, closure type, custom fields, templates, observable types. One per owner
// and space (the unique index), as Kibana's POST leaves it. `version` is the row's counter, as
// on cases. Structured fields are JSON text; times ISO with milliseconds. Deleting a space
// deletes its configurations.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('case_configurations')
    .addColumn('space_id', 'text', (c) => c.notNull().references('spaces.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('connector', 'text', (c) => c.notNull())
    .addColumn('closure_type', 'text', (c) => c.notNull())
    .addColumn('custom_fields', 'text', (c) => c.notNull())
    .addColumn('templates', 'text', (c) => c.notNull())
    .addColumn('observable_types', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text')
    .addColumn('updated_by', 'text')
    .addColumn('version', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('case_configurations_pk', ['space_id', 'id'])
    .execute();
  await db.schema.createIndex('case_configurations_owner').on('case_configurations').columns(['space_id', 'owner']).unique().execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('case_configurations').execute();
}
