import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable, Transaction } from 'kysely';
import { labelsFingerprint } from '../ingest/fingerprint.js';
import { changeOf, putAlert, receivedAlert, toIncomingAlert, type MergeableAlert } from '../ingest/merge.js';
import type { AlertChange, IncomingAlert, IncomingAlertSource, IncomingAlertStore, PostedAlert, UpsertResult } from '../ingest/types.js';
import type { GroupCommit } from './group_commit.js';
import type { Database, IncomingAlertsTable } from './schema.js';

export interface IncomingAlertsSettings {
  /** `plugboard.ingest.resolveTimeout`: the end of an alert posted without one is the receipt + this. */
  resolveTimeoutMs: number;
  /** `plugboard.ingest.resolvedRetention`: how long a resolved alert is still listed and merged into. */
  resolvedRetentionMs: number;
  /** `plugboard.ingest.maxActiveAlerts`: a post that would take the active count beyond it is refused. */
  maxActiveAlerts?: number;
}

/** A post refused by `plugboard.ingest.maxActiveAlerts`: nothing of it was stored. */
export class ActiveAlertsLimitError extends Error {
  constructor(
    readonly active: number,
    readonly adding: number,
    readonly limit: number,
  ) {
    super(
      `too many active alerts: ${active} are active and this post would add ${adding}, beyond plugboard.ingest.maxActiveAlerts (${limit}); nothing of it was stored`,
    );
  }
}

type Row = Selectable<IncomingAlertsTable>;

/** What `changedSince` answers. */
export interface ChangedAlerts {
  /** The space's generation (migration 018); undefined while it has had no post. */
  generation: string | undefined;
  alerts: Array<{ alert: IncomingAlert; version: number }>;
}

/** Rows per insert statement: 11 parameters each, far below SQLite's limit. */
const ROWS_PER_STATEMENT = 200;

function mergeable(row: Row): MergeableAlert {
  return {
    labels: JSON.parse(row.labels) as Record<string, string>,
    annotations: JSON.parse(row.annotations) as Record<string, string>,
    generatorURL: row.generator_url,
    startsAt: Number(row.starts_at),
    endsAt: Number(row.ends_at),
    timeout: row.timeout === 1,
    updatedAt: Number(row.updated_at),
  };
}

function fromRow(row: Row): IncomingAlert {
  return toIncomingAlert(row.space_id, row.fingerprint, mergeable(row), Number(row.first_seen_at), row.source as IncomingAlertSource);
}

/**
 * The durable store of incoming alerts, on SQLite and PostgreSQL. A post is merged in one
 * transaction of the group commit: posts of one instance are merged one after the other (two
 * resends of one alert cannot lose a merge), and the posts of one tick share a commit.
 */
export class IncomingAlertsRepository implements IncomingAlertStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly settings: IncomingAlertsSettings,
    /** Without it, each post is a plain transaction of its own. */
    private readonly writes?: GroupCommit,
    /**
     * On PostgreSQL, instances sharing the database lock the stored copies they merge into
     * (`FOR UPDATE`), so that two instances cannot merge into the same copy at once. SQLite has
     * one writer anyway.
     */
    private readonly dialect: 'sqlite' | 'postgres' = 'sqlite',
  ) {}

  async upsert(spaceId: string, alerts: PostedAlert[], source: IncomingAlertSource, now: Date, options: { resolveTimeoutMs?: number } = {}): Promise<UpsertResult> {
    if (alerts.length === 0) return { alerts: [] };
    const resolveTimeoutMs = options.resolveTimeoutMs ?? this.settings.resolveTimeoutMs;
    const op = (trx: Transaction<Database>) => this.upsertIn(trx, spaceId, alerts, source, now.getTime(), resolveTimeoutMs);
    const outcome = this.writes ? await this.writes.submit(op) : await this.db.transaction().execute(op);
    // Refused inside the transaction, which then wrote nothing; thrown here so that the group
    // commit's other writes are not rolled back with it.
    if (outcome instanceof ActiveAlertsLimitError) throw outcome;
    return outcome;
  }

  private async upsertIn(
    trx: Transaction<Database>,
    spaceId: string,
    posted: PostedAlert[],
    source: IncomingAlertSource,
    now: number,
    resolveTimeoutMs: number,
  ): Promise<UpsertResult | ActiveAlertsLimitError> {
    // The space's version first: its row lock orders this post after every other of the space
    // (migration 018), before any alert row is locked.
    const version = await this.nextVersion(trx, spaceId);
    const received = posted.map((alert) => ({ fingerprint: labelsFingerprint(alert.labels), alert: receivedAlert(alert, now, resolveTimeoutMs) }));
    const fingerprints = [...new Set(received.map((r) => r.fingerprint))];
    const stored = new Map<string, Row>();
    for (let i = 0; i < fingerprints.length; i += ROWS_PER_STATEMENT) {
      const query = trx
        .selectFrom('incoming_alerts')
        .selectAll()
        .where('space_id', '=', spaceId)
        .where('fingerprint', 'in', fingerprints.slice(i, i + ROWS_PER_STATEMENT))
        .orderBy('fingerprint');
      const rows = await (this.dialect === 'postgres' ? query.forUpdate() : query).execute();
      for (const row of rows) stored.set(row.fingerprint, row);
    }
    // Alerts of one post are put one after the other, as Alertmanager's store does: a second
    // copy of an alert in the same post merges into the first.
    const current = new Map<string, MergeableAlert>();
    const changes: Array<{ fingerprint: string; alert: MergeableAlert; change: AlertChange }> = [];
    for (const { fingerprint, alert } of received) {
      const row = stored.get(fingerprint);
      const before = current.get(fingerprint) ?? (row ? mergeable(row) : undefined);
      const merged = putAlert(before, alert, now);
      current.set(fingerprint, merged);
      changes.push({ fingerprint, alert: merged, change: changeOf(before, merged, now) });
    }
    const limit = this.settings.maxActiveAlerts;
    if (limit !== undefined) {
      // Alerts this post makes active that were not: new ones and re-firings.
      let adding = 0;
      for (const [fingerprint, alert] of current) {
        const row = stored.get(fingerprint);
        if (alert.endsAt > now && (!row || Number(row.ends_at) <= now)) adding++;
      }
      if (adding > 0) {
        const active = await this.countActiveIn(trx, now);
        if (active + adding > limit) return new ActiveAlertsLimitError(active, adding, limit);
      }
    }
    const rows: Row[] = [...current].map(([fingerprint, alert]) => ({
      space_id: spaceId,
      fingerprint,
      labels: JSON.stringify(alert.labels),
      annotations: JSON.stringify(alert.annotations),
      starts_at: alert.startsAt,
      ends_at: alert.endsAt,
      timeout: alert.timeout ? 1 : 0,
      generator_url: alert.generatorURL,
      updated_at: alert.updatedAt,
      first_seen_at: stored.has(fingerprint) ? Number(stored.get(fingerprint)!.first_seen_at) : now,
      source,
      version,
    }));
    for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
      await trx
        .insertInto('incoming_alerts')
        .values(rows.slice(i, i + ROWS_PER_STATEMENT))
        .onConflict((oc) =>
          oc.columns(['space_id', 'fingerprint']).doUpdateSet((eb) => ({
            labels: eb.ref('excluded.labels'),
            annotations: eb.ref('excluded.annotations'),
            starts_at: eb.ref('excluded.starts_at'),
            ends_at: eb.ref('excluded.ends_at'),
            timeout: eb.ref('excluded.timeout'),
            generator_url: eb.ref('excluded.generator_url'),
            updated_at: eb.ref('excluded.updated_at'),
            source: eb.ref('excluded.source'),
            version: eb.ref('excluded.version'),
          })),
        )
        .execute();
    }
    const firstSeen = new Map(rows.map((row) => [row.fingerprint, row.first_seen_at]));
    return {
      alerts: changes.map(({ fingerprint, alert, change }) => ({ alert: toIncomingAlert(spaceId, fingerprint, alert, firstSeen.get(fingerprint)!, source), change })),
    };
  }

  /** The space's alerts, newest update first: active ones, and resolved ones within the retention. */
  async list(spaceId: string, now: Date = new Date()): Promise<IncomingAlert[]> {
    const rows = await this.db
      .selectFrom('incoming_alerts')
      .selectAll()
      .where('space_id', '=', spaceId)
      .where('ends_at', '>', now.getTime() - this.settings.resolvedRetentionMs)
      .orderBy('updated_at', 'desc')
      .orderBy('fingerprint')
      .execute();
    return rows.map(fromRow);
  }

  /**
   * The space's alerts written by posts after version `after` (all of them from -1), retained or
   * not, with their versions; `generation` is undefined while the space has had no post. The
   * versions follow commit order, so the next call with the highest version seen misses nothing.
   */
  async changedSince(spaceId: string, after: number): Promise<ChangedAlerts> {
    const rows = await this.db
      .selectFrom('incoming_alert_versions as v')
      .leftJoin('incoming_alerts as a', (join) => join.onRef('a.space_id', '=', 'v.space_id').on('a.version', '>', after))
      .select('v.generation')
      .select(['a.fingerprint', 'a.labels', 'a.annotations', 'a.starts_at', 'a.ends_at', 'a.timeout', 'a.generator_url', 'a.updated_at', 'a.first_seen_at', 'a.source', 'a.version'])
      .where('v.space_id', '=', spaceId)
      .execute();
    if (rows.length === 0) return { generation: undefined, alerts: [] };
    const alerts: ChangedAlerts['alerts'] = [];
    for (const row of rows) if (row.fingerprint !== null) alerts.push({ alert: fromRow({ ...row, space_id: spaceId } as Row), version: Number(row.version) });
    return { generation: rows[0].generation, alerts };
  }

  async get(spaceId: string, fingerprint: string): Promise<IncomingAlert | undefined> {
    const row = await this.db.selectFrom('incoming_alerts').selectAll().where('space_id', '=', spaceId).where('fingerprint', '=', fingerprint).executeTakeFirst();
    return row && fromRow(row);
  }

  countActive(now: Date): Promise<number> {
    return this.countActiveIn(this.db, now.getTime());
  }

  private async nextVersion(trx: Transaction<Database>, spaceId: string): Promise<number> {
    const { version } = await trx
      .insertInto('incoming_alert_versions')
      .values({ space_id: spaceId, generation: randomUUID(), version: 1 })
      .onConflict((oc) => oc.column('space_id').doUpdateSet((eb) => ({ version: eb(eb.ref('incoming_alert_versions.version'), '+', 1) })))
      .returning('version')
      .executeTakeFirstOrThrow();
    return Number(version);
  }

  private async countActiveIn(db: Kysely<Database>, now: number): Promise<number> {
    const { count } = await db.selectFrom('incoming_alerts').select((eb) => eb.fn.countAll<number>().as('count')).where('ends_at', '>', now).executeTakeFirstOrThrow();
    return Number(count);
  }

  /** Deletes alerts resolved longer than the retention before `now` (the retention task). */
  async deleteResolved(now: Date): Promise<number> {
    const result = await this.db.deleteFrom('incoming_alerts').where('ends_at', '<=', now.getTime() - this.settings.resolvedRetentionMs).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
