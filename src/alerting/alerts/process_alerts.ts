import type { Alert } from './alert.js';

export type Alerts = Record<string, Alert>;

export interface ProcessedAlerts {
  new: Alerts;
  active: Alerts;
  recovered: Alerts;
}

/** Nanoseconds between two ISO times, as the string Kibana keeps in `state.duration`. */
export function durationNs(start: string, end: string): string {
  return (BigInt(new Date(end).getTime() - new Date(start).getTime()) * 1_000_000n).toString();
}

/**
 * Sorts the run's alerts (reference §2.5, Kibana's processAlerts): active = reported this run,
 * new = active and not active last run (`start` = run time, `duration` '0'), ongoing keeps its
 * `start` and gets its duration; recovered = active last run, not reported now (with
 * autoRecoverAlerts), with `end` and `duration`. When the type reached the alert limit nothing
 * recovers: every previously active alert stays active and new ones are added up to the limit.
 */
export function processAlerts(opts: {
  reported: Alerts;
  trackedActive: Alerts;
  hasReachedAlertLimit: boolean;
  maxAlerts: number;
  autoRecoverAlerts: boolean;
  startedAt: Date;
}): ProcessedAlerts {
  const now = opts.startedAt.toISOString();
  return opts.hasReachedAlertLimit ? limitReached(opts, now) : sortAlerts(opts, now);
}

function withDuration(state: Record<string, unknown>, now: string): Record<string, unknown> {
  return typeof state.start === 'string' ? { ...state, start: state.start, duration: durationNs(state.start, now) } : state;
}

function sortAlerts({ reported, trackedActive, autoRecoverAlerts }: { reported: Alerts; trackedActive: Alerts; autoRecoverAlerts: boolean }, now: string): ProcessedAlerts {
  const result: ProcessedAlerts = { new: {}, active: {}, recovered: {} };
  for (const [id, alert] of Object.entries(reported)) {
    const previous = trackedActive[id];
    if (alert.isScheduled()) {
      result.active[id] = alert;
      if (!previous) {
        result.new[id] = alert;
        alert.replaceState({ ...alert.getState(), start: now, duration: '0' });
      } else {
        const start = previous.getState().start;
        alert.replaceState(typeof start === 'string' ? { ...alert.getState(), start, duration: durationNs(start, now) } : alert.getState());
      }
    } else if (previous && autoRecoverAlerts) {
      result.recovered[id] = alert;
      const state = alert.getState();
      if (typeof state.start === 'string') alert.replaceState({ ...state, duration: durationNs(state.start, now), end: now });
    }
  }
  return result;
}

function limitReached({ reported, trackedActive, maxAlerts }: { reported: Alerts; trackedActive: Alerts; maxAlerts: number }, now: string): ProcessedAlerts {
  const result: ProcessedAlerts = { new: {}, active: {}, recovered: {} };
  // As Kibana: the previous alerts stay active with their previous state (a new report's state
  // is not taken), and an alert not reported again has no group, so no per-alert action fires.
  for (const [id, previous] of Object.entries(trackedActive)) {
    const alert = reported[id] ?? previous.copy();
    alert.replaceState(withDuration(previous.getState(), now));
    result.active[id] = alert;
  }
  for (const [id, alert] of Object.entries(reported)) {
    if (Object.keys(result.active).length >= maxAlerts) break;
    if (!alert.isScheduled() || trackedActive[id]) continue;
    alert.replaceState({ ...alert.getState(), start: now, duration: '0' });
    result.active[id] = alert;
    result.new[id] = alert;
  }
  return result;
}
