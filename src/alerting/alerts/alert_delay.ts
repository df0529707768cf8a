import type { FlappingResult } from './flapping.js';
import type { Alerts } from './process_alerts.js';

export interface DelayResult extends FlappingResult {
  /** Active alerts not yet active for `alert_delay.active` consecutive runs: tracked, no actions. */
  delayed: Alerts;
}

/**
 * Kibana's determineDelayedAlerts (reference §2.5): every active alert counts one more
 * consecutive active run; below `alertDelay` it is delayed (tracked, but neither new nor
 * active); on reaching it, it becomes new with `start` = this run. A recovered alert that never
 * reached the delay does not recover (it was never reported), and its count starts over.
 */
export function determineDelayedAlerts(alerts: FlappingResult, alertDelay: number, startedAt: Date): DelayResult {
  const result: DelayResult = {
    new: { ...alerts.new },
    active: { ...alerts.active },
    recovered: { ...alerts.recovered },
    trackedActive: alerts.trackedActive,
    trackedRecovered: { ...alerts.trackedRecovered },
    delayed: {},
  };
  for (const [id, alert] of Object.entries(alerts.active)) {
    alert.incrementActiveCount();
    if (alert.activeCount < alertDelay) {
      delete result.new[id];
      delete result.active[id];
      result.delayed[id] = alert;
    } else if (alert.activeCount === alertDelay) {
      alert.replaceState({ ...alert.getState(), start: startedAt.toISOString(), duration: '0' });
      result.new[id] = alert;
    }
  }
  for (const [id, alert] of Object.entries(alerts.recovered)) {
    if (alert.activeCount < alertDelay) {
      delete result.recovered[id];
      delete result.trackedRecovered[id];
    }
    alert.resetActiveCount();
  }
  return result;
}
