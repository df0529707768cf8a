import type { Alert } from './alert.js';
import type { Alerts } from './process_alerts.js';

// Flapping (reference §2.6; Kibana's AL/server/lib/flapping/*): each alert keeps a history of
// status changes over the last `lookBackWindow` runs; with `statusChangeThreshold` changes it
// is flapping, and stops only once the history is full and has none.

export interface FlappingSettings {
  enabled: boolean;
  lookBackWindow: number;
  statusChangeThreshold: number;
}

export const DEFAULT_FLAPPING_SETTINGS: FlappingSettings = { enabled: true, lookBackWindow: 20, statusChangeThreshold: 4 };
export const MIN_LOOK_BACK_WINDOW = 2;
export const MAX_LOOK_BACK_WINDOW = 20;
export const MIN_STATUS_CHANGE_THRESHOLD = 2;
export const MAX_STATUS_CHANGE_THRESHOLD = 20;

/** A rule's own `flapping` field, as the rules API takes it. */
export interface RuleFlapping {
  look_back_window: number;
  status_change_threshold: number;
  enabled?: boolean;
}

/** The message a rule's `flapping` field is refused with (Kibana's validateFlapping), or undefined. */
export function validateRuleFlapping({ look_back_window: lookBack, status_change_threshold: threshold }: RuleFlapping): string | undefined {
  if (lookBack < MIN_LOOK_BACK_WINDOW || lookBack > MAX_LOOK_BACK_WINDOW) {
    return `look back window must be between ${MIN_LOOK_BACK_WINDOW} and ${MAX_LOOK_BACK_WINDOW}`;
  }
  if (threshold < MIN_STATUS_CHANGE_THRESHOLD || threshold > MAX_STATUS_CHANGE_THRESHOLD) {
    return `status change threshold must be between ${MIN_STATUS_CHANGE_THRESHOLD} and ${MAX_STATUS_CHANGE_THRESHOLD}`;
  }
  if (lookBack < threshold) return `lookBackWindow (${lookBack}) must be equal to or greater than statusChangeThreshold (${threshold})`;
  return undefined;
}

/** The message the space's flapping settings are refused with (Kibana's rules settings client), or undefined. */
export function validateSpaceFlappingSettings({ lookBackWindow, statusChangeThreshold }: FlappingSettings): string | undefined {
  if (lookBackWindow < MIN_LOOK_BACK_WINDOW || lookBackWindow > MAX_LOOK_BACK_WINDOW) {
    return `Invalid lookBackWindow value, must be between ${MIN_LOOK_BACK_WINDOW} and ${MAX_LOOK_BACK_WINDOW}, but got: ${lookBackWindow}.`;
  }
  if (statusChangeThreshold < MIN_STATUS_CHANGE_THRESHOLD || statusChangeThreshold > MAX_STATUS_CHANGE_THRESHOLD) {
    return `Invalid statusChangeThreshold value, must be between ${MIN_STATUS_CHANGE_THRESHOLD} and ${MAX_STATUS_CHANGE_THRESHOLD}, but got: ${statusChangeThreshold}.`;
  }
  if (lookBackWindow < statusChangeThreshold) {
    return `Invalid values,lookBackWindow (${lookBackWindow}) must be equal to or greater than statusChangeThreshold (${statusChangeThreshold}).`;
  }
  return undefined;
}

/**
 * The settings a run uses: the space's when they disable flapping, otherwise the rule's own
 * when it has them (Kibana's task runner).
 */
export function resolveFlappingSettings(space: FlappingSettings = DEFAULT_FLAPPING_SETTINGS, rule?: RuleFlapping | null): FlappingSettings {
  if (!space.enabled || !rule) return space;
  return { enabled: rule.enabled ?? true, lookBackWindow: rule.look_back_window, statusChangeThreshold: rule.status_change_threshold };
}

export function updateFlappingHistory(settings: FlappingSettings, history: boolean[], changed: boolean): boolean[] {
  return settings.enabled ? [...history, changed].slice(-settings.lookBackWindow) : history;
}

export function isFlapping(settings: FlappingSettings, history: boolean[], currentlyFlapping = false): boolean {
  if (!settings.enabled) return false;
  const changes = history.filter(Boolean).length;
  if (currentlyFlapping) return !(history.length >= settings.lookBackWindow && changes === 0);
  return changes >= settings.statusChangeThreshold;
}

export interface FlappingResult {
  new: Alerts;
  active: Alerts;
  recovered: Alerts;
  /** What the task state keeps as active and as recovered. */
  trackedActive: Alerts;
  trackedRecovered: Alerts;
}

/**
 * Kibana's determineFlappingAlerts, in its order: the flapping flag from the history so far,
 * then this run's entry in the history (previously recovered alerts that are active again take
 * back their history), then pending recovery: a flapping alert that recovers stays active in
 * its last group, context kept and `end` removed, until it has been recovered for
 * `statusChangeThreshold` runs.
 */
export function determineFlappingAlerts(opts: {
  settings: FlappingSettings;
  processed: { new: Alerts; active: Alerts; recovered: Alerts };
  previouslyRecovered: Alerts;
  defaultActionGroupId: string;
}): FlappingResult {
  const { settings, previouslyRecovered, defaultActionGroupId } = opts;
  const active = { ...opts.processed.active };
  const recovered = { ...opts.processed.recovered };
  const newAlerts = { ...opts.processed.new };
  for (const alert of [...Object.values(active), ...Object.values(recovered)]) {
    alert.flapping = isFlapping(settings, alert.flappingHistory, alert.flapping);
  }

  const trackedActive: Alerts = {};
  const trackedRecovered: Alerts = {};
  const stillRecovered = new Set(Object.keys(previouslyRecovered));
  for (const [id, alert] of Object.entries(active)) {
    trackedActive[id] = alert;
    if (newAlerts[id]) {
      if (previouslyRecovered[id]) {
        alert.flappingHistory = previouslyRecovered[id].flappingHistory;
        stillRecovered.delete(id);
      }
      alert.flappingHistory = updateFlappingHistory(settings, alert.flappingHistory, true);
    } else {
      alert.flappingHistory = updateFlappingHistory(settings, alert.flappingHistory, false);
    }
  }
  for (const [id, alert] of Object.entries(recovered)) {
    trackedRecovered[id] = alert;
    alert.flappingHistory = updateFlappingHistory(settings, alert.flappingHistory, true);
  }
  for (const id of stillRecovered) {
    // A copy: the previous run's alert stays as it was.
    const alert = previouslyRecovered[id].copy();
    trackedRecovered[id] = alert;
    alert.flappingHistory = updateFlappingHistory(settings, alert.flappingHistory, false);
  }

  for (const alert of Object.values(active)) alert.resetPendingRecoveredCount();
  for (const [id, alert] of Object.entries(recovered)) {
    if (!alert.flapping) continue;
    alert.incrementPendingRecoveredCount();
    if (alert.pendingRecoveredCount < settings.statusChangeThreshold) {
      const pending = keepActive(alert, defaultActionGroupId);
      active[id] = pending;
      trackedActive[id] = pending;
      delete recovered[id];
      delete trackedRecovered[id];
    } else {
      alert.resetPendingRecoveredCount();
    }
  }
  return { new: newAlerts, active, recovered, trackedActive, trackedRecovered };
}

function keepActive(alert: Alert, defaultActionGroupId: string): Alert {
  const pending = alert.copy();
  const { end: _end, ...state } = pending.getState();
  pending.replaceState(state);
  pending.schedule(alert.lastScheduledGroup ?? defaultActionGroupId, alert.getContext());
  return pending;
}
