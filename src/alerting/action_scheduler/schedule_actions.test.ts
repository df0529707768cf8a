import { pino } from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ParamsRenderer } from '../../actions/templating/params_renderer.js';
import type { ConnectorTypeDefinition } from '../../actions/types.js';
import { buildAlertDocuments } from '../alert_document.js';
import { buildRuleUrl, renderRuleActionParams } from '../action_variables.js';
import { RunAlertsReporter } from '../alerts/alerts_reporter.js';
import { DEFAULT_FLAPPING_SETTINGS } from '../alerts/flapping.js';
import { processRunAlerts, toTaskStateAlerts } from '../alerts/lifecycle.js';
import type { RawAlertInstance, ThrottledActions } from '../alerts/task_state.js';
import { compileAlertKql, isInTimeframe } from './alerts_filter.js';
import { toEnqueueItems } from './enqueue_payload.js';
import { scheduleActions } from './schedule_actions.js';
import type { RuleAction, SchedulingRule } from './types.js';

const logger = pino({ level: 'silent' });
const t0 = Date.parse('2025-01-06T10:00:00.000Z'); // a Monday
const at = (minutes: number) => new Date(t0 + minutes * 60_000);

function rule(actions: RuleAction[], over: Partial<SchedulingRule> = {}): SchedulingRule {
  return {
    id: 'rule-1', name: 'My rule', tags: ['prod'], ruleTypeId: '.test', ruleTypeName: 'Test', consumer: 'alerts', producer: 'alerts', revision: 0,
    params: { thresholdComparator: '>', timeWindowSize: 5 }, schedule: { interval: '1m' }, notifyWhen: null, throttle: null, muteAll: false, mutedInstanceIds: [],
    actions, systemActions: [], ...over,
  };
}

const action = (uuid: string, over: Partial<RuleAction> = {}): RuleAction => ({
  uuid, id: `conn-${uuid}`, actionTypeId: '.webhook', group: 'met', params: { body: '{{alert.id}}' }, ...over,
});

type Stored = { alertInstances: Record<string, RawAlertInstance>; alertRecoveredInstances: Record<string, RawAlertInstance>; summaryActions: ThrottledActions };

/** One run: report `reported` (id → group), process, schedule, and the next stored state (through JSON). */
function runOnce(r: SchedulingRule, stored: Stored, reported: Record<string, string>, minute: number, extra: { max?: number; overrides?: Array<{ id: string; max: number }>; kibanaBaseUrl?: string; delay?: number; muted?: string[]; payload?: Record<string, Record<string, unknown>> } = {}) {
  const reporter = new RunAlertsReporter(stored, { maxAlerts: 1000, autoRecoverAlerts: true, doesSetRecoveryContext: true });
  for (const [id, group] of Object.entries(reported)) reporter.report({ id, actionGroup: group, context: { value: 42 }, muted: extra.muted?.includes(id), payload: extra.payload?.[id] });
  const startedAt = at(minute);
  const alerts = processRunAlerts({ reporter, autoRecoverAlerts: true, flappingSettings: DEFAULT_FLAPPING_SETTINGS, alertDelay: extra.delay ?? 0, defaultActionGroupId: 'met', startedAt });
  const documents = buildAlertDocuments(alerts, { rule: r, spaceId: 'default', executionId: `exec-${minute}`, startedAt });
  const result = scheduleActions({
    rule: r, spaceId: 'default', executionId: `exec-${minute}`,
    actionGroups: [{ id: 'met', name: 'Met' }, { id: 'worse', name: 'Worse' }, { id: 'recovered', name: 'Recovered' }],
    recoveryActionGroupId: 'recovered', now: startedAt, kibanaBaseUrl: extra.kibanaBaseUrl,
    ruleUrl: buildRuleUrl({ publicBaseUrl: extra.kibanaBaseUrl, spaceId: 'default', ruleId: r.id }),
    active: alerts.active, recovered: alerts.recovered, documents, isActionExecutable: () => true, logger,
    actionsConfig: { max: extra.max, connectorTypeOverrides: extra.overrides }, summaryActions: stored.summaryActions,
  });
  const next: Stored = JSON.parse(JSON.stringify({ ...toTaskStateAlerts(alerts, 1000), summaryActions: result.summaryActions }));
  return { result, next, alerts };
}

const empty: Stored = { alertInstances: {}, alertRecoveredInstances: {}, summaryActions: {} };
const fired = (res: ReturnType<typeof runOnce>) => res.result.actions.map((a) => `${a.kind}:${a.action.uuid}${a.alert ? `:${a.alert.id}` : ''}`);

/** Runs a sequence of (minute, reported) and gives what fired each run. */
function sequence(r: SchedulingRule, steps: Array<[number, Record<string, string>]>) {
  let stored = empty;
  return steps.map(([minute, reported]) => {
    const res = runOnce(r, stored, reported, minute);
    stored = res.next;
    return fired(res);
  });
}

describe("an executor's per-run mute and payload", () => {
  const perAlert = action('x', { frequency: { summary: false, notifyWhen: 'onActionGroupChange', throttle: null } });
  const summary = action('s', { frequency: { summary: true, notifyWhen: 'onActiveAlert', throttle: null } });

  it('a muted alert stays active but has no per-alert action and is left out of summaries, until a run reports it unmuted', () => {
    const r = rule([perAlert, summary]);
    const first = runOnce(r, empty, { a: 'met', b: 'met' }, 0, { muted: ['a'] });
    expect(fired(first)).toEqual(['summary:s', 'per-alert:x:b']);
    expect(first.result.actions[0].alertSummary).toEqual({ new: 1, ongoing: 0, recovered: 0 });
    expect(Object.keys(first.alerts.active).sort()).toEqual(['a', 'b']);
    // Still muted: active, not recovered, nothing for it; unmuted: its group is new to its actions.
    const second = runOnce(r, first.next, { a: 'met', b: 'met' }, 1, { muted: ['a'] });
    expect(fired(second)).toEqual(['summary:s']);
    expect(Object.keys(second.alerts.recovered)).toEqual([]);
    expect(fired(runOnce(r, second.next, { a: 'met', b: 'met' }, 2))).toEqual(['summary:s', 'per-alert:x:a']);
  });

  it("a muted recovered alert has no recovery action", () => {
    const r = rule([action('r', { group: 'recovered', frequency: { summary: false, notifyWhen: 'onActionGroupChange', throttle: null } })]);
    const first = runOnce(r, empty, { a: 'met', b: 'met' }, 0);
    const reporter = new RunAlertsReporter(first.next, { maxAlerts: 1000, autoRecoverAlerts: true, doesSetRecoveryContext: true });
    for (const recovered of reporter.getRecoveredAlerts()) if (recovered.id === 'a') recovered.mute();
    const alerts = processRunAlerts({ reporter, autoRecoverAlerts: true, flappingSettings: DEFAULT_FLAPPING_SETTINGS, alertDelay: 0, defaultActionGroupId: 'met', startedAt: at(1) });
    expect(Object.keys(alerts.recovered).sort()).toEqual(['a', 'b']);
    const result = scheduleActions({
      rule: r, spaceId: 'default', executionId: 'exec-1', actionGroups: [{ id: 'met', name: 'Met' }, { id: 'recovered', name: 'Recovered' }], recoveryActionGroupId: 'recovered',
      now: at(1), kibanaBaseUrl: undefined, ruleUrl: undefined, active: alerts.active, recovered: alerts.recovered, documents: new Map(), isActionExecutable: () => true, logger, summaryActions: {},
    });
    expect(result.actions.map((a) => a.alert?.id)).toEqual(['b']);
  });

  it('summary groups: a per-run summary action runs once per group with its alerts (documents merged, muted ones left out) and group.* variables', () => {
    const r = rule([summary, action('t', { frequency: { summary: true, notifyWhen: 'onThrottleInterval', throttle: '1h' } })], { mutedInstanceIds: ['c'] });
    const reporter = new RunAlertsReporter(empty, { maxAlerts: 1000, autoRecoverAlerts: true, doesSetRecoveryContext: true });
    for (const id of ['a', 'b', 'c']) reporter.report({ id, actionGroup: 'met', muted: id === 'b' });
    reporter.setSummaryGroups([
      { id: 'g1', variables: { labels: { team: 'db' } }, alerts: { new: [{ id: 'a', labels: { x: '1' } }, { id: 'b' }], ongoing: [], recovered: [{ id: 'gone', status: 'resolved' }] } },
      { id: 'g2', variables: { labels: { team: 'qa' } }, alerts: { new: [{ id: 'c' }], ongoing: [], recovered: [] } },
    ]);
    const startedAt = at(0);
    const alerts = processRunAlerts({ reporter, autoRecoverAlerts: true, flappingSettings: DEFAULT_FLAPPING_SETTINGS, alertDelay: 0, defaultActionGroupId: 'met', startedAt });
    const result = scheduleActions({
      rule: r, spaceId: 'default', executionId: 'exec-0', actionGroups: [{ id: 'met', name: 'Met' }, { id: 'recovered', name: 'Recovered' }], recoveryActionGroupId: 'recovered',
      now: startedAt, kibanaBaseUrl: undefined, ruleUrl: undefined, active: alerts.active, recovered: alerts.recovered,
      documents: buildAlertDocuments(alerts, { rule: r, spaceId: 'default', executionId: 'exec-0', startedAt }), isActionExecutable: () => true, logger, summaryActions: {},
      summaryGroups: reporter.summaryGroups,
    });
    // g2 has only a muted alert: nothing; the summary on an interval keeps the framework's window.
    expect(result.actions.map((a) => [a.action.uuid, (a.variables!.group as any)?.labels.team, a.alertSummary])).toEqual([
      ['s', 'db', { new: 1, ongoing: 0, recovered: 1 }],
      ['t', undefined, { new: 1, ongoing: 0, recovered: 0 }],
    ]);
    const data = (result.actions[0].variables!.alerts as any).all.data;
    expect(data.map((d: any) => [d.id, d.labels?.x, d.kibana?.alert?.instance?.id, d.status])).toEqual([['a', '1', 'a', undefined], ['gone', undefined, undefined, 'resolved']]);
  });

  it("a payload's keys are variables under alert.*, and Kibana's own alert fields win over them", () => {
    const r = rule([action('x', { frequency: { summary: false, notifyWhen: 'onActiveAlert', throttle: null } })]);
    const res = runOnce(r, empty, { a: 'met' }, 0, { payload: { a: { labels: { severity: 'page' }, status: 'firing', id: 'not-the-id', actionGroup: 'other' } } });
    expect(res.result.actions[0].variables!.alert).toMatchObject({ labels: { severity: 'page' }, status: 'firing', id: 'a', actionGroup: 'met' });
  });
});

describe('per-alert actions: notify_when and throttle', () => {
  it('onActiveAlert fires every run the alert is active in the group', () => {
    const r = rule([action('x', { frequency: { summary: false, notifyWhen: 'onActiveAlert', throttle: null } })]);
    expect(sequence(r, [[0, { a: 'met' }], [1, { a: 'met' }], [2, { a: 'worse' }], [3, {}]])).toEqual([['per-alert:x:a'], ['per-alert:x:a'], [], []]);
  });

  it('onActionGroupChange fires on the first run and on each change of group only', () => {
    const r = rule([
      action('x', { frequency: { summary: false, notifyWhen: 'onActionGroupChange', throttle: null } }),
      action('y', { group: 'worse', frequency: { summary: false, notifyWhen: 'onActionGroupChange', throttle: null } }),
    ]);
    expect(sequence(r, [[0, { a: 'met' }], [1, { a: 'met' }], [2, { a: 'worse' }], [3, { a: 'worse' }], [4, { a: 'met' }]])).toEqual([
      ['per-alert:x:a'], [], ['per-alert:y:a'], [], ['per-alert:x:a'],
    ]);
  });

  it("onThrottleInterval with the action's throttle: at most once per throttle per action uuid; a run in a group without actions changes nothing", () => {
    const r = rule([
      action('x', { frequency: { summary: false, notifyWhen: 'onThrottleInterval', throttle: '5m' } }),
      action('z', { frequency: { summary: false, notifyWhen: 'onThrottleInterval', throttle: '2m' } }),
    ]);
    expect(sequence(r, [[0, { a: 'met' }], [1, { a: 'met' }], [2, { a: 'met' }], [5, { a: 'met' }], [6, { a: 'worse' }], [7, { a: 'met' }]])).toEqual([
      ['per-alert:x:a', 'per-alert:z:a'], [], ['per-alert:z:a'], ['per-alert:x:a', 'per-alert:z:a'], [], ['per-alert:z:a'],
    ]);
  });

  it('rule-level onThrottleInterval with the rule throttle uses the alert’s last date', () => {
    const r = rule([action('x')], { notifyWhen: 'onThrottleInterval', throttle: '3m' });
    expect(sequence(r, [[0, { a: 'met' }], [2, { a: 'met' }], [3, { a: 'met' }]])).toEqual([['per-alert:x:a'], [], ['per-alert:x:a']]);
  });

  it("Kibana's surprise: a group change does not clear the per-action throttle dates of the previous group", () => {
    const r = rule([
      action('x', { frequency: { summary: false, notifyWhen: 'onThrottleInterval', throttle: '1h' } }),
      action('y', { group: 'worse', frequency: { summary: false, notifyWhen: 'onThrottleInterval', throttle: '1h' } }),
    ]);
    const r0 = runOnce(r, empty, { a: 'met' }, 0);
    const r1 = runOnce(r, r0.next, { a: 'worse' }, 1);
    expect(fired(r1)).toEqual(['per-alert:y:a']);
    expect(r1.next.alertInstances.a.meta!.lastScheduledActions).toEqual({
      group: 'worse', date: at(1).toISOString(), actions: { x: { date: at(0).toISOString() }, y: { date: at(1).toISOString() } },
    });
  });

  it('recovered group fires for recovered alerts; muted alerts and mute_all fire nothing; removed actions are forgotten', () => {
    const rec = rule([action('r', { group: 'recovered', frequency: { summary: false, notifyWhen: 'onActiveAlert', throttle: null } })]);
    expect(sequence(rec, [[0, { a: 'met' }], [1, {}]])).toEqual([[], ['per-alert:r:a']]);
    const onActive = { summary: false, notifyWhen: 'onActiveAlert' as const, throttle: null };
    expect(sequence(rule([action('x', { frequency: onActive })], { mutedInstanceIds: ['a'] }), [[0, { a: 'met', b: 'met' }]])).toEqual([['per-alert:x:b']]);
    expect(sequence(rule([action('x', { frequency: onActive })], { muteAll: true }), [[0, { a: 'met' }]])).toEqual([[]]);
  });

  it('delayed alerts fire nothing until they are reported', () => {
    const r = rule([action('x', { frequency: { summary: false, notifyWhen: 'onActiveAlert', throttle: null } })]);
    const r0 = runOnce(r, empty, { a: 'met' }, 0, { delay: 2 });
    expect(fired(r0)).toEqual([]);
    expect(fired(runOnce(r, r0.next, { a: 'met' }, 1, { delay: 2 }))).toEqual(['per-alert:x:a']);
  });

  it('pending recovery: only onActionGroupChange actions may fire for the alert (and it has not changed)', () => {
    const onActive = action('x', { frequency: { summary: false, notifyWhen: 'onActiveAlert', throttle: null } });
    const r = rule([onActive]);
    // Flapping needs 4 changes by default (counted before this run's): flapping from minute 4, so the recovery at 5 is pending.
    let stored = empty;
    const steps = [[0, { a: 'met' }], [1, {}], [2, { a: 'met' }], [3, {}], [4, { a: 'met' }]] as Array<[number, Record<string, string>]>;
    for (const [minute, reported] of steps) stored = runOnce(r, stored, reported, minute).next;
    const pending = runOnce(r, stored, {}, 5);
    expect(Object.keys(pending.alerts.active)).toEqual(['a']);
    expect(pending.alerts.active.a.pendingRecoveredCount).toBe(1);
    expect(fired(pending)).toEqual([]);
  });
});

describe('circuit breaker', () => {
  it('caps the actions of a run and per connector type, and says partial', () => {
    const onActive = { summary: false, notifyWhen: 'onActiveAlert' as const, throttle: null };
    const r = rule([action('x', { frequency: onActive }), action('e', { actionTypeId: '.email', frequency: onActive })]);
    const capped = runOnce(r, empty, { a: 'met', b: 'met', c: 'met' }, 0, { max: 4 });
    expect(capped.result.actions).toHaveLength(4);
    expect(capped.result.numberOfGeneratedActions).toBe(6);
    expect(capped.result.numberOfTriggeredActions).toBe(4);
    expect(capped.result.warning).toEqual({ reason: 'maxExecutableActions', message: 'The maximum number of actions for this rule type was reached; excess actions were not triggered.' });
    const byType = runOnce(r, empty, { a: 'met', b: 'met', c: 'met' }, 0, { overrides: [{ id: '.email', max: 1 }] });
    expect(fired(byType)).toEqual(['per-alert:x:a', 'per-alert:x:b', 'per-alert:x:c', 'per-alert:e:a']);
    expect(runOnce(r, empty, { a: 'met' }, 0).result.warning).toBeUndefined();
  });
});

describe('summary actions', () => {
  it('per run: counts new, ongoing and recovered; nothing without alerts; muted excluded; before per-alert actions', () => {
    const r = rule([
      action('p', { frequency: { summary: false, notifyWhen: 'onActiveAlert', throttle: null } }),
      action('s', { frequency: { summary: true, notifyWhen: 'onActiveAlert', throttle: null } }),
    ], { mutedInstanceIds: ['m'] });
    const r0 = runOnce(r, empty, { a: 'met', b: 'met', m: 'met' }, 0);
    expect(fired(r0)).toEqual(['summary:s', 'per-alert:p:a', 'per-alert:p:b']);
    const r1 = runOnce(r, r0.next, { a: 'met', c: 'met' }, 1);
    expect(r1.result.actions[0].alertSummary).toEqual({ new: 1, ongoing: 1, recovered: 1 });
    const vars = r1.result.actions[0].variables as { alerts: { all: { count: number; data: Array<{ kibana: { alert: { instance: { id: string } } } }> } }; state: unknown };
    expect(vars.alerts.all.count).toBe(3);
    expect(vars.alerts.all.data.map((d) => d.kibana.alert.instance.id).sort()).toEqual(['a', 'b', 'c']);
    expect(vars.state).toEqual({ signals_count: 3 });
    const r2 = runOnce(r, r1.next, {}, 2);
    const r3 = runOnce(r, r2.next, {}, 3);
    expect(fired(r3)).toEqual([]);
  });

  it('on an interval: at most once per throttle, kept in summaryActions, over the alerts of the window', () => {
    const r = rule([action('s', { frequency: { summary: true, notifyWhen: 'onThrottleInterval', throttle: '10m' } })]);
    const r0 = runOnce(r, empty, { a: 'met' }, 0);
    expect(fired(r0)).toEqual(['summary:s']);
    expect(r0.next.summaryActions).toEqual({ s: { date: at(0).toISOString() } });
    const r1 = runOnce(r, r0.next, { a: 'met', b: 'met' }, 5);
    expect(fired(r1)).toEqual([]);
    const r2 = runOnce(r, r1.next, { b: 'met' }, 10);
    expect(fired(r2)).toEqual(['summary:s']);
    // Window [0, 10]: a and b started in it (new, Kibana's gte), a also recovered in it.
    expect(r2.result.actions[0].alertSummary).toEqual({ new: 2, ongoing: 0, recovered: 1 });
    // A summary action the rule no longer has is dropped from the state.
    expect(runOnce(rule([]), r2.next, {}, 11).next.summaryActions).toEqual({});
  });
});

describe('alert filters', () => {
  it('KQL on the alert document: fields, context, wildcards, ranges, not, bare terms, arrays', () => {
    const r = rule([]);
    const reporter = new RunAlertsReporter({ alertInstances: {}, alertRecoveredInstances: {} }, { maxAlerts: 10, autoRecoverAlerts: true, doesSetRecoveryContext: false });
    reporter.report({ id: 'host-1', actionGroup: 'met', context: { value: 42, group: 'web servers' } });
    const alerts = processRunAlerts({ reporter, autoRecoverAlerts: true, flappingSettings: DEFAULT_FLAPPING_SETTINGS, alertDelay: 0, defaultActionGroupId: 'met', startedAt: at(0) });
    const doc = [...buildAlertDocuments(alerts, { rule: r, spaceId: 'default', executionId: 'e', startedAt: at(0) }).values()][0];
    const test = (kql: string) => compileAlertKql(kql, at(1).getTime())(doc);
    expect(test('kibana.alert.instance.id: host-1')).toBe(true);
    expect(test('kibana.alert.instance.id: host-*')).toBe(true);
    expect(test('kibana.alert.instance.id: HOST-1')).toBe(false);
    expect(test('kibana.alert.action_group: met and kibana.alert.status: active')).toBe(true);
    expect(test('kibana.alert.flapping: false')).toBe(true);
    expect(test('kibana.alert.rule.name: "My rule" and tags: prod')).toBe(true);
    expect(test('kibana.alert.context.value > 40 and kibana.alert.context.value <= 42')).toBe(true);
    expect(test('kibana.alert.context.group: "web servers"')).toBe(true);
    expect(test('not kibana.alert.instance.id: host-1')).toBe(false);
    expect(test('kibana.alert.end: *')).toBe(false);
    expect(test('@timestamp < now')).toBe(true);
    expect(test('host-1')).toBe(true);
    expect(() => compileAlertKql('a:')).toThrow();
  });

  it('a KQL filter on a per-alert action keeps out the alerts it does not match', () => {
    const r = rule([action('x', { frequency: { summary: false, notifyWhen: 'onActiveAlert', throttle: null }, alertsFilter: { query: { kql: 'kibana.alert.instance.id: b*' } } })]);
    expect(fired(runOnce(r, empty, { a: 'met', b1: 'met' }, 0))).toEqual(['per-alert:x:b1']);
  });

  it('timeframe: weekday and hours in the time zone, strict bounds to the minute, across midnight', () => {
    // 2025-01-06T10:00Z is Monday 05:00 in New York, Monday 19:00 in Tokyo.
    const ny = { days: [1], hours: { start: '04:59', end: '05:01' }, timezone: 'America/New_York' };
    expect(isInTimeframe(ny, at(0))).toBe(true);
    expect(isInTimeframe({ ...ny, hours: { start: '05:00', end: '06:00' } }, at(0))).toBe(false);
    expect(isInTimeframe({ ...ny, days: [2] }, at(0))).toBe(false);
    expect(isInTimeframe({ ...ny, days: [] }, at(0))).toBe(true);
    const overnight = { days: [2], hours: { start: '22:00', end: '06:00' }, timezone: 'Asia/Tokyo' };
    // 2025-01-06T15:30Z = Tuesday 00:30 in Tokyo (Monday in UTC).
    expect(isInTimeframe(overnight, new Date('2025-01-06T15:30:00Z'))).toBe(true);
    expect(isInTimeframe(overnight, new Date('2025-01-06T15:00:00Z'))).toBe(false); // 00:00 exactly
    expect(isInTimeframe(overnight, new Date('2025-01-07T14:59:00Z'))).toBe(true); // Tuesday 23:59
    expect(isInTimeframe(overnight, new Date('2025-01-06T21:30:00Z'))).toBe(false); // Tuesday 06:30
  });
});

describe('variables, rendering and the enqueued items', () => {
  it('per-alert and summary variables with rule.url from server.publicBaseUrl, rendered by the templating', async () => {
    const r = rule([
      action('x', { frequency: { summary: false, notifyWhen: 'onActiveAlert', throttle: null }, params: { body: '{{alertName}} {{alert.id}} {{context.value}} {{rule.url}} {{kibana.alert.status}} {{state.duration}}' } }),
      action('s', { frequency: { summary: true, notifyWhen: 'onActiveAlert', throttle: null }, params: { body: '{{alerts.new.count}}/{{alerts.all.count}} {{context.rule.threshold_comparator}} {{alert.actionGroupName}}' } }),
    ]);
    const res = runOnce(r, empty, { a: 'met' }, 0, { kibanaBaseUrl: 'https://pb.example.com/base/' });
    const perAlert = res.result.actions[1].variables!;
    expect(perAlert).toMatchObject({
      alertId: 'rule-1', alertName: 'My rule', spaceId: 'default', tags: ['prod'], alertInstanceId: 'a', alertActionGroup: 'met', alertActionGroupName: 'Met',
      context: { value: 42 }, date: at(0).toISOString(), kibanaBaseUrl: 'https://pb.example.com/base/', params: r.params,
      rule: { id: 'rule-1', name: 'My rule', type: '.test', spaceId: 'default', tags: ['prod'], url: 'https://pb.example.com/base/app/management/insightsAndAlerting/triggersActions/rule/rule-1' },
      alert: { id: 'a', actionGroup: 'met', actionGroupName: 'Met', flapping: false, consecutiveMatches: 1 },
    });
    const renderer = new ParamsRenderer(logger, new Registry());
    try {
      const def = { id: '.webhook' } as ConnectorTypeDefinition<any, any, any>;
      const run = { executionId: 'exec-1', spaceId: 'ops', rule: { id: 'rule-1', ruleTypeId: '.test', consumer: 'alerts' } };
      const items = await toEnqueueItems(run, res.result.actions, (a, params, variables) => renderRuleActionParams(renderer, def, params, variables, a.action.id));
      // Each carries the rule link (reference §3.6): its events name the rule and this run.
      const link = (actionUuid: string) => ({ executionId: 'exec-1', rule: { id: 'rule-1', typeId: '.test', namespace: 'ops' }, actionUuid, consumer: 'alerts' });
      expect(items).toEqual([
        { id: 'conn-s', params: { body: '1/1 > Default' }, source: 'alert', rule: link(res.result.actions[0].action.uuid) },
        { id: 'conn-x', params: { body: 'My rule a 42 https://pb.example.com/base/app/management/insightsAndAlerting/triggersActions/rule/rule-1 active 0' }, source: 'alert', rule: link(res.result.actions[1].action.uuid) },
      ]);
      expect(res.result.actions.map((a) => a.action.uuid).every((u) => typeof u === 'string' && u.length > 0)).toBe(true);
    } finally {
      await renderer.close();
    }
    expect(buildRuleUrl({ publicBaseUrl: 'https://pb.example.com', spaceId: 'ops', ruleId: 'r' })).toBe('https://pb.example.com/s/ops/app/management/insightsAndAlerting/triggersActions/rule/r');
    expect(buildRuleUrl({ publicBaseUrl: undefined, spaceId: 'ops', ruleId: 'r' })).toBeUndefined();
  });
});

describe('actions that follow their alerts', () => {
  const follow = { reopenWithin: null, resolve: 'close' as const, resolveComment: 'Resolved {{alert.id}} ({{alertActionGroup}})' };
  const ticket = action('t', { actionTypeId: '.jira', frequency: { summary: false, notifyWhen: 'onActionGroupChange', throttle: null }, followAlert: follow });
  const follows = (res: ReturnType<typeof runOnce>) => res.result.actions.map((a) => `${a.follow}:${a.alert?.id}:${a.alert?.actionGroup}`);

  it('fire while active; a resolve for each recovered alert, muted ones too, with no recovered-group action; never for an empty alert id', () => {
    const r = rule([ticket]);
    const first = runOnce(r, empty, { a: 'met', b: 'met', '': 'met' }, 0);
    expect(follows(first)).toEqual(['fire:a:met', 'fire:b:met']);
    const second = runOnce(r, first.next, { b: 'met' }, 1, { muted: ['b'] });
    // The alert with an empty id recovers too: it has no resolve, as it had no fire.
    expect(Object.keys(second.alerts.recovered).sort()).toEqual(['', 'a']);
    expect(follows(second)).toEqual(['resolve:a:recovered']);
    // b recovers in a run where the rule also mutes it (a silence): its resolve is scheduled all the same.
    const reporter = new RunAlertsReporter(second.next, { maxAlerts: 1000, autoRecoverAlerts: true, doesSetRecoveryContext: true });
    for (const recovered of reporter.getRecoveredAlerts()) recovered.mute();
    const alerts = processRunAlerts({ reporter, autoRecoverAlerts: true, flappingSettings: DEFAULT_FLAPPING_SETTINGS, alertDelay: 0, defaultActionGroupId: 'met', startedAt: at(2) });
    const result = scheduleActions({
      rule: r, spaceId: 'default', executionId: 'exec-2', actionGroups: [{ id: 'met', name: 'Met' }, { id: 'recovered', name: 'Recovered' }], recoveryActionGroupId: 'recovered',
      now: at(2), kibanaBaseUrl: undefined, ruleUrl: undefined, active: alerts.active, recovered: alerts.recovered, documents: new Map(), isActionExecutable: () => true, logger, summaryActions: {},
    });
    expect(result.actions.map((a) => `${a.follow}:${a.alert?.id}`)).toEqual(['resolve:b']);
  });

  it('an alerts filter selects the recoveries it resolves; an action without the option schedules no resolve', () => {
    const filtered = { ...ticket, alertsFilter: { query: { kql: 'kibana.alert.instance.id: a' } } };
    const plain = action('p', { frequency: { summary: false, notifyWhen: 'onActionGroupChange', throttle: null } });
    const r = rule([filtered, plain]);
    const first = runOnce(r, empty, { a: 'met', b: 'met' }, 0);
    expect(fired(first)).toEqual(['per-alert:t:a', 'per-alert:p:a', 'per-alert:p:b']);
    expect(fired(runOnce(r, first.next, {}, 1))).toEqual(['per-alert:t:a']);
  });

  it('enqueues the follow link: alert, episode, phase, option and the rendered resolve comment', async () => {
    const r = rule([ticket]);
    const first = runOnce(r, empty, { a: 'met' }, 0);
    const second = runOnce(r, first.next, {}, 1);
    const renderer = new ParamsRenderer(logger, new Registry());
    const def = { id: '.jira' } as ConnectorTypeDefinition;
    const run = { executionId: 'exec', spaceId: 'default', rule: { id: 'rule-1', ruleTypeId: '.test', consumer: 'alerts' } };
    const render = (a: Parameters<Parameters<typeof toEnqueueItems>[2]>[0], params: Record<string, unknown>, variables: Record<string, unknown>) => renderRuleActionParams(renderer, def, params, variables, a.action.id);
    const [fire] = await toEnqueueItems(run, first.result.actions, render);
    const [resolve] = await toEnqueueItems(run, second.result.actions, render);
    const episode = first.result.actions[0].alert!.uuid;
    expect(fire.follow).toEqual({ alertId: 'a', episode, phase: 'fire', option: follow });
    expect(resolve.follow).toEqual({ alertId: 'a', episode, phase: 'resolve', option: follow, comment: 'Resolved a (recovered)' });
    await renderer.close();
  });
});
