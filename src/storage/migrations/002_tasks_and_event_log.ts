import type { Kysely } from 'kysely';

// Times that are compared or sorted on (run_at, leases, event timestamps) are integer epoch
// milliseconds, which both dialects index and compare the same way.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('tasks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('space_id', 'text', (c) => c.notNull())
    .addColumn('connector_id', 'text')
    .addColumn('params', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('{}'))
    // idle: waiting for run_at; running: claimed under a lease; succeeded / failed: finished.
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('priority', 'integer', (c) => c.notNull().defaultTo(50))
    .addColumn('run_at', 'bigint', (c) => c.notNull())
    .addColumn('scheduled_at', 'bigint', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('max_attempts', 'integer', (c) => c.notNull())
    .addColumn('interval_ms', 'bigint')
    .addColumn('owner', 'text')
    .addColumn('lease_expires_at', 'bigint')
    .addColumn('last_error', 'text')
    .addColumn('result', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('tasks_claim').on('tasks').columns(['status', 'run_at']).execute();
  await db.schema.createIndex('tasks_lease').on('tasks').columns(['status', 'lease_expires_at']).execute();
  await db.schema.createIndex('tasks_scope_status').on('tasks').columns(['scope', 'status']).execute();

  // A connector's queue paused by the service (429 with Retry-After), shared by every instance.
  await db.schema
    .createTable('connector_pauses')
    .addColumn('connector_id', 'text', (c) => c.primaryKey())
    .addColumn('paused_until', 'bigint', (c) => c.notNull())
    .addColumn('reason', 'text')
    .execute();

  await db.schema
    .createTable('event_log')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('timestamp', 'bigint', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text')
    .addColumn('space_id', 'text', (c) => c.notNull())
    .addColumn('connector_id', 'text')
    .addColumn('connector_type_id', 'text')
    .addColumn('connector_name', 'text')
    .addColumn('execution_uuid', 'text')
    .addColumn('source', 'text')
    .addColumn('attempt', 'integer')
    .addColumn('duration_ns', 'bigint')
    .addColumn('schedule_delay_ns', 'bigint')
    .addColumn('message', 'text')
    .addColumn('error_message', 'text')
    .addColumn('document', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('event_log_timestamp').on('event_log').columns(['timestamp']).execute();
  await db.schema.createIndex('event_log_execution').on('event_log').columns(['execution_uuid']).execute();
  await db.schema.createIndex('event_log_space_time').on('event_log').columns(['space_id', 'timestamp']).execute();
  await db.schema.createIndex('event_log_connector_time').on('event_log').columns(['connector_id', 'timestamp']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['event_log', 'connector_pauses', 'tasks']) await db.schema.dropTable(table).execute();
}
