import { sql, type Kysely, type Selectable } from 'kysely';
import type { RoleDefinition } from '../security/roles.js';
import type { ApiKeysTable, Database } from './schema.js';

/** A role descriptor of an API key: the body of a Kibana role. */
export type StoredRoleDescriptor = Omit<RoleDefinition, 'name' | 'reserved'>;

export interface ApiKeyRecord {
  id: string;
  name: string;
  /** The owner. */
  username: string;
  keyHash: string;
  /** By name; empty: the key has its owner's privileges. */
  roleDescriptors: Record<string, StoredRoleDescriptor>;
  metadata: Record<string, unknown>;
  createdAt: number;
  expiresAt: number | null;
  invalidatedAt: number | null;
}

/** Which keys a search returns; every field given narrows it. */
export interface ApiKeyFilter {
  ids?: string[];
  name?: string;
  /** A name prefix, for Elasticsearch's `name=prefix*`. */
  namePrefix?: string;
  username?: string;
  /** Only keys neither invalidated nor expired at this time. */
  activeAt?: number;
}

export class ApiKeysRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(key: ApiKeyRecord): Promise<void> {
    await this.db
      .insertInto('api_keys')
      .values({
        id: key.id,
        name: key.name,
        username: key.username,
        key_hash: key.keyHash,
        role_descriptors: JSON.stringify(key.roleDescriptors),
        metadata: JSON.stringify(key.metadata),
        created_at: key.createdAt,
        expires_at: key.expiresAt,
        invalidated_at: key.invalidatedAt,
      })
      .execute();
  }

  async get(id: string): Promise<ApiKeyRecord | undefined> {
    const row = await this.db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  /** Oldest first. */
  async find(filter: ApiKeyFilter): Promise<ApiKeyRecord[]> {
    let query = this.db.selectFrom('api_keys').selectAll();
    if (filter.ids) query = query.where('id', 'in', filter.ids);
    if (filter.name !== undefined) query = query.where('name', '=', filter.name);
    if (filter.namePrefix !== undefined) {
      // substr rather than LIKE, so that `%` and `_` in a name are not wildcards.
      query = query.where(sql<string>`substr(name, 1, ${filter.namePrefix.length})`, '=', filter.namePrefix);
    }
    if (filter.username !== undefined) query = query.where('username', '=', filter.username);
    if (filter.activeAt !== undefined) {
      const at = filter.activeAt;
      query = query.where('invalidated_at', 'is', null).where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', at)]));
    }
    const rows = await query.orderBy('created_at').orderBy('id').execute();
    return rows.map(fromRow);
  }

  /** Invalidates those of the keys that are not yet; resolves to their ids. */
  async invalidate(ids: string[], at: number): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .updateTable('api_keys')
      .set({ invalidated_at: at })
      .where('id', 'in', ids)
      .where('invalidated_at', 'is', null)
      .returning('id')
      .execute();
    return rows.map((row) => row.id);
  }
}

function fromRow(row: Selectable<ApiKeysTable>): ApiKeyRecord {
  return {
    id: row.id,
    name: row.name,
    username: row.username,
    keyHash: row.key_hash,
    roleDescriptors: JSON.parse(row.role_descriptors) as Record<string, StoredRoleDescriptor>,
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    invalidatedAt: row.invalidated_at,
  };
}
