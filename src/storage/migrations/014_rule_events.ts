import type { Kysely } from 'kysely';

// Rule events (provider `alerting`) share the event_log table with the action events. A rule
// event's row names its rule; an action event names the rule that queued it and that rule run's
// execution uuid (Kibana's `kibana.alert.rule.execution.uuid`), by which a rule's execution log
// counts the run's actions. Every query on them starts from the rule (event_log_rule_time); the
// index is partial: the rows of plain actions, which name no rule, add no entry to it, so the
// action hot path writes no more than it did.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('event_log').addColumn('rule_id', 'text').execute();
  await db.schema.alterTable('event_log').addColumn('rule_execution_uuid', 'text').execute();
  await db.schema
    .createIndex('event_log_rule_time')
    .on('event_log')
    .columns(['rule_id', 'timestamp'])
    .where((eb) => eb('rule_id', 'is not', null))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('event_log_rule_time').execute();
  await db.deleteFrom('event_log' as never).where('provider' as never, '=', 'alerting' as never).execute();
  await db.schema.alterTable('event_log').dropColumn('rule_execution_uuid').execute();
  await db.schema.alterTable('event_log').dropColumn('rule_id').execute();
}
