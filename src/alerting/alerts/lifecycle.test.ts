import { describe, expect, it } from 'vitest';
import { RunAlertsReporter } from './alerts_reporter.js';
import { DEFAULT_FLAPPING_SETTINGS, isFlapping, resolveFlappingSettings, validateRuleFlapping, validateSpaceFlappingSettings, type FlappingSettings } from './flapping.js';
import { alertsStoppedByDisable, processRunAlerts, toTaskStateAlerts, type RunAlerts } from './lifecycle.js';
import { readRuleTaskState, type RawAlertInstance } from './task_state.js';

interface Stored {
  alertInstances: Record<string, RawAlertInstance>;
  alertRecoveredInstances: Record<string, RawAlertInstance>;
}

const t0 = Date.parse('2025-01-01T00:00:00.000Z');
const at = (run: number) => new Date(t0 + run * 60_000);

/** Runs the lifecycle once: `ids` are the alerts reported in group `met`; the state goes through JSON. */
function run(
  stored: Stored,
  ids: string[],
  n: number,
  opts: { flapping?: FlappingSettings; delay?: number; maxAlerts?: number; limitReached?: boolean; autoRecover?: boolean; recoveryContext?: Record<string, unknown> } = {},
): { alerts: RunAlerts; next: Stored; reporter: RunAlertsReporter } {
  const reporter = new RunAlertsReporter(stored, { maxAlerts: opts.maxAlerts ?? 1000, autoRecoverAlerts: opts.autoRecover ?? true, doesSetRecoveryContext: true });
  for (const id of ids) reporter.report({ id, actionGroup: 'met', context: { value: id } });
  if (opts.limitReached) reporter.setAlertLimitReached(true);
  if (opts.recoveryContext) for (const r of reporter.getRecoveredAlerts()) r.setContext(opts.recoveryContext);
  reporter.checkLimitUsage();
  const alerts = processRunAlerts({
    reporter,
    autoRecoverAlerts: opts.autoRecover ?? true,
    flappingSettings: opts.flapping ?? DEFAULT_FLAPPING_SETTINGS,
    alertDelay: opts.delay ?? 0,
    defaultActionGroupId: 'met',
    startedAt: at(n),
  });
  const { alertInstances, alertRecoveredInstances } = toTaskStateAlerts(alerts, reporter.maxAlerts);
  const next = readRuleTaskState(JSON.parse(JSON.stringify({ alertInstances, alertRecoveredInstances })));
  return { alerts, next, reporter };
}

const empty: Stored = { alertInstances: {}, alertRecoveredInstances: {} };
const ids = (alerts: Record<string, unknown>) => Object.keys(alerts).sort();

describe('alerts reporter', () => {
  it("throws Kibana's messages past the limit, on a second report and after getRecoveredAlerts", () => {
    const reporter = new RunAlertsReporter(empty, { maxAlerts: 2, autoRecoverAlerts: true, doesSetRecoveryContext: true });
    reporter.report({ id: 'a', actionGroup: 'met' });
    expect(() => reporter.report({ id: 'a', actionGroup: 'met' })).toThrow('Alert instance execution has already been scheduled, cannot schedule twice');
    expect(() => reporter.report({ id: 'c', actionGroup: 'met' })).toThrow('Rule reported more than 2 alerts.');
    expect(reporter.hasReachedAlertLimit).toBe(true);
    reporter.getRecoveredAlerts();
    expect(() => reporter.report({ id: 'd', actionGroup: 'met' })).toThrow("Can't create new alerts after calling done() in AlertsFactory.");
  });

  it('caps the limit at 5000 and requires the type to say whether it reached it once it asked', () => {
    const reporter = new RunAlertsReporter(empty, { maxAlerts: 9000, autoRecoverAlerts: true, doesSetRecoveryContext: false });
    expect(reporter.getAlertLimitValue()).toBe(5000);
    expect(() => reporter.checkLimitUsage()).toThrow('Rule has not reported whether alert limit has been reached after requesting limit value!');
    reporter.setAlertLimitReached(false);
    expect(() => reporter.checkLimitUsage()).not.toThrow();
  });

  it('gives the recovered alerts only to types that set recovery context, and their context reaches the recovered alert', () => {
    const first = run(empty, ['a', 'b'], 0).next;
    const noContext = new RunAlertsReporter(first, { maxAlerts: 10, autoRecoverAlerts: true, doesSetRecoveryContext: false });
    expect(noContext.getRecoveredAlerts()).toEqual([]);
    const { alerts } = run(first, ['a'], 1, { recoveryContext: { recovered: true } });
    expect(ids(alerts.recovered)).toEqual(['b']);
    expect(alerts.recovered.b.getContext()).toEqual({ recovered: true });
  });
});

describe('alert lifecycle over runs', () => {
  it('new, ongoing with duration in ns, recovered with end; uuid stable while active', () => {
    const r0 = run(empty, ['a'], 0);
    expect(ids(r0.alerts.new)).toEqual(['a']);
    expect(r0.next.alertInstances.a.state).toEqual({ start: at(0).toISOString(), duration: '0' });
    const uuid = r0.next.alertInstances.a.meta!.uuid;

    const r1 = run(r0.next, ['a'], 2);
    expect(ids(r1.alerts.new)).toEqual([]);
    expect(ids(r1.alerts.active)).toEqual(['a']);
    expect(r1.alerts.active.a.getState()).toEqual({ start: at(0).toISOString(), duration: String(2 * 60_000 * 1_000_000) });
    expect(r1.next.alertInstances.a.meta!.uuid).toBe(uuid);

    const r2 = run(r1.next, [], 3);
    expect(ids(r2.alerts.recovered)).toEqual(['a']);
    expect(r2.alerts.recovered.a.getState()).toMatchObject({ start: at(0).toISOString(), end: at(3).toISOString(), duration: String(3 * 60_000 * 1_000_000) });
    expect(r2.next.alertInstances).toEqual({});
    // Recovered: only meta, for flapping.
    expect(r2.next.alertRecoveredInstances.a).toEqual({
      meta: { maintenanceWindowIds: [], maintenanceWindowNames: [], flappingHistory: [true, false, true], flapping: false, uuid, activeCount: 0 },
    });
    const r3 = run(r2.next, ['a'], 4);
    expect(ids(r3.alerts.new)).toEqual(['a']);
    // As Kibana's alert factory: an alert active again is a new alert (new uuid) that takes back its history.
    expect(r3.alerts.active.a.uuid).not.toBe(uuid);
    expect(r3.alerts.active.a.flappingHistory).toEqual([true, false, true, true]);
  });

  it('without autoRecoverAlerts an alert not reported stays tracked and never recovers', () => {
    const r0 = run(empty, ['a'], 0, { autoRecover: false });
    const r1 = run(r0.next, [], 1, { autoRecover: false });
    expect(ids(r1.alerts.recovered)).toEqual([]);
    expect(ids(r1.alerts.active)).toEqual([]);
  });

  it('limit reached: nothing recovers, previous alerts stay active with their state, new ones fill up to the limit', () => {
    const r0 = run(empty, ['a', 'b'], 0, { maxAlerts: 3 });
    const r1 = run(r0.next, ['c', 'd'], 1, { maxAlerts: 3, limitReached: true });
    expect(ids(r1.alerts.recovered)).toEqual([]);
    expect(ids(r1.alerts.active)).toEqual(['a', 'b', 'c']);
    expect(ids(r1.alerts.new)).toEqual(['c']);
    expect(r1.alerts.active.a.isScheduled()).toBe(false);
    expect(r1.alerts.active.a.getState()).toMatchObject({ start: at(0).toISOString(), duration: String(60_000 * 1_000_000) });
  });

  it('alert delay: no actions until active N consecutive runs, then new with start = that run; recovery before that is silent', () => {
    let state = empty;
    const r0 = run(state, ['a'], 0, { delay: 3 });
    expect([ids(r0.alerts.new), ids(r0.alerts.active), ids(r0.alerts.delayed)]).toEqual([[], [], ['a']]);
    expect(r0.next.alertInstances.a.meta!.activeCount).toBe(1);
    const r1 = run(r0.next, ['a'], 1, { delay: 3 });
    expect(ids(r1.alerts.delayed)).toEqual(['a']);
    const r2 = run(r1.next, ['a'], 2, { delay: 3 });
    expect(ids(r2.alerts.new)).toEqual(['a']);
    expect(r2.alerts.new.a.getState()).toEqual({ start: at(2).toISOString(), duration: '0' });
    expect(r2.alerts.new.a.activeCount).toBe(3);
    state = r2.next;
    const r3 = run(state, [], 3, { delay: 3 });
    expect(ids(r3.alerts.recovered)).toEqual(['a']);
    // Active twice, then gone: never reported, never recovered.
    const d0 = run(empty, ['b'], 0, { delay: 3 });
    const d1 = run(d0.next, ['b'], 1, { delay: 3 });
    const d2 = run(d1.next, [], 2, { delay: 3 });
    expect(ids(d2.alerts.recovered)).toEqual([]);
    expect(d2.next.alertRecoveredInstances).toEqual({});
  });

  it('disable: every tracked alert recovers with the message, untracked when asked', () => {
    const r0 = run(empty, ['a'], 0);
    const stopped = alertsStoppedByDisable(r0.next.alertInstances, { untrack: true });
    expect(stopped).toEqual([
      {
        id: 'a',
        uuid: r0.next.alertInstances.a.meta!.uuid,
        actionGroup: undefined,
        // The span as the run that made it new left it.
        start: at(0).toISOString(),
        end: undefined,
        duration: '0',
        status: 'untracked',
        message: "instance 'a' has been untracked because the rule was disabled",
      },
    ]);
    expect(alertsStoppedByDisable(r0.next.alertInstances, { untrack: false })[0]).toMatchObject({
      status: 'recovered',
      message: "instance 'a' has recovered due to the rule was disabled",
    });
  });

  it('task state round-trips through JSON and unreadable state starts over', () => {
    const r0 = run(empty, ['a'], 0);
    r0.alerts.active.a.recordScheduledActions('met', at(0), 'action-1');
    const raw = toTaskStateAlerts(r0.alerts, 1000);
    const state = { alertTypeState: { x: 1 }, ...raw, summaryActions: { s: { date: at(0).toISOString() } }, previousStartedAt: at(0).toISOString() };
    expect(readRuleTaskState(JSON.parse(JSON.stringify(state)))).toEqual(JSON.parse(JSON.stringify(state)));
    expect(readRuleTaskState({ alertInstances: 'nonsense' })).toEqual({ alertTypeState: {}, alertInstances: {}, alertRecoveredInstances: {}, summaryActions: {}, previousStartedAt: null });
  });
});

describe('flapping', () => {
  const settings: FlappingSettings = { enabled: true, lookBackWindow: 6, statusChangeThreshold: 3 };

  it('history flags status changes, flapping from the threshold, pending recovery keeps the alert active', () => {
    let state = empty;
    const pattern = [['a'], [], ['a'], []]; // new, recovered, active again, recovered
    let last: RunAlerts | undefined;
    pattern.forEach((reported, n) => {
      const r = run(state, reported, n, { flapping: settings });
      state = r.next;
      last = r.alerts;
    });
    // Changes: true (new), true (recovered), true (back): flapping from run 3 on; its recovery is pending.
    expect(ids(last!.recovered)).toEqual([]);
    expect(ids(last!.active)).toEqual(['a']);
    const pending = last!.active.a;
    expect(pending.flapping).toBe(true);
    expect(pending.pendingRecoveredCount).toBe(1);
    expect(pending.actionGroup).toBe('met');
    expect(pending.getState().end).toBeUndefined();
    // Recovered for statusChangeThreshold (3) runs: the third really recovers.
    const p2 = run(state, [], 4, { flapping: settings });
    expect(ids(p2.alerts.active)).toEqual(['a']);
    expect(p2.alerts.active.a.pendingRecoveredCount).toBe(2);
    const p3 = run(p2.next, [], 5, { flapping: settings });
    expect(ids(p3.alerts.recovered)).toEqual(['a']);
    expect(p3.next.alertRecoveredInstances.a.meta!.flapping).toBe(true);
  });

  it('stops flapping only once the history is full of no changes', () => {
    expect(isFlapping(settings, [true, true, true])).toBe(true);
    expect(isFlapping(settings, [true, false, false, false, false, false], true)).toBe(true);
    expect(isFlapping(settings, [false, false, false, false, false, false], true)).toBe(false);
    expect(isFlapping({ ...settings, enabled: false }, [true, true, true])).toBe(false);
  });

  it('disabled: no history is kept and recovered alerts are not tracked', () => {
    const off = { ...settings, enabled: false };
    const r0 = run(empty, ['a'], 0, { flapping: off });
    const r1 = run(r0.next, [], 1, { flapping: off });
    expect(ids(r1.alerts.recovered)).toEqual(['a']);
    expect(r1.next.alertRecoveredInstances).toEqual({});
    expect(r0.next.alertInstances.a.meta!.flappingHistory).toEqual([]);
  });

  it("defaults, the rule's override unless the space disables flapping, and the validation messages", () => {
    expect(DEFAULT_FLAPPING_SETTINGS).toEqual({ enabled: true, lookBackWindow: 20, statusChangeThreshold: 4 });
    expect(resolveFlappingSettings(undefined, { look_back_window: 10, status_change_threshold: 3 })).toEqual({ enabled: true, lookBackWindow: 10, statusChangeThreshold: 3 });
    const spaceOff = { enabled: false, lookBackWindow: 20, statusChangeThreshold: 4 };
    expect(resolveFlappingSettings(spaceOff, { look_back_window: 10, status_change_threshold: 3 })).toBe(spaceOff);
    expect(validateRuleFlapping({ look_back_window: 1, status_change_threshold: 2 })).toBe('look back window must be between 2 and 20');
    expect(validateRuleFlapping({ look_back_window: 10, status_change_threshold: 21 })).toBe('status change threshold must be between 2 and 20');
    expect(validateRuleFlapping({ look_back_window: 10, status_change_threshold: 15 })).toBe('lookBackWindow (10) must be equal to or greater than statusChangeThreshold (15)');
    expect(validateRuleFlapping({ look_back_window: 10, status_change_threshold: 10 })).toBeUndefined();
    expect(validateSpaceFlappingSettings({ enabled: true, lookBackWindow: 200, statusChangeThreshold: 5 })).toBe('Invalid lookBackWindow value, must be between 2 and 20, but got: 200.');
    expect(validateSpaceFlappingSettings({ enabled: true, lookBackWindow: 20, statusChangeThreshold: 500 })).toBe(
      'Invalid statusChangeThreshold value, must be between 2 and 20, but got: 500.',
    );
    expect(validateSpaceFlappingSettings({ enabled: true, lookBackWindow: 5, statusChangeThreshold: 10 })).toBe(
      'Invalid values,lookBackWindow (5) must be equal to or greater than statusChangeThreshold (10).',
    );
  });

  it('keeps at most maxAlerts recovered alerts, the youngest histories, with the warning', () => {
    let state = empty;
    state = run(state, ['a', 'b', 'c'], 0, { flapping: settings, maxAlerts: 3 }).next;
    const r = run(state, [], 1, { flapping: settings, maxAlerts: 3 });
    expect(toTaskStateAlerts(r.alerts, 2).warning).toBe('Recovered alerts have exceeded the max alert limit of 2 : dropping 1 alert.');
    expect(Object.keys(toTaskStateAlerts(r.alerts, 2).alertRecoveredInstances)).toHaveLength(2);
  });
});
