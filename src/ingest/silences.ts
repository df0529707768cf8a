import { randomUUID } from 'node:crypto';
import type { SilenceMatcher, SilenceRecord, SilencesRepository } from '../storage/silences_repository.js';
import { fromGoSyntax, goRegexpError } from './go_regexp.js';
import { matchesLabels, matchesValue, type Matcher } from './matchers.js';
import type { SilenceLookup } from './types.js';
import { LABEL_NAME } from './label_name.js';

// Alertmanager's silences (silence/silence.go of 0.25), per space, stored in the database so
// that every instance sees them: the state from the times, `Set` with its rules for what an
// update may change, expiry, the retention of expired silences, and the lookup that tells
// whether an alert's labels are silenced.

export type SilenceState = 'active' | 'pending' | 'expired';

/** A silence as posted, once its JSON has the API's shape (see src/http/routes/silences.ts). */
export interface PostedSilence {
  id?: string;
  matchers: SilenceMatcher[];
  startsAt: Date;
  endsAt: Date;
  createdBy: string;
  comment: string;
}

/**
 * Alertmanager's state of a silence at `now` (epoch ms). Alertmanager keeps nanoseconds and
 * counts the end instant itself as active; with milliseconds, a silence expired (its end set to
 * now) would then still be active for the rest of that millisecond, so here the end is expired.
 */
export function silenceState(silence: Pick<SilenceRecord, 'startsAt' | 'endsAt'>, now: number): SilenceState {
  if (now < Date.parse(silence.startsAt)) return 'pending';
  if (now >= Date.parse(silence.endsAt)) return 'expired';
  return 'active';
}

/** Why a silence could not be set: `notFound` (the id names none) or `invalid` (the message is Alertmanager's). */
export class SilenceSetError extends Error {
  constructor(
    readonly kind: 'notFound' | 'invalid',
    message: string,
  ) {
    super(message);
  }
}

export const SILENCE_NOT_FOUND = 'silence not found';

/** A silence's matcher as the matchers module has it (`isEqual: false` negates). */
export function toMatcher({ name, value, isRegex, isEqual }: SilenceMatcher): Matcher {
  return { name, value, type: isRegex ? (isEqual ? '=~' : '!~') : isEqual ? '=' : '!=' };
}


/** Go's %q of a string: double quotes, backslash escapes, \x for other control characters. */
export function goQuote(text: string): string {
  const escaped = text.replace(/[\\"\u0000-\u001f\u007f]/g, (ch) => {
    const named: Record<string, string> = { '\\': '\\\\', '"': '\\"', '\n': '\\n', '\t': '\\t', '\r': '\\r', '\b': '\\b', '\f': '\\f', '\u0007': '\\a', '\u000b': '\\v' };
    return named[ch] ?? `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
  return `"${escaped}"`;
}

/** The problem Alertmanager's validateSilence finds with the matchers, if any. */
function invalidMatchers(matchers: readonly SilenceMatcher[]): string | undefined {
  if (matchers.length === 0) return 'at least one matcher required';
  let allMatchEmpty = true;
  for (const [i, m] of matchers.entries()) {
    if (!LABEL_NAME.test(m.name)) return `invalid label matcher ${i}: invalid label name ${goQuote(m.name)}`;
    if (m.isRegex) {
      const go = fromGoSyntax(m.value);
      if ('error' in go) return `invalid label matcher ${i}: invalid regular expression ${goQuote(m.value)}: ${go.error}`;
      try {
        new RegExp(go.source, go.flags);
      } catch (err) {
        return `invalid label matcher ${i}: invalid regular expression ${goQuote(m.value)}: ${goRegexpError(m.value, err as Error)}`;
      }
    }
    // Only `=` and `=~` can match the empty string (silence.go matchesEmpty).
    allMatchEmpty &&= m.isEqual && matchesValue(toMatcher(m), '');
  }
  if (allMatchEmpty) return 'at least one matcher must not match the empty string';
  return undefined;
}

function sameMatchers(a: readonly SilenceMatcher[], b: readonly SilenceMatcher[]): boolean {
  return a.length === b.length && a.every((m, i) => m.name === b[i].name && m.value === b[i].value && m.isRegex === b[i].isRegex && m.isEqual === b[i].isEqual);
}

/** silence.go canUpdate: whether `prev` may become `next` in place without rewriting what it silenced. */
function canUpdate(prev: SilenceRecord, next: PostedSilence, now: number): boolean {
  if (!sameMatchers(prev.matchers, next.matchers)) return false;
  switch (silenceState(prev, now)) {
    case 'active':
      return next.startsAt.getTime() === Date.parse(prev.startsAt) && next.endsAt.getTime() >= now;
    case 'pending':
      return next.startsAt.getTime() >= now;
    case 'expired':
      return false;
  }
}

/** silence.go expire: an active silence ends now; a pending one starts and ends now; an expired one stays. */
function expired(silence: SilenceRecord, now: number): SilenceRecord | undefined {
  const at = new Date(now).toISOString();
  switch (silenceState(silence, now)) {
    case 'expired':
      return undefined;
    case 'active':
      return { ...silence, endsAt: at, updatedAt: at };
    case 'pending':
      return { ...silence, startsAt: at, endsAt: at, updatedAt: at };
  }
}

/** Alertmanager's order of a silence list: active by end, pending by start, expired most recent first. */
const STATE_ORDER: Record<SilenceState, number> = { active: 1, pending: 2, expired: 3 };

export function sortSilences(silences: SilenceRecord[], now: number): SilenceRecord[] {
  const keyed = silences.map((s) => ({ s, state: silenceState(s, now), start: Date.parse(s.startsAt), end: Date.parse(s.endsAt) }));
  keyed.sort((a, b) => {
    if (a.state !== b.state) return STATE_ORDER[a.state] - STATE_ORDER[b.state];
    if (a.state === 'active') return a.end - b.end;
    if (a.state === 'pending') return a.start - b.start;
    return b.end - a.end;
  });
  return keyed.map((k) => k.s);
}

/** The API's silence (GettableSilence), fields in Alertmanager's order. */
export function gettableSilence(silence: SilenceRecord, now: number) {
  return {
    id: silence.id,
    status: { state: silenceState(silence, now) },
    updatedAt: silence.updatedAt,
    comment: silence.comment,
    createdBy: silence.createdBy,
    endsAt: silence.endsAt,
    matchers: silence.matchers.map((m) => ({ isEqual: m.isEqual, isRegex: m.isRegex, name: m.name, value: m.value })),
    startsAt: silence.startsAt,
  };
}

/**
 * api.go CheckSilenceMatchesFilterLabels: every filter matcher has its twin (name, operator and
 * value) among the silence's matchers. The filter selects silences by how they are written, not
 * by what they would silence.
 */
export function silenceMatchesFilter(silence: SilenceRecord, filter: readonly Matcher[]): boolean {
  const own = silence.matchers.map(toMatcher);
  return filter.every((f) => own.some((m) => m.name === f.name && m.type === f.type && m.value === f.value));
}

export interface SilencesOptions {
  /** How long an expired silence is kept (Alertmanager's --data.retention), ms. */
  retentionMs: number;
  /** How long the lookup trusts its copy of a space's silences, ms (writes of other instances show after it). */
  lookupTtlMs?: number;
  /** A monotonic clock for the lookup's cache, ms. */
  monotonic?: () => number;
}

interface CompiledSilence {
  id: string;
  startsAt: string;
  endsAt: string;
  matchers: Matcher[];
}

interface CacheEntry {
  loadedAt: number;
  /** Silences that ended before this (epoch ms) are not in the copy. */
  cutoff: number;
  silences: Promise<CompiledSilence[]>;
}

/** How far before a lookup's time the copy reaches, so that lookups a little in the past still use it. */
const CUTOFF_MARGIN_MS = 60_000;

/** The silences of every space, and the lookup of which silence an alert's labels. */
export class Silences implements SilenceLookup {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly ttlMs: number;
  private readonly monotonic: () => number;

  constructor(
    private readonly repository: SilencesRepository,
    private readonly options: SilencesOptions,
  ) {
    this.ttlMs = options.lookupTtlMs ?? 1000;
    this.monotonic = options.monotonic ?? (() => performance.now());
  }

  private keptSince(now: number): string {
    return new Date(now - this.options.retentionMs).toISOString();
  }

  /** A silence of the space, unless unknown or past its retention. */
  get(spaceId: string, id: string, now: Date): Promise<SilenceRecord | undefined> {
    return this.repository.get(spaceId, id, this.keptSince(now.getTime()));
  }

  /** The space's silences in Alertmanager's order, those the filter selects. */
  async list(spaceId: string, filter: readonly Matcher[], now: Date): Promise<SilenceRecord[]> {
    const all = await this.repository.list(spaceId, this.keptSince(now.getTime()));
    return sortSilences(
      all.filter((s) => silenceMatchesFilter(s, filter)),
      now.getTime(),
    );
  }

  /**
   * silence.go Set: a new silence, or an update of `posted.id` in place when canUpdate allows it;
   * otherwise the old one is expired (unless it already is) and a new one with a new id replaces
   * it. Answers the id. Alertmanager 0.25 validates after the id's lookup, as here.
   */
  async set(spaceId: string, posted: PostedSilence, now: Date): Promise<string> {
    const t = now.getTime();
    const at = now.toISOString();
    const id = await this.repository.write(async (writer) => {
      const prev = posted.id ? await writer.getForUpdate(spaceId, posted.id) : undefined;
      if (posted.id && (!prev || prev.endsAt < this.keptSince(t))) throw new SilenceSetError('notFound', SILENCE_NOT_FOUND);
      const invalid = invalidMatchers(posted.matchers);
      if (invalid) throw new SilenceSetError('invalid', `silence invalid: ${invalid}`);
      const fields = { matchers: posted.matchers, createdBy: posted.createdBy, comment: posted.comment, endsAt: posted.endsAt.toISOString(), updatedAt: at };
      if (prev && canUpdate(prev, posted, t)) {
        await writer.update({ ...prev, ...fields, startsAt: posted.startsAt.toISOString() });
        return prev.id;
      }
      if (prev) {
        const ended = expired(prev, t);
        if (ended) await writer.update(ended);
      }
      const created: SilenceRecord = { id: randomUUID(), spaceId, ...fields, startsAt: new Date(Math.max(posted.startsAt.getTime(), t)).toISOString() };
      await writer.insert(created);
      await writer.purge(this.keptSince(t));
      return created.id;
    });
    this.invalidate(spaceId);
    return id;
  }

  /** silence.go Expire: false when the space has no such silence (an expired one is left as it is). */
  async expire(spaceId: string, id: string, now: Date): Promise<boolean> {
    const t = now.getTime();
    const found = await this.repository.write(async (writer) => {
      const silence = await writer.getForUpdate(spaceId, id);
      if (!silence || silence.endsAt < this.keptSince(t)) return false;
      const ended = expired(silence, t);
      if (ended) await writer.update(ended);
      return true;
    });
    this.invalidate(spaceId);
    return found;
  }

  /**
   * SilenceLookup: the ids of the space's silences active at `now` whose matchers all accept the
   * labels, sorted. The space's silences that have not ended are kept in memory, so that a
   * lookup per alert costs no query: a write through this instance drops the copy at once; a
   * write through another instance sharing the database shows once the copy is older than the
   * TTL (1 s by default), which bounds how long an alert can go unsilenced (or stay silenced).
   */
  async silencedBy(spaceId: string, labels: Readonly<Record<string, string>>, now: Date): Promise<string[]> {
    const t = now.getTime();
    const silences = await this.copyOf(spaceId, t);
    const ids: string[] = [];
    for (const s of silences) {
      if (silenceState(s, t) === 'active' && matchesLabels(s.matchers, labels)) ids.push(s.id);
    }
    return ids.sort();
  }

  /** Drops the lookup's copy of the space's silences (after a write). */
  invalidate(spaceId: string): void {
    this.cache.delete(spaceId);
  }

  private copyOf(spaceId: string, t: number): Promise<CompiledSilence[]> {
    const entry = this.cache.get(spaceId);
    const clock = this.monotonic();
    if (entry && clock - entry.loadedAt < this.ttlMs && t >= entry.cutoff) return entry.silences;
    const cutoff = Math.min(Date.now(), t) - CUTOFF_MARGIN_MS;
    const silences = this.repository.list(spaceId, new Date(cutoff).toISOString()).then((rows) =>
      rows.map((s) => ({ id: s.id, startsAt: s.startsAt, endsAt: s.endsAt, matchers: s.matchers.map(toMatcher) })),
    );
    // Cached at once, so that concurrent lookups share the query; a write of this instance
    // that commits meanwhile drops it (invalidate), so a copy read before the write never stays.
    const loaded: CacheEntry = { loadedAt: clock, cutoff, silences };
    this.cache.set(spaceId, loaded);
    silences.catch(() => {
      if (this.cache.get(spaceId) === loaded) this.cache.delete(spaceId);
    });
    return silences;
  }
}

/** The silences module for the wiring: the store of the space's silences and their lookup. */
export function createSilences(repository: SilencesRepository, options: SilencesOptions): Silences {
  return new Silences(repository, options);
}
