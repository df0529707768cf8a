import { sql, type Kysely } from 'kysely';

// Each index of the tasks table holds only the tasks of the status its queries read
// (docs/task-queue.md): the claim reads idle tasks, lease recovery running ones, the queue limit
// the tasks not finished, retention the finished ones. An index that held every task changed on
// every claim and every finish; now a claim moves a task from the queue's index to the leases',
// a finish from the leases' to the finished tasks'.
const INDEXES = [
  `create index tasks_claim_queue on tasks (connector_id, priority desc, run_at) where status = 'idle'`,
  `create index tasks_lease on tasks (lease_expires_at) where status = 'running'`,
  `create index tasks_active_scope on tasks (scope) where status in ('idle', 'running')`,
  `create index tasks_finished on tasks (updated_at) where status in ('succeeded', 'failed')`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const name of ['tasks_claim_queue', 'tasks_lease', 'tasks_scope_status']) await db.schema.dropIndex(name).execute();
  for (const statement of INDEXES) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const name of ['tasks_claim_queue', 'tasks_lease', 'tasks_active_scope', 'tasks_finished']) await db.schema.dropIndex(name).execute();
  await db.schema.createIndex('tasks_claim_queue').on('tasks').columns(['status', 'connector_id', 'priority desc', 'run_at']).execute();
  await db.schema.createIndex('tasks_lease').on('tasks').columns(['status', 'lease_expires_at']).execute();
  await db.schema.createIndex('tasks_scope_status').on('tasks').columns(['scope', 'status']).execute();
}
