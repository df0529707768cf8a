import type { Kysely } from 'kysely';

// Claims take each connector's due tasks up to its room: they walk the connectors that have
// idle tasks, then read each one's head in priority, run_at order. An index in that order
// serves both; the claim no longer reads the queue as a whole in priority order.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('tasks_claim_queue').on('tasks').columns(['status', 'connector_id', 'priority desc', 'run_at']).execute();
  await db.schema.dropIndex('tasks_claim_order').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('tasks_claim_order').on('tasks').columns(['status', 'priority desc', 'run_at']).execute();
  await db.schema.dropIndex('tasks_claim_queue').execute();
}
