import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineRuleType } from '../src/alerting/types.js';
import { INTERNAL_PRINCIPAL } from '../src/security/principal.js';
import { toEventRow, type EventDocument } from '../src/event_log/document.js';
import { availableDialects } from './helpers/databases.js';
import { startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';
import { ruleEventsOf } from './helpers/rule_runs.js';
import { startStatusSink, type StatusSink } from './helpers/status_sink.js';
import { eventually } from './helpers/wait.js';

// Rule runs in the event log (reference kibana-alerting-rules.md §4, §3.6): a rule whose alerts
// the test decides runs on its schedule in a space, queues per-alert actions to a connector that
// answers 200 and one that answers 400 and a summary action; its events, the link from its run
// to the actions' own events, its execution log, KPI and alert summary, and the events a disable
// writes are checked on both databases.

const dialects = await availableDialects();

/** The alerts the next runs report, by id → action group. */
let reported: Record<string, string> = {};

const scriptedRuleType = defineRuleType({
  id: 'test.scripted',
  name: 'Scripted',
  category: 'management',
  producer: 'alerts',
  minimumLicenseRequired: 'basic',
  isExportable: true,
  actionGroups: [
    { id: 'default', name: 'Default' },
    { id: 'high', name: 'High' },
  ],
  defaultActionGroupId: 'default',
  actionVariables: { context: [] },
  schemas: { params: z.object({}) },
  async executor({ services }) {
    for (const [id, group] of Object.entries(reported)) services.alerts.report({ id, actionGroup: group });
    return { state: {} };
  },
});

const throwingRuleType = defineRuleType({
  ...scriptedRuleType,
  id: 'test.throws',
  name: 'Always throws',
  async executor() {
    throw new Error('the index is gone');
  },
});

/** A rule type that runs until its 1s timeout cancels it. */
const slowRuleType = defineRuleType({
  ...scriptedRuleType,
  id: 'test.slow',
  name: 'Slow',
  ruleTaskTimeout: '1s',
  async executor({ signal }) {
    await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    throw new Error('cancelled');
  },
});

const SPACE = 'ops';
const webhook = (url: string) => ({ url, method: 'post', headers: { 'content-type': 'application/json' }, hasAuth: false });

describe.each(dialects)('rule events on %s', (dialect) => {
  let pb: TestPlugboard;
  let ok: StatusSink;
  let refused: StatusSink;
  const api = (method: string, url: string, body?: unknown) => pb.api(method, `/s/${SPACE}${url}`, body);

  const ruleEvents = (ruleId: string) => ruleEventsOf(pb, ruleId);

  beforeAll(async () => {
    ok = await startStatusSink();
    ok.respondWith({ status: 200, body: '{}' });
    refused = await startStatusSink();
    refused.respondWith({ status: 400, body: '{"error":"bad"}' });
    pb = await startTestPlugboard({
      dialect,
      extraRuleTypes: [scriptedRuleType, throwingRuleType, slowRuleType],
      settings: {
        'plugboard.net.deniedAddresses': [],
        'plugboard.tasks.pollInterval': '200ms',
        'xpack.alerting.rules.minimumScheduleInterval': { value: '1s' },
      },
    });
    expect((await pb.api('POST', '/api/spaces/space', { id: SPACE, name: 'Ops' })).status).toBe(200);
    const create = (id: string, url: string) => api('POST', `/api/actions/connector/${id}`, { name: id, connector_type_id: '.webhook', config: webhook(url), secrets: {} });
    expect((await create('ok-hook', `${ok.url}/ok`)).status).toBe(200);
    expect((await create('refused-hook', `${refused.url}/refused`)).status).toBe(200);
  });
  afterAll(async () => {
    await pb?.close();
    await ok?.close();
    await refused?.close();
  });

  it('writes Kibana documents for a run, links it to its actions, and answers the execution log, KPI and alert summary', async () => {
    reported = { a: 'default', b: 'high' };
    const perAlert = (id: string) => ({ group: 'default', id, params: { body: '{{alert.id}}' }, frequency: { summary: false, notify_when: 'onActionGroupChange', throttle: null } });
    const created = await api('POST', '/api/alerting/rule/scripted', {
      name: 'Scripted rule',
      rule_type_id: 'test.scripted',
      consumer: 'alerts',
      schedule: { interval: '1s' },
      params: {},
      actions: [
        perAlert('ok-hook'),
        perAlert('refused-hook'),
        { group: 'default', id: 'ok-hook', params: { body: '{{alerts.new.count}}' }, frequency: { summary: true, notify_when: 'onActiveAlert', throttle: null } },
      ],
    });
    expect(created.status, created.text).toBe(200);

    // The first run: a and b new; then b recovers.
    const first = await eventually(async () => {
      const events = await ruleEvents('scripted');
      return events.find((e) => e.event.action === 'execute') ? events : undefined;
    }, 20_000, 'the first run');
    const runId = first.find((e) => e.event.action === 'execute')!.kibana.alert.rule.execution.uuid;
    const run = first.filter((e) => e.kibana.alert.rule.execution.uuid === runId);
    // Written in this order within a millisecond or two; the ids do not order them within one.
    expect(run.map((e) => e.event.action).sort()).toEqual([
      'active-instance',
      'active-instance',
      'execute',
      'execute-action',
      'execute-action',
      'execute-action',
      'execute-start',
      'new-instance',
      'new-instance',
    ]);
    const common = {
      event: { provider: 'alerting', kind: 'alert', category: ['alerts'] },
      kibana: {
        alert: { rule: { rule_type_id: 'test.scripted', consumer: 'alerts', revision: 0, execution: { uuid: runId } } },
        space_ids: [SPACE],
      },
      rule: { id: 'scripted', license: 'basic', category: 'test.scripted', ruleset: 'alerts', name: 'Scripted rule' },
    };
    for (const event of run) {
      expect(event).toMatchObject(common);
      // execute-action events name the connector second.
      expect(event.kibana.saved_objects[0]).toEqual({ rel: 'primary', type: 'alert', id: 'scripted', type_id: 'test.scripted', namespace: SPACE });
    }
    const start = run.find((e) => e.event.action === 'execute-start')!;
    expect(start.message).toBe('rule execution start: "scripted"');
    expect(start.kibana.task).toMatchObject({ scheduled: expect.any(String), schedule_delay: expect.any(Number) });
    const newA = run.find((e) => e.event.action === 'new-instance' && e.kibana.alerting?.instance_id === 'a')!;
    expect(newA.message).toBe("test.scripted:scripted: 'Scripted rule' created new alert: 'a'");
    expect(newA.kibana.alerting).toEqual({ instance_id: 'a', action_group_id: 'default' });
    expect(newA.kibana.alert).toMatchObject({ uuid: expect.any(String), flapping: false });
    expect(newA.event).toMatchObject({ start: expect.any(String), duration: '0' });
    const activeB = run.find((e) => e.event.action === 'active-instance' && e.kibana.alerting?.instance_id === 'b')!;
    expect(activeB.message).toBe("test.scripted:scripted: 'Scripted rule' active alert: 'b' in actionGroup: 'high'");
    const actions = run.filter((e) => e.event.action === 'execute-action');
    const summary = actions.find((e) => e.kibana.alerting?.summary)!;
    expect(summary.kibana.alerting!.summary).toEqual({ new: { count: 2 }, ongoing: { count: 0 }, recovered: { count: 0 } });
    const toRefused = actions.find((e) => e.kibana.saved_objects[1]?.id === 'refused-hook')!;
    expect(toRefused.kibana.saved_objects[1]).toEqual({ rel: 'primary', type: 'action', id: 'refused-hook', type_id: '.webhook' });
    expect(toRefused.kibana.alerting).toEqual({ instance_id: 'a', action_group_id: 'default' });
    expect(toRefused.message).toBe("alert: test.scripted:scripted: 'Scripted rule' instanceId: 'a' scheduled actionGroup: 'default' action: .webhook:refused-hook");
    const execute = run.find((e) => e.event.action === 'execute')!;
    expect(execute.message).toBe("rule executed: test.scripted:scripted: 'Scripted rule'");
    expect(execute.event).toMatchObject({ outcome: 'success', start: start.event.start, end: expect.any(String), duration: expect.any(String) });
    expect(execute.kibana.alerting).toEqual({ outcome: 'success', status: 'active' });
    expect(execute.kibana.alert.rule.execution.metrics).toMatchObject({
      number_of_triggered_actions: 3,
      number_of_generated_actions: 3,
      alert_counts: { active: 2, new: 2, recovered: 0 },
    });

    // The actions' own events name the rule and its run (§3.6).
    const actionDocs = await eventually(async () => {
      await pb.plugboard.flushWrites();
      const rows = await pb.plugboard.database.db.selectFrom('event_log').select(['document', 'events']).where('rule_execution_uuid', '=', runId).where('provider', '=', 'actions').execute();
      return rows.length === 3 && rows.every((r) => r.events === 2) ? rows.map((r) => JSON.parse(r.document) as EventDocument) : undefined;
    }, 20_000, "the run's actions to finish");
    // The attempt's end, read back from its row, carries the same link.
    const [one] = actionDocs;
    const ends = (await pb.plugboard.actions.getExecution({ spaceId: SPACE, principal: INTERNAL_PRINCIPAL }, one.kibana.action.execution.uuid)).events;
    expect(ends.map((e) => e.event.action)).toEqual(['execute-start', 'execute']);
    expect(ends[1].kibana.alert).toEqual(one.kibana.alert);
    for (const doc of actionDocs) {
      expect(doc.kibana.alert).toEqual({ rule: { consumer: 'alerts', execution: { uuid: runId }, rule_type_id: 'test.scripted' } });
      expect(doc.kibana.saved_objects[1]).toEqual({ rel: 'primary', type: 'alert', id: 'scripted', type_id: 'test.scripted', namespace: SPACE });
      expect(doc.kibana.action.execution.source).toBe('alert');
    }

    // b recovers on a later run.
    reported = { a: 'default' };
    const recovered = await eventually(async () => (await ruleEvents('scripted')).find((e) => e.event.action === 'recovered-instance'), 20_000, 'b to recover');
    expect(recovered.message).toBe("test.scripted:scripted: 'Scripted rule' alert 'b' has recovered");
    // Kibana names the group of the alert's last scheduled actions: b's group has none.
    expect(recovered.kibana.alerting).toEqual({ instance_id: 'b' });
    expect(recovered.event).toMatchObject({ start: newA.event.start, end: expect.any(String), duration: expect.any(String) });

    // The execution log: the first run with its actions, one succeeded and one errored per-alert
    // action for a (b's group has none) and the summary.
    // (The run that recovered b may still be writing its execute event.)
    const log = await eventually(async () => {
      await pb.plugboard.flushWrites();
      const answer = await api('GET', `/internal/alerting/rule/scripted/_execution_log?date_start=now-1h&per_page=100&sort=${encodeURIComponent('[{"timestamp":{"order":"asc"}}]')}`);
      expect(answer.status, answer.text).toBe(200);
      return answer.body.total >= 2 ? answer : undefined;
    }, 20_000, 'two runs in the execution log');
    expect(log.body.data[0]).toEqual({
      id: runId,
      timestamp: start.event.start,
      duration_ms: Number(execute.event.duration) / 1_000_000,
      status: 'success',
      message: "rule executed: test.scripted:scripted: 'Scripted rule'",
      version: execute.kibana.version,
      num_active_alerts: 2,
      num_new_alerts: 2,
      num_recovered_alerts: 0,
      num_triggered_actions: 3,
      num_generated_actions: 3,
      num_succeeded_actions: 2,
      num_errored_actions: 1,
      total_search_duration_ms: 0,
      es_search_duration_ms: 0,
      schedule_delay_ms: start.kibana.task!.schedule_delay / 1_000_000,
      timed_out: false,
      rule_id: 'scripted',
      space_ids: [SPACE],
      rule_name: 'Scripted rule',
      maintenance_window_ids: [],
    });
    const bad = await api('GET', `/internal/alerting/rule/scripted/_execution_log?date_start=now-1h&sort=${encodeURIComponent('[{"rule_name":{"order":"asc"}}]')}`);
    expect(bad.status).toBe(400);
    expect(bad.body.message).toBe(
      'Invalid sort field "rule_name" - must be one of [timestamp,execution_duration,total_search_duration,es_search_duration,schedule_delay,num_triggered_actions,num_generated_actions,num_active_alerts,num_recovered_alerts,num_new_alerts]',
    );
    for (const route of ['_execution_log', '_execution_kpi']) {
      const missing = await api('GET', `/internal/alerting/rule/scripted/${route}`);
      expect([missing.status, missing.body.message]).toEqual([400, '[request query.date_start]: expected value of type [string] but got [undefined]']);
    }
    const page = await api('GET', '/internal/alerting/rule/scripted/_execution_log?date_start=now-1h&per_page=1&page=2');
    expect(page.body.data).toHaveLength(1);
    expect(page.body.total).toBe(log.body.total);
    // Other spaces do not see the rule.
    expect((await pb.api('GET', '/internal/alerting/rule/scripted/_execution_log?date_start=now-1h')).status).toBe(404);

    const kpi = await api('GET', '/internal/alerting/rule/scripted/_execution_kpi?date_start=now-1h');
    expect(kpi.status, kpi.text).toBe(200);
    expect(kpi.body).toMatchObject({ failure: 0, warning: 0, unknown: 0, newAlerts: 2, recoveredAlerts: 1 });
    expect(kpi.body.erroredActions).toBeGreaterThanOrEqual(1);

    const alertSummary = await api('GET', '/internal/alerting/rule/scripted/_alert_summary');
    expect(alertSummary.status, alertSummary.text).toBe(200);
    expect(alertSummary.body).toMatchObject({
      id: 'scripted',
      name: 'Scripted rule',
      rule_type_id: 'test.scripted',
      consumer: 'alerts',
      status: 'Active',
      mute_all: false,
      enabled: true,
      error_messages: [],
      revision: 0,
      alerts: {
        a: { uuid: newA.kibana.alert.uuid, status: 'Active', muted: false, actionGroupId: 'default', activeStartDate: newA['@timestamp'], flapping: false, tracked: true },
        b: { status: 'OK', muted: false, flapping: false, tracked: true },
      },
    });
    expect(alertSummary.body.execution_duration.average).toBeGreaterThanOrEqual(0);
    expect(Object.keys(alertSummary.body.execution_duration.values_with_timestamp).length).toBeGreaterThanOrEqual(2);

    // Disable: a's end is written with Kibana's message.
    expect((await api('POST', '/api/alerting/rule/scripted/_disable')).status).toBe(204);
    const stopped = await eventually(async () => (await ruleEvents('scripted')).find((e) => e.message === "instance 'a' has recovered due to the rule was disabled"), 20_000, 'the disable event');
    expect(stopped.event.action).toBe('recovered-instance');
    expect(stopped.kibana.alerting).toEqual({ instance_id: 'a', action_group_id: 'default' });
    expect(stopped.kibana.alert.uuid).toBe(newA.kibana.alert.uuid);
    const after = await api('GET', '/internal/alerting/rule/scripted/_alert_summary');
    expect(after.body.alerts.a).toMatchObject({ status: 'OK', tracked: true });
  });

  it('writes a failed run with its reason and error, shown in the log and the alert summary', async () => {
    const created = await api('POST', '/api/alerting/rule/broken', { name: 'Broken', rule_type_id: 'test.throws', consumer: 'alerts', schedule: { interval: '1s' }, params: {}, actions: [] });
    expect(created.status, created.text).toBe(200);
    const execute = await eventually(async () => (await ruleEvents('broken')).find((e) => e.event.action === 'execute'), 20_000, 'a run');
    expect(execute).toMatchObject({
      event: { outcome: 'failure', reason: 'execute' },
      kibana: { alerting: { outcome: 'failure', status: 'error' } },
      message: "rule execution failure: test.throws:broken: 'Broken'",
      error: { message: 'the index is gone' },
    });
    const log = await api('GET', '/internal/alerting/rule/broken/_execution_log?date_start=now-1h');
    expect(log.body.data[0]).toMatchObject({ status: 'failure', message: "rule execution failure: test.throws:broken: 'Broken' - the index is gone", num_succeeded_actions: 0 });
    const failedOnly = await api('GET', `/internal/alerting/rule/broken/_execution_log?date_start=now-1h&filter=${encodeURIComponent('event.outcome:success')}`);
    expect(failedOnly.body).toEqual({ total: 0, data: [] });
    const summary = await api('GET', '/internal/alerting/rule/broken/_alert_summary');
    expect(summary.body).toMatchObject({ status: 'Error', error_messages: [{ date: execute['@timestamp'], message: 'the index is gone' }] });
    expect((await api('GET', '/internal/alerting/rule/broken/_alert_summary?date_start=yesterday')).body.message).toBe('Invalid date for parameter dateStart: "yesterday"');

    // Over 10,000 events of the rule in the range: Kibana's 413.
    await api('POST', '/api/alerting/rule/broken/_disable');
    const row = toEventRow('x', execute);
    const rows = Array.from({ length: 10_000 }, (_, i) => ({ ...row, id: `bulk-${String(i).padStart(5, '0')}`, execution_uuid: `bulk-${i}`, rule_execution_uuid: `bulk-${i}` }));
    for (let i = 0; i < rows.length; i += 500) await pb.plugboard.database.db.insertInto('event_log').values(rows.slice(i, i + 500)).execute();
    const tooMany = await api('GET', '/internal/alerting/rule/broken/_execution_log?date_start=now-1h');
    expect(tooMany.status).toBe(413);
    expect(tooMany.body).toMatchObject({ statusCode: 413, message: 'Results are limited to 10,000 documents, refine your search to see others.' });
  });

  it('writes execute-timeout when a run exceeds its timeout, and the log says it timed out', async () => {
    const created = await api('POST', '/api/alerting/rule/slow', { name: 'Slow', rule_type_id: 'test.slow', consumer: 'alerts', schedule: { interval: '1m' }, params: {}, actions: [] });
    expect(created.status, created.text).toBe(200);
    const execute = await eventually(async () => (await ruleEvents('slow')).find((e) => e.event.action === 'execute'), 20_000, 'the run to time out');
    const timeout = (await ruleEvents('slow')).find((e) => e.event.action === 'execute-timeout')!;
    expect(timeout.message).toBe("rule: test.slow:slow: 'Slow' execution cancelled due to timeout - exceeded rule type timeout of 1s");
    expect(timeout.kibana.alert.rule.execution.uuid).toBe(execute.kibana.alert.rule.execution.uuid);
    expect(execute).toMatchObject({ event: { outcome: 'failure', reason: 'timeout' }, kibana: { alerting: { outcome: 'failure', status: 'error' } } });
    const log = await api('GET', '/internal/alerting/rule/slow/_execution_log?date_start=now-1h');
    expect(log.body.data[0]).toMatchObject({ id: execute.kibana.alert.rule.execution.uuid, timed_out: true, status: 'failure' });
  });
});
