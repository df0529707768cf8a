import type { ChangedAlerts } from '../storage/incoming_alerts_repository.js';
import type { IncomingAlert, IncomingAlertStore } from './types.js';

// A copy in memory of each space's incoming alerts, for the incoming-alerts rules: a run asks
// the store only for the alerts written since the copy's version (migration 018), so a burst
// of posts no longer makes every run read and parse the whole space. Posts of every instance
// show: versions follow commit order, so asking from the highest version seen misses none, and
// a space created again (a new generation) starts a fresh copy.

export interface IncomingAlertsIndexDeps {
  store: { changedSince(spaceId: string, after: number): Promise<ChangedAlerts> };
  /** `plugboard.ingest.resolvedRetention`: resolved alerts are listed this long after their end. */
  resolvedRetentionMs: number;
}

interface SpaceCopy {
  generation: string | undefined;
  /** The highest version read. */
  version: number;
  alerts: Map<string, { alert: IncomingAlert; version: number; endsAt: number }>;
}

export class IncomingAlertsIndex implements Pick<IncomingAlertStore, 'list'> {
  private readonly spaces = new Map<string, SpaceCopy>();

  constructor(private readonly deps: IncomingAlertsIndexDeps) {}

  /** As the store's list: the space's alerts, newest update first; resolved ones only while retained. */
  async list(spaceId: string, now: Date = new Date()): Promise<IncomingAlert[]> {
    const copy = await this.refreshed(spaceId);
    // Forgotten once past the retention by the clock, as the store's retention task deletes them.
    const forgetBefore = Math.min(now.getTime(), Date.now()) - this.deps.resolvedRetentionMs;
    const cutoff = now.getTime() - this.deps.resolvedRetentionMs;
    const listed: IncomingAlert[] = [];
    for (const [fingerprint, entry] of copy.alerts) {
      if (entry.endsAt > cutoff) listed.push(entry.alert);
      else if (entry.endsAt <= forgetBefore) copy.alerts.delete(fingerprint);
    }
    return listed.sort((a, b) => (a.updatedAt === b.updatedAt ? (a.fingerprint < b.fingerprint ? -1 : 1) : a.updatedAt < b.updatedAt ? 1 : -1));
  }

  private async refreshed(spaceId: string): Promise<SpaceCopy> {
    const from = this.spaces.get(spaceId)?.version ?? -1;
    const changed = await this.deps.store.changedSince(spaceId, from);
    // Read after the wait: another call may have refreshed the copy meanwhile.
    const current = this.spaces.get(spaceId);
    let copy: SpaceCopy;
    if (current && current.generation === changed.generation) copy = current;
    else if (from === -1) copy = { generation: changed.generation, version: -1, alerts: new Map() };
    else {
      // The space was deleted (and maybe created again): what was read after the old copy's version is not all.
      this.spaces.delete(spaceId);
      return this.refreshed(spaceId);
    }
    // Each alert's latest version wins, whichever read brought it; the copy's version never steps back.
    for (const { alert, version } of changed.alerts) {
      const kept = copy.alerts.get(alert.fingerprint);
      if (!kept || kept.version < version) copy.alerts.set(alert.fingerprint, { alert, version, endsAt: Date.parse(alert.endsAt) });
      if (version > copy.version) copy.version = version;
    }
    this.spaces.set(spaceId, copy);
    return copy;
  }
}
