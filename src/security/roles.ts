import { z } from 'zod';

// Kibana's role format (PUT /api/security/role/{name}) for the part Plugboard grants by: the
// `kibana` entries, each a base privilege or a feature privilege over a list of spaces.

export const ACTIONS_FEATURE = 'actions';
/** Kibana's "Stack Rules" feature: rules, whatever their consumer (Plugboard has no per-consumer features). */
export const RULES_FEATURE = 'stackAlerts';
export type Privilege = 'all' | 'read';

/**
 * Kibana's sub-feature privilege of the `actions` feature that runs endpoint-security (EDR)
 * connectors. `all` (feature or base) includes it; the `minimal_*` privileges are the primary
 * ones without their sub-features, so `minimal_all` alone leaves it out.
 */
export const ENDPOINT_SECURITY_EXECUTE = 'endpoint_security_execute';
/** The names the `actions` feature takes in a role, as Kibana's feature registry declares them. */
export const ACTIONS_FEATURE_PRIVILEGES = ['all', 'read', 'minimal_all', 'minimal_read', ENDPOINT_SECURITY_EXECUTE] as const;

export const kibanaPrivilegeSchema = z.strictObject({
  base: z.array(z.enum(['all', 'read'])).default([]).meta({ description: 'Privileges over every feature in the spaces.' }),
  feature: z
    .record(z.string(), z.array(z.string()))
    .default({})
    .meta({
      description:
        'Feature privileges, e.g. `{"actions": ["read"]}`; Plugboard checks `actions` (connectors: `all`, `read`, `minimal_all`, `minimal_read`, and the sub-feature privilege `endpoint_security_execute`) `stackAlerts` (rules), and the case features per owner: `generalCases`, `observabilityCases`, `securitySolutionCases` (also their `V2` and `V3` ids; `all`, `read`, `minimal_all`, `minimal_read`, and the sub-feature privileges `cases_delete`, `create_comment` and `cases_settings`).',
    }),
  spaces: z.array(z.string().min(1)).min(1).meta({ description: 'Space ids, or `["*"]` for every space.' }),
});
export type KibanaPrivilege = z.output<typeof kibanaPrivilegeSchema>;

export interface RoleDefinition {
  name: string;
  description?: string;
  kibana: KibanaPrivilege[];
  elasticsearch: Record<string, unknown>;
  metadata: Record<string, unknown>;
  /** Built in: cannot be changed or deleted. */
  reserved: boolean;
}

export const SUPERUSER = 'superuser';
export const VIEWER = 'viewer';

/** The built-in roles: `superuser` may do anything, `viewer` may read (and run) everywhere. */
export const BUILT_IN_ROLES: Record<string, RoleDefinition> = {
  [SUPERUSER]: {
    name: SUPERUSER,
    description: 'Grants full access to Plugboard, its security settings included.',
    kibana: [{ base: ['all'], feature: {}, spaces: ['*'] }],
    elasticsearch: { cluster: ['all'], indices: [], run_as: ['*'] },
    metadata: { _reserved: true },
    reserved: true,
  },
  [VIEWER]: {
    name: VIEWER,
    description: 'Grants read access to connectors in every space: list, get, run and read their history.',
    kibana: [{ base: ['read'], feature: {}, spaces: ['*'] }],
    elasticsearch: {},
    metadata: { _reserved: true },
    reserved: true,
  },
};

/** What a set of roles grants on connectors in one space: nothing, read, or all. */
export function actionsPrivilegeIn(roles: RoleDefinition[], spaceId: string): Privilege | undefined {
  return featurePrivilegeIn(roles, spaceId, ACTIONS_FEATURE);
}

/** What a set of roles grants on rules in one space: nothing, read, or all. */
export function rulesPrivilegeIn(roles: RoleDefinition[], spaceId: string): Privilege | undefined {
  return featurePrivilegeIn(roles, spaceId, RULES_FEATURE);
}

/**
 * Whether the roles may run endpoint-security connectors in a space (Kibana's sub-feature
 * privilege): a base `all`, the feature's `all`, or `endpoint_security_execute` named. It grants
 * no privilege on connectors by itself: running also needs `all` on them.
 */
export function endpointSecurityIn(roles: RoleDefinition[], spaceId: string): boolean {
  return roles.some((role) =>
    role.kibana.some(
      (entry) =>
        (entry.spaces.includes('*') || entry.spaces.includes(spaceId)) &&
        (entry.base.includes('all') || (entry.feature[ACTIONS_FEATURE] ?? []).some((p) => p === 'all' || p === ENDPOINT_SECURITY_EXECUTE)),
    ),
  );
}

/** A feature privilege's primary level: `minimal_all` is `all` without the sub-features, and so on. */
const PRIMARY_LEVELS: Record<string, Privilege> = { all: 'all', minimal_all: 'all', read: 'read', minimal_read: 'read' };

/** A base privilege, or the feature's own privilege, in one space. */
function featurePrivilegeIn(roles: RoleDefinition[], spaceId: string, feature: string): Privilege | undefined {
  let granted: Privilege | undefined;
  for (const role of roles) {
    for (const entry of role.kibana) {
      if (!entry.spaces.includes('*') && !entry.spaces.includes(spaceId)) continue;
      const levels = [...entry.base, ...(entry.feature[feature] ?? []).map((p) => PRIMARY_LEVELS[p])];
      if (levels.includes('all')) return 'all';
      if (levels.includes('read')) granted = 'read';
    }
  }
  return granted;
}

/** Whether the roles give any privilege in a space (Kibana's `login` at that space). */
export function canAccessSpace(roles: RoleDefinition[], spaceId: string): boolean {
  return roles.some((role) =>
    role.kibana.some(
      (entry) =>
        (entry.spaces.includes('*') || entry.spaces.includes(spaceId)) &&
        (entry.base.length > 0 || Object.values(entry.feature).some((levels) => levels.length > 0)),
    ),
  );
}

/** Elasticsearch's cluster privileges that include `monitor`, its read-only monitoring privilege. */
const MONITORING_CLUSTER_PRIVILEGES = ['monitor', 'manage', 'all'];

/**
 * Whether the roles may read `GET /metrics`: the `monitor` cluster privilege, as Elasticsearch
 * grants its own monitoring APIs. It grants nothing else, so it makes scrape-only credentials.
 */
export function canMonitor(roles: RoleDefinition[]): boolean {
  return roles.some((role) => {
    const cluster = role.elasticsearch.cluster;
    return Array.isArray(cluster) && cluster.some((privilege) => MONITORING_CLUSTER_PRIVILEGES.includes(privilege as string));
  });
}

/** Managing spaces takes `all` over every space, as Kibana's space management privilege. */
export function canManageSpaces(roles: RoleDefinition[]): boolean {
  return roles.some((role) => role.kibana.some((entry) => entry.spaces.includes('*') && entry.base.includes('all')));
}

/**
 * Kibana's case features, one per owner, under each id Kibana has given them (the versioned
 * ids came with role migrations in 8.17 and 8.18; roles written for any of them keep working).
 */
export const CASES_FEATURES: Record<string, readonly string[]> = {
  securitySolution: ['securitySolutionCases', 'securitySolutionCasesV2', 'securitySolutionCasesV3'],
  observability: ['observabilityCases', 'observabilityCasesV2', 'observabilityCasesV3'],
  cases: ['generalCases', 'generalCasesV2', 'generalCasesV3'],
};

/** The sub-feature privileges of the case features that Plugboard checks. */
export const CASES_DELETE = 'cases_delete';
export const CASES_CREATE_COMMENT = 'create_comment';
export const CASES_SETTINGS = 'cases_settings';

/** What a set of roles grants on one owner's cases in a space. */
export interface CasesGrant {
  read: boolean;
  /** Create and update cases and their attachments. */
  write: boolean;
  delete: boolean;
  /** Add comments and alerts (with `write`, or by the `create_comment` sub-feature alone). */
  comment: boolean;
  /** Create and change the owner's case configuration (`all`, or the `cases_settings` sub-feature). */
  settings: boolean;
}

/**
 * A base privilege or the owner's case feature: `all` grants everything; `minimal_all` all but
 * deleting and the settings (sub-features `cases_delete`, `cases_settings`); `read` and
 * `minimal_read` reading; the sub-feature privileges add their one operation.
 */
export function casesGrantIn(roles: RoleDefinition[], spaceId: string, owner: string): CasesGrant {
  const grant: CasesGrant = { read: false, write: false, delete: false, comment: false, settings: false };
  const features = CASES_FEATURES[owner] ?? [];
  for (const role of roles) {
    for (const entry of role.kibana) {
      if (!entry.spaces.includes('*') && !entry.spaces.includes(spaceId)) continue;
      const names = [...entry.base, ...features.flatMap((f) => entry.feature[f] ?? [])];
      for (const name of names) {
        if (name === 'all' || name === 'minimal_all') Object.assign(grant, { read: true, write: true, comment: true });
        if (name === 'all') Object.assign(grant, { delete: true, settings: true });
        if (name === 'read' || name === 'minimal_read') grant.read = true;
        if (name === CASES_DELETE) grant.delete = true;
        if (name === CASES_CREATE_COMMENT) grant.comment = true;
        if (name === CASES_SETTINGS) grant.settings = true;
      }
    }
  }
  return grant;
}
