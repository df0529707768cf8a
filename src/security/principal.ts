import type { RoleDefinition } from './roles.js';

/** Who is making a request, as established by authentication. */
export interface Principal {
  /** For an API key: its owner. */
  username: string;
  /** For an API key: its owner's roles, read when the key authenticates. */
  roles: string[];
  /** How the request authenticated. */
  authenticationType: 'basic' | 'internal' | 'api_key' | 'ingest_token';
  /** An ingest token (`plugboard.ingest.tokens`): the one space whose alert routes it opens. */
  ingestSpace?: string;
  /**
   * An API key's role descriptors: the key gets no more than both they and `roles` grant, as
   * Elasticsearch limits a key by its owner. Absent: `roles` alone decide.
   */
  limitedBy?: RoleDefinition[];
  /** The API key the request authenticated with; `expiration` in epoch milliseconds. */
  apiKey?: { id: string; name: string; expiration?: number };
}

export const SUPERUSER_ROLE = 'superuser';

/**
 * Whether the principal may do anything, security management included: the `superuser` role,
 * and not through an API key whose role descriptors narrow it (they can grant less than all).
 */
export function isSuperuser(principal: Principal): boolean {
  return principal.roles.includes(SUPERUSER_ROLE) && !principal.limitedBy;
}

/** The principal for work Plugboard does on its own behalf (start-up, CLI). */
export const INTERNAL_PRINCIPAL: Principal = { username: '_plugboard', roles: [SUPERUSER_ROLE], authenticationType: 'internal' };
