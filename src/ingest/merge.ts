import type { AlertChange, IncomingAlert, IncomingAlertSource, PostedAlert } from './types.js';

// How a posted alert becomes a stored one, by Alertmanager's rules: the defaults of
// api/v2 postAlertsHandler (a missing start is the receipt, or the end if only that was given;
// a missing end is the receipt + resolve_timeout, flagged Timeout), and the merge of its alert
// store (provider/mem Put and types.Alert.Merge):
//  - a post is merged into the stored copy only when their activity ranges overlap (the new
//    end inside the old range, or the new start inside it); otherwise it replaces the copy, so
//    a re-firing after a resolution starts afresh;
//  - merged: the younger copy (latest updatedAt) is the base, the earliest start is kept; if
//    the younger copy is resolved, the older one's end wins only when it is resolved too and
//    later; if the younger is firing, the older end wins when it is later and not a timeout.
// What Plugboard adds: `firstSeenAt` (kept whatever happens to the row) and the change.

/** A stored alert as the merge works on it: times in epoch milliseconds. */
export interface AlertTimes {
  startsAt: number;
  endsAt: number;
  timeout: boolean;
  updatedAt: number;
}

export interface MergeableAlert extends AlertTimes {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  generatorURL: string;
}

/** A posted alert with Alertmanager's defaults applied, received at `now`. */
export function receivedAlert(posted: PostedAlert, now: number, resolveTimeoutMs: number): MergeableAlert {
  const endsAt = posted.endsAt?.getTime();
  const startsAt = posted.startsAt?.getTime() ?? endsAt ?? now;
  return {
    labels: posted.labels,
    annotations: posted.annotations,
    generatorURL: posted.generatorURL ?? '',
    startsAt,
    endsAt: endsAt ?? now + resolveTimeoutMs,
    timeout: endsAt === undefined,
    updatedAt: now,
  };
}

const resolvedAt = (alert: Pick<AlertTimes, 'endsAt'>, now: number) => alert.endsAt <= now;

/** Alertmanager's types.Alert.Merge of two copies of one alert (a: older, o: younger, swapped if not). */
export function mergeAlerts<T extends AlertTimes>(a: T, o: T, now: number): T {
  if (o.updatedAt < a.updatedAt) return mergeAlerts(o, a, now);
  const res = { ...o };
  if (a.startsAt < o.startsAt) res.startsAt = a.startsAt;
  if (resolvedAt(o, now)) {
    if (resolvedAt(a, now) && a.endsAt > o.endsAt) res.endsAt = a.endsAt;
  } else if (a.endsAt > o.endsAt && !a.timeout) {
    res.endsAt = a.endsAt;
  }
  return res;
}

/** Alertmanager's store Put: merge into the stored copy when the activity ranges overlap. */
export function putAlert<T extends AlertTimes>(old: T | undefined, alert: T, now: number): T {
  if (!old) return alert;
  const overlaps = (alert.endsAt > old.startsAt && alert.endsAt < old.endsAt) || (alert.startsAt > old.startsAt && alert.startsAt < old.endsAt);
  return overlaps ? mergeAlerts(old, alert, now) : alert;
}

const sameMap = (a: Record<string, string>, b: Record<string, string>) => {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
};

/**
 * How the stored alert changed: `resolved` (was active, now resolved), `refired` (was
 * resolved, is active again), `updated` (annotations, generator URL or start changed, or a
 * resolved alert's end), otherwise `unchanged`: a firing alert re-sent with a later end (as
 * Prometheus does every minute) is unchanged, so rules are not woken by every resend.
 */
export function changeOf(old: MergeableAlert | undefined, merged: MergeableAlert, now: number): AlertChange {
  if (!old) return 'new';
  const was = resolvedAt(old, now);
  const is = resolvedAt(merged, now);
  if (!was && is) return 'resolved';
  if (was && !is) return 'refired';
  const same =
    sameMap(old.annotations, merged.annotations) && old.generatorURL === merged.generatorURL && old.startsAt === merged.startsAt && (!is || old.endsAt === merged.endsAt);
  return same ? 'unchanged' : 'updated';
}

/** The stored record of a merged alert; `fingerprint` is that of its labels (src/ingest/fingerprint.ts). */
export function toIncomingAlert(spaceId: string, fingerprint: string, alert: MergeableAlert, firstSeenAt: number, source: IncomingAlertSource): IncomingAlert {
  return {
    spaceId,
    fingerprint,
    labels: alert.labels,
    annotations: alert.annotations,
    startsAt: new Date(alert.startsAt).toISOString(),
    endsAt: new Date(alert.endsAt).toISOString(),
    timeout: alert.timeout,
    generatorURL: alert.generatorURL,
    updatedAt: new Date(alert.updatedAt).toISOString(),
    firstSeenAt: new Date(firstSeenAt).toISOString(),
    source,
  };
}
