import { sql, type Kysely } from 'kysely';

// Kibana's rules (saved objects of type `alert`), one row each, per space. JSON columns keep
// Kibana's attribute shapes (camelCase); the run state (execution_status, last_run, next_run,
// running) is written by the task runner alone, so a user's update never races a run's.
//
// A rule action that names a stored connector is a reference, as in Kibana: the references
// table gets `uses`, how many of the source's actions name the connector, so that
// `referenced_by_count` counts actions (Kibana's per-action references) with one row per pair.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('rules')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('space_id', 'text', (c) => c.notNull().references('spaces.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('tags', 'text', (c) => c.notNull())
    .addColumn('rule_type_id', 'text', (c) => c.notNull())
    .addColumn('consumer', 'text', (c) => c.notNull())
    .addColumn('schedule_interval', 'text', (c) => c.notNull())
    .addColumn('params', 'text', (c) => c.notNull())
    .addColumn('actions', 'text', (c) => c.notNull())
    .addColumn('system_actions', 'text', (c) => c.notNull())
    .addColumn('throttle', 'text')
    .addColumn('notify_when', 'text')
    .addColumn('mute_all', 'integer', (c) => c.notNull())
    .addColumn('muted_alert_ids', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('execution_status', 'text', (c) => c.notNull())
    .addColumn('last_run', 'text')
    .addColumn('next_run', 'text')
    .addColumn('revision', 'integer', (c) => c.notNull())
    .addColumn('running', 'integer', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('updated_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('api_key_owner', 'text')
    .addColumn('alert_delay', 'text')
    .addColumn('flapping', 'text')
    .addColumn('scheduled_task_id', 'text')
    .addColumn('version', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('rules_space').on('rules').column('space_id').execute();
  await sql`alter table connector_references add column uses integer not null default 1`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('rules').execute();
  await db.schema.alterTable('connector_references').dropColumn('uses').execute();
}
