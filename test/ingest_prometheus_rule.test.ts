import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDialects } from './helpers/databases.js';
import { startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';
import type { Prometheus } from './helpers/prometheus.js';
import { startAlertingPrometheus, startGaugeTarget, startRecordingServer, type GaugeTarget, type RecordingServer } from './helpers/prometheus_senders.js';
import { webhookConfig } from './helpers/rule_runs.js';
import { eventually } from './helpers/wait.js';

// Issue 19's first real sender from end to end: Debian's Prometheus evaluates an alerting rule on
// a gauge the test sets and posts to Plugboard (the space's ingest token); an incoming-alerts
// rule selects the alert and its `.webhook` actions bring the firing — once, though Prometheus
// re-sends it every second — and then the resolution to a local HTTP sink, labels and
// annotations rendered. Skips without prometheus unless PLUGBOARD_REQUIRE_SERVICES=1.

const TOKEN = 'prometheus-to-rules-ingest-token-0123456789';
const dialects = await availableDialects();

const message = (state: string) => `${state} {{alert.labels.alertname}} on {{alert.labels.instance}} ({{alert.labels.severity}}): {{alert.annotations.summary}}`;

describe.each(dialects)('Prometheus → incoming-alerts rule → webhook on %s', (dialect) => {
  let pb: TestPlugboard;
  let gauge: GaugeTarget;
  let sink: RecordingServer;
  let prometheus: Prometheus | undefined;
  const bodies = () => sink.requests.map((r) => r.body);

  beforeAll(async () => {
    sink = await startRecordingServer();
    gauge = await startGaugeTarget('probe_gauge', 5);
    pb = await startTestPlugboard({ dialect, settings: { 'plugboard.net.deniedAddresses': [], 'plugboard.ingest.tokens': [{ space: 'default', token: TOKEN }] } });
    const url = await pb.plugboard.listen();
    const connector = await pb.api('POST', '/api/actions/connector/sink', { name: 'sink', connector_type_id: '.webhook', config: { ...webhookConfig(sink.url), headers: { 'content-type': 'text/plain' } }, secrets: {} });
    expect(connector.status, connector.text).toBe(200);
    const onChange = { summary: false, notify_when: 'onActionGroupChange', throttle: null };
    const rule = await pb.api('POST', '/api/alerting/rule/gauge-high', {
      name: 'Gauge high',
      rule_type_id: 'plugboard.incoming-alerts',
      consumer: 'alerts',
      schedule: { interval: '1h' },
      params: { matchers: ['alertname="GaugeHigh"', 'severity=~"page|critical"'] },
      actions: [
        { id: 'sink', group: 'firing', params: { body: message('FIRING') }, frequency: onChange },
        { id: 'sink', group: 'recovered', params: { body: message('RESOLVED') }, frequency: onChange },
      ],
    });
    expect(rule.status, rule.text).toBe(200);
    prometheus = await startAlertingPrometheus({
      target: gauge.address,
      expr: 'probe_gauge > 1',
      alertname: 'GaugeHigh',
      ruleLabels: { severity: 'page' },
      ruleAnnotations: { summary: 'gauge is {{ $value }}' },
      alertmanagerUrl: url,
      auth: { authorization: { credentials: TOKEN } },
    });
  }, 60_000);
  afterAll(async () => {
    await prometheus?.stop();
    await pb?.close();
    await gauge?.close();
    await sink?.close();
  });

  it('delivers the firing once with its labels rendered, then the resolution', async (ctx) => {
    if (!prometheus) return ctx.skip();
    const said = () => `sink got ${JSON.stringify(bodies())}; prometheus said:\n${prometheus!.output().slice(-2000)}`;
    const firing = await eventually(async () => bodies().find((b) => b.startsWith('FIRING')), 30_000, 'the firing notification').catch((err: Error) => {
      throw new Error(`${err.message}; ${said()}`);
    });
    expect(firing).toBe(`FIRING GaugeHigh on ${gauge.address} (page): gauge is 5`);
    // Prometheus re-sends the firing alert every second; the rule notifies on a change of group only.
    const resendsBefore = (await pb.plugboard.incomingAlerts.list('default'))[0].updatedAt;
    await eventually(async () => (await pb.plugboard.incomingAlerts.list('default'))[0].updatedAt !== resendsBefore || undefined, 15_000, 'a re-send from Prometheus');

    gauge.set(0);
    const resolved = await eventually(async () => bodies().find((b) => b.startsWith('RESOLVED')), 30_000, 'the resolution').catch((err: Error) => {
      throw new Error(`${err.message}; ${said()}`);
    });
    expect(resolved).toBe(`RESOLVED GaugeHigh on ${gauge.address} (page): gauge is 5`);
    expect(bodies().filter((b) => b.startsWith('FIRING'))).toHaveLength(1);
  }, 90_000);
});
