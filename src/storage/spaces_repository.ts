import type { Kysely, Selectable } from 'kysely';
import type { Database, SpacesTable } from './schema.js';

export interface SpaceRecord {
  id: string;
  name: string;
  description?: string;
  color?: string;
  initials?: string;
  imageUrl?: string;
  disabledFeatures: string[];
  solution?: string;
}

function fromRow(row: Selectable<SpacesTable>): SpaceRecord {
  const space: SpaceRecord = {
    id: row.id,
    name: row.name,
    disabledFeatures: JSON.parse(row.disabled_features) as string[],
  };
  if (row.description !== null) space.description = row.description;
  if (row.color !== null) space.color = row.color;
  if (row.initials !== null) space.initials = row.initials;
  if (row.image_url !== null) space.imageUrl = row.image_url;
  if (row.solution !== null) space.solution = row.solution;
  return space;
}

function toColumns(space: SpaceRecord) {
  return {
    name: space.name,
    description: space.description ?? null,
    color: space.color ?? null,
    initials: space.initials ?? null,
    image_url: space.imageUrl ?? null,
    disabled_features: JSON.stringify(space.disabledFeatures),
    solution: space.solution ?? null,
  };
}

export class SpacesRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async list(): Promise<SpaceRecord[]> {
    const rows = await this.db.selectFrom('spaces').selectAll().orderBy('id').execute();
    return rows.map(fromRow);
  }

  async get(id: string): Promise<SpaceRecord | undefined> {
    const row = await this.db.selectFrom('spaces').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  /** Inserts a space; a duplicate id raises the database's unique-violation error. */
  async insert(space: SpaceRecord): Promise<SpaceRecord> {
    const now = new Date().toISOString();
    const row = await this.db
      .insertInto('spaces')
      .values({ id: space.id, ...toColumns(space), created_at: now, updated_at: now })
      .returningAll()
      .executeTakeFirstOrThrow();
    return fromRow(row);
  }

  async update(space: SpaceRecord): Promise<SpaceRecord | undefined> {
    const row = await this.db
      .updateTable('spaces')
      .set({ ...toColumns(space), updated_at: new Date().toISOString() })
      .where('id', '=', space.id)
      .returningAll()
      .executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  /** Deletes the space with its connectors, rules (and their tasks) and references, in one transaction. */
  async delete(id: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('connector_references').where('space_id', '=', id).execute();
      await trx.deleteFrom('tasks').where('id', 'in', trx.selectFrom('rules').select('id').where('space_id', '=', id)).execute();
      await trx.deleteFrom('rules').where('space_id', '=', id).execute();
      await trx.deleteFrom('connectors').where('space_id', '=', id).execute();
      const result = await trx.deleteFrom('spaces').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    });
  }
}
