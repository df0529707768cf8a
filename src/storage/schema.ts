import type { Generated } from 'kysely';

// Row shapes of every table. Both dialects store the same column types: text for ids,
// JSON and ISO timestamps, integer 0/1 for booleans, so one set of migrations serves both.

export interface SpacesTable {
  id: string;
  name: string;
  description: string | null;
  color: string | null;
  initials: string | null;
  image_url: string | null;
  disabled_features: string;
  solution: string | null;
  created_at: string;
  updated_at: string;
}

export interface ConnectorsTable {
  id: string;
  space_id: string;
  type_id: string;
  name: string;
  config: string;
  /** AES-256-GCM envelope of the secrets object; see src/crypto. */
  secrets: string;
  is_missing_secrets: number;
  version: number;
  created_at: string;
  updated_at: string;
}

/** Objects (rules, later) that point at a connector; counted as `referenced_by_count`. */
export interface ConnectorReferencesTable {
  source_type: string;
  source_id: string;
  space_id: string;
  connector_id: string;
}

export interface UsersTable {
  username: string;
  password_hash: string;
  roles: string;
  full_name: string | null;
  email: string | null;
  enabled: number;
  created_at: string;
  updated_at: string;
}

export interface Database {
  spaces: SpacesTable;
  connectors: ConnectorsTable;
  connector_references: ConnectorReferencesTable;
  users: UsersTable;
}

export type Dialect = 'sqlite' | 'postgres';

// Kept for the task manager tables that later migrations add.
export type { Generated };
