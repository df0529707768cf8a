import type { Kysely, Selectable } from 'kysely';
import type { ConnectorsTable, Database } from './schema.js';

export interface ConnectorRecord {
  id: string;
  spaceId: string;
  typeId: string;
  name: string;
  config: Record<string, unknown>;
  /** The encrypted secrets envelope; never the plaintext. */
  secrets: string;
  isMissingSecrets: boolean;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export type NewConnectorRecord = Omit<ConnectorRecord, 'version' | 'createdAt' | 'updatedAt'>;

/** What a listing shows: no secrets envelope, which would only slow the read. */
export type ConnectorSummary = Pick<ConnectorRecord, 'id' | 'spaceId' | 'typeId' | 'name' | 'config' | 'isMissingSecrets'>;

const SUMMARY_COLUMNS = ['id', 'space_id', 'type_id', 'name', 'config', 'is_missing_secrets'] as const;

function summaryOf(row: Pick<Selectable<ConnectorsTable>, (typeof SUMMARY_COLUMNS)[number]>): ConnectorSummary {
  return {
    id: row.id,
    spaceId: row.space_id,
    typeId: row.type_id,
    name: row.name,
    config: JSON.parse(row.config) as Record<string, unknown>,
    isMissingSecrets: Boolean(row.is_missing_secrets),
  };
}

function fromRow(row: Selectable<ConnectorsTable>): ConnectorRecord {
  return { ...summaryOf(row), secrets: row.secrets, version: Number(row.version), createdAt: row.created_at, updatedAt: row.updated_at };
}

export class ConnectorsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Inserts a connector; a duplicate id raises the database's unique-violation error. */
  async insert(record: NewConnectorRecord): Promise<ConnectorRecord> {
    const now = new Date().toISOString();
    const row = await this.db
      .insertInto('connectors')
      .values({
        id: record.id,
        space_id: record.spaceId,
        type_id: record.typeId,
        name: record.name,
        config: JSON.stringify(record.config),
        secrets: record.secrets,
        is_missing_secrets: record.isMissingSecrets ? 1 : 0,
        version: 1,
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return fromRow(row);
  }

  async get(spaceId: string, id: string): Promise<ConnectorRecord | undefined> {
    const row = await this.db
      .selectFrom('connectors')
      .selectAll()
      .where('space_id', '=', spaceId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  async getMany(spaceId: string, ids: string[]): Promise<ConnectorRecord[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.selectFrom('connectors').selectAll().where('space_id', '=', spaceId).where('id', 'in', ids).execute();
    return rows.map(fromRow);
  }

  /** The space of each given id that is stored anywhere; ids are unique across spaces, as in Kibana. */
  async spacesOf(ids: string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    const unique = [...new Set(ids)];
    // In slices, to stay under the bound-parameter limits of both databases.
    for (let i = 0; i < unique.length; i += 1000) {
      const rows = await this.db.selectFrom('connectors').select(['id', 'space_id']).where('id', 'in', unique.slice(i, i + 1000)).execute();
      for (const row of rows) found.set(row.id, row.space_id);
    }
    return found;
  }

  async exists(id: string): Promise<boolean> {
    const row = await this.db.selectFrom('connectors').select('id').where('id', '=', id).executeTakeFirst();
    return row !== undefined;
  }

  async listBySpace(spaceId: string, limit: number): Promise<ConnectorSummary[]> {
    const rows = await this.db
      .selectFrom('connectors')
      .select(SUMMARY_COLUMNS)
      .where('space_id', '=', spaceId)
      .orderBy('name')
      .limit(limit)
      .execute();
    return rows.map(summaryOf);
  }

  /** The connectors of a type in every space (no secrets), in id order. */
  async listByType(typeId: string): Promise<ConnectorSummary[]> {
    const rows = await this.db
      .selectFrom('connectors')
      .select(SUMMARY_COLUMNS)
      .where('type_id', '=', typeId)
      .orderBy('id')
      .execute();
    return rows.map(summaryOf);
  }

  /** Every connector of every space, in pages; used by key rotation. */
  async *iterateAll(pageSize = 500): AsyncGenerator<ConnectorRecord> {
    let after = '';
    for (;;) {
      const rows = await this.db
        .selectFrom('connectors')
        .selectAll()
        .where('id', '>', after)
        .orderBy('id')
        .limit(pageSize)
        .execute();
      for (const row of rows) yield fromRow(row);
      if (rows.length < pageSize) return;
      after = rows[rows.length - 1].id;
    }
  }

  /**
   * Replaces name, config and secrets (and the type, when given) if the row still has
   * `expectedVersion` (optimistic concurrency, as Kibana's saved-object version). Returns the
   * new record, or undefined when the row is gone or was changed meanwhile.
   */
  async update(
    spaceId: string,
    id: string,
    expectedVersion: number,
    fields: Pick<ConnectorRecord, 'name' | 'config' | 'secrets' | 'isMissingSecrets'> & { typeId?: string },
  ): Promise<ConnectorRecord | undefined> {
    const row = await this.db
      .updateTable('connectors')
      .set({
        // Only an import that overwrites a connector may change its type.
        ...(fields.typeId ? { type_id: fields.typeId } : {}),
        name: fields.name,
        config: JSON.stringify(fields.config),
        secrets: fields.secrets,
        is_missing_secrets: fields.isMissingSecrets ? 1 : 0,
        version: expectedVersion + 1,
        updated_at: new Date().toISOString(),
      })
      .where('space_id', '=', spaceId)
      .where('id', '=', id)
      .where('version', '=', expectedVersion)
      .returningAll()
      .executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  /** Swaps only the secrets envelope (key rotation); the version guards against a racing edit. */
  async replaceSecrets(id: string, expectedVersion: number, secrets: string): Promise<boolean> {
    const result = await this.db
      .updateTable('connectors')
      .set({ secrets })
      .where('id', '=', id)
      .where('version', '=', expectedVersion)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async delete(spaceId: string, id: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('connectors')
      .where('space_id', '=', spaceId)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  /**
   * How many references, in any space (as Kibana counts), point at the connectors of a space and
   * at the given in-memory connectors: a rule counts once per action that names the connector.
   */
  async countReferences(spaceId: string, inMemoryIds: string[]): Promise<Map<string, number>> {
    const rows = await this.db
      .selectFrom('connector_references')
      .select(['connector_id'])
      .select((eb) => eb.fn.sum<string | number>('uses').as('count'))
      .where((eb) =>
        eb.or([
          eb('connector_id', 'in', eb.selectFrom('connectors').select('id').where('space_id', '=', spaceId)),
          ...(inMemoryIds.length > 0 ? [eb('connector_id', 'in', inMemoryIds)] : []),
        ]),
      )
      .groupBy('connector_id')
      .execute();
    return new Map(rows.map((row) => [row.connector_id, Number(row.count)]));
  }

  async addReference(ref: { sourceType: string; sourceId: string; spaceId: string; connectorId: string }): Promise<void> {
    await this.db
      .insertInto('connector_references')
      .values({
        source_type: ref.sourceType,
        source_id: ref.sourceId,
        space_id: ref.spaceId,
        connector_id: ref.connectorId,
      })
      .execute();
  }
}
