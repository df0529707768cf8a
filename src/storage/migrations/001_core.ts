import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('spaces')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('color', 'text')
    .addColumn('initials', 'text')
    .addColumn('image_url', 'text')
    .addColumn('disabled_features', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('solution', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  // Connector ids are unique across spaces, as Kibana's share-capable saved objects are.
  await db.schema
    .createTable('connectors')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('space_id', 'text', (c) => c.notNull().references('spaces.id').onDelete('cascade'))
    .addColumn('type_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('config', 'text', (c) => c.notNull())
    .addColumn('secrets', 'text', (c) => c.notNull())
    .addColumn('is_missing_secrets', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('connectors_space_name').on('connectors').columns(['space_id', 'name']).execute();

  await db.schema
    .createTable('connector_references')
    .addColumn('source_type', 'text', (c) => c.notNull())
    .addColumn('source_id', 'text', (c) => c.notNull())
    .addColumn('space_id', 'text', (c) => c.notNull())
    .addColumn('connector_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('connector_references_pk', ['source_type', 'source_id', 'connector_id'])
    .execute();
  await db.schema
    .createIndex('connector_references_connector')
    .on('connector_references')
    .column('connector_id')
    .execute();

  await db.schema
    .createTable('users')
    .addColumn('username', 'text', (c) => c.primaryKey())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('roles', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('full_name', 'text')
    .addColumn('email', 'text')
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  const now = new Date().toISOString();
  await sql`insert into spaces (id, name, description, color, disabled_features, created_at, updated_at)
    values ('default', 'Default', 'This is your default space!', '#00bfb3', '[]', ${now}, ${now})`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['users', 'connector_references', 'connectors', 'spaces']) {
    await db.schema.dropTable(table).execute();
  }
}
