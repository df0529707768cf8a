import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDialects } from './helpers/databases.js';
import { startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';
import { DrivenAlerts, RuleRuns, webhookConfig } from './helpers/rule_runs.js';
import { startStatusSink, type StatusSink } from './helpers/status_sink.js';

// When a rule's actions run, over runs driven through `_run_soon`: each notify_when, the
// per-action and the rule-level throttle, summaries with their counts, the circuit breaker
// on actions per run, an action whose connector was deleted, and the connector executions of
// one run found by its execution uuid (the rule details page lists them so).

const dialects = await availableDialects();

/** The server's cap on actions per run (`xpack.alerting.rules.run.actions.max`). */
const MAX_ACTIONS = 3;

const body = JSON.stringify({ alert: '{{alert.id}}', group: '{{alert.actionGroup}}', date: '{{date}}' });
const frequency = (notifyWhen: string, throttle: string | null = null, summary = false) => ({ summary, notify_when: notifyWhen, throttle });

describe.each(dialects)('rule actions over driven runs on %s', (dialect) => {
  let pb: TestPlugboard;
  let sink: StatusSink;
  let runs: RuleRuns;
  const driven = new DrivenAlerts();

  const posted = (path: string) => sink.requests.filter((r) => r.url === path).map((r) => JSON.parse(r.body) as Record<string, any>);

  beforeAll(async () => {
    sink = await startStatusSink();
    pb = await startTestPlugboard({
      dialect,
      extraRuleTypes: [driven.ruleType],
      settings: { 'plugboard.net.deniedAddresses': [], 'xpack.alerting.rules.run.actions.max': MAX_ACTIONS },
    });
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

  it('onActiveAlert posts every run the alert is active', async () => {
    await connector('every-run', '/every-run');
    driven.set('every', [{ id: 'a' }]);
    await runs.create('every', { name: 'Every run', rule_type_id: 'test.driven', actions: [{ group: 'firing', id: 'every-run', params: { body }, frequency: frequency('onActiveAlert') }] });
    await runs.runSoon('every');
    await runs.runSoon('every');
    expect(posted('/every-run').map((p) => p.alert)).toEqual(['a', 'a', 'a']);
  });

  it('onActionGroupChange posts when the alert starts and when its group changes, not while it stays', async () => {
    await connector('on-change', '/on-change');
    driven.set('change', [{ id: 'a' }]);
    const actions = ['firing', 'critical'].map((group) => ({ group, id: 'on-change', params: { body }, frequency: frequency('onActionGroupChange') }));
    await runs.create('change', { name: 'On change', rule_type_id: 'test.driven', actions });
    await runs.runSoon('change');
    driven.set('change', [{ id: 'a', group: 'critical' }]);
    await runs.runSoon('change');
    await runs.runSoon('change');
    driven.set('change', [{ id: 'a' }]);
    await runs.runSoon('change');
    expect(posted('/on-change').map((p) => p.group)).toEqual(['firing', 'critical', 'firing']);
    expect((await runs.taskState('change')).alertInstances.a.meta.lastScheduledActions).toMatchObject({ group: 'firing' });
  });

  it('onThrottleInterval posts once per throttle of the action, and keeps when in the task state', async () => {
    await connector('throttled', '/throttled');
    driven.set('throttle', [{ id: 'a' }]);
    const rule = await runs.create('throttle', {
      name: 'Throttled',
      rule_type_id: 'test.driven',
      actions: [{ group: 'firing', id: 'throttled', params: { body }, frequency: frequency('onThrottleInterval', '1h') }],
    });
    await runs.runSoon('throttle');
    await runs.runSoon('throttle');
    const posts = posted('/throttled');
    expect(posts).toHaveLength(1);
    const uuid = rule.actions[0].uuid;
    const meta = (await runs.taskState('throttle')).alertInstances.a.meta;
    expect(meta.lastScheduledActions.actions).toEqual({ [uuid]: { date: posts[0].date } });
  });

  it('a rule-level throttle holds the actions back until it has passed', async () => {
    await connector('rule-throttle', '/rule-throttle');
    driven.set('rule-throttle', [{ id: 'a' }]);
    await runs.create('rule-throttle', {
      name: 'Rule throttle',
      rule_type_id: 'test.driven',
      notify_when: 'onThrottleInterval',
      throttle: '2s',
      actions: [{ group: 'firing', id: 'rule-throttle', params: { body } }],
    });
    // Runs follow one another until a second post comes: every run inside the throttle posts
    // nothing, and the second post's run is at least the throttle after the first.
    let driven_ = 0;
    while (posted('/rule-throttle').length < 2) {
      await runs.runSoon('rule-throttle');
      driven_++;
    }
    const [first, second] = posted('/rule-throttle');
    expect(driven_).toBeGreaterThan(1);
    expect(Date.parse(second.date) - Date.parse(first.date)).toBeGreaterThanOrEqual(2000);
  });

  it('a summary action renders the counts of new, ongoing and recovered alerts', async () => {
    await connector('summary', '/summary');
    const summaryBody = JSON.stringify({
      new: '{{alerts.new.count}}',
      ongoing: '{{alerts.ongoing.count}}',
      recovered: '{{alerts.recovered.count}}',
      all: '{{alerts.all.count}}',
      newIds: '{{#alerts.new.data}}{{kibana.alert.instance.id}};{{/alerts.new.data}}',
      recoveredIds: '{{#alerts.recovered.data}}{{kibana.alert.instance.id}};{{/alerts.recovered.data}}',
      rule: '{{rule.name}}',
      signals: '{{state.signals_count}}',
    });
    driven.set('summary', [{ id: 'a' }, { id: 'b' }]);
    await runs.create('summary', {
      name: 'Summary',
      rule_type_id: 'test.driven',
      actions: [{ group: 'firing', id: 'summary', params: { body: summaryBody }, frequency: frequency('onActiveAlert', null, true) }],
    });
    driven.set('summary', [{ id: 'b' }, { id: 'c' }]);
    await runs.runSoon('summary');
    expect(posted('/summary')).toEqual([
      { new: '2', ongoing: '0', recovered: '0', all: '2', newIds: 'a;b;', recoveredIds: '', rule: 'Summary', signals: '2' },
      { new: '1', ongoing: '1', recovered: '1', all: '3', newIds: 'c;', recoveredIds: 'a;', rule: 'Summary', signals: '3' },
    ]);
  });

  it('the circuit breaker stops at the actions per run and the run ends with a maxExecutableActions warning', async () => {
    await connector('capped', '/capped');
    driven.set('capped', ['a', 'b', 'c', 'd', 'e'].map((id) => ({ id })));
    const rule = await runs.create('capped', { name: 'Capped', rule_type_id: 'test.driven', actions: [{ group: 'firing', id: 'capped', params: { body }, frequency: frequency('onActiveAlert') }] });
    expect(posted('/capped')).toHaveLength(MAX_ACTIONS);
    const message = 'The maximum number of actions for this rule type was reached; excess actions were not triggered.';
    expect(rule).toMatchObject({
      execution_status: { status: 'warning', warning: { reason: 'maxExecutableActions', message } },
      last_run: { outcome: 'warning', warning: 'maxExecutableActions', outcome_msg: [message], alerts_count: { new: 5, active: 5 } },
    });
  });

  it('a run whose action connector was deleted fails with the not-found error and runs again later', async () => {
    await connector('doomed', '/doomed');
    driven.set('orphan', [{ id: 'a' }]);
    const created = await runs.create('orphan', { name: 'Orphan', rule_type_id: 'test.driven', actions: [{ group: 'firing', id: 'doomed', params: { body }, frequency: frequency('onActiveAlert') }] });
    expect(created.last_run.outcome).toBe('succeeded');
    expect((await pb.api('DELETE', '/api/actions/connector/doomed')).status).toBe(204);
    const failed = await runs.runSoon('orphan');
    const message = 'Saved object [action/doomed] not found';
    expect(failed).toMatchObject({
      running: false,
      execution_status: { status: 'error', error: { reason: 'unknown', message } },
      last_run: { outcome: 'failed', warning: 'unknown', outcome_msg: [message] },
    });
    // One interval after the run was due (run soon: just before it started), as the task runs next.
    const untilNext = Date.parse(failed.next_run) - Date.parse(failed.execution_status.last_execution_date);
    expect(untilNext).toBeGreaterThan(3_600_000 - 1_000);
    expect(untilNext).toBeLessThanOrEqual(3_600_000);
    // The failed run kept the previous run's state, and the task is still scheduled.
    expect((await runs.taskState('orphan')).alertTypeState).toEqual({ runs: 1 });
    expect(posted('/doomed')).toHaveLength(1);
  });

  it("the connectors' execution log selects the executions one run queued by the run's execution uuid", async () => {
    await connector('per-run', '/per-run');
    driven.set('by-run', [{ id: 'a' }, { id: 'b' }]);
    await runs.create('by-run', { name: 'By run', rule_type_id: 'test.driven', actions: [{ group: 'firing', id: 'per-run', params: { body }, frequency: frequency('onActiveAlert') }] });
    driven.set('by-run', [{ id: 'a' }]);
    await runs.runSoon('by-run');
    const log = (await pb.api('GET', '/internal/alerting/rule/by-run/_execution_log?date_start=now-1h')).body.data as Array<Record<string, any>>;
    expect(log.map((run) => run.num_triggered_actions)).toEqual([1, 2]);
    for (const run of log) {
      const filter = `kibana.alert.rule.execution.uuid:"${run.id}"`;
      const actions = await pb.api('POST', '/internal/actions/_global_connector_execution_logs', { date_start: run.timestamp, filter, per_page: 10 });
      expect(actions.status, actions.text).toBe(200);
      expect(actions.body.total).toBe(run.num_triggered_actions);
      expect(actions.body.data.map((a: Record<string, unknown>) => [a.connector_id, a.status])).toEqual(Array(run.num_triggered_actions).fill(['per-run', 'success']));
    }
  });
});
