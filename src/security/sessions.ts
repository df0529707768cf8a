import { createHash, randomBytes } from 'node:crypto';
import { PlugboardError } from '../common/errors.js';
import type { SessionsRepository } from '../storage/sessions_repository.js';
import type { UsersRepository } from '../storage/users_repository.js';
import type { Principal } from './principal.js';

/** xpack.security.session.*: durations in milliseconds; null or 0 means no limit, as in Kibana. */
export interface SessionSettings {
  idleTimeout: number | null;
  lifespan: number | null;
}

/** last_seen_at is written at most this often per session, so that reads stay reads. */
const TOUCH_INTERVAL_MS = 60_000;

const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');

/**
 * Browser sessions, kept in the database so that every instance sees them. The cookie holds a
 * random id; the table only its SHA-256, so reading the table does not give away sessions. Each
 * request re-reads the session and its user, so a logout, a disabled or deleted user, or a new
 * password takes effect at once everywhere.
 */
export class SessionStore {
  private readonly idleTimeout: number | undefined;
  private readonly lifespan: number | undefined;
  private readonly touchInterval: number;

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly users: UsersRepository,
    settings: SessionSettings,
  ) {
    this.idleTimeout = settings.idleTimeout || undefined;
    this.lifespan = settings.lifespan || undefined;
    // A very short idle timeout (tests, kiosks) needs fresher last_seen_at values.
    this.touchInterval = Math.min(TOUCH_INTERVAL_MS, (this.idleTimeout ?? Infinity) / 2);
  }

  /** Opens a session for a user whose credentials were just checked; resolves to the cookie value. */
  async create(username: string): Promise<string> {
    const user = await this.users.get(username);
    // Deleted between the password check and now.
    if (!user) throw new PlugboardError(401, 'Unauthorized');
    const now = Date.now();
    // Logins are rare: a good moment to drop sessions nobody came back to.
    await this.sessions.deleteStale(now, this.idleTimeout === undefined ? undefined : now - this.idleTimeout);
    const id = randomBytes(32).toString('base64url');
    await this.sessions.insert({
      id_hash: sha256(id),
      username,
      created_at: now,
      last_seen_at: now,
      expires_at: this.lifespan === undefined ? Number.MAX_SAFE_INTEGER : now + this.lifespan,
      password_stamp: sha256(user.passwordHash),
    });
    return id;
  }

  /**
   * The principal of a live session, or undefined. A session that is idle, past its lifespan,
   * of a disabled or deleted user, or opened with a password since changed is deleted.
   */
  async authenticate(id: string): Promise<Principal | undefined> {
    const idHash = sha256(id);
    const session = await this.sessions.get(idHash);
    if (!session) return undefined;
    const now = Date.now();
    const user =
      now < session.expires_at && (this.idleTimeout === undefined || now < session.last_seen_at + this.idleTimeout)
        ? await this.users.get(session.username)
        : undefined;
    if (!user?.enabled || sha256(user.passwordHash) !== session.password_stamp) {
      await this.sessions.delete(idHash);
      return undefined;
    }
    if (now - session.last_seen_at >= this.touchInterval) await this.sessions.setLastSeen(idHash, now);
    return { username: user.username, roles: user.roles, authenticationType: 'basic' };
  }

  /** Ends a session (logout); unknown ids are ignored. */
  async end(id: string): Promise<void> {
    await this.sessions.delete(sha256(id));
  }

  /**
   * After `username` changed their password through this session, keeps it alive: the change
   * ends only their other sessions. Does nothing when the session is someone else's.
   */
  async keepAfterPasswordChange(id: string, username: string): Promise<void> {
    const user = await this.users.get(username);
    if (user) await this.sessions.setPasswordStamp(sha256(id), username, sha256(user.passwordHash));
  }
}
