import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { labelsFingerprint } from './fingerprint.js';
import { GRAFANA_MAX_CLOCK_SKEW_SECONDS, parseGrafanaWebhook, verifyGrafanaSignature } from './grafana_webhook.js';
import { refusalOf as refusal } from '../../test/helpers/payload_refusal.js';

// The fixture carries the values of grafana/alerting's receivers/webhook/v1/webhook_test.go
// (labels alertname=alert1 lbl1=val1, fingerprint fac0861a85de433a, the URLs with orgId=1).
const fixture = () => JSON.parse(readFileSync(path.join(import.meta.dirname, '../../test/fixtures/ingest/grafana_webhook_firing.json'), 'utf8'));
const NOW = new Date('2026-12-07T05:05:00Z');

describe('parseGrafanaWebhook', () => {
  it("reads Grafana's payload: labels, its extras as annotations, generatorURL with orgId, the group", () => {
    const parsed = parseGrafanaWebhook(fixture(), NOW);
    expect(parsed.errors).toEqual([]);
    expect(parsed.alerts).toEqual([
      {
        labels: { alertname: 'alert1', lbl1: 'val1' },
        annotations: {
          ann1: 'annv1',
          silenceURL: 'http://localhost/alerting/silence/new?alertmanager=grafana&matcher=alertname%3Dalert1&matcher=lbl1%3Dval1&orgId=1',
          dashboardURL: 'http://localhost/d/abcd?orgId=1',
          panelURL: 'http://localhost/d/abcd?orgId=1&viewPanel=efgh',
          valueString: "[ var='A' labels={lbl1=val1} value=1 ], [ var='C' labels={lbl1=val1} value=1 ]",
          values: '{"A":1,"C":1}',
          orgId: '1',
        },
        startsAt: new Date('2026-12-07T05:00:00Z'),
        endsAt: undefined,
        generatorURL: 'http://localhost/test?orgId=1',
      },
    ]);
    // The test vector of Grafana's webhook test: the id is the same as Grafana's fingerprint here.
    expect(labelsFingerprint(parsed.alerts[0].labels)).toBe('fac0861a85de433a');
    expect(parsed.group).toMatchObject({ groupKey: 'alertname', receiver: 'my_receiver', status: 'firing', state: 'alerting', orgId: 1, title: '[FIRING:1]  (val1)' });
  });

  it('keeps an annotation the rule set over an extra of the same name, and leaves empty extras out', () => {
    const body = fixture();
    body.alerts[0].annotations.dashboardURL = 'https://wiki.example/runbook';
    body.alerts[0].panelURL = '';
    body.alerts[0].values = {};
    const [alert] = parseGrafanaWebhook(body, NOW).alerts;
    expect(alert.annotations.dashboardURL).toBe('https://wiki.example/runbook');
    expect(alert.annotations).not.toHaveProperty('panelURL');
    expect(alert.annotations).not.toHaveProperty('values');
  });

  it("removes spaces from label and annotation names, as Grafana's own Alertmanager sender does", () => {
    const body = fixture();
    body.alerts[0].labels = { alertname: 'alert1', 'team name': 'core db' };
    body.alerts[0].annotations = { 'run book': 'http://x' };
    const [alert] = parseGrafanaWebhook(body, NOW).alerts;
    expect(alert.labels).toEqual({ alertname: 'alert1', teamname: 'core db' });
    expect(alert.annotations['runbook']).toBe('http://x');
    // Grafana's fingerprint covers labels the payload does not show (__alert_rule_uid__), so it is not checked.
    expect(parseGrafanaWebhook(body, NOW).errors).toEqual([]);

    body.alerts[0].labels = { alertname: 'alert1', 'team name': 'a', teamname: 'b' };
    expect(parseGrafanaWebhook(body, NOW).errors).toEqual(['alerts[0].labels: names "teamname" and another become "teamname" once spaces are removed']);
  });

  it('resolved alerts end at their end time, or now when that is ahead of this clock', () => {
    const body = fixture();
    const resolved = { ...body.alerts[0], status: 'resolved', endsAt: '2026-12-07T05:04:00Z' };
    const ahead = { ...resolved, labels: { alertname: 'alert2' }, endsAt: '2026-12-07T05:09:00Z' };
    const parsed = parseGrafanaWebhook({ ...body, status: 'resolved', state: 'ok', alerts: [resolved, ahead] }, NOW);
    expect(parsed.alerts.map((a) => a.endsAt)).toEqual([new Date('2026-12-07T05:04:00Z'), NOW]);
  });

  it('names the field of a bad alert and keeps the others', () => {
    const body = fixture();
    const good = body.alerts[0];
    const parsed = parseGrafanaWebhook(
      { ...body, alerts: [{ ...good, values: { A: 'high' } }, { ...good, orgId: '1' }, { ...good, labels: { 'a.b': 'x' } }, { ...good, values: { A: null, B: 2.5 } }] },
      NOW,
    );
    expect(parsed.errors).toEqual([
      'alerts[0].values.A: must be a number',
      'alerts[1].orgId: must be an integer',
      'alerts[2].labels: invalid label set: invalid name "a.b"',
    ]);
    expect(parsed.alerts[0].annotations.values).toBe('{"A":null,"B":2.5}');
  });

  it('refuses what is not a Grafana payload, legacy Grafana alerting with a message that says what to use', () => {
    const body = fixture();
    expect(refusal(() => parseGrafanaWebhook({ ...body, version: '4' }, NOW)).message).toContain('Alertmanager webhook payload: use the Alertmanager route');
    expect(refusal(() => parseGrafanaWebhook({ ...body, orgId: undefined }, NOW))).toMatchObject({ field: 'orgId' });
    expect(refusal(() => parseGrafanaWebhook({ ...body, state: 'burning' }, NOW))).toMatchObject({ field: 'state' });
    const legacy = {
      title: '[Alerting] CPU',
      ruleId: 3,
      ruleName: 'CPU',
      ruleUrl: 'http://grafana/d/x?panelId=2',
      state: 'alerting',
      message: 'high',
      evalMatches: [{ value: 95, metric: 'cpu', tags: { host: 'a' } }],
    };
    expect(refusal(() => parseGrafanaWebhook(legacy, NOW))).toEqual({
      field: 'evalMatches',
      message:
        'evalMatches: this is a legacy Grafana alerting notification (before Grafana 8), which is not supported: use a webhook contact point of Grafana Alerting, which sends payload version "1"',
    });
  });
});

describe('verifyGrafanaSignature', () => {
  const body = Buffer.from(JSON.stringify(fixture()));
  const secret = 'hmac-secret';
  const sign = (text: Buffer | string) => createHmac('sha256', secret).update(text).digest('hex');
  const now = Date.parse('2026-12-07T05:05:00Z');
  const ts = String(now / 1000);

  it("accepts Grafana's default header (when hmacConfig.header is empty) and the one its form suggests", () => {
    expect(verifyGrafanaSignature({ body, secret, headers: { 'x-grafana-alert-signature': sign(body) }, now })).toEqual({ ok: true });
    expect(verifyGrafanaSignature({ body, secret, headers: { 'x-grafana-alerting-signature': sign(body).toUpperCase() }, now })).toEqual({ ok: true });
    expect(verifyGrafanaSignature({ body, secret, header: 'X-Sig', headers: { 'x-sig': sign(body) }, now })).toEqual({ ok: true });
  });

  it('refuses a missing, malformed, repeated or wrong signature without echoing the expected one', () => {
    const check = (headers: Record<string, string | string[]>, more = {}) => verifyGrafanaSignature({ body, secret, headers, now, ...more });
    expect(check({})).toEqual({ ok: false, reason: 'the signature header x-grafana-alert-signature or x-grafana-alerting-signature is missing' });
    expect(check({ 'x-grafana-alert-signature': 'sha256=abc' })).toMatchObject({ ok: false, reason: expect.stringContaining('not a hex HMAC-SHA256') });
    expect(check({ 'x-grafana-alert-signature': [sign(body), sign(body)] })).toMatchObject({ ok: false, reason: expect.stringContaining('repeated') });
    const wrong = check({ 'x-grafana-alert-signature': sign(Buffer.concat([body, Buffer.from(' ')])) });
    expect(wrong).toEqual({ ok: false, reason: 'the signature in x-grafana-alert-signature does not match the body' });
    expect(JSON.stringify(wrong)).not.toContain(sign(body));
    expect(check({ 'x-grafana-alert-signature': sign(body) }, { secret: '' })).toEqual({ ok: false, reason: 'no HMAC secret is configured' });
    // The body's bytes, not its JSON: the same JSON re-serialised differently does not verify.
    expect(check({ 'x-grafana-alert-signature': sign(JSON.stringify(JSON.parse(body.toString()), null, 1)) }).ok).toBe(false);
  });

  it('with a timestamp header, signs `<unix seconds>:<body>` and refuses a time beyond the allowed skew', () => {
    const signed = sign(`${ts}:${body.toString()}`);
    const opts = { body, secret, timestampHeader: 'X-Grafana-Alerting-Timestamp', now };
    const at = (t: string, sig = signed) => verifyGrafanaSignature({ ...opts, headers: { 'x-grafana-alert-signature': sig, 'x-grafana-alerting-timestamp': t } });
    expect(at(ts)).toEqual({ ok: true });
    // The body alone is not what was signed.
    expect(at(ts, sign(body))).toMatchObject({ ok: false });
    const edge = String(now / 1000 - GRAFANA_MAX_CLOCK_SKEW_SECONDS);
    expect(at(edge, sign(`${edge}:${body.toString()}`))).toEqual({ ok: true });
    const old = String(now / 1000 - GRAFANA_MAX_CLOCK_SKEW_SECONDS - 1);
    expect(at(old, sign(`${old}:${body.toString()}`))).toEqual({
      ok: false,
      reason: 'the timestamp header X-Grafana-Alerting-Timestamp is more than 300 seconds away from this server\'s clock',
    });
    const future = String(now / 1000 + GRAFANA_MAX_CLOCK_SKEW_SECONDS + 1);
    expect(at(future, sign(`${future}:${body.toString()}`)).ok).toBe(false);
    expect(at('2026-12-07T05:05:00Z')).toMatchObject({ ok: false, reason: expect.stringContaining('not a Unix time in seconds') });
    expect(verifyGrafanaSignature({ ...opts, headers: { 'x-grafana-alert-signature': signed } })).toMatchObject({ ok: false, reason: expect.stringContaining('is missing') });
  });
});
