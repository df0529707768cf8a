import type { Kysely } from 'kysely';
import { BUILT_IN_ROLES, type RoleDefinition } from '../security/roles.js';
import type { Database } from './schema.js';

type StoredRole = Omit<RoleDefinition, 'reserved'>;

/** The built-in role of this name: own properties only, so that `toString` is no role. */
export function builtInRole(name: string): RoleDefinition | undefined {
  return Object.hasOwn(BUILT_IN_ROLES, name) ? BUILT_IN_ROLES[name] : undefined;
}

/** Roles stored in the database, with the built-in roles in front of them. */
export class RolesRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async get(name: string): Promise<RoleDefinition | undefined> {
    const builtIn = builtInRole(name);
    if (builtIn) return builtIn;
    const row = await this.db.selectFrom('roles').selectAll().where('name', '=', name).executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  /** The roles of these names that exist (unknown names grant nothing, as in Kibana). */
  async getMany(names: string[]): Promise<RoleDefinition[]> {
    const builtIn = names.map(builtInRole).filter((r): r is RoleDefinition => r !== undefined);
    const stored = names.filter((n) => !builtInRole(n));
    if (stored.length === 0) return builtIn;
    const rows = await this.db.selectFrom('roles').selectAll().where('name', 'in', stored).execute();
    return [...builtIn, ...rows.map(fromRow)];
  }

  async list(): Promise<RoleDefinition[]> {
    const rows = await this.db.selectFrom('roles').selectAll().orderBy('name').execute();
    return [...Object.values(BUILT_IN_ROLES), ...rows.map(fromRow)];
  }

  /** Creates or replaces a role; resolves to whether it was created. */
  async put(role: StoredRole): Promise<boolean> {
    const now = Date.now();
    const values = {
      description: role.description ?? null,
      kibana: JSON.stringify(role.kibana),
      elasticsearch: JSON.stringify(role.elasticsearch),
      metadata: JSON.stringify(role.metadata),
      updated_at: now,
    };
    const existed = await this.db.selectFrom('roles').select('name').where('name', '=', role.name).executeTakeFirst();
    await this.db
      .insertInto('roles')
      .values({ name: role.name, ...values, created_at: now })
      .onConflict((oc) => oc.column('name').doUpdateSet(values))
      .execute();
    return !existed;
  }

  async delete(name: string): Promise<boolean> {
    const result = await this.db.deleteFrom('roles').where('name', '=', name).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}

function fromRow(row: Database['roles']): RoleDefinition {
  return {
    name: row.name,
    ...(row.description ? { description: row.description } : {}),
    kibana: JSON.parse(row.kibana) as RoleDefinition['kibana'],
    elasticsearch: JSON.parse(row.elasticsearch) as Record<string, unknown>,
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    reserved: false,
  };
}
