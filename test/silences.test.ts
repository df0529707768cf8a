import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSilences, type Silences } from '../src/ingest/silences.js';
import { SilencesRepository } from '../src/storage/silences_repository.js';
import { availableDialects } from './helpers/databases.js';
import { ACCEPTED_BODIES, RECORDED_OTHER_ANSWERS, RECORDED_POST_ANSWERS } from './helpers/alertmanager_silences.js';
import { startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';

// Alertmanager-style silences (issue 19 §4) on both databases: the v2 routes with the answers
// Alertmanager 0.25 gives (recorded in helpers/alertmanager_silences.ts), Set's update rules,
// expiry, retention, spaces, privileges, and the SilenceLookup of incoming alerts.

const dialects = await availableDialects();
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
/** As amtool sends: no kbn-xsrf. */
const SENDER = { headers: { 'kbn-xsrf': '' } };
const FUTURE = '2099-01-01T00:00:00.000Z';
const HOUR = 3_600_000;
const matcher = (name: string, value: string, isRegex = false, isEqual = true) => ({ name, value, isRegex, isEqual });

describe.each(dialects)('silences on %s', (dialect) => {
  let pb: TestPlugboard;
  let silences: Silences;
  const post = (body: unknown, space = '') => pb.api('POST', `${space}/api/v2/silences`, body, SENDER);
  const get = (id: string, space = '') => pb.api('GET', `${space}/api/v2/silence/${id}`, undefined, SENDER);
  const list = (query = '', space = '') => pb.api('GET', `${space}/api/v2/silences${query}`, undefined, SENDER);
  const create = async (body: Record<string, unknown>) => {
    const res = await post({ startsAt: '2026-01-01T00:00:00Z', endsAt: FUTURE, createdBy: 'me', comment: 'c', ...body });
    expect(res.status, res.text).toBe(200);
    return res.body.silenceID as string;
  };

  beforeAll(async () => {
    pb = await startTestPlugboard({ dialect });
    silences = pb.plugboard.silences;
    await pb.api('POST', '/api/spaces/space', { id: 'other', name: 'Other' });
  });
  afterAll(async () => {
    await pb?.close();
  });

  it('creates a silence and answers it as Alertmanager does, without kbn-xsrf', async () => {
    const res = await post({ matchers: [matcher('alertname', 'Created')], startsAt: '2026-01-01T00:00:00Z', endsAt: FUTURE, createdBy: 'me', comment: 'why' });
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/^\{"silenceID":"[0-9a-f-]{36}"\}\n$/);
    const id = res.body.silenceID;
    const got = await get(id);
    expect(got.status).toBe(200);
    expect(String(got.headers['content-type'])).toMatch(/^application\/json/);
    // A start in the past becomes the time of creation (silence.go Set).
    expect(Date.parse(got.body.startsAt)).toBeGreaterThan(Date.parse('2026-01-01T00:00:00Z'));
    expect(got.text).toBe(
      `{"id":"${id}","status":{"state":"active"},"updatedAt":"${got.body.updatedAt}","comment":"why","createdBy":"me","endsAt":"${FUTURE}",` +
        `"matchers":[{"isEqual":true,"isRegex":false,"name":"alertname","value":"Created"}],"startsAt":"${got.body.startsAt}"}\n`,
    );
    expect(got.body.startsAt).toBe(got.body.updatedAt);
  });

  it.each(RECORDED_POST_ANSWERS)('answers $name as Alertmanager 0.25 ($status)', async ({ body, status, answer }) => {
    const res = await post(body);
    expect(res.status).toBe(status);
    expect(res.text).toBe(answer);
  });

  it.each(ACCEPTED_BODIES)('accepts $name as Alertmanager does', async ({ body }) => {
    const res = await post(body);
    expect(res.status, res.text).toBe(200);
  });

  it.each(RECORDED_OTHER_ANSWERS)('answers $method $url as Alertmanager 0.25 ($status)', async ({ method, url, status, answer }) => {
    const res = await pb.api(method, url, undefined, SENDER);
    expect(res.status).toBe(status);
    expect(res.text).toBe(answer);
  });

  it('lists active silences by end, then pending by start, then expired most recent first; filters by the matchers as written', async () => {
    const space = '/s/other';
    const sil = (body: Record<string, unknown>) =>
      post({ startsAt: '2026-01-01T00:00:00Z', endsAt: FUTURE, createdBy: 'me', comment: 'c', ...body }, space).then((r) => r.body.silenceID as string);
    const late = await sil({ matchers: [matcher('team', 'a')], endsAt: '2099-06-01T00:00:00Z' });
    const soon = await sil({ matchers: [matcher('team', 'b'), matcher('env', 'dev.*', true, false)], endsAt: '2098-06-01T00:00:00Z' });
    const pendingLate = await sil({ matchers: [matcher('team', 'c')], startsAt: '2090-01-01T00:00:00Z' });
    const pendingSoon = await sil({ matchers: [matcher('sev', 'crit|page', true)], startsAt: '2080-01-01T00:00:00Z' });
    const expiredFirst = await sil({ matchers: [matcher('team', 'd')] });
    expect((await pb.api('DELETE', `${space}/api/v2/silence/${expiredFirst}`, undefined, SENDER)).status).toBe(200);
    const expiredLast = await sil({ matchers: [matcher('team', 'e', false, false)] });
    expect((await pb.api('DELETE', `${space}/api/v2/silence/${expiredLast}`, undefined, SENDER)).status).toBe(200);

    const all = await list('', space);
    expect(all.status).toBe(200);
    expect(all.body.map((s: { id: string }) => s.id)).toEqual([soon, late, pendingSoon, pendingLate, expiredLast, expiredFirst]);
    expect(all.body.map((s: { status: { state: string } }) => s.status.state)).toEqual(['active', 'active', 'pending', 'pending', 'expired', 'expired']);
    expect(all.text.endsWith(']\n')).toBe(true);

    const ids = async (...filters: string[]) => (await list(`?${filters.map((f) => `filter=${encodeURIComponent(f)}`).join('&')}`, space)).body.map((s: { id: string }) => s.id);
    expect(await ids('team="b"')).toEqual([soon]);
    expect(await ids('team="b"', 'env!~"dev.*"')).toEqual([soon]);
    // The filter selects by the silence's own matchers, not by what they would silence.
    expect(await ids('env=~"dev.*"')).toEqual([]);
    expect(await ids('sev=~crit|page')).toEqual([pendingSoon]);
    expect(await ids('team!="e"')).toEqual([expiredLast]);
    // Other spaces see none of them.
    expect((await list('?filter=team%3D%22b%22')).body).toEqual([]);
    expect((await get(soon)).status).toBe(404);
  });

  it('updates an active silence in place while its matchers and start stay; otherwise expires it and creates another', async () => {
    const id = await create({ matchers: [matcher('alertname', 'Upd')] });
    const first = (await get(id)).body;
    const same = await post({ id, matchers: first.matchers, startsAt: first.startsAt, endsAt: '2098-01-01T00:00:00Z', createdBy: 'you', comment: 'longer' });
    expect(same.body).toEqual({ silenceID: id });
    const updated = (await get(id)).body;
    expect(updated).toMatchObject({ id, comment: 'longer', createdBy: 'you', endsAt: '2098-01-01T00:00:00.000Z', startsAt: first.startsAt, status: { state: 'active' } });

    // Another start: a new silence; the old one ends now and is kept as history.
    const moved = await post({ id, matchers: first.matchers, startsAt: '2097-01-01T00:00:00Z', endsAt: FUTURE, createdBy: 'you', comment: 'later' });
    expect(moved.status).toBe(200);
    expect(moved.body.silenceID).not.toBe(id);
    expect((await get(id)).body.status.state).toBe('expired');
    expect((await get(moved.body.silenceID)).body).toMatchObject({ status: { state: 'pending' }, startsAt: '2097-01-01T00:00:00.000Z' });

    // Other matchers: likewise.
    const active = await create({ matchers: [matcher('alertname', 'Upd2')] });
    const changed = await post({ id: active, matchers: [matcher('alertname', 'Other')], startsAt: (await get(active)).body.startsAt, endsAt: FUTURE, createdBy: 'me', comment: 'c' });
    expect(changed.body.silenceID).not.toBe(active);
    const old = (await get(active)).body;
    expect(old.status.state).toBe('expired');
    expect(old.endsAt).toBe(old.updatedAt);

    // An expired silence is never updated: a new one replaces it, the old one stays as it was.
    const again = await post({ id: active, matchers: old.matchers, startsAt: old.startsAt, endsAt: FUTURE, createdBy: 'me', comment: 'c' });
    expect(again.body.silenceID).not.toBe(active);
    expect((await get(active)).body).toEqual(old);
  });

  it('updates a pending silence in place while its start stays in the future, matchers unchanged', async () => {
    const id = await create({ matchers: [matcher('alertname', 'Pend')], startsAt: '2090-01-01T00:00:00Z' });
    const res = await post({ id, matchers: [matcher('alertname', 'Pend')], startsAt: '2091-01-01T00:00:00Z', endsAt: FUTURE, createdBy: 'me', comment: 'moved' });
    expect(res.body).toEqual({ silenceID: id });
    expect((await get(id)).body).toMatchObject({ startsAt: '2091-01-01T00:00:00.000Z', comment: 'moved', status: { state: 'pending' } });
  });

  it('expires: an active silence ends now, a pending one starts and ends now, an expired one is left as it is', async () => {
    const active = await create({ matchers: [matcher('alertname', 'Exp')] });
    expect((await pb.api('DELETE', `/api/v2/silence/${active}`, undefined, SENDER)).text).toBe('');
    const ended = (await get(active)).body;
    expect(ended.status.state).toBe('expired');
    expect(ended.endsAt).toBe(ended.updatedAt);
    const twice = await pb.api('DELETE', `/api/v2/silence/${active}`, undefined, SENDER);
    expect(twice.status).toBe(200);
    expect((await get(active)).body).toEqual(ended);

    const pending = await create({ matchers: [matcher('alertname', 'ExpP')], startsAt: '2090-01-01T00:00:00Z' });
    expect((await pb.api('DELETE', `/api/v2/silence/${pending}`, undefined, SENDER)).status).toBe(200);
    const stopped = (await get(pending)).body;
    expect(stopped.startsAt).toBe(stopped.endsAt);
    // Another space cannot expire it.
    const mine = await create({ matchers: [matcher('alertname', 'Mine')] });
    expect((await pb.api('DELETE', `/s/other/api/v2/silence/${mine}`, undefined, SENDER)).status).toBe(500);
    expect((await get(mine)).body.status.state).toBe('active');
  });

  it('keeps expired silences for the retention, then forgets them', async () => {
    const t0 = new Date('2030-01-01T00:00:00Z');
    const posted = { matchers: [matcher('alertname', 'Ret')], startsAt: t0, endsAt: new Date(t0.getTime() + HOUR), createdBy: 'me', comment: 'c' };
    const id = await silences.set('default', posted, t0);
    const retention = 120 * HOUR;
    const after = (ms: number) => new Date(t0.getTime() + HOUR + ms);
    expect((await silences.get('default', id, after(retention)))?.id).toBe(id);
    expect(await silences.get('default', id, after(retention + 1))).toBeUndefined();
    expect((await silences.list('default', [], after(retention + 1))).map((s) => s.id)).not.toContain(id);
    // Its id names nothing any more: an update is refused as Alertmanager's is after its GC.
    await expect(silences.set('default', { ...posted, id }, after(retention + 1))).rejects.toMatchObject({ kind: 'notFound' });
    // The next write purges it.
    await silences.set('default', { ...posted, matchers: [matcher('alertname', 'Ret2')], endsAt: new Date(after(retention + 2 * HOUR).getTime()) }, after(retention + 1));
    const row = await pb.plugboard.database.db.selectFrom('silences').select('id').where('id', '=', id).executeTakeFirst();
    expect(row).toBeUndefined();
  });

  it('needs the rules privilege: read to list and get, all to create and expire', async () => {
    const id = await create({ matchers: [matcher('alertname', 'Priv')] });
    await pb.api('PUT', '/api/security/role/rules_reader', { kibana: [{ feature: { stackAlerts: ['read'] }, spaces: ['default'] }] });
    await pb.api('PUT', '/api/security/user/reader', { password: 'reader-password', roles: ['rules_reader'] });
    await pb.api('PUT', '/api/security/role/connectors_only', { kibana: [{ feature: { actions: ['all'] }, spaces: ['default'] }] });
    await pb.api('PUT', '/api/security/user/connectors', { password: 'connectors-password', roles: ['connectors_only'] });
    const as = (user: string, password: string) => ({ headers: { 'kbn-xsrf': '', authorization: basic(user, password) } });
    const reader = as('reader', 'reader-password');
    expect((await pb.api('GET', '/api/v2/silences', undefined, reader)).status).toBe(200);
    expect((await pb.api('GET', `/api/v2/silence/${id}`, undefined, reader)).status).toBe(200);
    const refused = await pb.api('POST', '/api/v2/silences', { matchers: [] }, reader);
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({ statusCode: 403, error: 'Forbidden', message: 'Unauthorized to create silences' });
    expect((await pb.api('DELETE', `/api/v2/silence/${id}`, undefined, reader)).status).toBe(403);
    expect((await get(id)).body.status.state).toBe('active');
    // Reading in a space the role does not reach, or without a rules privilege: 403.
    expect((await pb.api('GET', '/s/other/api/v2/silences', undefined, reader)).status).toBe(403);
    const other = as('connectors', 'connectors-password');
    expect((await pb.api('GET', '/api/v2/silences', undefined, other)).body).toMatchObject({ statusCode: 403, message: 'Unauthorized to get silences' });
    expect((await pb.api('GET', `/api/v2/silence/${id}`, undefined, other)).status).toBe(403);
    // No credentials: 401, as on every authenticated route.
    expect((await pb.api('GET', '/api/v2/silences', undefined, { headers: { authorization: '' } })).status).toBe(401);
  });

  it('silences the incoming alerts its matchers select: GET /api/v2/alerts shows them suppressed until the silence expires', async () => {
    // A space of its own: the other tests' silences live in the default space.
    const space = '/s/hush';
    await pb.api('POST', '/api/spaces/space', { id: 'hush', name: 'Hush' });
    const alert = (name: string) => ({ labels: { alertname: name, team: 'web' }, annotations: {} });
    expect((await pb.api('POST', `${space}/api/v2/alerts`, [alert('Hushed'), alert('Loud')], SENDER)).status).toBe(200);
    const created = await post({ matchers: [matcher('alertname', 'Hushed'), matcher('team', 'web|db', true)], startsAt: '2026-01-01T00:00:00Z', endsAt: FUTURE, createdBy: 'me', comment: 'c' }, space);
    expect(created.status, created.text).toBe(200);
    const id = created.body.silenceID as string;
    const states = async (query = '') => {
      const res = await pb.api('GET', `${space}/api/v2/alerts?filter=${encodeURIComponent('team="web"')}${query}`, undefined, SENDER);
      expect(res.status, res.text).toBe(200);
      return Object.fromEntries((res.body as Array<{ labels: { alertname: string }; status: unknown }>).map((a) => [a.labels.alertname, a.status]));
    };
    expect(await states()).toEqual({
      Hushed: { inhibitedBy: [], mutedBy: [], silencedBy: [id], state: 'suppressed' },
      Loud: { inhibitedBy: [], mutedBy: [], silencedBy: [], state: 'active' },
    });
    expect(Object.keys(await states('&silenced=false'))).toEqual(['Loud']);
    expect((await pb.api('DELETE', `${space}/api/v2/silence/${id}`, undefined, SENDER)).status).toBe(200);
    expect((await states())['Hushed']).toEqual({ inhibitedBy: [], mutedBy: [], silencedBy: [], state: 'active' });
  });

  describe('SilenceLookup', () => {
    const labels = { alertname: 'Look', severity: 'page', env: 'prod' };

    it('names the active silences whose matchers all accept the labels, not pending or expired ones', async () => {
      const space = 'look';
      await pb.api('POST', '/api/spaces/space', { id: space, name: 'Look' });
      const now = new Date();
      const end = new Date(now.getTime() + HOUR);
      const set = (matchers: ReturnType<typeof matcher>[], startsAt = now, endsAt = end) => silences.set(space, { matchers, startsAt, endsAt, createdBy: 'me', comment: 'c' }, now);
      const exact = await set([matcher('alertname', 'Look')]);
      const regex = await set([matcher('severity', 'crit|page', true), matcher('env', 'dev.*', true, false)]);
      const notProd = await set([matcher('alertname', 'Look'), matcher('env', 'prod', false, false)]);
      await set([matcher('severity', 'crit', true)]);
      await set([matcher('alertname', 'Look')], new Date(now.getTime() + HOUR), new Date(now.getTime() + 2 * HOUR));
      const expiredId = await set([matcher('alertname', 'Look')]);
      await silences.expire(space, expiredId, now);

      const at = new Date(now.getTime() + 1);
      expect(await silences.silencedBy(space, labels, at)).toEqual([exact, regex].sort());
      expect(await silences.silencedBy(space, { ...labels, env: 'dev-1' }, at)).toEqual([exact, notProd].sort());
      expect(await silences.silencedBy(space, { alertname: 'Else' }, at)).toEqual([]);
      // The pending one is active from its start on; all end after theirs.
      expect((await silences.silencedBy(space, labels, new Date(now.getTime() + HOUR + 1))).length).toBe(1);
      expect(await silences.silencedBy(space, labels, new Date(now.getTime() + 3 * HOUR))).toEqual([]);
      expect(await silences.silencedBy('elsewhere', labels, at)).toEqual([]);
    });

    it('answers from memory until a write of this instance or the TTL, whichever first', async () => {
      let clock = 0;
      const repository = new SilencesRepository(pb.plugboard.database.db, pb.plugboard.database.dialect);
      const lookup = createSilences(repository, { retentionMs: 120 * HOUR, lookupTtlMs: 1000, monotonic: () => clock });
      const other = createSilences(repository, { retentionMs: 120 * HOUR });
      const space = 'ttl';
      await pb.api('POST', '/api/spaces/space', { id: space, name: 'TTL' });
      const now = new Date();
      const posted = { matchers: [matcher('alertname', 'Look')], startsAt: now, endsAt: new Date(now.getTime() + HOUR), createdBy: 'me', comment: 'c' };
      expect(await lookup.silencedBy(space, labels, now)).toEqual([]);
      // Another instance's write: unseen until the copy is older than the TTL.
      const fromOther = await other.set(space, posted, now);
      expect(await lookup.silencedBy(space, labels, now)).toEqual([]);
      clock += 1000;
      expect(await lookup.silencedBy(space, labels, now)).toEqual([fromOther]);
      // Its own writes: seen at once.
      const own = await lookup.set(space, { ...posted, matchers: [matcher('env', 'prod')] }, now);
      expect(await lookup.silencedBy(space, labels, now)).toEqual([fromOther, own].sort());
      await lookup.expire(space, own, now);
      expect(await lookup.silencedBy(space, labels, new Date(now.getTime() + 1))).toEqual([fromOther]);
    });
  });
});
