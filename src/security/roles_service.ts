import { badRequest, notFound } from '../common/errors.js';
import { builtInRole, type RolesRepository } from '../storage/roles_repository.js';
import type { KibanaPrivilege, RoleDefinition } from './roles.js';

/** A role as Kibana's GET /api/security/role answers it. */
export interface RoleView {
  name: string;
  description?: string;
  metadata: Record<string, unknown>;
  transient_metadata: { enabled: boolean };
  elasticsearch: Record<string, unknown> & { cluster: unknown[]; indices: unknown[]; run_as: unknown[] };
  kibana: KibanaPrivilege[];
  _transform_error: string[];
  _unrecognized_applications: string[];
}

/** The body of Kibana's PUT /api/security/role/{name}. */
export interface RoleInput {
  description?: string;
  elasticsearch: Record<string, unknown>;
  kibana: KibanaPrivilege[];
  metadata: Record<string, unknown>;
}

const roleNotFound = (name: string) => notFound(`role [${name}] not found`);

/** Roles in Kibana's format. The built-in roles are listed but cannot be changed or deleted. */
export class RolesService {
  constructor(private readonly roles: RolesRepository) {}

  async list(): Promise<RoleView[]> {
    const roles = await this.roles.list();
    return roles.map(toView).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async get(name: string): Promise<RoleView> {
    const role = await this.roles.get(name);
    if (!role) throw roleNotFound(name);
    return toView(role);
  }

  /** Creates or replaces a role; resolves to whether it was created. */
  async put(name: string, input: RoleInput): Promise<boolean> {
    if (builtInRole(name)) throw badRequest(`role [${name}] is reserved and cannot be modified`);
    return this.roles.put({ name, ...input });
  }

  async delete(name: string): Promise<void> {
    if (builtInRole(name)) throw badRequest(`role [${name}] is reserved and cannot be deleted`);
    if (!(await this.roles.delete(name))) throw roleNotFound(name);
  }
}

function toView(role: RoleDefinition): RoleView {
  return {
    name: role.name,
    ...(role.description !== undefined ? { description: role.description } : {}),
    metadata: role.metadata,
    transient_metadata: { enabled: true },
    elasticsearch: { cluster: [], indices: [], run_as: [], ...role.elasticsearch },
    kibana: role.kibana,
    _transform_error: [],
    _unrecognized_applications: [],
  };
}
