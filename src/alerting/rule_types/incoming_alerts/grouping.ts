import type { GroupedAlert, SummaryGroup } from '../../types.js';
import { GROUP_BY_ALL } from './params.js';

// Alertmanager's aggregation groups and their timers (dispatch.go's aggrGroup, notify's dedup
// stage), over runs. A group flushes `group_wait` after its first alert (at once when that alert
// started longer ago than group_wait), then on a tick every `group_interval` after that first
// flush. At a tick it notifies when it has firing alerts it has not told of, or resolved ones it
// had told of as firing; otherwise, when still firing, at the first tick more than
// `repeat_interval` after its last notification (so a repeat_interval of 4h with ticks every 5m
// repeats after 4h05m, as Alertmanager does). Kept in the rule's state between runs.

/** One group between runs. */
export interface GroupState {
  labels: Record<string, string>;
  /** When the group got its first alert (epoch ms of the run's clock). */
  firstAt: number;
  /** Its first flush: ticks follow every group_interval. Set when first seen. */
  flushAt: number;
  /** When it was last notified; absent before its first notification. */
  notifiedAt?: number;
  /** The firing alerts (fingerprints) of its last notification. */
  notified: string[];
  /** Since when a change (an alert new to the group, or one resolved) waits for a tick. */
  changedAt?: number;
}

export interface GroupTimers {
  groupWaitMs: number;
  groupIntervalMs: number;
  repeatIntervalMs: number;
}

/** An alert the run sees, with the variables of its summary item. */
export interface GroupableAlert {
  fingerprint: string;
  labels: Record<string, string>;
  /** When the alert started (epoch ms): an alert older than group_wait flushes a new group at once. */
  startsAt: number;
  variables: Record<string, unknown>;
}

/** The group labels of an alert: the `group_by` labels it has, or all of them with `...`. */
export function groupLabels(labels: Record<string, string>, groupBy: readonly string[]): Record<string, string> {
  if (groupBy.includes(GROUP_BY_ALL)) return { ...labels };
  return Object.fromEntries(groupBy.filter((name) => Object.hasOwn(labels, name)).map((name) => [name, labels[name]]));
}

const keyOf = (labels: Record<string, string>) => JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

export interface GroupPlan {
  /** The groups to keep for the next run. */
  groups: Record<string, GroupState>;
  /** The groups to notify now. */
  due: SummaryGroup[];
  /** When the earliest group not notified now is due (epoch ms of the run's clock). */
  nextDue?: number;
}

/**
 * Which groups notify at `now`. `firing`: the firing, unsilenced alerts; `silenced`: firing
 * alerts under a silence (they neither notify nor count as resolved); `resolved(fp)`: the
 * variables of a notified alert that no longer fires.
 */
export function planGroups(opts: {
  previous: Record<string, GroupState>;
  firing: GroupableAlert[];
  silenced: ReadonlySet<string>;
  resolved: (fingerprint: string) => Record<string, unknown>;
  groupBy: readonly string[];
  timers: GroupTimers;
  now: number;
}): GroupPlan {
  const { previous, timers, now } = opts;
  const current = new Map<string, { labels: Record<string, string>; firing: Map<string, GroupableAlert> }>();
  for (const alert of opts.firing) {
    const labels = groupLabels(alert.labels, opts.groupBy);
    const key = keyOf(labels);
    let group = current.get(key);
    if (!group) current.set(key, (group = { labels, firing: new Map() }));
    group.firing.set(alert.fingerprint, alert);
  }
  const plan: GroupPlan = { groups: {}, due: [] };
  const candidate = (at: number) => (plan.nextDue = plan.nextDue === undefined ? at : Math.min(plan.nextDue, at));
  for (const key of new Set([...Object.keys(previous), ...current.keys()])) {
    const cur = current.get(key);
    const firing = cur?.firing ?? new Map<string, GroupableAlert>();
    const state = flushEarly(previous[key] ?? { labels: cur!.labels, firstAt: now, flushAt: now + timers.groupWaitMs, notified: [] }, firing, timers, now);
    const notified = new Set(state.notified);
    const held = state.notified.filter((fp) => !firing.has(fp) && opts.silenced.has(fp));
    const resolved = state.notified.filter((fp) => !firing.has(fp) && !opts.silenced.has(fp));
    const added = [...firing.keys()].filter((fp) => !notified.has(fp));
    // Nothing firing and nothing to tell about: the group ends.
    if (firing.size === 0 && resolved.length === 0 && held.length === 0) continue;
    const changed = added.length > 0 || resolved.length > 0;
    const changedAt = changed && state.notifiedAt !== undefined ? (state.changedAt ?? now) : undefined;
    const due = dueAt(state, changedAt, timers);
    if (now < due || (firing.size === 0 && resolved.length === 0)) {
      plan.groups[key] = { ...state, changedAt };
      if (firing.size > 0 || resolved.length > 0) candidate(due);
      continue;
    }
    const item = (alert: GroupableAlert): GroupedAlert => ({ ...alert.variables, id: alert.fingerprint });
    plan.due.push({
      id: key,
      variables: { key, labels: state.labels },
      alerts: {
        new: added.map((fp) => item(firing.get(fp)!)),
        ongoing: [...firing.keys()].filter((fp) => notified.has(fp)).map((fp) => item(firing.get(fp)!)),
        recovered: resolved.map((fp) => ({ ...opts.resolved(fp), id: fp })),
      },
    });
    if (firing.size === 0 && held.length === 0) continue;
    const next: GroupState = { labels: state.labels, firstAt: state.firstAt, flushAt: state.flushAt, notifiedAt: now, notified: [...firing.keys(), ...held] };
    plan.groups[key] = next;
    if (firing.size > 0) candidate(dueAt(next, undefined, timers));
  }
  return plan;
}

/** Alertmanager flushes a group not yet flushed at once when an alert of it started more than group_wait ago. */
function flushEarly(state: GroupState, firing: Map<string, GroupableAlert>, timers: GroupTimers, now: number): GroupState {
  if (state.notifiedAt !== undefined || state.flushAt <= now) return state;
  for (const alert of firing.values()) if (alert.startsAt + timers.groupWaitMs < now) return { ...state, flushAt: now };
  return state;
}

/** The first tick (flushAt + k × group_interval) at or after `at`; strictly after with `after`. */
function tickFrom(state: GroupState, at: number, timers: GroupTimers, after = false): number {
  if (at < state.flushAt || (!after && at === state.flushAt)) return state.flushAt;
  const ticks = (at - state.flushAt) / timers.groupIntervalMs;
  const k = after ? Math.floor(ticks) + 1 : Math.ceil(ticks);
  return state.flushAt + k * timers.groupIntervalMs;
}

/** When the group notifies next: its first flush; a change at the tick after it; else the repeat. */
function dueAt(state: GroupState, changedAt: number | undefined, timers: GroupTimers): number {
  if (state.notifiedAt === undefined) return state.flushAt;
  if (changedAt !== undefined) return tickFrom(state, changedAt, timers);
  return tickFrom(state, state.notifiedAt + timers.repeatIntervalMs, timers, true);
}
