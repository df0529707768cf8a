import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { forbidden } from '../common/errors.js';
import type { ApiKeyRecord, ApiKeysRepository, StoredRoleDescriptor } from '../storage/api_keys_repository.js';
import type { UsersRepository } from '../storage/users_repository.js';
import { isSuperuser, type Principal } from './principal.js';

// API keys in the shapes of Elasticsearch's API key API. A key is 32 random bytes and only its
// SHA-256 is stored. A slow hash guards secrets that people choose, which can be guessed; 256
// random bits cannot be, so a slow hash would only cost CPU on every uncached request (and
// Elasticsearch, too, checks keys against a fast hash in its cache).

/** The realm that API keys report, as Elasticsearch reports its owner's realm. */
export const API_KEY_REALM = 'plugboard';

export interface CreateApiKeyInput {
  name: string;
  /** Lifetime in milliseconds; none: the key does not expire. */
  expiration?: number;
  role_descriptors: Record<string, StoredRoleDescriptor>;
  metadata: Record<string, unknown>;
}

/** The answer to a create: the only time the key is shown. */
export interface CreatedApiKey {
  id: string;
  name: string;
  api_key: string;
  /** base64 of `id:api_key`, for `Authorization: ApiKey <encoded>`. */
  encoded: string;
  expiration?: number;
}

/** A key as Elasticsearch's get API key information answers it: never the key or its hash. */
export interface ApiKeyView {
  id: string;
  name: string;
  creation: number;
  expiration?: number;
  invalidated: boolean;
  invalidation?: number;
  username: string;
  realm: string;
  metadata: Record<string, unknown>;
  role_descriptors: Record<string, StoredRoleDescriptor>;
}

export interface ApiKeyQuery {
  id?: string;
  /** A name, or a prefix followed by `*`. */
  name?: string;
  /** Only the caller's own keys, even for a superuser. */
  owner: boolean;
  activeOnly: boolean;
}

export interface InvalidateApiKeysInput {
  ids?: string[];
  name?: string;
  owner: boolean;
}

export interface InvalidateApiKeysResult {
  invalidated_api_keys: string[];
  previously_invalidated_api_keys: string[];
  error_count: number;
}

function hashApiKey(key: string): string {
  return `sha256$${createHash('sha256').update(key).digest('base64')}`;
}

function hashMatches(key: string, stored: string): boolean {
  const actual = Buffer.from(hashApiKey(key));
  const expected = Buffer.from(stored);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** Keys of other users are only for a superuser, and only when not asking for its own. */
function ownerFilter(principal: Principal, owner: boolean): { username?: string } {
  return owner || !isSuperuser(principal) ? { username: principal.username } : {};
}

/**
 * A key narrowed by role descriptors (a scrape-only key, say) reaches only itself: were it to
 * list or invalidate its owner's other keys, it could do more than its descriptors grant.
 */
function reachableBy(principal: Principal): (record: ApiKeyRecord) => boolean {
  const self = principal.limitedBy ? principal.apiKey?.id : undefined;
  return (record) => self === undefined || record.id === self;
}

/**
 * Creates, lists and invalidates API keys. Every user may manage their own keys; a superuser
 * may see and invalidate everybody's. Invalidation applies to the very next request.
 */
export class ApiKeysService {
  constructor(private readonly keys: ApiKeysRepository) {}

  async create(principal: Principal, input: CreateApiKeyInput): Promise<CreatedApiKey> {
    // A key that made keys could hand out more than its own role descriptors allow.
    if (principal.authenticationType === 'api_key') throw forbidden('API keys cannot create API keys; authenticate as a user');
    // Elasticsearch's ids are 20 characters; base64url keeps `:` out of them.
    const id = randomBytes(15).toString('base64url');
    const apiKey = randomBytes(32).toString('base64url');
    const createdAt = Date.now();
    const expiresAt = input.expiration === undefined ? null : createdAt + input.expiration;
    await this.keys.insert({
      id,
      name: input.name,
      username: principal.username,
      keyHash: hashApiKey(apiKey),
      roleDescriptors: input.role_descriptors,
      metadata: input.metadata,
      createdAt,
      expiresAt,
      invalidatedAt: null,
    });
    return {
      id,
      name: input.name,
      api_key: apiKey,
      encoded: Buffer.from(`${id}:${apiKey}`).toString('base64'),
      ...(expiresAt !== null ? { expiration: expiresAt } : {}),
    };
  }

  async list(principal: Principal, query: ApiKeyQuery): Promise<ApiKeyView[]> {
    const records = await this.keys.find({
      ...(query.id !== undefined ? { ids: [query.id] } : {}),
      ...(query.name === undefined ? {} : query.name.endsWith('*') ? { namePrefix: query.name.slice(0, -1) } : { name: query.name }),
      ...ownerFilter(principal, query.owner),
      ...(query.activeOnly ? { activeAt: Date.now() } : {}),
    });
    return records.filter(reachableBy(principal)).map(toView);
  }

  /**
   * Invalidates the keys that match, among those the principal may manage; others are not
   * matched, as Elasticsearch answers a request limited to the caller's own keys.
   */
  async invalidate(principal: Principal, input: InvalidateApiKeysInput): Promise<InvalidateApiKeysResult> {
    const matched = (await this.keys.find({ ids: input.ids, name: input.name, ...ownerFilter(principal, input.owner) }))
      .filter(reachableBy(principal))
      .map((key) => key.id);
    const invalidated = await this.keys.invalidate(matched, Date.now());
    return {
      invalidated_api_keys: invalidated,
      previously_invalidated_api_keys: matched.filter((id) => !invalidated.includes(id)),
      error_count: 0,
    };
  }
}

/**
 * The principal of an API key: its owner, with the owner's current roles, limited by the key's
 * role descriptors when it has any. Unknown, wrong, expired or invalidated keys, and keys of a
 * disabled or deleted owner, authenticate nobody.
 */
export async function authenticateApiKey(keys: ApiKeysRepository, users: UsersRepository, id: string, key: string): Promise<Principal | undefined> {
  const record = await keys.get(id);
  if (!record || !hashMatches(key, record.keyHash) || !isActive(record, Date.now())) return undefined;
  const owner = await users.get(record.username);
  if (!owner?.enabled) return undefined;
  const descriptors = Object.entries(record.roleDescriptors);
  return {
    username: owner.username,
    roles: owner.roles,
    authenticationType: 'api_key',
    ...(descriptors.length > 0 ? { limitedBy: descriptors.map(([name, descriptor]) => ({ name, ...descriptor, reserved: false })) } : {}),
    apiKey: { id: record.id, name: record.name, ...(record.expiresAt !== null ? { expiration: record.expiresAt } : {}) },
  };
}

function isActive(record: ApiKeyRecord, now: number): boolean {
  return record.invalidatedAt === null && (record.expiresAt === null || record.expiresAt > now);
}

function toView(record: ApiKeyRecord): ApiKeyView {
  return {
    id: record.id,
    name: record.name,
    creation: record.createdAt,
    ...(record.expiresAt !== null ? { expiration: record.expiresAt } : {}),
    invalidated: record.invalidatedAt !== null,
    ...(record.invalidatedAt !== null ? { invalidation: record.invalidatedAt } : {}),
    username: record.username,
    realm: API_KEY_REALM,
    metadata: record.metadata,
    role_descriptors: record.roleDescriptors,
  };
}
