// The contract of alert ingest (issue 19): what a sender's alert becomes once Plugboard has it,
// the store that keeps it, and the seams to silences and to the incoming-alerts rules. The
// Alertmanager v2 API, the webhook-payload routes, silences and the rule type are built on it.

/** Where an alert came in. */
export type IncomingAlertSource = 'alertmanager-api' | 'alertmanager-webhook' | 'grafana-webhook' | 'json';

/** An alert as a sender posts it, normalised (empty-valued labels dropped, zero times unset). */
export interface PostedAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt?: Date;
  endsAt?: Date;
  generatorURL?: string;
}

/** One incoming alert of a space, keyed by its label set's fingerprint (src/ingest/fingerprint.ts). */
export interface IncomingAlert {
  spaceId: string;
  fingerprint: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** ISO time; Alertmanager's rules: the earliest start of the copies merged. */
  startsAt: string;
  /**
   * ISO time. When the sender gave none: the receipt + `plugboard.ingest.resolveTimeout`, with
   * `timeout` set (Alertmanager's Timeout flag). Resolved once it is in the past.
   */
  endsAt: string;
  timeout: boolean;
  generatorURL: string;
  /** The last time a sender posted it (Alertmanager's updatedAt). */
  updatedAt: string;
  /** When Plugboard first stored this fingerprint in this space (kept across re-firings). */
  firstSeenAt: string;
  source: IncomingAlertSource;
}

/** How a stored alert changed when a post was merged into it. */
export type AlertChange = 'new' | 'updated' | 'resolved' | 'refired' | 'unchanged';

export interface UpsertResult {
  alerts: Array<{ alert: IncomingAlert; change: AlertChange }>;
}

/** Whether an alert is resolved at `now` (epoch ms): its end has passed. */
export const isResolved = (alert: Pick<IncomingAlert, 'endsAt'>, now: number): boolean => Date.parse(alert.endsAt) <= now;

/** The durable store of incoming alerts (SQLite and PostgreSQL). */
export interface IncomingAlertStore {
  /**
   * Merges posted alerts into the space's records in one transaction, by fingerprint, with
   * Alertmanager's merge rules (store/alert.go), and says how each changed. `resolveTimeoutMs`
   * replaces `plugboard.ingest.resolveTimeout` for alerts of this post that carry no end (the
   * webhook payloads' firing alerts, see `plugboard.ingest.webhookResolveTimeout`).
   */
  upsert(spaceId: string, alerts: PostedAlert[], source: IncomingAlertSource, now: Date, options?: { resolveTimeoutMs?: number }): Promise<UpsertResult>;
  /** The space's alerts, newest update first; resolved ones only while retained. */
  list(spaceId: string): Promise<IncomingAlert[]>;
  get(spaceId: string, fingerprint: string): Promise<IncomingAlert | undefined>;
  /** Alerts not yet resolved at `now`, across spaces (the `plugboard.ingest.maxActiveAlerts` guard). */
  countActive(now: Date): Promise<number>;
}

/** What the silences module answers about an alert's labels at a time (empty: not silenced). */
export interface SilenceLookup {
  silencedBy(spaceId: string, labels: Readonly<Record<string, string>>, now: Date): Promise<string[]>;
}

/** Told after every accepted post, so that incoming-alerts rules of the space run at once. */
export interface IngestListener {
  alertsChanged(spaceId: string, changed: ReadonlyArray<{ alert: IncomingAlert; change: AlertChange }>): void;
}
