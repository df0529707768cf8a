import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { ApiKeysRepository } from '../storage/api_keys_repository.js';
import type { UsersRepository } from '../storage/users_repository.js';
import { authenticateApiKey } from './api_keys.js';
import { generatePassword, hashPassword, verifyPassword } from './passwords.js';
import { SUPERUSER_ROLE, type Principal } from './principal.js';

export const BOOTSTRAP_USER = 'elastic';

interface Verified {
  principal: Principal;
  /** The hash the password was checked against: a later change of it voids the cache entry. */
  passwordHash: string;
}

/**
 * Standard base64 as Java's basic decoder takes it, which Elasticsearch uses: the standard
 * alphabet only, padding optional but correct when present, nothing after it.
 */
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;

/**
 * `Basic base64(user:password)` or `ApiKey base64(id:api_key)`, read as Elasticsearch reads
 * them: the scheme in any case, one space, then the credential, which must be strict base64 of
 * two non-empty parts around the first colon. Anything else is no credential at all.
 */
export function parseAuthorization(authorization: string): { scheme: 'basic' | 'apikey'; name: string; secret: string } | undefined {
  const match = /^(Basic|ApiKey) (.*)$/is.exec(authorization);
  if (!match || !STRICT_BASE64.test(match[2])) return undefined;
  const decoded = Buffer.from(match[2], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  // No stored name or key holds a NUL, and PostgreSQL cannot even look one up.
  if (colon < 1 || colon === decoded.length - 1 || decoded.includes('\0')) return undefined;
  return { scheme: match[1].toLowerCase() === 'apikey' ? 'apikey' : 'basic', name: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

const CACHE_TTL_MS = 5 * 60_000;
const CACHE_MAX = 1000;

/**
 * Checks `Authorization` headers. A verified password is cached by the SHA-256 of the header
 * for a few minutes, as Elasticsearch's realms do, so the slow password hash is paid once per
 * client; each hit still reads the user's row, so that a password change, a disabled or
 * deleted user and new roles take effect at once on every instance sharing the database.
 * API keys are checked against their row on every request: their hash is fast.
 */
export class Authenticator {
  private readonly cache = new Map<string, { principal: Principal; passwordHash: string; expires: number }>();
  /** Checks under way, so that a burst of requests with new credentials hashes once. */
  private readonly pending = new Map<string, Promise<Verified | undefined>>();
  /** Bumped by forgetUser: a check that started before it must not fill the cache. */
  private generation = 0;

  constructor(
    private readonly users: UsersRepository,
    /** Without it, `ApiKey` credentials are refused. */
    private readonly apiKeys?: ApiKeysRepository,
  ) {}

  /** Returns the principal, or undefined for missing or wrong credentials. */
  async authenticate(authorization: string | undefined): Promise<Principal | undefined> {
    if (!authorization) return undefined;
    const credentials = parseAuthorization(authorization);
    if (!credentials) return undefined;
    if (credentials.scheme === 'apikey') {
      return this.apiKeys && authenticateApiKey(this.apiKeys, this.users, credentials.name, credentials.secret);
    }
    const cacheKey = createHash('sha256').update(authorization).digest('base64');
    const cached = this.cache.get(cacheKey);
    if (cached && cached.expires > Date.now()) {
      const user = await this.users.get(cached.principal.username);
      if (user?.enabled && user.passwordHash === cached.passwordHash) return { ...cached.principal, roles: user.roles };
      // Changed since: check the presented password against the current row.
      this.cache.delete(cacheKey);
    }
    const generation = this.generation;
    let check = this.pending.get(cacheKey);
    if (!check) {
      const started: Promise<Verified | undefined> = this.verifyPassword(credentials.name, credentials.secret).finally(() => {
        if (this.pending.get(cacheKey) === started) this.pending.delete(cacheKey);
      });
      check = started;
      this.pending.set(cacheKey, check);
    }
    const verified = await check;
    if (verified && generation === this.generation) {
      if (this.cache.size >= CACHE_MAX) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(cacheKey, { ...verified, expires: Date.now() + CACHE_TTL_MS });
    }
    return verified?.principal;
  }

  private async verifyPassword(username: string, password: string): Promise<Verified | undefined> {
    const user = await this.users.get(username);
    if (!user || !user.enabled) return undefined;
    if (!(await verifyPassword(password, user.passwordHash))) return undefined;
    return { principal: { username, roles: user.roles, authenticationType: 'basic' }, passwordHash: user.passwordHash };
  }

  /** Forgets cached credentials, e.g. after a password change. */
  clearCache(): void {
    this.cache.clear();
  }

  /**
   * Forgets what is cached about a user, after a change of password, roles or enabled state or
   * a delete: their next request is checked against the database again. Checks under way may
   * have read the old row, so they are dropped too and their results are not cached.
   */
  forgetUser(username: string): void {
    this.generation++;
    this.pending.clear();
    for (const [key, entry] of this.cache) if (entry.principal.username === username) this.cache.delete(key);
  }
}

/**
 * Makes sure the `elastic` superuser exists. A configured password is applied on every start;
 * without one, a password is generated on first start and printed once.
 */
export async function ensureBootstrapUser(users: UsersRepository, configured: string | undefined, logger: Logger): Promise<void> {
  const existing = await users.get(BOOTSTRAP_USER);
  if (existing) {
    if (configured && !(await verifyPassword(configured, existing.passwordHash))) {
      await users.setPasswordHash(BOOTSTRAP_USER, await hashPassword(configured));
    }
    return;
  }
  const password = configured ?? generatePassword();
  const created = await users.insertIfAbsent({
    username: BOOTSTRAP_USER,
    passwordHash: await hashPassword(password),
    roles: [SUPERUSER_ROLE],
    enabled: true,
  });
  if (created && !configured) {
    // Printed once, to the terminal only: the log is not a place for credentials.
    process.stdout.write(
      `\nGenerated a password for the "${BOOTSTRAP_USER}" superuser: ${password}\n` +
        'It is shown only this once. Set PLUGBOARD_ELASTIC_PASSWORD to choose your own.\n\n',
    );
    logger.info(`Created the "${BOOTSTRAP_USER}" superuser with a generated password (printed on the terminal)`);
  }
}
