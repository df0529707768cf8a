import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labelsFingerprint } from '../src/ingest/fingerprint.js';
import type { AlertChange, IncomingAlert } from '../src/ingest/types.js';
import { availableDialects } from './helpers/databases.js';
import { basicAs, INGEST_TOKEN, OTHER_INGEST_TOKEN, startIngestPlugboard } from './helpers/ingest_senders_setup.js';
import { BASIC_AUTH, startTestPlugboard, TEST_PASSWORD, type TestPlugboard } from './helpers/plugboard.js';

// Plugboard's Alertmanager API v2 (issue 19) on both databases: what is stored from a post and
// how resends merge, the resolve timeout (time driven by the clock Plugboard is given), the
// listing and its filters, the status, the health checks, authentication (Basic, ApiKey, the
// space's ingest token) and authorization, spaces, and the maxActiveAlerts guard.

const dialects = await availableDialects();
const MINUTE = 60_000;
const TOKEN = INGEST_TOKEN;
const OTHER_TOKEN = OTHER_INGEST_TOKEN;
const MAX_ACTIVE = 20;
const basic = basicAs;

describe.each(dialects)('Alertmanager API v2 on %s', (dialect) => {
  let pb: TestPlugboard;
  let now = Date.parse('2026-03-01T00:00:00.000Z');
  const changes: Array<{ spaceId: string; changed: Array<{ alert: IncomingAlert; change: AlertChange }> }> = [];
  const at = (ms: number) => new Date(ms).toISOString();

  /** Posts as a sender: no kbn-xsrf, credentials in the Authorization header. */
  const post = (alerts: unknown, opts: { authorization?: string; space?: string } = {}) =>
    pb.api('POST', `${opts.space ? `/s/${opts.space}` : ''}/api/v2/alerts`, alerts, { headers: { 'kbn-xsrf': '', authorization: opts.authorization ?? BASIC_AUTH } });
  const list = (query = '', opts: { authorization?: string; space?: string } = {}) =>
    pb.api('GET', `${opts.space ? `/s/${opts.space}` : ''}/api/v2/alerts${query}`, undefined, { headers: { 'kbn-xsrf': '', authorization: opts.authorization ?? BASIC_AUTH } });
  const stored = (labels: Record<string, string>, space = 'default') => pb.plugboard.incomingAlerts.get(space, labelsFingerprint(labels));
  const lastChanges = () => changes.at(-1)!.changed.map((c) => [c.alert.labels.alertname, c.change]);

  beforeAll(async () => {
    pb = await startIngestPlugboard(dialect, {
      maxActiveAlerts: MAX_ACTIVE,
      ingest: {
        clock: () => new Date(now),
        listener: { alertsChanged: (spaceId, changed) => changes.push({ spaceId, changed: [...changed] }) },
        silences: { silencedBy: async (_space, labels) => (labels.silenced === 'yes' ? ['silence-1'] : []) },
      },
    });
  });
  afterAll(async () => pb?.close());

  it('stores a posted alert with Alertmanager defaults: start now, end now + resolveTimeout (timeout flag), empty labels dropped', async () => {
    const res = await post([{ labels: { alertname: 'Defaults', instance: 'a', empty: '' }, annotations: { summary: 's', blank: '' }, generatorURL: 'http://prom/graph' }]);
    expect([res.status, res.text]).toEqual([200, '']);
    const alert = await stored({ alertname: 'Defaults', instance: 'a' });
    expect(alert).toEqual({
      spaceId: 'default',
      fingerprint: labelsFingerprint({ alertname: 'Defaults', instance: 'a' }),
      labels: { alertname: 'Defaults', instance: 'a' },
      annotations: { summary: 's', blank: '' },
      startsAt: at(now),
      endsAt: at(now + 5 * MINUTE),
      timeout: true,
      generatorURL: 'http://prom/graph',
      updatedAt: at(now),
      firstSeenAt: at(now),
      source: 'alertmanager-api',
    });
    expect(lastChanges()).toEqual([['Defaults', 'new']]);
  });

  it('takes amtool zero times as unset, and a start of only an end', async () => {
    await post([
      { labels: { alertname: 'Zero' }, startsAt: '0001-01-01T00:00:00Z', endsAt: '0001-01-01T00:00:00Z' },
      { labels: { alertname: 'OnlyEnd' }, endsAt: at(now - MINUTE) },
    ]);
    expect(await stored({ alertname: 'Zero' })).toMatchObject({ startsAt: at(now), endsAt: at(now + 5 * MINUTE), timeout: true });
    expect(await stored({ alertname: 'OnlyEnd' })).toMatchObject({ startsAt: at(now - MINUTE), endsAt: at(now - MINUTE), timeout: false });
  });

  it('dedups resends: the earliest start is kept, a later end extends a firing alert, unchanged unless something a rule sees changed', async () => {
    const start = now - 10 * MINUTE;
    await post([{ labels: { alertname: 'Resent' }, startsAt: at(start), endsAt: at(now + 4 * MINUTE) }]);
    expect(lastChanges()).toEqual([['Resent', 'new']]);
    now += MINUTE;
    // Prometheus' next resend: same start, end pushed on; a copy with a later start merges too.
    await post([{ labels: { alertname: 'Resent' }, startsAt: at(start + MINUTE), endsAt: at(now + 4 * MINUTE) }]);
    expect(lastChanges()).toEqual([['Resent', 'unchanged']]);
    expect(await stored({ alertname: 'Resent' })).toMatchObject({ startsAt: at(start), endsAt: at(now + 4 * MINUTE), updatedAt: at(now), firstSeenAt: at(now - MINUTE) });
    now += MINUTE;
    await post([{ labels: { alertname: 'Resent' }, annotations: { summary: 'worse' }, startsAt: at(start), endsAt: at(now + 4 * MINUTE) }]);
    expect(lastChanges()).toEqual([['Resent', 'updated']]);
    expect((await list('?filter=alertname%3D%22Resent%22')).body).toHaveLength(1);
  });

  it('keeps a later explicit end over a timeout one, and resolves with a past end', async () => {
    await post([{ labels: { alertname: 'Explicit' }, startsAt: at(now - MINUTE), endsAt: at(now + 30 * MINUTE) }]);
    now += MINUTE;
    // Without an end: merged (overlapping), the stored explicit end is later and not a timeout.
    await post([{ labels: { alertname: 'Explicit' } }]);
    expect(await stored({ alertname: 'Explicit' })).toMatchObject({ endsAt: at(now + 29 * MINUTE), timeout: true });
    now += MINUTE;
    await post([{ labels: { alertname: 'Explicit' }, startsAt: at(now - 2 * MINUTE), endsAt: at(now - 1000) }]);
    expect(lastChanges()).toEqual([['Explicit', 'resolved']]);
    expect(await stored({ alertname: 'Explicit' })).toMatchObject({ startsAt: at(now - 3 * MINUTE), endsAt: at(now - 1000) });
    // Both resolved: the later end wins.
    await post([{ labels: { alertname: 'Explicit' }, startsAt: at(now - 2 * MINUTE), endsAt: at(now - 30_000) }]);
    expect(await stored({ alertname: 'Explicit' })).toMatchObject({ endsAt: at(now - 1000) });
    expect(lastChanges()).toEqual([['Explicit', 'unchanged']]);
    expect((await list('?filter=alertname%3D%22Explicit%22')).body).toEqual([]);
  });

  it('resolves an alert that is not re-sent within resolveTimeout, and a later post re-fires it afresh with its first-seen time', async () => {
    const first = now;
    await post([{ labels: { alertname: 'Timeout' } }]);
    now += 4 * MINUTE;
    expect((await list('?filter=alertname%3D%22Timeout%22')).body).toHaveLength(1);
    now += MINUTE; // exactly the end: resolved
    expect((await list('?filter=alertname%3D%22Timeout%22')).body).toEqual([]);
    expect(await pb.plugboard.incomingAlerts.countActive(new Date(now))).toBeGreaterThanOrEqual(0);
    now += MINUTE;
    await post([{ labels: { alertname: 'Timeout' } }]);
    expect(lastChanges()).toEqual([['Timeout', 'refired']]);
    expect(await stored({ alertname: 'Timeout' })).toMatchObject({ startsAt: at(now), endsAt: at(now + 5 * MINUTE), firstSeenAt: at(first) });
  });

  it('merges concurrent posts of one alert without losing one (posts of an instance merge one after the other)', async () => {
    const labels = { alertname: 'Concurrent' };
    const starts = [5, 3, 9, 1, 7].map((m) => now - m * MINUTE);
    const answers = await Promise.all(starts.map((start) => post([{ labels, startsAt: at(start), endsAt: at(now + 4 * MINUTE) }])));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(await stored(labels)).toMatchObject({ startsAt: at(now - MINUTE * 9), firstSeenAt: at(now) });
    // The same alert twice in one post: the second merges into the first.
    await post([{ labels: { alertname: 'Twice' }, startsAt: at(now - 2 * MINUTE), endsAt: at(now + MINUTE) }, { labels: { alertname: 'Twice' }, startsAt: at(now - MINUTE), endsAt: at(now + 2 * MINUTE) }]);
    expect(await stored({ alertname: 'Twice' })).toMatchObject({ startsAt: at(now - 2 * MINUTE), endsAt: at(now + 2 * MINUTE) });
    expect(lastChanges()).toEqual([['Twice', 'new'], ['Twice', 'unchanged']]);
  });

  it('is best effort: valid alerts are stored, then 400 names the invalid ones', async () => {
    const res = await post([{ labels: { alertname: 'GoodOne' } }, { labels: {} }, { labels: { 'bad-name': 'x' } }]);
    expect([res.status, res.text]).toEqual([400, '"at least one label pair required; invalid label set: invalid name \\"bad-name\\""\n']);
    expect(await stored({ alertname: 'GoodOne' })).toBeDefined();
    expect(lastChanges()).toEqual([['GoodOne', 'new']]);
    // A missing labels key refuses the whole post (go-swagger's 422), storing nothing.
    const refused = await post([{ labels: { alertname: 'NotStored' } }, { annotations: {} }]);
    expect([refused.status, refused.text]).toEqual([422, '{"code":602,"message":"1.labels in body is required"}']);
    expect(await stored({ alertname: 'NotStored' })).toBeUndefined();
  });

  it('lists active alerts in Alertmanager shape, sorted by fingerprint, with filter, receiver, active and silenced', async () => {
    await post([
      { labels: { alertname: 'Listed', severity: 'critical', team: 'a' }, annotations: { summary: 'x' } },
      { labels: { alertname: 'Listed', severity: 'warning', team: 'b' } },
      { labels: { alertname: 'Listed', severity: 'page', team: 'b', silenced: 'yes' } },
    ]);
    const all = (await list('?filter=alertname%3D%22Listed%22')).body as Array<{ labels: Record<string, string>; fingerprint: string; status: unknown }>;
    expect(all.map((a) => a.fingerprint)).toEqual([...all.map((a) => a.fingerprint)].sort());
    expect(all).toHaveLength(3);
    const critical = all.find((a) => a.labels.severity === 'critical')!;
    expect(critical).toEqual({
      annotations: { summary: 'x' },
      endsAt: at(now + 5 * MINUTE),
      fingerprint: labelsFingerprint({ alertname: 'Listed', severity: 'critical', team: 'a' }),
      receivers: [{ name: 'plugboard' }],
      startsAt: at(now),
      status: { inhibitedBy: [], mutedBy: [], silencedBy: [], state: 'active' },
      updatedAt: at(now),
      labels: { alertname: 'Listed', severity: 'critical', team: 'a' },
    });
    const q = (filters: string[], extra = '') => list(`?${filters.map((f) => `filter=${encodeURIComponent(f)}`).join('&')}${extra}`);
    const names = async (filters: string[], extra = '') => ((await q(filters, extra)).body as Array<{ labels: Record<string, string> }>).map((a) => a.labels.severity).sort();
    expect(await names(['alertname="Listed"', 'team="b"'])).toEqual(['page', 'warning']);
    expect(await names(['alertname="Listed"', 'severity=~"crit.*|page"'])).toEqual(['critical', 'page']);
    expect(await names(['alertname="Listed"', 'team!="b"'])).toEqual(['critical']);
    expect(await names(['alertname="Listed"'], '&silenced=false')).toEqual(['critical', 'warning']);
    expect(await names(['alertname="Listed"'], '&active=false')).toEqual(['page']);
    expect(await names(['alertname="Listed"'], '&receiver=plug.*')).toEqual(['critical', 'page', 'warning']);
    expect(await names(['alertname="Listed"'], '&receiver=other')).toEqual([]);
    const silenced = ((await q(['alertname="Listed"', 'silenced="yes"'])).body as Array<{ status: unknown }>)[0];
    expect(silenced.status).toEqual({ inhibitedBy: [], mutedBy: [], silencedBy: ['silence-1'], state: 'suppressed' });
    const bad = await q(['alertname=~"("']);
    expect(bad.status).toBe(400);
    expect(typeof JSON.parse(bad.text)).toBe('string');
    const badReceiver = await list('?receiver=%5B');
    expect(badReceiver.status).toBe(400);
    expect(JSON.parse(badReceiver.text)).toMatch(/^failed to parse receiver param: error parsing regexp: /);
  });

  it("answers the status in Alertmanager's shape, without secrets", async () => {
    const res = await pb.api('GET', '/api/v2/status', undefined, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['cluster', 'config', 'uptime', 'versionInfo']);
    expect(res.body.cluster).toEqual({ peers: [], status: 'disabled' });
    expect(res.body.versionInfo.version).toMatch(/^plugboard-/);
    expect(res.body.config.original).toContain('resolve_timeout: 5m');
    expect(res.body.config.original).toContain('ingestToken: true');
    expect(res.text).not.toContain(TOKEN);
    expect(res.text).not.toContain(OTHER_TOKEN);
  });

  it('answers the health checks without credentials, GET and HEAD, in any space', async () => {
    for (const url of ['/-/healthy', '/-/ready', '/s/other/-/healthy']) {
      const res = await pb.api('GET', url, undefined, { headers: { authorization: '', 'kbn-xsrf': '' } });
      expect([res.status, res.text, res.headers['content-type']]).toEqual([200, 'OK', 'text/plain; charset=utf-8']);
      const head = await pb.api('HEAD', url, undefined, { headers: { authorization: '', 'kbn-xsrf': '' } });
      expect([head.status, head.text]).toEqual([200, '']);
    }
  });

  it("answers the removed API v1 with Alertmanager 0.27's 410", async () => {
    for (const [method, url] of [['GET', '/api/v1/alerts'], ['POST', '/api/v1/alerts'], ['DELETE', '/api/v1/silence/x']]) {
      const res = await pb.api(method, url, method === 'POST' ? [] : undefined, { headers: { authorization: '', 'kbn-xsrf': '' } });
      expect([res.status, res.text]).toEqual([
        410,
        '{"status":"deprecated","error":"The Alertmanager v1 API was deprecated in version 0.16.0 and is removed as of version 0.27.0 - please use the equivalent route in the v2 API"}\n',
      ]);
    }
  });

  it('authenticates Basic, ApiKey and the space ingest token; refuses a wrong token, another space token and a session cookie alone', async () => {
    const key = await pb.api('POST', '/api/security/api_key', { name: 'prometheus' });
    const alert = [{ labels: { alertname: 'Auth' } }];
    expect((await post(alert)).status).toBe(200);
    expect((await post(alert, { authorization: `ApiKey ${key.body.encoded}` })).status).toBe(200);
    expect((await post(alert, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    expect((await post(alert, { authorization: `bearer ${TOKEN}` })).status).toBe(200);
    expect((await list('', { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    expect((await post(alert, { authorization: `Bearer ${OTHER_TOKEN}`, space: 'other' })).status).toBe(200);
    const wrong = await post(alert, { authorization: `Bearer ${TOKEN}x` });
    expect([wrong.status, wrong.body]).toEqual([401, { statusCode: 401, error: 'Unauthorized', message: 'Unauthorized' }]);
    expect((await post(alert, { authorization: `Bearer ${OTHER_TOKEN}` })).status).toBe(401);
    expect((await post(alert, { authorization: `Bearer ${TOKEN}`, space: 'other' })).status).toBe(401);
    // A token opens the senders' routes only.
    expect((await pb.api('GET', '/api/actions/connectors', undefined, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(401);
    // A browser session is no credential here, even with kbn-xsrf.
    const login = await pb.api('POST', '/internal/security/login', { providerType: 'basic', providerName: 'basic', currentURL: 'http://x/login', params: { username: 'elastic', password: TEST_PASSWORD } }, { headers: { authorization: '' } });
    const sid = /sid=([^;]*)/.exec(String(login.headers['set-cookie']))![1];
    const cookie = { authorization: '', cookie: `sid=${sid}` };
    expect((await pb.api('GET', '/api/actions/connectors', undefined, { headers: cookie })).status).toBe(200);
    expect((await pb.api('POST', '/api/v2/alerts', alert, { headers: cookie })).status).toBe(401);
    expect((await pb.api('GET', '/api/v2/alerts', undefined, { headers: cookie })).status).toBe(401);
  });

  it('authorizes by the rules privilege (stackAlerts): read lists, all posts; 403 comes before any validation', async () => {
    const alert = [{ labels: { alertname: 'Privileges' } }];
    expect((await post(alert, { authorization: basic('alerts-writer') })).status).toBe(200);
    expect((await list('', { authorization: basic('alerts-reader') })).status).toBe(200);
    const readerPost = await post(alert, { authorization: basic('alerts-reader') });
    expect(readerPost.status).toBe(403);
    expect(readerPost.body.message).toBe('Unauthorized to post alerts: the [all] privilege of the [stackAlerts] feature (or a base privilege) is needed in space [default]');
    expect((await post({ not: 'a list' }, { authorization: basic('connectors-only') })).status).toBe(403);
    expect((await list('?filter=bad', { authorization: basic('connectors-only') })).status).toBe(403);
    expect((await pb.api('GET', '/api/v2/status', undefined, { headers: { authorization: basic('connectors-only') } })).status).toBe(403);
    // The writer's privilege is in the default space only.
    expect((await post(alert, { authorization: basic('alerts-writer'), space: 'other' })).status).toBe(403);
  });

  it('keeps each space its own alerts', async () => {
    const labels = { alertname: 'Spaced' };
    await post([{ labels, annotations: { where: 'default' } }]);
    await post([{ labels, annotations: { where: 'other' } }], { space: 'other' });
    expect((await stored(labels))?.annotations).toEqual({ where: 'default' });
    expect((await stored(labels, 'other'))?.annotations).toEqual({ where: 'other' });
    expect(changes.at(-1)!.spaceId).toBe('other');
    const inOther = (await list('', { space: 'other' })).body as Array<{ labels: Record<string, string> }>;
    expect(inOther.map((a) => a.labels.alertname).sort()).toEqual(['Auth', 'Spaced']);
    expect((await pb.api('POST', '/s/missing/api/v2/alerts', [{ labels }], { headers: { 'kbn-xsrf': '' } })).status).toBe(404);
  });

  it('refuses with 429 a post that would exceed maxActiveAlerts, storing nothing of it, and counts it in /metrics', async () => {
    now += 24 * 60 * MINUTE; // everything posted so far has resolved
    expect(await pb.plugboard.incomingAlerts.countActive(new Date(now))).toBe(0);
    const alerts = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ labels: { alertname: 'Storm', n: String(from + i) } }));
    expect((await post(alerts(0, MAX_ACTIVE - 1))).status).toBe(200);
    const refused = await post([...alerts(0, 5), ...alerts(MAX_ACTIVE - 1, 2)]);
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.text)).toBe(
      `too many active alerts: ${MAX_ACTIVE - 1} are active and this post would add 2, beyond plugboard.ingest.maxActiveAlerts (${MAX_ACTIVE}); nothing of it was stored`,
    );
    expect(await stored({ alertname: 'Storm', n: String(MAX_ACTIVE - 1) })).toBeUndefined();
    // Resends and resolutions of active alerts are still taken, and one more new one fits.
    expect((await post(alerts(0, MAX_ACTIVE - 1))).status).toBe(200);
    expect((await post([{ labels: { alertname: 'Storm', n: '0' }, endsAt: at(now - 1000) }])).status).toBe(200);
    expect((await post(alerts(MAX_ACTIVE - 1, 2))).status).toBe(200);
    expect(await pb.plugboard.incomingAlerts.countActive(new Date(now))).toBe(MAX_ACTIVE);
    const metrics = await pb.api('GET', '/metrics');
    expect(metrics.text).toMatch(/^plugboard_ingest_refused_posts_total 1$/m);
    expect(metrics.text).toMatch(/^plugboard_ingest_refused_alerts_total 7$/m);
  });

  it('keeps alerts across a restart, and deletes resolved ones after the retention', async () => {
    const before = await pb.plugboard.incomingAlerts.list('default', new Date(now));
    expect(before.length).toBeGreaterThan(0);
    await pb.plugboard.close();
    const reopened = await startTestPlugboard({ dialect, dataDir: pb.dataDir, databaseUrl: pb.databaseUrl, settings: { 'plugboard.ingest.maxActiveAlerts': MAX_ACTIVE } });
    try {
      expect(await reopened.plugboard.incomingAlerts.list('default', new Date(now))).toEqual(before);
      // Resolved an hour (the default retention) ago and more: gone from the list, then deleted.
      const later = new Date(now + 24 * 60 * MINUTE);
      expect(await reopened.plugboard.incomingAlerts.list('default', later)).toEqual([]);
      expect(await reopened.plugboard.incomingAlerts.deleteResolved(later)).toBeGreaterThan(0);
      expect(await reopened.plugboard.database.db.selectFrom('incoming_alerts').select('fingerprint').where('space_id', '=', 'default').execute()).toEqual([]);
    } finally {
      await reopened.plugboard.close();
    }
  });
});
