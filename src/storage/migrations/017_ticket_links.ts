import type { Kysely } from 'kysely';

// Tickets that follow their alerts (issue 19 point 5): per space, rule, rule action (its uuid)
// and alert id, the ticket the action opened in the connector's service, the firing episode
// (the alert's uuid) it last served and whether that episode ended, and a lease that
// serialises the actions of one key across instances. Times in epoch ms. Deleting the rule
// deletes its rows (the tickets stay in the service as they are).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('ticket_links')
    .addColumn('space_id', 'text', (c) => c.notNull())
    .addColumn('rule_id', 'text', (c) => c.notNull().references('rules.id').onDelete('cascade'))
    .addColumn('action_uuid', 'text', (c) => c.notNull())
    .addColumn('alert_id', 'text', (c) => c.notNull())
    .addColumn('connector_id', 'text')
    .addColumn('external_id', 'text')
    .addColumn('title', 'text')
    .addColumn('url', 'text')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('episode', 'text')
    .addColumn('episode_ended', 'integer', (c) => c.notNull())
    .addColumn('opened_at', 'bigint')
    .addColumn('closed_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('lease_holder', 'text')
    .addColumn('lease_until', 'bigint')
    .addPrimaryKeyConstraint('ticket_links_pk', ['space_id', 'rule_id', 'action_uuid', 'alert_id'])
    .execute();
  await db.schema.createIndex('ticket_links_rule').on('ticket_links').column('rule_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('ticket_links').execute();
}
