import type { Kysely } from 'kysely';

// Kibana Cases (issue 22): cases and their attachments (user comments and alert attachments),
// per space. Each row carries a counter `version` that every write increments: the API's
// `version` strings are made from it, and an update names the version it read so that a
// concurrent change is refused (409) instead of lost. Structured fields (users, connector,
// settings, custom fields, alert ids) are JSON text; what is filtered or counted on has its own
// column: tags in `case_tags`, the reporter's username, the number of alerts of an attachment.
// Times are ISO strings with milliseconds, which sort as they compare. Deleting a space deletes
// its cases; deleting a case deletes its attachments and tags.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('cases')
    .addColumn('space_id', 'text', (c) => c.notNull().references('spaces.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('tags', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('assignees', 'text', (c) => c.notNull())
    .addColumn('connector', 'text', (c) => c.notNull())
    .addColumn('settings', 'text', (c) => c.notNull())
    .addColumn('category', 'text')
    .addColumn('custom_fields', 'text', (c) => c.notNull())
    .addColumn('duration', 'bigint')
    .addColumn('closed_at', 'text')
    .addColumn('closed_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('reporter', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text')
    .addColumn('updated_by', 'text')
    .addColumn('external_service', 'text')
    .addColumn('version', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('cases_pk', ['space_id', 'id'])
    .execute();
  await db.schema.createIndex('cases_space_created').on('cases').columns(['space_id', 'created_at']).execute();
  await db.schema
    .createTable('case_tags')
    .addColumn('space_id', 'text', (c) => c.notNull())
    .addColumn('case_id', 'text', (c) => c.notNull())
    .addColumn('tag', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('case_tags_pk', ['space_id', 'case_id', 'tag'])
    .addForeignKeyConstraint('case_tags_case', ['space_id', 'case_id'], 'cases', ['space_id', 'id'], (c) => c.onDelete('cascade'))
    .execute();
  await db.schema.createIndex('case_tags_tag').on('case_tags').columns(['space_id', 'tag']).execute();
  await db.schema
    .createTable('case_attachments')
    .addColumn('space_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('case_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('comment', 'text')
    .addColumn('alert_ids', 'text')
    .addColumn('indices', 'text')
    .addColumn('rule', 'text')
    .addColumn('alert_count', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text')
    .addColumn('updated_by', 'text')
    .addColumn('pushed_at', 'text')
    .addColumn('pushed_by', 'text')
    .addColumn('version', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('case_attachments_pk', ['space_id', 'id'])
    .addForeignKeyConstraint('case_attachments_case', ['space_id', 'case_id'], 'cases', ['space_id', 'id'], (c) => c.onDelete('cascade'))
    .execute();
  await db.schema.createIndex('case_attachments_case').on('case_attachments').columns(['space_id', 'case_id', 'created_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('case_attachments').execute();
  await db.schema.dropTable('case_tags').execute();
  await db.schema.dropTable('cases').execute();
}
