import type { Kysely } from 'kysely';

// The tokens a generative-AI action used (issue 20): its end's `kibana.action.execution.gen_ai.usage`,
// as JSON, beside the other columns an attempt's end sets on its start's row.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('event_log').addColumn('gen_ai_usage', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('event_log').dropColumn('gen_ai_usage').execute();
}
