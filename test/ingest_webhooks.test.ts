import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labelsFingerprint } from '../src/ingest/fingerprint.js';
import type { AlertChange, IncomingAlert } from '../src/ingest/types.js';
import { availableDialects } from './helpers/databases.js';
import { basicAs, INGEST_TOKEN, OTHER_INGEST_TOKEN, startIngestPlugboard } from './helpers/ingest_senders_setup.js';
import { BASIC_AUTH, type TestPlugboard } from './helpers/plugboard.js';

// The webhook ingest routes (issue 19 point 2) on both databases: Alertmanager's webhook payload,
// Grafana's (with its HMAC signature) and the generic JSON mappings stored as incoming alerts
// through the v2 API's store path; the webhook resolve timeout; the answers (400 naming the field,
// 404 for an unknown mapping, 401/403, 429), no kbn-xsrf, spaces.

const dialects = await availableDialects();
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const TOKEN = INGEST_TOKEN;
const OTHER_TOKEN = OTHER_INGEST_TOKEN;
const HMAC_SECRET = 'grafana-hmac-secret';
const MAX_ACTIVE = 40;
const fixture = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/ingest/${name}.json`, import.meta.url), 'utf8'));
const basic = basicAs;
const sign = (body: string, secret = HMAC_SECRET) => createHmac('sha256', secret).update(body).digest('hex');

/** Alertmanager's webhook payload (the recorded one) for alerts of the given labels and status. */
function amPayload(status: 'firing' | 'resolved', alerts: Array<Record<string, string>>, endsAt = '0001-01-01T00:00:00Z') {
  const base = fixture('alertmanager_webhook_firing');
  return {
    ...base,
    status,
    alerts: alerts.map((labels) => ({ ...base.alerts[0], status, labels, endsAt, fingerprint: labelsFingerprint(labels) })),
  };
}

describe.each(dialects)('webhook ingest routes on %s', (dialect) => {
  let pb: TestPlugboard;
  let now = Date.parse('2026-12-07T05:00:00.000Z');
  const changes: Array<{ spaceId: string; changed: Array<{ alert: IncomingAlert; change: AlertChange }> }> = [];

  /** Posts as a sender: no kbn-xsrf, credentials in the Authorization header. */
  const post = (url: string, body: unknown, opts: { authorization?: string; space?: string; headers?: Record<string, string>; raw?: string } = {}) =>
    pb.api('POST', `${opts.space ? `/s/${opts.space}` : ''}${url}`, body, {
      headers: { 'kbn-xsrf': '', authorization: opts.authorization ?? BASIC_AUTH, ...opts.headers },
      raw: opts.raw,
    });
  const postGrafana = (body: unknown, opts: { authorization?: string; space?: string; signature?: string; header?: string } = {}) => {
    const raw = JSON.stringify(body);
    return post('/api/ingest/grafana', undefined, { ...opts, raw, headers: { [opts.header ?? 'X-Grafana-Alert-Signature']: opts.signature ?? sign(raw) } });
  };
  const stored = (labels: Record<string, string>, space = 'default') => pb.plugboard.incomingAlerts.get(space, labelsFingerprint(labels));
  const activeAt = async (labels: Record<string, string>, at: number) => Date.parse((await stored(labels))!.endsAt) > at;

  beforeAll(async () => {
    pb = await startIngestPlugboard(dialect, {
      maxActiveAlerts: MAX_ACTIVE,
      settings: {
        'plugboard.ingest.grafana': { hmacSecret: HMAC_SECRET },
        'plugboard.ingest.json': {
          zabbix: {
            alerts: 'events',
            labels: { alertname: 'name', host: 'host.name' },
            constantLabels: { source: 'zabbix' },
            annotations: { summary: 'message' },
            status: { path: 'value', resolved: ['0'], firing: ['1'] },
          },
          heartbeat: { labels: { alertname: 'check' } },
        },
      },
      ingest: {
        clock: () => new Date(now),
        listener: { alertsChanged: (spaceId, changed) => changes.push({ spaceId, changed: [...changed] }) },
      },
    });
  });
  afterAll(async () => pb?.close());

  it("stores Alertmanager's webhook alerts firing, keeps them past resolveTimeout until webhookResolveTimeout, and resolves them on the resolved notification", async () => {
    const labels = { alertname: 'ProbeDown', severity: 'critical' };
    const res = await post('/api/ingest/alertmanager', fixture('alertmanager_webhook_firing'));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ alerts: [{ fingerprint: labelsFingerprint(labels), status: 'firing', change: 'new' }] });
    const alert = (await stored(labels))!;
    expect(alert).toMatchObject({
      labels,
      annotations: { summary: 'probe is down' },
      source: 'alertmanager-webhook',
      generatorURL: 'http://prometheus.example/graph?g0.expr=up',
      timeout: true,
      endsAt: new Date(now + 6 * HOUR).toISOString(),
    });
    expect(changes.at(-1)).toMatchObject({ spaceId: 'default', changed: [{ change: 'new' }] });
    // Past the v2 API's 5 minutes the alert is still active: Alertmanager repeats it only every repeat_interval.
    expect(await activeAt(labels, now + 5 * MINUTE + 1)).toBe(true);
    expect(await activeAt(labels, now + 4 * HOUR + 5 * MINUTE)).toBe(true);
    expect(await activeAt(labels, now + 6 * HOUR)).toBe(false);

    now += 10 * MINUTE;
    const resolved = await post('/api/ingest/alertmanager', fixture('alertmanager_webhook_resolved'));
    expect(resolved.status).toBe(200);
    expect(resolved.body.alerts).toEqual([{ fingerprint: labelsFingerprint(labels), status: 'resolved', change: 'resolved' }]);
    expect((await stored(labels))!.endsAt).toBe('2026-12-07T04:58:37.686Z');
  });

  it('extends a firing webhook alert when its repeat comes, and ends it after webhookResolveTimeout without one', async () => {
    const labels = { alertname: 'Repeated', instance: 'a' };
    expect((await post('/api/ingest/alertmanager', amPayload('firing', [labels]))).status).toBe(200);
    const first = now;
    now += 4 * HOUR + 5 * MINUTE;
    const repeat = await post('/api/ingest/alertmanager', amPayload('firing', [labels]));
    expect(repeat.body.alerts[0]).toMatchObject({ status: 'firing', change: 'unchanged' });
    expect((await stored(labels))!.endsAt).toBe(new Date(now + 6 * HOUR).toISOString());
    expect(await activeAt(labels, first + 6 * HOUR + 1)).toBe(true);
    expect(await activeAt(labels, now + 6 * HOUR)).toBe(false);
  });

  it("stores Grafana's signed webhook alerts (either header name) and refuses unsigned or tampered ones with 401", async () => {
    const body = fixture('grafana_webhook_firing');
    const labels = { alertname: 'alert1', lbl1: 'val1' };
    const res = await postGrafana(body);
    expect(res.status).toBe(200);
    expect(res.body.alerts).toEqual([{ fingerprint: labelsFingerprint(labels), status: 'firing', change: 'new' }]);
    expect(await stored(labels)).toMatchObject({
      source: 'grafana-webhook',
      annotations: { ann1: 'annv1', dashboardURL: 'http://localhost/d/abcd?orgId=1' },
      endsAt: new Date(now + 6 * HOUR).toISOString(),
    });
    expect((await postGrafana(body, { header: 'X-Grafana-Alerting-Signature' })).status).toBe(200);

    const tamperedLabels = { alertname: 'alert1', lbl1: 'tampered' };
    const tampered = { ...body, alerts: [{ ...body.alerts[0], labels: tamperedLabels }] };
    const refused = await postGrafana(tampered, { signature: sign(JSON.stringify(body)) });
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      message: 'Invalid Grafana webhook signature: the signature in x-grafana-alert-signature does not match the body',
    });
    expect(refused.text).not.toContain(HMAC_SECRET);
    expect(await stored(tamperedLabels)).toBeUndefined();
    const wrongSecret = await postGrafana(tampered, { signature: sign(JSON.stringify(tampered), 'another-secret') });
    expect(wrongSecret.status).toBe(401);
    const unsigned = await post('/api/ingest/grafana', tampered);
    expect([unsigned.status, unsigned.body.message]).toEqual([
      401,
      'Invalid Grafana webhook signature: the signature header x-grafana-alert-signature or x-grafana-alerting-signature is missing',
    ]);
    expect(await stored(tamperedLabels)).toBeUndefined();
  });

  it('reads JSON bodies through the named mapping; an unknown name is a 404 naming it', async () => {
    const body = {
      events: [
        { name: 'DiskFull', host: { name: 'db1' }, message: 'disk is full', value: '1' },
        { name: 'DiskFull', host: { name: 'db2' }, message: 'disk is full', value: 0 },
      ],
    };
    const res = await post('/api/ingest/json/zabbix', body);
    expect(res.status).toBe(200);
    const db1 = { alertname: 'DiskFull', host: 'db1', source: 'zabbix' };
    const db2 = { alertname: 'DiskFull', host: 'db2', source: 'zabbix' };
    expect(res.body.alerts).toEqual([
      { fingerprint: labelsFingerprint(db1), status: 'firing', change: 'new' },
      { fingerprint: labelsFingerprint(db2), status: 'resolved', change: 'new' },
    ]);
    // A mapping with a status is a notifying sender: its firing alerts last webhookResolveTimeout.
    expect(await stored(db1)).toMatchObject({ source: 'json', annotations: { summary: 'disk is full' }, endsAt: new Date(now + 6 * HOUR).toISOString() });
    expect((await stored(db2))!.endsAt).toBe(new Date(now).toISOString());
    // Without a status, the sender resends: resolveTimeout, as the v2 API.
    expect((await post('/api/ingest/json/heartbeat', { check: 'Backup' })).status).toBe(200);
    expect((await stored({ alertname: 'Backup' }))!.endsAt).toBe(new Date(now + 5 * MINUTE).toISOString());

    const unknown = await post('/api/ingest/json/nagios', body);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ statusCode: 404, error: 'Not Found', message: 'No JSON ingest route [nagios]: plugboard.ingest.json.nagios is not configured' });
    expect((await post('/api/ingest/json/__proto__', body)).status).toBe(404);
  });

  it('answers 400 naming the field, storing the valid alerts of a partly invalid payload', async () => {
    const cases: Array<[string, unknown, string]> = [
      ['/api/ingest/alertmanager', fixture('grafana_webhook_firing'), 'version: must be "4" (Alertmanager webhook payload), got "1" (this is a Grafana webhook payload: use the Grafana route)'],
      ['/api/ingest/alertmanager', [{ labels: { a: 'b' } }], 'body: must be a JSON object (an Alertmanager webhook payload)'],
      ['/api/ingest/alertmanager', { ...amPayload('firing', []), alerts: 'none' }, 'alerts: must be an array of alerts'],
      ['/api/ingest/json/zabbix', { events: [{ name: 'X', host: { name: 'h' }, value: '7' }] }, 'events[0].value: "7" is neither a firing (1) nor a resolved (0) status'],
      ['/api/ingest/json/zabbix', { alerts: [] }, "events: is missing from the body (the mapping's `alerts` path)"],
    ];
    for (const [url, body, message] of cases) {
      const res = await post(url, body);
      expect([url, res.status, res.body]).toEqual([url, 400, { statusCode: 400, error: 'Bad Request', message }]);
    }
    const raw = JSON.stringify(amPayload('firing', [{ alertname: 'G' }]));
    const bad = await post('/api/ingest/grafana', undefined, { raw, headers: { 'X-Grafana-Alert-Signature': sign(raw) } });
    expect([bad.status, bad.body.message]).toEqual([400, 'version: must be "1" (Grafana webhook payload), got "4" (this is an Alertmanager webhook payload: use the Alertmanager route)']);
    expect((await post('/api/ingest/alertmanager', undefined, { raw: '{"version":', headers: { 'content-type': 'application/json' } })).status).toBe(400);

    const good = { alertname: 'PartlyValid', n: '1' };
    const payload = amPayload('firing', [good, { alertname: 'PartlyValid', 'bad-name': 'x' }]);
    payload.alerts[1].fingerprint = '';
    const partly = await post('/api/ingest/alertmanager', payload);
    expect(partly.status).toBe(400);
    expect(partly.body.message).toBe('alerts[1].labels: invalid label set: invalid name "bad-name" (the other 1 alert was stored)');
    expect(await stored(good)).toBeDefined();
  });

  it('takes Basic, ApiKey and the space ingest token; needs the rules privilege (403 before any 400); no kbn-xsrf', async () => {
    const body = amPayload('firing', [{ alertname: 'Auth', by: 'token' }]);
    expect((await post('/api/ingest/alertmanager', body, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    expect((await post('/api/ingest/alertmanager', amPayload('firing', [{ alertname: 'Auth', by: 'writer' }]), { authorization: basic('alerts-writer') })).status).toBe(200);
    const key = await pb.api('POST', '/api/security/api_key', { name: 'sender' });
    expect(key.status).toBe(200);
    expect((await post('/api/ingest/json/heartbeat', { check: 'ByKey' }, { authorization: `ApiKey ${key.body.encoded}` })).status).toBe(200);

    for (const authorization of [`Bearer ${OTHER_TOKEN}`, 'Bearer not-a-token', basic('nobody')]) {
      const res = await post('/api/ingest/alertmanager', body, { authorization });
      expect([authorization, res.status]).toEqual([authorization, 401]);
    }
    const none = await pb.api('POST', '/api/ingest/json/heartbeat', { check: 'X' }, { headers: { authorization: '', 'kbn-xsrf': '' } });
    expect(none.status).toBe(401);
    for (const url of ['/api/ingest/alertmanager', '/api/ingest/grafana', '/api/ingest/json/heartbeat', '/api/ingest/json/unknown']) {
      const res = await post(url, { not: 'a payload' }, { authorization: basic('alerts-reader') });
      expect([url, res.status, res.body.message]).toEqual([
        url,
        403,
        'Unauthorized to post alerts: the [all] privilege of the [stackAlerts] feature (or a base privilege) is needed in space [default]',
      ]);
    }
  });

  it("stores in the prefix's space, with that space's token", async () => {
    const labels = { alertname: 'InOther' };
    const res = await post('/api/ingest/alertmanager', amPayload('firing', [labels]), { space: 'other', authorization: `Bearer ${OTHER_TOKEN}` });
    expect(res.status).toBe(200);
    expect(await stored(labels, 'other')).toMatchObject({ spaceId: 'other', source: 'alertmanager-webhook' });
    expect(await stored(labels)).toBeUndefined();
    expect(changes.at(-1)!.spaceId).toBe('other');
    expect((await post('/api/ingest/json/heartbeat', { check: 'X' }, { space: 'other', authorization: `Bearer ${TOKEN}` })).status).toBe(401);
    expect((await post('/api/ingest/json/heartbeat', { check: 'X' }, { space: 'missing' })).status).toBe(404);
  });

  it('refuses a payload beyond maxActiveAlerts with 429, storing nothing of it, and counts it', async () => {
    const active = await pb.plugboard.incomingAlerts.countActive(new Date(now));
    const many = Array.from({ length: MAX_ACTIVE - active + 1 }, (_, i) => ({ alertname: 'Storm', i: String(i) }));
    const res = await post('/api/ingest/alertmanager', amPayload('firing', many));
    expect(res.status).toBe(429);
    expect(res.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
    expect(res.body.message).toContain('beyond plugboard.ingest.maxActiveAlerts (40); nothing of it was stored');
    expect(await stored(many[0])).toBeUndefined();
    const metrics = await pb.api('GET', '/metrics');
    expect(metrics.text).toMatch(/^plugboard_ingest_refused_posts_total 1$/m);
    expect(metrics.text).toMatch(new RegExp(`^plugboard_ingest_refused_alerts_total ${many.length}$`, 'm'));
  });
});

describe.each(dialects)("Grafana's signature with its own header and a timestamp header on %s", (dialect) => {
  let pb: TestPlugboard;
  const now = Date.parse('2026-12-07T05:00:00.000Z');
  beforeAll(async () => {
    pb = await startIngestPlugboard(dialect, {
      maxActiveAlerts: MAX_ACTIVE,
      settings: { 'plugboard.ingest.grafana': { hmacSecret: HMAC_SECRET, hmacHeader: 'X-Plugboard-Signature', hmacTimestampHeader: 'X-Plugboard-Timestamp' } },
      ingest: { clock: () => new Date(now) },
    });
  });
  afterAll(async () => pb?.close());

  it('checks the HMAC of `<timestamp>:<body>` in the configured header, refusing a stale timestamp', async () => {
    const raw = JSON.stringify(fixture('grafana_webhook_firing'));
    const send = (timestamp: number, signature = sign(`${timestamp}:${raw}`), header = 'X-Plugboard-Signature') =>
      pb.api('POST', '/api/ingest/grafana', undefined, { raw, headers: { 'kbn-xsrf': '', authorization: `Bearer ${TOKEN}`, [header]: signature, 'X-Plugboard-Timestamp': String(timestamp) } });
    const seconds = now / 1000;
    expect((await send(seconds - 60)).status).toBe(200);
    expect(await pb.plugboard.incomingAlerts.get('default', labelsFingerprint({ alertname: 'alert1', lbl1: 'val1' }))).toMatchObject({ source: 'grafana-webhook' });
    const stale = await send(seconds - 3600);
    expect([stale.status, stale.body.message]).toEqual([
      401,
      "Invalid Grafana webhook signature: the timestamp header X-Plugboard-Timestamp is more than 300 seconds away from this server's clock",
    ]);
    // Signed without the timestamp, or in Grafana's default header instead of the configured one.
    expect((await send(seconds, sign(raw))).status).toBe(401);
    const otherHeader = await send(seconds, undefined, 'X-Grafana-Alert-Signature');
    expect([otherHeader.status, otherHeader.body.message]).toEqual([401, 'Invalid Grafana webhook signature: the signature header X-Plugboard-Signature is missing']);
  });
});
