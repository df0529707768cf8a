import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAlertmanagerWebhook } from './alertmanager_webhook.js';
import { labelsFingerprint } from './fingerprint.js';
import { refusalOf as refusal } from '../../test/helpers/payload_refusal.js';

// The fixtures are what Debian's prometheus-alertmanager 0.25 really sent (amtool posted the
// alert, test/ingest_senders_probe.test.ts recorded the webhook).
const fixture = (name: string) => JSON.parse(readFileSync(path.join(import.meta.dirname, '../../test/fixtures/ingest', name), 'utf8'));
const NOW = new Date('2026-12-07T05:00:00Z');

describe('parseAlertmanagerWebhook', () => {
  it("reads Alertmanager 0.25's firing notification: no end, nanosecond start, the group kept", () => {
    const parsed = parseAlertmanagerWebhook(fixture('alertmanager_webhook_firing.json'), NOW);
    expect(parsed.errors).toEqual([]);
    expect(parsed.alerts).toEqual([
      {
        labels: { alertname: 'ProbeDown', severity: 'critical' },
        annotations: { summary: 'probe is down' },
        startsAt: new Date('2026-12-07T04:58:37.681Z'),
        endsAt: undefined,
        generatorURL: 'http://prometheus.example/graph?g0.expr=up',
      },
    ]);
    expect(labelsFingerprint(parsed.alerts[0].labels)).toBe('20421e692ae7d622');
    expect(parsed.group).toEqual({
      groupKey: '{}:{alertname="ProbeDown"}',
      receiver: 'team\\.a',
      status: 'firing',
      groupLabels: { alertname: 'ProbeDown' },
      commonLabels: { alertname: 'ProbeDown', severity: 'critical' },
      commonAnnotations: { summary: 'probe is down' },
      externalURL: 'http://127.0.0.1:42309',
      truncatedAlerts: 0,
    });
  });

  it('reads the resolved notification with its real end; an empty generatorURL is unset', () => {
    const body = fixture('alertmanager_webhook_resolved.json');
    const parsed = parseAlertmanagerWebhook(body, NOW);
    expect(parsed.errors).toEqual([]);
    expect(parsed.alerts).toHaveLength(1);
    expect(parsed.alerts[0].endsAt).toEqual(new Date(body.alerts[0].endsAt));
    expect(parsed.alerts[0]).not.toHaveProperty('generatorURL');
    expect(parsed.group.status).toBe('resolved');
  });

  it('decides by the per-alert status: a resolved alert of a firing group ends, a resolved end after now is now', () => {
    const body = fixture('alertmanager_webhook_firing.json');
    const firing = body.alerts[0];
    const ahead = { ...firing, labels: { alertname: 'ProbeDown', severity: 'page' }, status: 'resolved', endsAt: '2026-12-07T06:00:00Z' };
    ahead.fingerprint = labelsFingerprint(ahead.labels);
    const done = { ...ahead, labels: { alertname: 'ProbeDown', severity: 'info' }, endsAt: '2026-12-07T04:59:00.5Z' };
    done.fingerprint = labelsFingerprint(done.labels);
    const parsed = parseAlertmanagerWebhook({ ...body, alerts: [firing, ahead, done] }, NOW);
    expect(parsed.errors).toEqual([]);
    expect(parsed.alerts.map((a) => a.endsAt)).toEqual([undefined, NOW, new Date('2026-12-07T04:59:00.5Z')]);
  });

  it('leaves out an alert whose labels do not hash to its fingerprint, and keeps the others', () => {
    const body = fixture('alertmanager_webhook_firing.json');
    const tampered = { ...body.alerts[0], labels: { alertname: 'ProbeDown', severity: 'info' } };
    const parsed = parseAlertmanagerWebhook({ ...body, alerts: [tampered, body.alerts[0]] }, NOW);
    expect(parsed.alerts.map((a) => a.labels.severity)).toEqual(['critical']);
    expect(parsed.errors).toEqual([
      `alerts[0].fingerprint: "20421e692ae7d622" is not the fingerprint of the alert's labels (${labelsFingerprint(tampered.labels)})`,
    ]);
  });

  it("checks each alert as Alertmanager's API does, naming the field", () => {
    const body = fixture('alertmanager_webhook_firing.json');
    const base = { ...body.alerts[0], fingerprint: undefined };
    const parsed = parseAlertmanagerWebhook(
      {
        ...body,
        alerts: [
          { ...base, labels: {} },
          { ...base, labels: { 'bad-name': 'x' } },
          { ...base, status: 'pending' },
          { ...base, startsAt: 'yesterday' },
          { ...base, status: 'resolved', startsAt: '2026-12-07T04:59:00Z', endsAt: '2026-12-07T04:58:00Z' },
          { ...base, annotations: { summary: 3 } },
          { ...base, labels: undefined },
          'alert',
          { ...base, labels: { alertname: 'Kept', empty: '' } },
        ],
      },
      NOW,
    );
    expect(parsed.errors).toEqual([
      'alerts[0].labels: at least one label pair required',
      'alerts[1].labels: invalid label set: invalid name "bad-name"',
      'alerts[2].status: must be "firing" or "resolved", got "pending"',
      'alerts[3].startsAt: "yesterday" is not an RFC 3339 time',
      'alerts[4].endsAt: start time must be before end time',
      'alerts[5].annotations.summary: must be a string',
      'alerts[6].labels: is required',
      'alerts[7]: must be an object',
    ]);
    expect(parsed.alerts).toHaveLength(1);
    expect(parsed.alerts[0].labels).toEqual({ alertname: 'Kept' });
  });

  it('refuses a body that is not an Alertmanager webhook payload, naming the field', () => {
    const body = fixture('alertmanager_webhook_firing.json');
    expect(refusal(() => parseAlertmanagerWebhook([], NOW))).toMatchObject({ field: 'body' });
    expect(refusal(() => parseAlertmanagerWebhook({ ...body, version: '3' }, NOW))).toEqual({
      field: 'version',
      message: 'version: must be "4" (Alertmanager webhook payload), got "3"',
    });
    expect(refusal(() => parseAlertmanagerWebhook(fixture('grafana_webhook_firing.json'), NOW)).message).toContain('Grafana webhook payload: use the Grafana route');
    expect(refusal(() => parseAlertmanagerWebhook({ ...body, groupKey: undefined }, NOW))).toMatchObject({ field: 'groupKey' });
    expect(refusal(() => parseAlertmanagerWebhook({ ...body, alerts: {} }, NOW))).toMatchObject({ field: 'alerts' });
    expect(refusal(() => parseAlertmanagerWebhook({ ...body, status: 'ok' }, NOW))).toMatchObject({ field: 'status' });
    expect(refusal(() => parseAlertmanagerWebhook({ ruleId: 1, evalMatches: [], state: 'alerting' }, NOW)).message).toContain('legacy Grafana alerting');
  });
});
