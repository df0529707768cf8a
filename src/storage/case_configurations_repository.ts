import type { Kysely, Selectable } from 'kysely';
import type { CaseUser } from './cases_repository.js';
import type { CaseConfigurationsTable, Database } from './schema.js';

// Storage of Kibana's case configurations (migration 022): one per owner and space. Records
// hold the API's field names; `version` is the row's counter (src/cases/ encodes it).

export interface CaseConfigurationRecord {
  id: string;
  owner: string;
  connector: Record<string, unknown>;
  closure_type: string;
  customFields: unknown[];
  templates: unknown[];
  observableTypes: unknown[];
  created_at: string;
  created_by: CaseUser;
  updated_at: string | null;
  updated_by: CaseUser | null;
  version: number;
}

export type CaseConfigurationChanges = Partial<Pick<CaseConfigurationRecord, 'connector' | 'closure_type' | 'customFields' | 'templates' | 'observableTypes' | 'updated_at' | 'updated_by'>>;

const json = (value: unknown) => JSON.stringify(value);

function fromRow(row: Selectable<CaseConfigurationsTable>): CaseConfigurationRecord {
  return {
    id: row.id,
    owner: row.owner,
    connector: JSON.parse(row.connector) as Record<string, unknown>,
    closure_type: row.closure_type,
    customFields: JSON.parse(row.custom_fields) as unknown[],
    templates: JSON.parse(row.templates) as unknown[],
    observableTypes: JSON.parse(row.observable_types) as unknown[],
    created_at: row.created_at,
    created_by: JSON.parse(row.created_by) as CaseUser,
    updated_at: row.updated_at,
    updated_by: row.updated_by === null ? null : (JSON.parse(row.updated_by) as CaseUser),
    version: Number(row.version),
  };
}

function columns(changes: CaseConfigurationChanges): Partial<CaseConfigurationsTable> {
  const c: Partial<CaseConfigurationsTable> = {};
  if (changes.connector !== undefined) c.connector = json(changes.connector);
  if (changes.closure_type !== undefined) c.closure_type = changes.closure_type;
  if (changes.customFields !== undefined) c.custom_fields = json(changes.customFields);
  if (changes.templates !== undefined) c.templates = json(changes.templates);
  if (changes.observableTypes !== undefined) c.observable_types = json(changes.observableTypes);
  if (changes.updated_at !== undefined) c.updated_at = changes.updated_at;
  if (changes.updated_by !== undefined) c.updated_by = changes.updated_by === null ? null : json(changes.updated_by);
  return c;
}

export class CaseConfigurationsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** The configurations of those owners in the space, by owner. */
  async list(spaceId: string, owners: string[]): Promise<CaseConfigurationRecord[]> {
    if (owners.length === 0) return [];
    const rows = await this.db.selectFrom('case_configurations').selectAll().where('space_id', '=', spaceId).where('owner', 'in', owners).orderBy('owner').execute();
    return rows.map(fromRow);
  }

  async get(spaceId: string, id: string): Promise<CaseConfigurationRecord | undefined> {
    const row = await this.db.selectFrom('case_configurations').selectAll().where('space_id', '=', spaceId).where('id', '=', id).executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  /**
   * Writes this configuration in place of the owner's, if any: one statement on the unique
   * (space, owner) index, so that concurrent writers of one owner leave one row, the last one's.
   */
  async replace(spaceId: string, record: CaseConfigurationRecord): Promise<void> {
    const row = {
      id: record.id,
      connector: json(record.connector),
      closure_type: record.closure_type,
      custom_fields: json(record.customFields),
      templates: json(record.templates),
      observable_types: json(record.observableTypes),
      created_at: record.created_at,
      created_by: json(record.created_by),
      updated_at: record.updated_at,
      updated_by: record.updated_by === null ? null : json(record.updated_by),
      version: record.version,
    };
    await this.db
      .insertInto('case_configurations')
      .values({ space_id: spaceId, owner: record.owner, ...row })
      .onConflict((oc) => oc.columns(['space_id', 'owner']).doUpdateSet(row))
      .execute();
  }

  /** Changes a configuration still at the version read; answers it as written, or undefined when stale or gone. */
  async update(spaceId: string, id: string, expectedVersion: number, changes: CaseConfigurationChanges): Promise<CaseConfigurationRecord | undefined> {
    const written = await this.db
      .updateTable('case_configurations')
      .set({ ...columns(changes), version: expectedVersion + 1 })
      .where('space_id', '=', spaceId)
      .where('id', '=', id)
      .where('version', '=', expectedVersion)
      .executeTakeFirst();
    if (Number(written.numUpdatedRows) !== 1) return undefined;
    return this.get(spaceId, id);
  }
}
