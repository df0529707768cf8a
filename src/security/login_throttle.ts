import { PlugboardError } from '../common/errors.js';
import type { Principal } from './principal.js';

/** plugboard.security.loginThrottle.*: the window in milliseconds. */
export interface LoginThrottleSettings {
  maxFailuresPerUser: number;
  maxFailuresPerAddress: number;
  window: number;
}

/** Beyond this many keys the least recently failed are forgotten, so made-up usernames cannot exhaust memory. */
const MAX_KEYS = 100_000;

/** Failures per key (a username or an address) within a sliding window, and checks in flight. */
class FailureLog {
  /** Times of the latest failures, oldest first, at most `limit` of them. */
  private readonly failures = new Map<string, number[]>();
  private readonly checking = new Map<string, number>();

  constructor(
    private readonly limit: number,
    private readonly window: number,
  ) {}

  /**
   * Milliseconds until the key may try again, 0 when it may now. Checks in flight count as
   * failures: otherwise a burst of guesses sent at once would all be checked.
   */
  blockedFor(key: string, now: number): number {
    const times = (this.failures.get(key) ?? []).filter((t) => t > now - this.window);
    const excess = times.length + (this.checking.get(key) ?? 0) - this.limit;
    if (excess < 0) return 0;
    return excess < times.length ? times[excess] + this.window - now : this.window;
  }

  startCheck(key: string): void {
    this.checking.set(key, (this.checking.get(key) ?? 0) + 1);
  }

  endCheck(key: string): void {
    const count = this.checking.get(key)! - 1;
    if (count === 0) this.checking.delete(key);
    else this.checking.set(key, count);
  }

  record(key: string, now: number): void {
    const times = (this.failures.get(key) ?? []).filter((t) => t > now - this.window);
    times.push(now);
    if (times.length > this.limit) times.shift();
    // Re-inserted, so that the Map's order is least recently failed first.
    this.failures.delete(key);
    this.failures.set(key, times);
    if (this.failures.size > MAX_KEYS) this.failures.delete(this.failures.keys().next().value!);
  }

  forget(key: string): void {
    this.failures.delete(key);
  }
}

/**
 * Refuses password checks for a username, or from a client address, that failed too often
 * within the window, before the password is looked at, so that passwords cannot be guessed at
 * speed. A success clears the user's failures (not the address's: one account of your own must
 * not buy more guesses at others).
 *
 * The counts live in memory, per instance: behind a load balancer each instance allows the
 * limits on its own, which still bounds guessing to a small multiple of them.
 */
export class LoginThrottle {
  private readonly users: FailureLog;
  private readonly addresses: FailureLog;
  /** Checks in flight by credentials: the same credentials sent in parallel are one attempt. */
  private readonly inFlight = new Map<string, Promise<Principal | undefined>>();

  constructor(settings: LoginThrottleSettings) {
    this.users = new FailureLog(settings.maxFailuresPerUser, settings.window);
    this.addresses = new FailureLog(settings.maxFailuresPerAddress, settings.window);
  }

  /**
   * Runs `check` of `Basic` credentials unless their username or the client address is
   * throttled, and counts its outcome (undefined: wrong credentials). A throttled attempt is
   * refused with 429 and a `Retry-After` header set through `reply`. Other schemes are checked
   * as they are.
   */
  async attempt(
    authorization: string,
    address: string,
    reply: { header(name: string, value: string): unknown },
    check: () => Promise<Principal | undefined>,
  ): Promise<Principal | undefined> {
    const username = basicUsername(authorization);
    if (username === undefined) return check();
    const same = this.inFlight.get(authorization);
    if (same) return same;
    const now = Date.now();
    const wait = Math.max(this.users.blockedFor(username, now), this.addresses.blockedFor(address, now));
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      reply.header('Retry-After', String(seconds));
      throw new PlugboardError(429, `Too many failed login attempts for "${username}"; try again in ${seconds} seconds`);
    }
    const attempt = this.counted(username, address, check).finally(() => this.inFlight.delete(authorization));
    this.inFlight.set(authorization, attempt);
    return attempt;
  }

  private async counted(username: string, address: string, check: () => Promise<Principal | undefined>): Promise<Principal | undefined> {
    this.users.startCheck(username);
    this.addresses.startCheck(address);
    let principal: Principal | undefined;
    try {
      principal = await check();
    } finally {
      this.users.endCheck(username);
      this.addresses.endCheck(address);
    }
    if (principal) {
      this.users.forget(username);
    } else {
      this.users.record(username, Date.now());
      this.addresses.record(address, Date.now());
    }
    return principal;
  }
}

/** The username of `Basic` credentials; undefined for other schemes. */
export function basicUsername(authorization: string): string | undefined {
  const match = /^Basic\s+(\S+)\s*$/i.exec(authorization);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : decoded.slice(0, colon);
}
