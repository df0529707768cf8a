import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDialects } from './helpers/databases.js';
import { startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';
import { DrivenAlerts, ruleEventsOf, RuleRuns, webhookConfig } from './helpers/rule_runs.js';
import { startStatusSink, type StatusSink } from './helpers/status_sink.js';

// Disabling a rule with active alerts, with and without `untrack` (reference §1.8; Kibana's
// disable_rule.ts, untrack_rule_alerts.ts, alert_summary_from_event_log.ts): the events each
// writes, no recovered actions, what the alert summary then says, and the alerts coming back as
// new (with their per-alert actions) once the rule is enabled again. On both databases.

const dialects = await availableDialects();

describe.each(dialects)('disabling a rule with active alerts on %s', (dialect) => {
  let pb: TestPlugboard;
  let sink: StatusSink;
  let runs: RuleRuns;
  const driven = new DrivenAlerts();

  /** The bodies the sink got on `path`: `<alert id> <group>`. */
  const posted = (path: string) => sink.requests.filter((r) => r.url === path).map((r) => r.body);

  const ruleEvents = (ruleId: string) => ruleEventsOf(pb, ruleId);

  beforeAll(async () => {
    sink = await startStatusSink();
    sink.respondWith({ status: 200, body: '{}' });
    pb = await startTestPlugboard({ dialect, extraRuleTypes: [driven.ruleType], settings: { 'plugboard.net.deniedAddresses': [] } });
    runs = new RuleRuns(pb);
  });
  afterAll(async () => {
    await pb?.close();
    await sink?.close();
  });

  it.each([
    [true, 'untracked-instance', "instance '%s' has been untracked because the rule was disabled"],
    [false, 'recovered-instance', "instance '%s' has recovered due to the rule was disabled"],
  ])('untrack %s: writes %s for each alert, runs no recovered action, and the alerts come back as new once enabled', async (untrack, action, message) => {
    const id = `disk-${untrack ? 'untracked' : 'recovered'}`;
    const path = `/${id}`;
    const hook = await pb.api('POST', `/api/actions/connector/${id}-hook`, { name: 'hook', connector_type_id: '.webhook', config: webhookConfig(`${sink.url}${path}`), secrets: {} });
    expect(hook.status, hook.text).toBe(200);
    const act = (group: string) => ({ group, id: `${id}-hook`, params: { body: `{{alert.id}} ${group}` }, frequency: { summary: false, notify_when: 'onActionGroupChange', throttle: null } });
    driven.set(id, [{ id: 'a' }, { id: 'b' }]);
    await runs.create(id, { name: 'Disks', rule_type_id: 'test.driven', actions: [act('firing'), act('recovered')] });
    expect(posted(path).sort()).toEqual(['a firing', 'b firing']);
    const before = await ruleEvents(id);
    const uuids = Object.fromEntries(before.filter((e) => e.event.action === 'new-instance').map((e) => [e.kibana.alerting!.instance_id, e.kibana.alert.uuid]));

    const disabled = await pb.api('POST', `/api/alerting/rule/${id}/_disable`, { untrack });
    expect(disabled.status, disabled.text).toBe(204);
    const ended = (await ruleEvents(id)).slice(before.length);
    expect(ended.map((e) => [e.event.action, e.kibana.alerting!.instance_id, e.message]).sort()).toEqual(
      ['a', 'b'].map((alert) => [action, alert, message.replace('%s', alert)]),
    );
    const started = Object.fromEntries(before.filter((e) => e.event.action === 'new-instance').map((e) => [e.kibana.alerting!.instance_id, e.event.start]));
    for (const event of ended) {
      const alert = event.kibana.alerting!.instance_id!;
      expect(event.kibana.alert.uuid).toBe(uuids[alert]);
      // Kibana's span: the alert state's after its last run (new then: duration 0), no end, no flapping.
      expect(event.event).toMatchObject({ start: started[alert], duration: '0' });
      expect(event.event.end).toBeUndefined();
      expect(event.kibana.alert.flapping).toBeUndefined();
    }
    // No run, no action: nothing recovered was posted.
    await runs.actionsDone();
    expect(posted(path).sort()).toEqual(['a firing', 'b firing']);

    // The summary: untracked alerts keep their last status, not tracked (Kibana); recovered ones are OK.
    const summary = await pb.api('GET', `/internal/alerting/rule/${id}/_alert_summary`);
    expect(summary.status, summary.text).toBe(200);
    for (const alert of ['a', 'b']) {
      expect(summary.body.alerts[alert]).toMatchObject(untrack ? { status: 'Active', tracked: false } : { status: 'OK', tracked: true });
    }
    expect(summary.body.enabled).toBe(false);

    // Enabled again, the rule's first run finds the alerts new: new uuids, new-instance events, the firing actions again.
    const enabledRun = runs.awaitRun(id);
    expect((await pb.api('POST', `/api/alerting/rule/${id}/_enable`)).status).toBe(204);
    await enabledRun;
    const again = (await ruleEvents(id)).slice(before.length + ended.length);
    const news = again.filter((e) => e.event.action === 'new-instance');
    expect(news.map((e) => e.kibana.alerting!.instance_id).sort()).toEqual(['a', 'b']);
    for (const event of news) expect(event.kibana.alert.uuid).not.toBe(uuids[event.kibana.alerting!.instance_id!]);
    expect(again.filter((e) => e.event.action === 'recovered-instance' || e.event.action === 'untracked-instance')).toEqual([]);
    expect(posted(path).sort()).toEqual(['a firing', 'a firing', 'b firing', 'b firing']);
    const after = await pb.api('GET', `/internal/alerting/rule/${id}/_alert_summary`);
    // (As Kibana's, the summary keeps the uuid of an alert id's first event in its range.)
    for (const alert of ['a', 'b']) expect(after.body.alerts[alert]).toMatchObject({ status: 'Active', tracked: true, uuid: uuids[alert] });
    const rule = await runs.rule(id);
    expect(rule.last_run.alerts_count).toMatchObject({ new: 2, active: 2, recovered: 0 });
  });
});
