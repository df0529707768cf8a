import { describe, expect, it } from 'vitest';
import { groupLabels, planGroups, type GroupableAlert, type GroupState } from './grouping.js';

// Alertmanager's group timers over runs at chosen times (no wall clock): group_wait 30s,
// group_interval 5m, repeat_interval 4h (its defaults).

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const timers = { groupWaitMs: 30 * S, groupIntervalMs: 5 * M, repeatIntervalMs: 4 * H };
const alert = (fingerprint: string, labels: Record<string, string>, startsAt = 0): GroupableAlert => ({ fingerprint, labels, startsAt, variables: { fingerprint, labels, status: 'firing' } });

/** Runs at `now` with these firing alerts after `previous`; what each due group holds, by category, as fingerprints. */
function step(previous: Record<string, GroupState>, firing: GroupableAlert[], now: number, opts: { groupBy?: string[]; silenced?: string[] } = {}) {
  const plan = planGroups({
    previous,
    firing,
    silenced: new Set(opts.silenced ?? []),
    resolved: (fp) => ({ fingerprint: fp, status: 'resolved' }),
    groupBy: opts.groupBy ?? ['alertname'],
    timers,
    now,
  });
  const due = plan.due.map((g) => ({ labels: g.variables.labels, new: g.alerts.new.map((a) => a.id), ongoing: g.alerts.ongoing.map((a) => a.id), recovered: g.alerts.recovered.map((a) => a.id) }));
  return { plan, due };
}

const a1 = alert('a1', { alertname: 'A', instance: '1' });
const a2 = alert('a2', { alertname: 'A', instance: '2' });
const b1 = alert('b1', { alertname: 'B', instance: '1' });

describe('summary groups on Alertmanager timers', () => {
  it('groups by the group_by labels, by every label with "...", and all alerts in one group with none', () => {
    expect(groupLabels({ alertname: 'A', instance: '1' }, ['alertname', 'missing'])).toEqual({ alertname: 'A' });
    expect(groupLabels({ alertname: 'A', instance: '1' }, ['...'])).toEqual({ alertname: 'A', instance: '1' });
    expect(groupLabels({ alertname: 'A' }, [])).toEqual({});
    expect(step({}, [a1, a2, b1], 0, { groupBy: [] }).plan.groups).toEqual({ '[]': { labels: {}, firstAt: 0, flushAt: 30 * S, notified: [] } });
  });

  it('notifies a new group group_wait after its first alert, with every alert that joined meanwhile', () => {
    let { plan, due } = step({}, [a1], 0);
    expect(due).toEqual([]);
    expect(plan.nextDue).toBe(30 * S);
    ({ plan, due } = step(plan.groups, [a1, a2, b1], 10 * S));
    expect(due).toEqual([]);
    expect(plan.nextDue).toBe(30 * S); // B's group waits until 40s
    ({ plan, due } = step(plan.groups, [a1, a2, b1], 30 * S));
    expect(due).toEqual([{ labels: { alertname: 'A' }, new: ['a1', 'a2'], ongoing: [], recovered: [] }]);
    expect(plan.nextDue).toBe(40 * S);
    ({ plan, due } = step(plan.groups, [a1, a2, b1], 40 * S));
    expect(due).toEqual([{ labels: { alertname: 'B' }, new: ['b1'], ongoing: [], recovered: [] }]);
    // Next: A's repeat, at the first of its ticks (every 5m from 30s) more than 4h after 30s.
    expect(plan.nextDue).toBe(30 * S + 4 * H + 5 * M);
  });

  it('notifies a changed group at most every group_interval, and an unchanged firing one every repeat_interval', () => {
    let { plan, due } = step({}, [a1], 0);
    ({ plan } = step(plan.groups, [a1], 30 * S));
    // A new alert a minute later waits for the group interval after the last notification.
    ({ plan, due } = step(plan.groups, [a1, a2], 90 * S));
    expect(due).toEqual([]);
    expect(plan.nextDue).toBe(30 * S + 5 * M);
    ({ plan, due } = step(plan.groups, [a1, a2], 30 * S + 5 * M));
    expect(due).toEqual([{ labels: { alertname: 'A' }, new: ['a2'], ongoing: ['a1'], recovered: [] }]);
    // Unchanged: nothing at the next group interval, then the repeat.
    ({ plan, due } = step(plan.groups, [a1, a2], 30 * S + 10 * M));
    expect(due).toEqual([]);
    expect(plan.nextDue).toBe(30 * S + 5 * M + 4 * H + 5 * M);
    ({ plan, due } = step(plan.groups, [a1, a2], 30 * S + 5 * M + 4 * H));
    expect(due).toEqual([]);
    ({ plan, due } = step(plan.groups, [a1, a2], 30 * S + 5 * M + 4 * H + 5 * M));
    expect(due).toEqual([{ labels: { alertname: 'A' }, new: [], ongoing: ['a1', 'a2'], recovered: [] }]);
  });

  it('tells of resolved alerts at the next group interval, and ends the group once all are resolved and told', () => {
    let { plan, due } = step({}, [a1, a2], 0);
    ({ plan } = step(plan.groups, [a1, a2], 30 * S));
    ({ plan, due } = step(plan.groups, [a2], 2 * M));
    expect(due).toEqual([]);
    ({ plan, due } = step(plan.groups, [], 4 * M));
    expect(due).toEqual([]);
    expect(plan.nextDue).toBe(30 * S + 5 * M);
    ({ plan, due } = step(plan.groups, [], 30 * S + 5 * M));
    expect(due).toEqual([{ labels: { alertname: 'A' }, new: [], ongoing: [], recovered: ['a1', 'a2'] }]);
    expect(plan.groups).toEqual({});
    expect(plan.nextDue).toBeUndefined();
  });

  it('forgets a group whose alerts resolved before its first notification', () => {
    const { plan } = step({}, [a1], 0);
    const after = step(plan.groups, [], 10 * S);
    expect(after.due).toEqual([]);
    expect(after.plan.groups).toEqual({});
  });

  it('a silenced alert neither notifies nor counts as resolved while silenced', () => {
    let { plan, due } = step({}, [a1, a2], 0);
    ({ plan } = step(plan.groups, [a1, a2], 30 * S));
    // a2 silenced: it is not among the firing alerts given, but is held, not resolved.
    ({ plan, due } = step(plan.groups, [a1], 30 * S + 5 * M, { silenced: ['a2'] }));
    expect(due).toEqual([]);
    expect(plan.nextDue).toBe(30 * S + 4 * H + 5 * M);
    ({ plan, due } = step(plan.groups, [a1], 30 * S + 4 * H + 5 * M, { silenced: ['a2'] }));
    expect(due).toEqual([{ labels: { alertname: 'A' }, new: [], ongoing: ['a1'], recovered: [] }]);
  });

  it('notifies only on group_interval ticks: a change after a quiet spell waits for the next tick', () => {
    let { plan } = step({}, [a1], 0);
    ({ plan } = step(plan.groups, [a1], 30 * S));
    // Quiet for 22 minutes (ticks at 5m30s, 10m30s, …, 20m30s pass), then a2 arrives at 22m.
    let due;
    ({ plan, due } = step(plan.groups, [a1, a2], 22 * M));
    expect(due).toEqual([]);
    expect(plan.nextDue).toBe(25 * M + 30 * S);
    ({ plan, due } = step(plan.groups, [a1, a2], 25 * M + 30 * S));
    expect(due).toEqual([{ labels: { alertname: 'A' }, new: ['a2'], ongoing: ['a1'], recovered: [] }]);
  });

  it('rounds repeat_interval up to the tick after it, as Alertmanager (group_interval 5m, repeat 5m: every 10m)', () => {
    const fiveFive = { ...timers, repeatIntervalMs: 5 * M };
    const run = (previous: Record<string, GroupState>, now: number) =>
      planGroups({ previous, firing: [a1], silenced: new Set(), resolved: () => ({}), groupBy: ['alertname'], timers: fiveFive, now });
    let plan = run({}, 0);
    const notifiedAt: number[] = [];
    for (let i = 0; i < 4; i++) {
      const at = plan.nextDue!;
      plan = run(plan.groups, at);
      expect(plan.due).toHaveLength(1);
      notifiedAt.push(at);
    }
    expect(notifiedAt).toEqual([30 * S, 30 * S + 10 * M, 30 * S + 20 * M, 30 * S + 30 * M]);
  });

  it('flushes a new group at once when its alert started more than group_wait ago', () => {
    const old = alert('old', { alertname: 'C' }, 10 * M);
    const { plan, due } = step({}, [old], 20 * M);
    expect(due).toEqual([{ labels: { alertname: 'C' }, new: ['old'], ongoing: [], recovered: [] }]);
    expect(plan.groups['[["alertname","C"]]']).toMatchObject({ flushAt: 20 * M, notifiedAt: 20 * M });
    // A group still waiting flushes when an old alert joins it.
    const waiting = step({}, [alert('c1', { alertname: 'D' }, 20 * M)], 20 * M).plan;
    expect(step(waiting.groups, [alert('c1', { alertname: 'D' }, 20 * M), alert('c0', { alertname: 'D' }, 0)], 20 * M + 10 * S).due).toHaveLength(1);
  });
});
