import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDialects } from './helpers/databases.js';
import { BASIC_AUTH, startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';

// The UI's routes for incoming alerts and silences (issue 19 point 7) on both databases: the
// store's records with status (firing, suppressed, resolved), first seen and source, the matcher
// filter and its 400, resolved ones on request, the incoming-alerts rules that select each alert; silences created in the caller's name, listed,
// expired; the privileges of the v2 routes (read to list, all to change), 403 before any 400.

const dialects = await availableDialects();
const MINUTE = 60_000;
const basic = (user: string) => `Basic ${Buffer.from(`${user}:a-password-1`).toString('base64')}`;

describe.each(dialects)('the UI routes of incoming alerts on %s', (dialect) => {
  let pb: TestPlugboard;
  let now = Date.parse('2026-03-01T00:00:00.000Z');
  const at = (ms: number) => new Date(ms).toISOString();
  const post = (alerts: unknown) => pb.api('POST', '/api/v2/alerts', alerts, { headers: { 'kbn-xsrf': '', authorization: BASIC_AUTH } });
  const alerts = async (query = '', authorization = BASIC_AUTH) => pb.api('GET', `/internal/ingest/alerts${query}`, undefined, { headers: { authorization } });
  const byName = (body: any) => Object.fromEntries((body.alerts as any[]).map((a) => [a.labels.alertname, a]));

  beforeAll(async () => {
    pb = await startTestPlugboard({ dialect, ingest: { clock: () => new Date(now) } });
    const user = async (name: string, kibana: unknown[]) => {
      expect((await pb.api('PUT', `/api/security/role/${name}`, { kibana })).status).toBe(204);
      expect((await pb.api('PUT', `/api/security/user/${name}`, { password: 'a-password-1', roles: [name] })).status).toBe(200);
    };
    await user('alerts-reader', [{ base: [], feature: { stackAlerts: ['read'] }, spaces: ['default'] }]);
    await user('connectors-only', [{ base: [], feature: { actions: ['all'] }, spaces: ['default'] }]);
    expect(
      (
        await post([
          { labels: { alertname: 'Firing', severity: 'critical', team: 'db' }, annotations: { summary: 'Disk full' } },
          { labels: { alertname: 'Other', severity: 'warning', team: 'qa' } },
          { labels: { alertname: 'Gone', severity: 'page' }, startsAt: at(now - 10 * MINUTE), endsAt: at(now - MINUTE) },
        ])
      ).status,
    ).toBe(200);
  });
  afterAll(async () => pb?.close());

  it('lists the stored alerts with first seen, source and status; resolved ones on request', async () => {
    const res = await alerts();
    expect(res.status).toBe(200);
    expect(Object.keys(byName(res.body)).sort()).toEqual(['Firing', 'Other']);
    expect(byName(res.body).Firing).toMatchObject({
      labels: { alertname: 'Firing', severity: 'critical', team: 'db' },
      annotations: { summary: 'Disk full' },
      startsAt: at(now),
      endsAt: at(now + 5 * MINUTE),
      timeout: true,
      firstSeenAt: at(now),
      updatedAt: at(now),
      source: 'alertmanager-api',
      status: 'firing',
      silencedBy: [],
    });
    const all = await alerts('?include_resolved=true');
    expect(byName(all.body).Gone).toMatchObject({ status: 'resolved', endsAt: at(now - MINUTE) });
  });

  it('filters by Alertmanager matchers, and names the filter of a bad one', async () => {
    const res = await alerts(`?include_resolved=true&filter=${encodeURIComponent('severity=~"crit.*|page", team!="qa"')}`);
    expect(Object.keys(byName(res.body)).sort()).toEqual(['Firing', 'Gone']);
    const bad = await alerts(`?filter=${encodeURIComponent('severity=~"(unclosed"')}`);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    expect(bad.body.message).toMatch(/^\[request query\.filter\]: /);
    expect((await alerts('?filter=nonsense')).body.message).toBe('[request query.filter]: bad matcher format: nonsense');
  });

  it('names the incoming-alerts rules, enabled or not, whose matchers select each alert; for a reader too', async () => {
    const rule = async (name: string, matchers: string[], extra: Record<string, unknown> = {}, path = '') => {
      const res = await pb.api('POST', `${path}/api/alerting/rule`, { name, rule_type_id: 'plugboard.incoming-alerts', consumer: 'alerts', schedule: { interval: '1h' }, params: { matchers }, ...extra });
      expect(res.status).toBe(200);
      return res.body.id as string;
    };
    const everything = await rule('Everything', []);
    const db = await rule('DB pages', ['team="db"', 'severity=~"crit.*"'], { enabled: false });
    const gone = await rule('Gone ones', ['alertname="Gone"']);
    const other = await pb.api('POST', '/api/alerting/rule', {
      name: 'Not incoming',
      rule_type_id: 'plugboard.connector-health',
      consumer: 'alerts',
      schedule: { interval: '1h' },
      params: { connectorIds: [], window: '1h', maxFailureRate: 0.5, minExecutions: 1 },
    });
    expect(other.status).toBe(200);
    try {
      const res = await alerts('?include_resolved=true');
      const rulesOf = (name: string) => byName(res.body)[name].rules.map((r: any) => r.name);
      expect(rulesOf('Firing')).toEqual(['DB pages', 'Everything']);
      expect(rulesOf('Other')).toEqual(['Everything']);
      expect(rulesOf('Gone')).toEqual(['Everything', 'Gone ones']);
      expect(byName(res.body).Firing.rules).toContainEqual({ id: db, name: 'DB pages' });
      expect(byName(res.body).Gone.rules).toContainEqual({ id: gone, name: 'Gone ones' });
      // A reader reads the rules; one who may not read rules reads no alerts at all (403 above).
      const read = await alerts('', basic('alerts-reader'));
      expect(byName(read.body).Firing.rules).toEqual(byName(res.body).Firing.rules);
      // Rules of another space are not those of this one.
      expect((await pb.api('POST', '/api/spaces/space', { id: 'rules-space', name: 'Rules space' })).status).toBe(200);
      await rule('Other space', [], {}, '/s/rules-space');
      expect(byName((await alerts()).body).Other.rules.map((r: any) => r.name)).toEqual(['Everything']);
    } finally {
      for (const id of [everything, db, gone, other.body.id]) expect((await pb.api('DELETE', `/api/alerting/rule/${id}`)).status).toBe(204);
    }
    expect(byName((await alerts()).body).Firing.rules).toEqual([]);
  });

  it('creates a silence in the caller’s name: the alert is suppressed; expired: firing again', async () => {
    const created = await pb.api('POST', '/internal/ingest/silences', {
      matchers: [{ name: 'alertname', value: 'Firing', isRegex: false }],
      endsAt: at(now + 60 * MINUTE),
      comment: 'maintenance',
    });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ status: { state: 'active' }, createdBy: 'elastic', comment: 'maintenance', startsAt: at(now), matchers: [{ name: 'alertname', value: 'Firing', isRegex: false, isEqual: true }] });
    expect(byName((await alerts()).body).Firing).toMatchObject({ status: 'suppressed', silencedBy: [created.body.id] });
    expect(byName((await alerts()).body).Other.status).toBe('firing');
    const listed = await pb.api('GET', '/internal/ingest/silences');
    expect(listed.body.silences.map((s: any) => s.id)).toEqual([created.body.id]);
    expect((await pb.api('POST', `/internal/ingest/silences/${created.body.id}/_expire`)).status).toBe(204);
    expect(byName((await alerts()).body).Firing.status).toBe('firing');
    expect((await pb.api('GET', '/internal/ingest/silences')).body.silences[0].status.state).toBe('expired');
    expect((await pb.api('POST', '/internal/ingest/silences/no-such-silence/_expire')).status).toBe(404);
  });

  it('refuses a bad silence with a 400 naming the field', async () => {
    const make = (body: unknown) => pb.api('POST', '/internal/ingest/silences', body);
    const end = at(now + MINUTE);
    expect((await make({ matchers: [], endsAt: end, comment: 'x' })).body.message).toMatch(/^\[request body\.matchers\]/);
    expect((await make({ matchers: [{ name: 'a', value: 'b', isRegex: false }], endsAt: end, comment: ' ' })).body.message).toMatch(/^\[request body\.comment\]/);
    expect((await make({ matchers: [{ name: 'a', value: 'b', isRegex: false }], endsAt: at(now - MINUTE), startsAt: at(now - 2 * MINUTE), comment: 'x' })).body.message).toBe(
      '[request body.endsAt]: the end cannot be in the past',
    );
    const badRegex = await make({ matchers: [{ name: 'a', value: '(x', isRegex: true }], endsAt: end, comment: 'x' });
    expect(badRegex.status).toBe(400);
    expect(badRegex.body.message).toMatch(/^\[request body\.matchers\]: silence invalid: /);
    const badName = await make({ matchers: [{ name: 'bad-name', value: 'x', isRegex: false }], endsAt: end, comment: 'x' });
    expect(badName.body.message).toMatch(/^\[request body\.matchers\]: silence invalid: /);
  });

  it('lets a reader list but not change; refuses others with 403 before any 400; the UI needs kbn-xsrf to change', async () => {
    const reader = basic('alerts-reader');
    expect((await alerts('', reader)).status).toBe(200);
    expect((await pb.api('GET', '/internal/ingest/silences', undefined, { headers: { authorization: reader } })).status).toBe(200);
    const create = await pb.api('POST', '/internal/ingest/silences', { matchers: 'bad' }, { headers: { authorization: reader } });
    expect([create.status, create.body.message]).toEqual([403, 'Unauthorized to create silences: the [all] privilege of the [stackAlerts] feature (or a base privilege) is needed in space [default]']);
    expect((await pb.api('POST', '/internal/ingest/silences/x/_expire', undefined, { headers: { authorization: reader } })).status).toBe(403);
    const other = basic('connectors-only');
    expect((await alerts('?filter=nonsense', other)).status).toBe(403);
    expect((await pb.api('GET', '/internal/ingest/silences', undefined, { headers: { authorization: other } })).status).toBe(403);
    const noXsrf = await pb.api('POST', '/internal/ingest/silences', { matchers: [] }, { headers: { 'kbn-xsrf': '' } });
    expect(noXsrf.status).toBe(400);
    expect(noXsrf.body.message).toMatch(/kbn-xsrf/);
  });

  it('keeps spaces apart', async () => {
    expect((await pb.api('POST', '/api/spaces/space', { id: 'other', name: 'Other' })).status).toBe(200);
    expect((await pb.api('GET', '/s/other/internal/ingest/alerts')).body).toEqual({ alerts: [] });
    expect((await pb.api('GET', '/s/other/internal/ingest/silences')).body).toEqual({ silences: [] });
  });
});
