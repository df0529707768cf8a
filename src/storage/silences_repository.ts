import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Database, Dialect, SilencesTable } from './schema.js';

/** One matcher of a silence, in the Alertmanager API's shape. */
export interface SilenceMatcher {
  name: string;
  value: string;
  isRegex: boolean;
  isEqual: boolean;
}

/** A silence of a space; times are ISO strings with milliseconds. */
export interface SilenceRecord {
  id: string;
  spaceId: string;
  matchers: SilenceMatcher[];
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
  updatedAt: string;
}

function fromRow(row: Selectable<SilencesTable>): SilenceRecord {
  return {
    id: row.id,
    spaceId: row.space_id,
    matchers: JSON.parse(row.matchers) as SilenceMatcher[],
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    createdBy: row.created_by,
    comment: row.comment,
    updatedAt: row.updated_at,
  };
}

function toRow(silence: SilenceRecord): Selectable<SilencesTable> {
  return {
    id: silence.id,
    space_id: silence.spaceId,
    matchers: JSON.stringify(silence.matchers),
    starts_at: silence.startsAt,
    ends_at: silence.endsAt,
    created_by: silence.createdBy,
    comment: silence.comment,
    updated_at: silence.updatedAt,
  };
}

/** The writes of one change of silences, inside its transaction. */
export interface SilencesWriter {
  /** The silence, locked until the transaction ends (PostgreSQL; SQLite's writers are serial anyway). */
  getForUpdate(spaceId: string, id: string): Promise<SilenceRecord | undefined>;
  insert(silence: SilenceRecord): Promise<void>;
  update(silence: SilenceRecord): Promise<void>;
  /** Deletes the silences that ended before `before` (past their retention). */
  purge(before: string): Promise<void>;
}

// ISO strings of the same shape (`YYYY-MM-DDTHH:mm:ss.sssZ`, four-digit years) compare as
// their instants do, so the time conditions run on the text columns of both databases.
export class SilencesRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
  ) {}

  /** A silence of the space that ended at `keptSince` or later (older ones are past their retention). */
  async get(spaceId: string, id: string, keptSince: string): Promise<SilenceRecord | undefined> {
    const row = await this.db
      .selectFrom('silences')
      .selectAll()
      .where('space_id', '=', spaceId)
      .where('id', '=', id)
      .where('ends_at', '>=', keptSince)
      .executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  /** The space's silences that ended at `endedSince` or later (or have not ended). */
  async list(spaceId: string, endedSince: string): Promise<SilenceRecord[]> {
    const rows = await this.db.selectFrom('silences').selectAll().where('space_id', '=', spaceId).where('ends_at', '>=', endedSince).execute();
    return rows.map(fromRow);
  }

  /** Runs `change` in one transaction. */
  write<T>(change: (writer: SilencesWriter) => Promise<T>): Promise<T> {
    return this.db.transaction().execute((trx) => change(this.writer(trx)));
  }

  private writer(trx: Transaction<Database>): SilencesWriter {
    return {
      getForUpdate: async (spaceId, id) => {
        let query = trx.selectFrom('silences').selectAll().where('space_id', '=', spaceId).where('id', '=', id);
        if (this.dialect === 'postgres') query = query.forUpdate();
        const row = await query.executeTakeFirst();
        return row ? fromRow(row) : undefined;
      },
      insert: async (silence) => {
        await trx.insertInto('silences').values(toRow(silence)).execute();
      },
      update: async (silence) => {
        const { id, space_id, ...columns } = toRow(silence);
        await trx.updateTable('silences').set(columns).where('space_id', '=', space_id).where('id', '=', id).execute();
      },
      purge: async (before) => {
        await trx.deleteFrom('silences').where('ends_at', '<', before).execute();
      },
    };
  }
}
