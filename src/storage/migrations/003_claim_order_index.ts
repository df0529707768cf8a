import type { Kysely } from 'kysely';

// Claims read due tasks by priority, then run_at: an index in that order spares a sort of the
// whole backlog on every claim.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('tasks_claim_order').on('tasks').columns(['status', 'priority desc', 'run_at']).execute();
  await db.schema.dropIndex('tasks_claim').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('tasks_claim').on('tasks').columns(['status', 'run_at']).execute();
  await db.schema.dropIndex('tasks_claim_order').execute();
}
