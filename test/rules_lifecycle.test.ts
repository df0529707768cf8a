import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDialects } from './helpers/databases.js';
import { startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';
import { DrivenAlerts, RuleRuns, webhookConfig } from './helpers/rule_runs.js';
import { startStatusSink, type StatusSink } from './helpers/status_sink.js';
import { eventually } from './helpers/wait.js';

// Alerts over runs driven through `_run_soon`: new, ongoing and recovered alerts as the rule's
// last_run counts them, the task state keeps them and the actions posted to a sink render them;
// flapping; muting the rule or one alert; the `_run_soon` answers.

const dialects = await availableDialects();

const perAlert = (group: string, notifyWhen = 'onActiveAlert') => ({ group, id: 'sink', frequency: { summary: false, notify_when: notifyWhen, throttle: null } });

/** What each per-alert action posts: the variables a message would use. */
const alertBody = JSON.stringify({
  alert: '{{alert.id}}',
  group: '{{alert.actionGroup}}',
  groupName: '{{alert.actionGroupName}}',
  flapping: '{{alert.flapping}}',
  matches: '{{alert.consecutiveMatches}}',
  message: '{{context.message}}',
  value: '{{state.value}}',
  start: '{{state.start}}',
  rule: '{{rule.name}}',
  ruleId: '{{rule.id}}',
  ruleType: '{{rule.type}}',
  label: '{{rule.params.label}}',
  tags: '{{rule.tags}}',
  space: '{{rule.spaceId}}',
  date: '{{date}}',
});

describe.each(dialects)('rule alerts over driven runs on %s', (dialect) => {
  let pb: TestPlugboard;
  let sink: StatusSink;
  let runs: RuleRuns;
  const driven = new DrivenAlerts();

  /** The bodies the sink got on `path`, parsed, from index `from` on. */
  const posted = (path: string, from = 0) => sink.requests.filter((r) => r.url === path).slice(from).map((r) => JSON.parse(r.body) as Record<string, string>);

  beforeAll(async () => {
    sink = await startStatusSink();
    pb = await startTestPlugboard({ dialect, extraRuleTypes: [driven.ruleType], settings: { 'plugboard.net.deniedAddresses': [] } });
    runs = new RuleRuns(pb);
  });
  afterAll(async () => {
    await pb?.close();
    await sink?.close();
  });

  const connector = async (id: string, path: string) => {
    const created = await pb.api('POST', `/api/actions/connector/${id}`, { name: id, connector_type_id: '.webhook', config: webhookConfig(`${sink.url}${path}`), secrets: {} });
    expect(created.status, created.text).toBe(200);
  };

  it('counts new, ongoing and recovered alerts, keeps them in the task state and posts each with its variables', async () => {
    await connector('lifecycle-hook', '/lifecycle');
    driven.set('lifecycle', [
      { id: 'disk-a', context: { message: 'disk a is full' }, state: { value: 91 } },
      { id: 'disk-b', context: { message: 'disk b is full' }, state: { value: 97 } },
    ]);
    const first = await runs.create('lifecycle', {
      name: 'Disks',
      rule_type_id: 'test.driven',
      tags: ['storage'],
      params: { label: 'disks' },
      actions: [
        { ...perAlert('firing'), id: 'lifecycle-hook', params: { body: alertBody } },
        { ...perAlert('recovered'), id: 'lifecycle-hook', params: { body: alertBody } },
      ],
    });
    expect(first).toMatchObject({ execution_status: { status: 'active' }, last_run: { outcome: 'succeeded', alerts_count: { new: 2, active: 2, recovered: 0 } } });
    const state1 = await runs.taskState('lifecycle');
    expect(Object.keys(state1.alertInstances).sort()).toEqual(['disk-a', 'disk-b']);
    expect(state1.alertTypeState).toEqual({ runs: 1 });
    expect(state1.previousStartedAt).toBe(first.execution_status.last_execution_date);
    const [a1, b1] = posted('/lifecycle').sort((x, y) => x.alert.localeCompare(y.alert));
    expect(a1).toMatchObject({
      alert: 'disk-a',
      group: 'firing',
      groupName: 'Firing',
      flapping: 'false',
      matches: '1',
      message: 'disk a is full',
      value: '91',
      rule: 'Disks',
      ruleId: 'lifecycle',
      ruleType: 'test.driven',
      label: 'disks',
      tags: 'storage',
      space: 'default',
      date: first.execution_status.last_execution_date,
    });
    expect(Date.parse(a1.start)).toBe(Date.parse(first.execution_status.last_execution_date));
    expect(b1).toMatchObject({ alert: 'disk-b', message: 'disk b is full', value: '97' });

    // disk-b stops: it recovers, with the recovery context the rule type set; disk-a goes on.
    driven.set('lifecycle', [{ id: 'disk-a', context: { message: 'disk a is still full' }, state: { value: 93 } }]);
    const second = await runs.runSoon('lifecycle');
    expect(second.last_run).toMatchObject({ outcome: 'succeeded', alerts_count: { new: 0, active: 1, recovered: 1 } });
    const state2 = await runs.taskState('lifecycle');
    expect(Object.keys(state2.alertInstances)).toEqual(['disk-a']);
    expect(state2.alertInstances['disk-a'].meta).toMatchObject({ uuid: state1.alertInstances['disk-a'].meta.uuid, activeCount: 2 });
    expect(state2.alertTypeState).toEqual({ runs: 2 });
    const secondPosts = posted('/lifecycle', 2);
    expect(secondPosts).toHaveLength(2);
    expect(secondPosts.find((p) => p.alert === 'disk-a')).toMatchObject({ group: 'firing', matches: '2', message: 'disk a is still full', value: '93', start: a1.start });
    expect(secondPosts.find((p) => p.alert === 'disk-b')).toMatchObject({ group: 'recovered', groupName: 'Recovered', message: 'disk-b is back to normal' });

    driven.set('lifecycle', []);
    const third = await runs.runSoon('lifecycle');
    expect(third).toMatchObject({ execution_status: { status: 'ok' }, last_run: { outcome: 'succeeded', alerts_count: { new: 0, active: 0, recovered: 1 } } });
    expect((await runs.taskState('lifecycle')).alertInstances).toEqual({});
    expect(posted('/lifecycle', 4)).toEqual([expect.objectContaining({ alert: 'disk-a', group: 'recovered', message: 'disk-a is back to normal' })]);

    // A new start of the same id is a new alert: new uuid, counted as new again.
    driven.set('lifecycle', [{ id: 'disk-a', context: { message: 'disk a is full again' } }]);
    const fourth = await runs.runSoon('lifecycle');
    expect(fourth.last_run.alerts_count).toMatchObject({ new: 1, active: 1, recovered: 0 });
    expect((await runs.taskState('lifecycle')).alertInstances['disk-a'].meta.uuid).not.toBe(state1.alertInstances['disk-a'].meta.uuid);
  });

  it('marks an alert that keeps changing state as flapping, and the action says so', async () => {
    await connector('flapping-hook', '/flapping');
    driven.set('flapping', [{ id: 'link' }]);
    await runs.create('flapping', {
      name: 'Flappy',
      rule_type_id: 'test.driven',
      flapping: { look_back_window: 4, status_change_threshold: 2 },
      actions: [{ ...perAlert('firing'), id: 'flapping-hook', params: { body: alertBody } }],
    });
    const history: Array<{ flapping: boolean | undefined; active: number; recovered: number }> = [];
    for (const up of [false, true, false, true]) {
      driven.set('flapping', up ? [{ id: 'link' }] : []);
      const rule = await runs.runSoon('flapping');
      const state = await runs.taskState('flapping');
      const link = state.alertInstances.link ?? state.alertRecoveredInstances.link;
      history.push({ flapping: link?.meta?.flapping, active: rule.last_run.alerts_count.active, recovered: rule.last_run.alerts_count.recovered });
    }
    // The flag comes from the history before this run's entry (Kibana's order): with two
    // changes it is flapping from the fourth run, whose recovery is then held back as pending.
    expect(history).toEqual([
      { flapping: false, active: 0, recovered: 1 },
      { flapping: false, active: 1, recovered: 0 },
      { flapping: true, active: 1, recovered: 0 },
      { flapping: true, active: 1, recovered: 0 },
    ]);
    // Posted on the first, third and fifth runs; a pending recovery posts nothing for an
    // every-run action, and the alert kept active counts on.
    expect(posted('/flapping').map(({ flapping, matches }) => ({ flapping, matches }))).toEqual([
      { flapping: 'false', matches: '1' },
      { flapping: 'false', matches: '1' },
      { flapping: 'true', matches: '3' },
    ]);
  });

  it('runs a muted rule without posting, and a muted alert alone is left out', async () => {
    await connector('mute-hook', '/mute');
    driven.set('muted', [{ id: 'cpu' }, { id: 'mem' }]);
    await runs.create('muted', { name: 'Muted', rule_type_id: 'test.driven', actions: [{ ...perAlert('firing'), id: 'mute-hook', params: { body: alertBody } }] });
    expect(posted('/mute').map((p) => p.alert).sort()).toEqual(['cpu', 'mem']);

    expect((await pb.api('POST', '/api/alerting/rule/muted/_mute_all')).status).toBe(204);
    const muted = await runs.runSoon('muted');
    expect(muted).toMatchObject({ mute_all: true, last_run: { outcome: 'succeeded', alerts_count: { active: 2 } } });
    expect((await runs.taskState('muted')).alertTypeState).toEqual({ runs: 2 });
    expect(posted('/mute')).toHaveLength(2);

    expect((await pb.api('POST', '/api/alerting/rule/muted/_unmute_all')).status).toBe(204);
    expect((await pb.api('POST', '/api/alerting/rule/muted/alert/mem/_mute')).status).toBe(204);
    const oneMuted = await runs.runSoon('muted');
    expect(oneMuted).toMatchObject({ mute_all: false, muted_alert_ids: ['mem'], last_run: { alerts_count: { active: 2 } } });
    expect(posted('/mute', 2).map((p) => p.alert)).toEqual(['cpu']);
  });

  it('answers _run_soon as Kibana: 204, a running rule, a missing task and a disabled rule with 200 and why, an unknown rule with 404', async () => {
    driven.set('soon', []);
    const rule = await runs.create('soon', { name: 'Soon', rule_type_id: 'test.driven', actions: [] });
    const again = await runs.runSoon('soon');
    expect(Date.parse(again.execution_status.last_execution_date)).toBeGreaterThan(Date.parse(rule.execution_status.last_execution_date));
    // The run now does not move the schedule: the next run is an interval after this one.
    // One interval after the run was due (run soon: just before it started), as the task runs next.
    const untilNext = Date.parse(again.next_run) - Date.parse(again.execution_status.last_execution_date);
    expect(untilNext).toBeGreaterThan(3_600_000 - 1_000);
    expect(untilNext).toBeLessThanOrEqual(3_600_000);

    // While a run is in progress, the task cannot be moved: Kibana's answer, and the run ends.
    const release = driven.hold('soon');
    expect((await pb.api('POST', '/internal/alerting/rule/soon/_run_soon')).status).toBe(204);
    await eventually(async () => ((await runs.rule('soon')).running ? true : undefined), 20_000, 'the held run to start');
    const running = await pb.api('POST', '/internal/alerting/rule/soon/_run_soon');
    expect(running).toMatchObject({ status: 200, text: 'Rule is already running' });
    expect(running.headers['content-type']).toMatch(/^text\/plain/);
    const ended = runs.awaitRun('soon');
    release();
    await ended;

    await pb.plugboard.taskStore.remove('soon');
    const noTask = await pb.api('POST', '/internal/alerting/rule/soon/_run_soon');
    expect(noTask).toMatchObject({ status: 200, text: 'Error running rule: Saved object [task/soon] not found' });

    expect((await pb.api('POST', '/api/alerting/rule/soon/_disable')).status).toBe(204);
    const disabled = await pb.api('POST', '/internal/alerting/rule/soon/_run_soon');
    expect(disabled).toMatchObject({ status: 200, text: 'Error running rule: rule is disabled' });

    // Running a rule is a change: a reader of rules may not.
    expect((await pb.api('PUT', '/api/security/role/rules-reader', { kibana: [{ base: [], feature: { stackAlerts: ['read'] }, spaces: ['default'] }] })).status).toBe(204);
    expect((await pb.api('PUT', '/api/security/user/rules-reader', { password: 'a-password-1', roles: ['rules-reader'] })).status).toBe(200);
    const reader = { authorization: `Basic ${Buffer.from('rules-reader:a-password-1').toString('base64')}` };
    const refused = await pb.api('POST', '/internal/alerting/rule/soon/_run_soon', undefined, { headers: reader });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toBe('Unauthorized by "alerts" to runSoon "test.driven" rule');

    const unknown = await pb.api('POST', '/internal/alerting/rule/nope/_run_soon');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ statusCode: 404, error: 'Not Found', message: 'Saved object [alert/nope] not found' });
  });
});
