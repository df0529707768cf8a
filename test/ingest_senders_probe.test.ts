import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  runAmtool,
  startAlertingPrometheus,
  startAlertmanager,
  startGaugeTarget,
  startRecordingServer,
  type RecordedRequest,
} from './helpers/prometheus_senders.js';
import { eventually } from './helpers/wait.js';

// What the real senders of issue 19 send, checked at a recording HTTP server: Prometheus 2.42's
// POST <path_prefix>/api/v2/alerts and Alertmanager 0.25's webhook payload (version 4), each
// firing and then resolved, and amtool 0.25's POST with its http config file's credentials.
// PLUGBOARD_SAVE_INGEST_FIXTURES=1 writes the bodies to test/fixtures/ingest/ (the parsers'
// tests read those and assert their values: run the whole file, then review the diff).

const FIXTURES = path.join(import.meta.dirname, 'fixtures', 'ingest');
const saveFixture = (name: string, body: string) => {
  if (process.env.PLUGBOARD_SAVE_INGEST_FIXTURES !== '1') return;
  mkdirSync(FIXTURES, { recursive: true });
  writeFileSync(path.join(FIXTURES, name), `${JSON.stringify(JSON.parse(body), null, 2)}\n`);
};

describe('Prometheus as an alert sender', () => {
  it('posts firing, then resolved alerts to <path_prefix>/api/v2/alerts with its credentials', { timeout: 120_000 }, async (ctx) => {
    const sink = await startRecordingServer();
    const gauge = await startGaugeTarget('probe_gauge', 0);
    const prometheus = await startAlertingPrometheus({
      target: gauge.address,
      expr: 'probe_gauge > 1',
      alertname: 'ProbeHigh',
      ruleLabels: { severity: 'page' },
      ruleAnnotations: { summary: 'gauge is {{ $value }}' },
      alertmanagerUrl: sink.url,
      pathPrefix: '/plugboard/ingest/am',
      auth: { basic: { username: 'prometheus', password: 'sender-secret' } },
      externalLabels: { cluster: 'probe' },
    }).catch(async (err) => {
      await Promise.all([sink.close(), gauge.close()]);
      throw err;
    });
    try {
      if (!prometheus) return ctx.skip();
      gauge.set(5);
      const alertsOf = (r: RecordedRequest) => JSON.parse(r.body) as Array<Record<string, any>>;
      // Firing: endsAt is in the future (ValidUntil); resolved: the resolution time, past.
      const isResolvedAt = (a: Record<string, any>, r: RecordedRequest) => Date.parse(a.endsAt) <= r.receivedAt;
      const firing = await eventually(() => sink.requests.find((r) => alertsOf(r).some((a) => !isResolvedAt(a, r))), 60_000, 'a firing alert');
      expect(firing.method).toBe('POST');
      expect(firing.url).toBe('/plugboard/ingest/am/api/v2/alerts');
      expect(firing.headers['content-type']).toBe('application/json');
      expect(firing.headers['user-agent']).toMatch(/^Prometheus\/2\.42/);
      expect(firing.headers.authorization).toBe(`Basic ${Buffer.from('prometheus:sender-secret').toString('base64')}`);
      const [alert] = alertsOf(firing);
      expect(Object.keys(alert).sort()).toEqual(['annotations', 'endsAt', 'generatorURL', 'labels', 'startsAt']);
      expect(alert.labels).toEqual({ alertname: 'ProbeHigh', severity: 'page', cluster: 'probe', instance: gauge.address, job: 'probe' });
      expect(alert.annotations).toEqual({ summary: 'gauge is 5' });
      expect(alert.generatorURL).toContain('/graph?g0.expr=probe_gauge+%3E+1&g0.tab=1');
      saveFixture('prometheus_v2_alerts_firing.json', firing.body);
      const firingCount = sink.requests.length;

      gauge.set(0);
      const resolved = await eventually(
        () => sink.requests.slice(firingCount).find((r) => alertsOf(r).some((a) => isResolvedAt(a, r))),
        60_000,
        'the resolved alert',
      );
      const [gone] = alertsOf(resolved);
      expect(gone.labels).toEqual(alert.labels);
      expect(gone.startsAt).toBe(alert.startsAt);
      expect(Date.parse(gone.endsAt)).toBeGreaterThan(Date.parse(gone.startsAt));
      saveFixture('prometheus_v2_alerts_resolved.json', resolved.body);
    } finally {
      await prometheus?.stop();
      await Promise.all([sink.close(), gauge.close()]);
    }
  });
});

describe('Alertmanager as a webhook sender', () => {
  it('sends payload version 4, firing then resolved, with its credentials; amtool posts the alerts', { timeout: 120_000 }, async (ctx) => {
    const sink = await startRecordingServer();
    const alertmanager = await startAlertmanager({
      webhookUrl: `${sink.url}/plugboard/ingest/alertmanager`,
      webhookAuth: { authorization: { credentials: 'webhook-token' } },
      receiver: 'team.a',
    }).catch(async (err) => {
      await sink.close();
      throw err;
    });
    try {
      if (!alertmanager) return ctx.skip();
      const add = await runAmtool(alertmanager.url, [
        'alert',
        'add',
        'alertname=ProbeDown',
        'severity=critical',
        '--annotation=summary=probe is down',
        '--generator-url=http://prometheus.example/graph?g0.expr=up',
      ]);
      if (!add) return ctx.skip();
      expect(add, add.stderr).toMatchObject({ code: 0 });
      const payloads = () => sink.requests.map((r) => ({ request: r, body: JSON.parse(r.body) as Record<string, any> }));
      const firing = await eventually(() => payloads().find((p) => p.body.status === 'firing'), 60_000, 'the firing notification');
      expect(firing.request.method).toBe('POST');
      expect(firing.request.url).toBe('/plugboard/ingest/alertmanager');
      expect(firing.request.headers['content-type']).toBe('application/json');
      expect(firing.request.headers['user-agent']).toMatch(/^Alertmanager\/0\.25/);
      expect(firing.request.headers.authorization).toBe('Bearer webhook-token');
      expect(firing.body).toMatchObject({
        version: '4',
        status: 'firing',
        receiver: 'team\\.a',
        groupKey: '{}:{alertname="ProbeDown"}',
        truncatedAlerts: 0,
        groupLabels: { alertname: 'ProbeDown' },
        commonLabels: { alertname: 'ProbeDown', severity: 'critical' },
        commonAnnotations: { summary: 'probe is down' },
        externalURL: alertmanager.url,
      });
      expect(firing.body.alerts).toHaveLength(1);
      expect(firing.body.alerts[0]).toMatchObject({
        status: 'firing',
        labels: { alertname: 'ProbeDown', severity: 'critical' },
        annotations: { summary: 'probe is down' },
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus.example/graph?g0.expr=up',
      });
      expect(firing.body.alerts[0].fingerprint).toMatch(/^[0-9a-f]{16}$/);
      saveFixture('alertmanager_webhook_firing.json', firing.request.body);

      // amtool resolves an alert by posting it again with an end in the past.
      const resolve = await runAmtool(alertmanager.url, ['alert', 'add', 'alertname=ProbeDown', 'severity=critical', '--annotation=summary=probe is down', `--end=${new Date(Date.now() - 1000).toISOString()}`]);
      expect(resolve, resolve?.stderr).toMatchObject({ code: 0 });
      const resolved = await eventually(() => payloads().find((p) => p.body.status === 'resolved'), 60_000, 'the resolved notification');
      expect(resolved.body.alerts).toHaveLength(1);
      expect(resolved.body.alerts[0].status).toBe('resolved');
      expect(resolved.body.alerts[0].fingerprint).toBe(firing.body.alerts[0].fingerprint);
      expect(Date.parse(resolved.body.alerts[0].endsAt)).toBeGreaterThan(Date.parse(resolved.body.alerts[0].startsAt));
      saveFixture('alertmanager_webhook_resolved.json', resolved.request.body);
    } finally {
      await alertmanager?.stop();
      await sink.close();
    }
  });
});

describe('amtool as an alert sender', () => {
  it('posts to /api/v2/alerts with the credentials of its http config file', { timeout: 60_000 }, async (ctx) => {
    const sink = await startRecordingServer();
    try {
      const result = await runAmtool(
        `${sink.url}/plugboard/ingest/am`,
        ['alert', 'add', 'alertname=ByHand', 'team=db', '--annotation=summary=posted by amtool'],
        { basic: { username: 'amtool', password: 'amtool-secret' } },
      );
      if (!result) return ctx.skip();
      expect(result, result.stderr).toMatchObject({ code: 0 });
      const post = sink.requests.find((r) => r.method === 'POST');
      expect(post).toBeDefined();
      expect(post!.url).toBe('/plugboard/ingest/am/api/v2/alerts');
      expect(post!.headers.authorization).toBe(`Basic ${Buffer.from('amtool:amtool-secret').toString('base64')}`);
      expect(post!.headers['user-agent']).toMatch(/^Go-http-client\//);
      expect(post!.headers['content-type']).toBe('application/json');
      const [alert] = JSON.parse(post!.body);
      // amtool sends Go's zero time for the times it was not given.
      expect(alert).toMatchObject({ labels: { alertname: 'ByHand', team: 'db' }, annotations: { summary: 'posted by amtool' }, endsAt: '0001-01-01T00:00:00.000Z' });
      saveFixture('amtool_v2_alerts.json', post!.body);
    } finally {
      await sink.close();
    }
  });
});
