import type { GroupedAlert, SummaryGroup } from '../../types.js';
import { GROUP_BY_ALL } from './params.js';

// Alertmanager's aggregation groups and their timers (dispatch.go, notify's dedup stage, as its
// documentation describes them), over runs: a group's first notification `group_wait` after its
// first alert; then, when its alerts changed (an alert new to it, or one resolved since its last
// notification), at most every `group_interval`; and when unchanged but still firing, every
// `repeat_interval`. Kept in the rule's state between runs.

/** One group between runs. */
export interface GroupState {
  labels: Record<string, string>;
  /** When the group got its first alert (epoch ms of the run's clock). */
  firstAt: number;
  /** When it was last notified; absent before its first notification. */
  notifiedAt?: number;
  /** The firing alerts (fingerprints) of its last notification. */
  notified: string[];
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
    const state: GroupState = previous[key] ?? { labels: cur!.labels, firstAt: now, notified: [] };
    const firing = cur?.firing ?? new Map<string, GroupableAlert>();
    const notified = new Set(state.notified);
    const held = state.notified.filter((fp) => !firing.has(fp) && opts.silenced.has(fp));
    const resolved = state.notified.filter((fp) => !firing.has(fp) && !opts.silenced.has(fp));
    const added = [...firing.keys()].filter((fp) => !notified.has(fp));
    // Nothing firing and nothing to tell about: the group ends.
    if (firing.size === 0 && resolved.length === 0 && held.length === 0) continue;
    const due =
      state.notifiedAt === undefined
        ? state.firstAt + timers.groupWaitMs
        : added.length > 0 || resolved.length > 0
          ? state.notifiedAt + timers.groupIntervalMs
          : state.notifiedAt + timers.repeatIntervalMs;
    if (now < due || (firing.size === 0 && resolved.length === 0)) {
      plan.groups[key] = state;
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
    plan.groups[key] = { ...state, notifiedAt: now, notified: [...firing.keys(), ...held] };
    if (firing.size > 0) candidate(now + timers.repeatIntervalMs);
  }
  return plan;
}
