import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labelsFingerprint } from '../src/ingest/fingerprint.js';
import { availableDialects } from './helpers/databases.js';
import { BASIC_AUTH, startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';
import { RuleRuns, webhookConfig } from './helpers/rule_runs.js';
import { startStatusSink, type StatusSink } from './helpers/status_sink.js';
import { eventually } from './helpers/wait.js';

// The rule type `plugboard.incoming-alerts` end to end: alerts posted to the Alertmanager API
// make the rules whose matchers select them run at once (their interval is 1h), and their
// actions render the alert's labels and annotations; resolves recover, resends notify nothing
// new, silenced alerts notify nothing and stay active.

const dialects = await availableDialects();

const body = JSON.stringify({
  id: '{{alert.id}}',
  name: '{{alert.labels.alertname}}',
  summary: '{{alert.annotations.summary}}',
  severity: '{{context.labels.severity}}',
  status: '{{alert.status}}',
  group: '{{alert.actionGroup}}',
});
const onChange = { summary: false, notify_when: 'onActionGroupChange', throttle: null };

describe.each(dialects)('incoming-alerts rules on %s', (dialect) => {
  let pb: TestPlugboard;
  let sink: StatusSink;
  let runs: RuleRuns;
  /** The time of the server's ingest clock (and of the rules' group timers) when set; else the wall clock's. */
  let clockAt: number | undefined;
  /** Alerts (by alertname) whose silence lookup waits, holding the rule's run, until released. */
  const holds = new Map<string, { reached: () => void; released: Promise<void> }>();
  const hold = (alertname: string) => {
    let reached!: () => void;
    let release!: () => void;
    const started = new Promise<void>((resolve) => (reached = resolve));
    holds.set(alertname, { reached, released: new Promise<void>((resolve) => (release = resolve)) });
    return { started, release: () => (holds.delete(alertname), release()) };
  };

  /** Posts as Prometheus does: no kbn-xsrf, the elastic user's credentials. */
  const post = async (alerts: unknown) => {
    const res = await pb.api('POST', '/api/v2/alerts', alerts, { headers: { 'kbn-xsrf': '', authorization: BASIC_AUTH } });
    expect(res.status, res.text).toBe(200);
  };
  const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
  const rule = (id: string, matchers: string[], path: string) =>
    runs.create(id, {
      name: id,
      rule_type_id: 'plugboard.incoming-alerts',
      params: { matchers },
      actions: ['firing', 'recovered'].map((group) => ({ group, id: 'sink', params: { body }, frequency: onChange })),
    });

  beforeAll(async () => {
    sink = await startStatusSink();
    pb = await startTestPlugboard({
      dialect,
      settings: { 'plugboard.net.deniedAddresses': [] },
      // The server's silences, through a lookup that can hold a run in its executor.
      ingest: {
        clock: () => new Date(clockAt ?? Date.now()),
        silences: {
          silencedBy: async (spaceId, labels, now) => {
            const held = holds.get(labels.alertname);
            if (held) {
              held.reached();
              await held.released;
            }
            return pb.plugboard.silences.silencedBy(spaceId, labels, now);
          },
        },
      },
    });
    runs = new RuleRuns(pb);
    const created = await pb.api('POST', '/api/actions/connector/sink', { name: 'sink', connector_type_id: '.webhook', config: webhookConfig(`${sink.url}/hook`), secrets: {} });
    expect(created.status, created.text).toBe(200);
  });
  afterAll(async () => {
    await pb?.close();
    await sink?.close();
  });

  it('delivers a posted alert to the rules whose matchers select it, at once, with its labels and annotations rendered', async () => {
    await rule('latency', ['alertname="HighLatency"', 'severity=~"critical|page"'], '/latency');
    await rule('other', ['alertname="Other"'], '/other');
    const otherRuns = (await runs.taskState('other')).previousStartedAt;
    const labels = { alertname: 'HighLatency', severity: 'page', instance: 'api-1' };

    const ran = runs.awaitRun('latency');
    await post([{ labels, annotations: { summary: 'p99 above 2s' } }]);
    await ran;
    const sent = sink.requests;
    expect(sent).toHaveLength(1);
    expect(JSON.parse(sent[0].body)).toEqual({ id: labelsFingerprint(labels), name: 'HighLatency', summary: 'p99 above 2s', severity: 'page', status: 'firing', group: 'firing' });
    // The other rule's matchers select nothing posted: it did not run again.
    expect((await runs.taskState('other')).previousStartedAt).toBe(otherRuns);
    const otherTask = await pb.plugboard.taskStore.get('other');
    expect(otherTask!.runAt.getTime()).toBeGreaterThan(Date.now() + 30 * 60_000);
  });

  it('notifies nothing new for a resend of the same alert', async () => {
    const labels = { alertname: 'HighLatency', severity: 'page', instance: 'api-1' };
    const before = sink.requests.length;
    await post([{ labels, annotations: { summary: 'p99 above 2s' } }]);
    // The resend changed nothing; a run now still has nothing new to say with onActionGroupChange.
    await runs.runSoon('latency');
    expect(sink.requests.length).toBe(before);
    expect(Object.keys((await runs.taskState('latency')).alertInstances)).toEqual([labelsFingerprint(labels)]);
  });

  it('runs the recovered action when the alert is resolved', async () => {
    const labels = { alertname: 'HighLatency', severity: 'page', instance: 'api-1' };
    const before = sink.requests.length;
    const ran = runs.awaitRun('latency');
    await post([{ labels, annotations: { summary: 'p99 back under 2s' }, startsAt: ago(10 * 60_000), endsAt: ago(1000) }]);
    await ran;
    const sent = sink.requests.slice(before).map((r) => JSON.parse(r.body));
    expect(sent).toEqual([{ id: labelsFingerprint(labels), name: 'HighLatency', summary: 'p99 back under 2s', severity: 'page', status: 'resolved', group: 'recovered' }]);
    expect((await runs.taskState('latency')).alertInstances).toEqual({});
  });

  it('sends nothing for a silenced alert, which stays active instead of recovering', async () => {
    const silence = await pb.api(
      'POST',
      '/api/v2/silences',
      { matchers: [{ name: 'alertname', value: 'Quiet', isRegex: false, isEqual: true }], startsAt: ago(1000), endsAt: new Date(Date.now() + 3_600_000).toISOString(), createdBy: 'test', comment: 'maintenance' },
      { headers: { 'kbn-xsrf': '', authorization: BASIC_AUTH } },
    );
    expect(silence.status, silence.text).toBe(200);
    await rule('quiet', ['alertname=~"Quiet|Loud"'], '/quiet');
    const before = sink.requests.length;
    const ran = runs.awaitRun('quiet');
    await post([{ labels: { alertname: 'Quiet' }, annotations: { summary: 'silenced' } }]);
    await ran;
    await runs.runSoon('quiet');
    expect(sink.requests.length).toBe(before);
    expect(Object.keys((await runs.taskState('quiet')).alertInstances)).toEqual([labelsFingerprint({ alertname: 'Quiet' })]);
    // An unsilenced alert of the same rule notifies as usual.
    const loud = runs.awaitRun('quiet');
    await post([{ labels: { alertname: 'Loud' }, annotations: { summary: 'not silenced' } }]);
    await loud;
    expect(sink.requests.slice(before).map((r) => JSON.parse(r.body).name)).toEqual(['Loud']);
  });

  it('runs a rule once more after its run when alerts change during it, and no more however many changes arrive', async () => {
    await rule('burst', ['alertname=~"Burst.*"'], '/burst');
    let runsOfBurst = 0;
    pb.plugboard.taskManager.onOutcome((task) => void (task.id === 'burst' && runsOfBurst++));
    const before = sink.requests.length;
    const held = hold('Burst1');
    await post([{ labels: { alertname: 'Burst1' } }]);
    await held.started;
    // The run has read the alerts and is held: these arrive while it runs.
    await post([{ labels: { alertname: 'Burst2' } }]);
    await post([{ labels: { alertname: 'Burst3' } }]);
    await post([{ labels: { alertname: 'Burst2' }, annotations: { summary: 'changed' } }]);
    await pb.plugboard.incomingAlertsTrigger.settled();
    expect(runsOfBurst).toBe(0);
    held.release();
    await eventually(() => (sink.requests.length - before >= 3 ? true : undefined), 20_000, 'the notifications of both runs');
    await pb.plugboard.incomingAlertsTrigger.settled();
    await runs.actionsDone();
    expect(runsOfBurst).toBe(2);
    expect(sink.requests.slice(before).map((r) => JSON.parse(r.body).name)).toEqual(['Burst1', 'Burst2', 'Burst3']);
    // Nothing more is due now (its next run is its group's group_wait).
    const task = (await pb.plugboard.taskStore.get('burst'))!;
    expect([task.status, task.runAt.getTime() > Date.now()]).toEqual(['idle', true]);
  });

  it("summarises per group_by group on Alertmanager's timers: group_wait, then group_interval on change, repeat_interval unchanged", async () => {
    const summary = JSON.stringify({
      group: '{{group.labels.alertname}}',
      counts: '{{alerts.new.count}}/{{alerts.ongoing.count}}/{{alerts.recovered.count}}',
      alerts: '{{#alerts.all.data}}{{labels.instance}}:{{status}} {{/alerts.all.data}}',
    });
    await runs.create('grouped', {
      name: 'grouped',
      rule_type_id: 'plugboard.incoming-alerts',
      params: { matchers: ['team="db"'], group_by: ['alertname'] },
      actions: [{ group: 'firing', id: 'sink', params: { body: summary }, frequency: { summary: true, notify_when: 'onActiveAlert', throttle: null } }],
    });
    const t0 = Date.now();
    const clock = (ms: number) => new Date(t0 + ms).toISOString();
    const at = async (ms: number, alerts?: unknown) => {
      clockAt = t0 + ms;
      if (alerts === undefined) return runs.runSoon('grouped');
      const ran = runs.awaitRun('grouped');
      await post(alerts);
      await ran;
      return runs.rule('grouped');
    };
    const firing = (instance: string) => ({ labels: { alertname: 'DbDown', team: 'db', instance }, startsAt: clock(0), endsAt: clock(86_400_000) });
    const before = sink.requests.length;
    const sent = () => sink.requests.slice(before).map((r) => JSON.parse(r.body)).filter((b) => 'counts' in b);
    /** The next run the rule asked for, after its last run. */
    const wait = (rule: any) => Date.parse(rule.next_run) - Date.parse(rule.execution_status.last_execution_date);

    // The first alert: nothing before group_wait, and the rule runs again when it is due.
    let rule = await at(0, [firing('1')]);
    expect(sent()).toEqual([]);
    expect(wait(rule)).toBe(30_000);
    expect((await pb.plugboard.taskStore.get('grouped'))!.runAt.toISOString()).toBe(rule.next_run);
    await at(30_000);
    expect(sent()).toEqual([{ group: 'DbDown', counts: '1/0/0', alerts: '1:firing ' }]);
    // A second alert a minute later waits for the group's next tick (every group_interval from its first flush).
    rule = await at(90_000, [firing('2')]);
    expect(sent()).toHaveLength(1);
    expect(wait(rule)).toBe(4 * 60_000);
    await at(330_000);
    expect(sent()[1]).toEqual({ group: 'DbDown', counts: '1/1/0', alerts: '2:firing 1:firing ' });
    // A resolve is told at the next group interval.
    await at(360_000, [{ ...firing('1'), endsAt: clock(350_000) }]);
    expect(sent()).toHaveLength(2);
    await at(630_000);
    expect(sent()[2]).toEqual({ group: 'DbDown', counts: '0/1/1', alerts: '2:firing 1:resolved ' });
    // Unchanged: nothing at the next ticks, then at the first tick more than repeat_interval after the last notification.
    await at(930_000);
    expect(sent()).toHaveLength(3);
    await at(630_000 + 4 * 3_600_000);
    expect(sent()).toHaveLength(3);
    await at(630_000 + 4 * 3_600_000 + 300_000);
    expect(sent()[3]).toEqual({ group: 'DbDown', counts: '0/1/0', alerts: '2:firing ' });
    clockAt = undefined;
  });

  it("runs the rules of an alert that arrives through Alertmanager's webhook payload too", async () => {
    await rule('hooked', ['alertname="FromWebhook"'], '/hooked');
    const base = JSON.parse(readFileSync(new URL('./fixtures/ingest/alertmanager_webhook_firing.json', import.meta.url), 'utf8'));
    const labels = { alertname: 'FromWebhook', severity: 'warning' };
    const payload = { ...base, alerts: [{ ...base.alerts[0], labels, annotations: { summary: 'via webhook' }, fingerprint: labelsFingerprint(labels) }] };
    const before = sink.requests.length;
    const ran = runs.awaitRun('hooked');
    const res = await pb.api('POST', '/api/ingest/alertmanager', payload, { headers: { 'kbn-xsrf': '', authorization: BASIC_AUTH } });
    expect(res.status, res.text).toBe(200);
    await ran;
    expect(sink.requests.slice(before).map((r) => JSON.parse(r.body))).toEqual([
      { id: labelsFingerprint(labels), name: 'FromWebhook', summary: 'via webhook', severity: 'warning', status: 'firing', group: 'firing' },
    ]);
  });

  it('refuses params that are not valid, naming the field', async () => {
    const create = (params: Record<string, unknown>) =>
      pb.api('POST', '/api/alerting/rule', { name: 'bad', rule_type_id: 'plugboard.incoming-alerts', consumer: 'alerts', schedule: { interval: '1h' }, params });
    const bad = await create({ matchers: ['alertname="A"', 'not a matcher'] });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ statusCode: 400, error: 'Bad Request', message: 'params invalid: [matchers.1]: matchers[1]: bad matcher format: not a matcher' });
    expect((await create({ group_wait: '30 seconds' })).body.message).toBe('params invalid: [group_wait]: must be a duration such as "30s", "5m" or "1h30m" (units y, w, d, h, m, s, ms)');
    expect((await create({ matchers: 'alertname="A"' })).body.message).toBe('params invalid: [matchers]: expected value of type [array] but got [string]');
  });
});
