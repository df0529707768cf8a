import type { Kysely } from 'kysely';

// Conversations of the Observability AI Assistant system action (issue 22 point 4): per space,
// the messages sent to the generative-AI connector and its answer (JSON), the connector used,
// the rule and rule run (execution uuid) that asked, the action's own execution, the tokens
// used, and whether it succeeded. Times in epoch ms. They outlive their rule, as Kibana's
// conversations do: they are records of what was said, kept as long as the event log
// (plugboard.eventLog.retention), which holds the rule run that links to them.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('ai_conversations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('space_id', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('connector_id', 'text', (c) => c.notNull())
    .addColumn('connector_type_id', 'text', (c) => c.notNull())
    .addColumn('messages', 'text', (c) => c.notNull())
    .addColumn('rule_id', 'text')
    .addColumn('rule_execution_id', 'text')
    .addColumn('action_execution_id', 'text')
    .addColumn('prompt_tokens', 'integer')
    .addColumn('completion_tokens', 'integer')
    .addColumn('total_tokens', 'integer')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('ai_conversations_rule').on('ai_conversations').columns(['space_id', 'rule_id', 'rule_execution_id']).execute();
  // The retention task deletes by age.
  await db.schema.createIndex('ai_conversations_created').on('ai_conversations').column('created_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('ai_conversations').execute();
}
