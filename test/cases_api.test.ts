import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asCaseUser, CASE_ROLES, CASE_USERS, caseError, seedCaseUsers } from './helpers/case_users.js';
import { availableDialects } from './helpers/databases.js';
import { startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';
import { eventually } from './helpers/wait.js';

const dialects = await availableDialects();

// Kibana's Cases API (issue 22; reference §1.2–§1.8): shapes, messages, versions, spaces, owners.

const NONE = { id: 'none', name: 'none', type: '.none', fields: null };

function newCase(overrides: Record<string, unknown> = {}) {
  return { title: 'Disk full', description: 'on web-01', tags: ['disk'], connector: NONE, settings: { syncAlerts: false }, owner: 'cases', ...overrides };
}

describe.each(dialects)('cases API on %s', (dialect) => {
  let pb: TestPlugboard;
  const as = (username: string) => asCaseUser(pb, username);
  const create = async (overrides: Record<string, unknown> = {}, prefix = '') => {
    const res = await pb.api('POST', `${prefix}/api/cases`, newCase(overrides));
    expect(res.status).toBe(200);
    return res.body as { id: string; version: string } & Record<string, unknown>;
  };
  const error = caseError;

  beforeAll(async () => {
    pb = await startTestPlugboard({ dialect });
    await seedCaseUsers(pb, { ...CASE_ROLES, 'sec-read-comment': { securitySolutionCasesV3: ['read', 'create_comment'] } }, { ...CASE_USERS, sec: ['sec-read-comment'] });
    expect((await pb.api('POST', '/api/spaces/space', { id: 'other', name: 'Other' })).status).toBe(200);
  });
  afterAll(async () => pb.close());

  it('creates a case with Kibana defaults and answers it with 200', async () => {
    const res = await as('general')('POST', '/api/cases', newCase({ assignees: [{ uid: 'u1' }, { uid: 'u1' }] }));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      title: 'Disk full',
      description: 'on web-01',
      tags: ['disk'],
      status: 'open',
      severity: 'low',
      owner: 'cases',
      assignees: [{ uid: 'u1' }],
      connector: NONE,
      settings: { syncAlerts: false },
      category: null,
      customFields: [],
      duration: null,
      closed_at: null,
      closed_by: null,
      created_by: { username: 'general', full_name: 'general full', email: 'general@example.com' },
      updated_at: null,
      updated_by: null,
      external_service: null,
      totalComment: 0,
      totalAlerts: 0,
      comments: [],
    });
    expect(res.body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Buffer.from(res.body.version, 'base64').toString()).toMatch(/^\[\d+,\d+\]$/);
    expect(new Date(res.body.created_at).toISOString()).toBe(res.body.created_at);

    const got = await pb.api('GET', `/api/cases/${res.body.id}`);
    expect(got.status).toBe(200);
    expect(got.body).not.toHaveProperty('comments');
    expect(got.body).toMatchObject({ id: res.body.id, version: res.body.version, title: 'Disk full' });
  });

  it('keeps connector fields per connector type and refuses wrong ones', async () => {
    const jira = { id: 'j1', name: 'Jira', type: '.jira', fields: { issueType: '10006', priority: 'High', parent: null } };
    expect((await create({ connector: jira })).connector).toEqual(jira);
    expect((await create({ connector: { id: 's', name: 'SN', type: '.servicenow', fields: null } })).connector).toMatchObject({ fields: null });
    const bad = await pb.api('POST', '/api/cases', newCase({ connector: { id: 'j1', name: 'Jira', type: '.jira', fields: { issueType: 1, priority: null, parent: null } } }));
    expect(bad.status).toBe(400);
    expect(bad.body.message).toBe('Invalid value "1" supplied to "connector.fields.issueType"');
  });

  it("answers every §1.4 validation message of Kibana's", async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ title: '   ' }, 'The title field cannot be an empty string.'],
      [{ title: 'x'.repeat(161) }, 'The length of the title is too long. The maximum length is 160.'],
      [{ description: '' }, 'The description field cannot be an empty string.'],
      [{ description: 'x'.repeat(30001) }, 'The length of the description is too long. The maximum length is 30000.'],
      [{ tags: Array.from({ length: 201 }, (_, i) => `t${i}`) }, 'The length of the field tags is too long. Array must be of length <= 200.'],
      [{ tags: [' '] }, 'The tag field cannot be an empty string.'],
      [{ tags: ['x'.repeat(257)] }, 'The length of the tag is too long. The maximum length is 256.'],
      [{ category: 'x'.repeat(51) }, 'The length of the category is too long. The maximum length is 50.'],
      [{ assignees: Array.from({ length: 11 }, (_, i) => ({ uid: `u${i}` })) }, 'The length of the field assignees is too long. Array must be of length <= 10.'],
      [{ status: 'closed' }, 'invalid keys "status"'],
      [{ severity: 'urgent' }, 'Invalid value "urgent" supplied to "severity"'],
      [{ owner: undefined }, 'Invalid value "undefined" supplied to "owner"'],
    ];
    for (const [overrides, message] of cases) {
      const res = await pb.api('POST', '/api/cases', newCase(overrides));
      expect(res.body, JSON.stringify(overrides).slice(0, 80)).toEqual(error(400, message));
    }
    const tooMany = await pb.api('GET', '/api/cases/_find?perPage=101');
    expect(tooMany.body).toEqual(error(400, 'The provided perPage value is too high. The maximum allowed perPage value is 100.'));
    const tooDeep = await pb.api('GET', '/api/cases/_find?page=101&perPage=100');
    expect(tooDeep.body).toEqual(error(400, 'The number of documents is too high. Paginating through more than 10000 documents is not possible.'));
    const c = await create();
    const longComment = await pb.api('POST', `/api/cases/${c.id}/comments`, { type: 'user', comment: 'x'.repeat(30001), owner: 'cases' });
    expect(longComment.body).toEqual(error(400, 'The length of the comment is too long. The maximum length is 30000.'));
    const emptyComment = await pb.api('POST', `/api/cases/${c.id}/comments`, { type: 'user', comment: ' ', owner: 'cases' });
    expect(emptyComment.body).toEqual(error(400, 'The comment field cannot be an empty string.'));
    const noCases = await pb.api('PATCH', '/api/cases', { cases: [] });
    expect(noCases.body).toEqual(error(400, 'The length of the field cases is too short. Array must be of length >= 1.'));
    expect((await pb.api('GET', `/api/cases/${c.id}/comments/_find?perPage=101`)).body.message).toBe('The provided perPage value is too high. The maximum allowed perPage value is 100.');
  });

  it('answers 404 with the saved-object message for an unknown case', async () => {
    expect((await pb.api('GET', '/api/cases/nope')).body).toEqual(error(404, 'Saved object [cases/nope] not found'));
    expect((await pb.api('POST', '/api/cases/nope/comments', { type: 'user', comment: 'hi', owner: 'cases' })).body).toEqual(error(404, 'Saved object [cases/nope] not found'));
    expect((await pb.api('DELETE', '/api/cases?ids=["nope"]')).status).toBe(404);
  });

  it('updates cases in bulk at their versions: closing, reopening, 404, 409, 406 and the owner', async () => {
    const a = await create({ title: 'A' });
    const b = await create({ title: 'B' });
    const res = await as('general')('PATCH', '/api/cases', {
      cases: [
        { id: a.id, version: a.version, status: 'closed', tags: ['x', 'y'] },
        { id: b.id, version: b.version, severity: 'critical' },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body).toHaveLength(2);
    const closed = res.body.find((c: { id: string }) => c.id === a.id);
    expect(closed).toMatchObject({ status: 'closed', tags: ['x', 'y'], closed_by: { username: 'general' }, updated_by: { username: 'general' } });
    expect(closed.closed_at).toBe(closed.updated_at);
    expect(typeof closed.duration).toBe('number');
    expect(closed.version).not.toBe(a.version);

    // The version read before the update is stale now.
    const stale = await pb.api('PATCH', '/api/cases', { cases: [{ id: a.id, version: a.version, title: 'A2' }] });
    expect(stale.body).toEqual(error(409, `These cases ${a.id} has been updated. Please refresh before saving additional updates.`));
    // A stale version anywhere in the request writes nothing.
    const mixed = await pb.api('PATCH', '/api/cases', { cases: [{ id: b.id, version: res.body[1].id === b.id ? res.body[1].version : res.body[0].version, title: 'B2' }, { id: a.id, version: 'WzEsMV0=', title: 'A2' }] });
    expect(mixed.status).toBe(409);
    expect((await pb.api('GET', `/api/cases/${b.id}`)).body.title).toBe('B');

    const missing = await pb.api('PATCH', '/api/cases', { cases: [{ id: 'gone', version: 'WzEsMV0=', title: 'x' }] });
    expect(missing.body).toEqual(error(404, 'These cases gone do not exist. Please check you have the correct ids.'));
    const same = await pb.api('PATCH', '/api/cases', { cases: [{ id: a.id, version: closed.version, title: 'A', status: 'closed' }] });
    expect(same.body).toEqual(error(406, 'All update fields are identical to current version.'));
    const owner = await pb.api('PATCH', '/api/cases', { cases: [{ id: a.id, version: closed.version, owner: 'observability' }] });
    expect(owner.body).toEqual(error(400, `Updating the owner of a case  is not allowed ids: [${a.id}]`));

    const reopened = await pb.api('PATCH', '/api/cases', { cases: [{ id: a.id, version: closed.version, status: 'in-progress', assignees: [{ uid: 'u9' }, { uid: 'u9' }] }] });
    expect(reopened.body[0]).toMatchObject({ status: 'in-progress', closed_at: null, closed_by: null, duration: null, assignees: [{ uid: 'u9' }] });
    expect((await pb.api('GET', '/api/cases/_find?tags=y')).body.cases.map((c: { id: string }) => c.id)).toEqual([a.id]);
  });

  it('lets one of two concurrent updates at the same version win; the other gets 409', async () => {
    const c = await create();
    const patch = (title: string) => pb.api('PATCH', '/api/cases', { cases: [{ id: c.id, version: c.version, title }] });
    const answers = await Promise.all([patch('one'), patch('two'), patch('three')]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409, 409]);
    const winner = answers.find((a) => a.status === 200)!.body[0];
    expect((await pb.api('GET', `/api/cases/${c.id}`)).body).toMatchObject({ title: winner.title, version: winner.version });

    const comment = (await pb.api('POST', `/api/cases/${c.id}/comments`, { type: 'user', comment: 'x', owner: 'cases' })).body.comments[0];
    const edit = (text: string) => pb.api('PATCH', `/api/cases/${c.id}/comments`, { id: comment.id, version: comment.version, type: 'user', comment: text, owner: 'cases' });
    expect((await Promise.all([edit('a'), edit('b')])).map((a) => a.status).sort()).toEqual([200, 409]);
  });

  it('adds comments and alerts, dedups alert ids, counts totals and keeps the alert limit', async () => {
    const c = await create();
    const commented = await as('general')('POST', `/api/cases/${c.id}/comments`, { type: 'user', comment: 'looking', owner: 'cases' });
    expect(commented.status).toBe(200);
    expect(commented.body).toMatchObject({ totalComment: 1, totalAlerts: 0, updated_by: { username: 'general' } });
    expect(commented.body.comments).toEqual([
      expect.objectContaining({ type: 'user', comment: 'looking', owner: 'cases', pushed_at: null, pushed_by: null, updated_at: null, created_by: { username: 'general', full_name: 'general full', email: 'general@example.com' } }),
    ]);
    const alert = { type: 'alert', alertId: ['a1', 'a2', 'a1'], index: ['i1', 'i2', 'i1'], rule: { id: 'r1', name: 'Rule' }, owner: 'cases' };
    const withAlerts = await pb.api('POST', `/api/cases/${c.id}/comments`, alert);
    expect(withAlerts.body).toMatchObject({ totalComment: 1, totalAlerts: 2 });
    expect(withAlerts.body.comments[1]).toMatchObject({ type: 'alert', alertId: ['a1', 'a2'], index: ['i1', 'i2'], rule: { id: 'r1', name: 'Rule' } });
    // Every id already attached: the attachment is dropped.
    const again = await pb.api('POST', `/api/cases/${c.id}/comments`, { ...alert, alertId: 'a2', index: 'i2' });
    expect(again.body.comments).toHaveLength(2);
    expect(again.body.totalAlerts).toBe(2);
    expect((await pb.api('GET', `/api/cases/${c.id}`)).body).toMatchObject({ totalComment: 1, totalAlerts: 2 });

    const many = Array.from({ length: 999 }, (_, i) => `b${i}`);
    const limit = await pb.api('POST', `/api/cases/${c.id}/comments`, { ...alert, alertId: many, index: many.map(() => 'i') });
    expect(limit.body).toEqual(error(400, 'Case has reached the maximum allowed number (1000) of attached alerts.'));
    expect((await pb.api('POST', `/api/cases/${c.id}/comments`, { ...alert, alertId: many.slice(0, 998), index: many.slice(0, 998).map(() => 'i') })).body.totalAlerts).toBe(1000);
    const unpaired = await pb.api('POST', `/api/cases/${c.id}/comments`, { ...alert, alertId: ['x', 'y'], index: 'i' });
    expect(unpaired.body).toEqual(error(400, 'Received an alert comment with ids and indices arrays of different lengths ids: ["x","y"] indices: ["i"]'));
  });

  it('updates a comment at its version and refuses what Kibana refuses', async () => {
    const c = await create();
    const added = (await pb.api('POST', `/api/cases/${c.id}/comments`, { type: 'user', comment: 'first', owner: 'cases' })).body;
    const comment = added.comments[0];
    const updated = await pb.api('PATCH', `/api/cases/${c.id}/comments`, { id: comment.id, version: comment.version, type: 'user', comment: 'second', owner: 'cases' });
    expect(updated.status).toBe(200);
    expect(updated.body.comments[0]).toMatchObject({ comment: 'second', updated_by: { username: 'elastic' } });
    expect(updated.body.version).not.toBe(added.version);
    const stale = await pb.api('PATCH', `/api/cases/${c.id}/comments`, { id: comment.id, version: comment.version, type: 'user', comment: 'third', owner: 'cases' });
    expect(stale.body).toEqual(error(409, 'This case has been updated. Please refresh before saving additional updates.'));
    const fresh = updated.body.comments[0].version;
    const type = await pb.api('PATCH', `/api/cases/${c.id}/comments`, { id: comment.id, version: fresh, type: 'alert', alertId: 'x', index: 'y', rule: { id: null, name: null }, owner: 'cases' });
    expect(type.body).toEqual(error(400, 'You cannot change the type of the comment.'));
    const owner = await pb.api('PATCH', `/api/cases/${c.id}/comments`, { id: comment.id, version: fresh, type: 'user', comment: 'x', owner: 'observability' });
    expect(owner.body).toEqual(error(400, 'You cannot change the owner of the comment.'));
    const gone = await pb.api('PATCH', `/api/cases/${c.id}/comments`, { id: 'nope', version: fresh, type: 'user', comment: 'x', owner: 'cases' });
    expect(gone.body).toEqual(error(404, 'This comment nope does not exist anymore.'));
    const other = await create();
    const elsewhere = await pb.api('PATCH', `/api/cases/${other.id}/comments`, { id: comment.id, version: fresh, type: 'user', comment: 'x', owner: 'cases' });
    expect(elsewhere.body).toEqual(error(404, `This comment ${comment.id} does not exist in ${other.id}).`));
  });

  it('finds comments by page, deletes one and all', async () => {
    const c = await create();
    for (const text of ['one', 'two', 'three']) await pb.api('POST', `/api/cases/${c.id}/comments`, { type: 'user', comment: text, owner: 'cases' });
    await pb.api('POST', `/api/cases/${c.id}/comments`, { type: 'alert', alertId: 'a', index: 'i', rule: { id: null, name: null }, owner: 'cases' });
    const page = await pb.api('GET', `/api/cases/${c.id}/comments/_find?page=1&perPage=2&sortOrder=desc`);
    expect(page.body).toMatchObject({ page: 1, per_page: 2, total: 3 });
    expect(page.body.comments.map((x: { comment: string }) => x.comment)).toEqual(['three', 'two']);
    const first = (await pb.api('GET', `/api/cases/${c.id}/comments/_find?sortOrder=asc`)).body.comments[0];
    expect((await pb.api('DELETE', `/api/cases/${c.id}/comments/${first.id}`)).status).toBe(204);
    expect((await pb.api('DELETE', `/api/cases/${c.id}/comments/${first.id}`)).body).toEqual(error(404, `Saved object [cases-comments/${first.id}] not found`));
    expect((await pb.api('GET', `/api/cases/${c.id}`)).body).toMatchObject({ totalComment: 2, totalAlerts: 1 });
    expect((await pb.api('DELETE', `/api/cases/${c.id}/comments`)).status).toBe(204);
    expect((await pb.api('GET', `/api/cases/${c.id}`)).body).toMatchObject({ totalComment: 0, totalAlerts: 0 });
  });

  it('deletes cases by a JSON array or repeated ids, their attachments with them', async () => {
    const [a, b, d] = [await create(), await create(), await create()];
    await pb.api('POST', `/api/cases/${a.id}/comments`, { type: 'user', comment: 'hi', owner: 'cases' });
    expect((await pb.api('DELETE', `/api/cases?ids=${encodeURIComponent(JSON.stringify([a.id, b.id]))}`)).status).toBe(204);
    expect((await pb.api('GET', `/api/cases/${a.id}`)).status).toBe(404);
    expect((await pb.api('DELETE', `/api/cases?ids=${d.id}`)).status).toBe(204);
    expect((await pb.api('DELETE', '/api/cases?ids=[]')).body.message).toBe('[request query.ids]: array size is [0], but cannot be smaller than [1]');
  });

  it('finds cases by filters, search, sort and paging, with status counts', async () => {
    const prefix = '/s/other';
    const made = [
      await create({ title: 'Alpha outage', tags: ['net'], severity: 'high', category: 'ops' }, prefix),
      await create({ title: 'Beta latency', description: 'slow api', tags: ['net', 'api'], severity: 'low' }, prefix),
      await create({ title: 'Gamma', tags: ['db'], severity: 'critical', owner: 'observability' }, prefix),
    ];
    await pb.api('PATCH', `${prefix}/api/cases`, { cases: [{ id: made[2].id, version: made[2].version, status: 'closed' }] });
    const find = async (query: string) => (await pb.api('GET', `${prefix}/api/cases/_find?${query}`)).body;
    const titles = (body: { cases: Array<{ title: string }> }) => body.cases.map((c) => c.title);

    const all = await find('sortField=title&sortOrder=asc');
    expect(titles(all)).toEqual(['Alpha outage', 'Beta latency', 'Gamma']);
    expect(all).toMatchObject({ page: 1, per_page: 20, total: 3, count_open_cases: 2, count_in_progress_cases: 0, count_closed_cases: 1 });
    expect(titles(await find('tags=net&sortField=title&sortOrder=asc'))).toEqual(['Alpha outage', 'Beta latency']);
    expect(titles(await find('tags=db&tags=api&sortField=title&sortOrder=asc'))).toEqual(['Beta latency', 'Gamma']);
    const open = await find('status=open');
    expect(open.total).toBe(2);
    expect(open.count_closed_cases).toBe(1);
    expect(titles(await find('severity=critical&severity=high&sortField=severity&sortOrder=desc'))).toEqual(['Gamma', 'Alpha outage']);
    expect(titles(await find('owner=observability'))).toEqual(['Gamma']);
    expect(titles(await find('category=ops'))).toEqual(['Alpha outage']);
    expect(titles(await find('reporters=elastic&owner=cases&sortField=title&sortOrder=asc'))).toEqual(['Alpha outage', 'Beta latency']);
    expect(titles(await find('search=SLOW'))).toEqual(['Beta latency']);
    expect(titles(await find('search=slow&searchFields=title'))).toEqual([]);
    expect(titles(await find('search=alpha%20beta&sortField=title&sortOrder=asc'))).toEqual(['Alpha outage', 'Beta latency']);
    expect(titles(await find('search=alpha%20beta&defaultSearchOperator=AND'))).toEqual([]);
    expect(titles(await find('search=100%25'))).toEqual([]);
    const manyTags = Array.from({ length: 101 }, (_, i) => `tags=t${i}`).join('&');
    expect(await find(manyTags)).toEqual(error(400, 'The length of the field tags is too long. Array must be of length <= 100.'));
    const manyWords = Array.from({ length: 101 }, (_, i) => `w${i}`).join('%20');
    expect(await find(`search=${manyWords}`)).toEqual(error(400, 'The search text has more than 100 distinct words.'));
    expect(titles(await find(`status=open&${Array(5000).fill('status=closed').join('&')}&sortField=title&sortOrder=asc`))).toEqual(['Alpha outage', 'Beta latency', 'Gamma']);
    const paged = await find('sortField=title&sortOrder=desc&perPage=2&page=2');
    expect(paged).toMatchObject({ page: 2, per_page: 2, total: 3 });
    expect(titles(paged)).toEqual(['Alpha outage']);

    expect(await pb.api('GET', `${prefix}/api/cases/tags`).then((r) => r.body)).toEqual(['api', 'db', 'net']);
    expect(await pb.api('GET', `${prefix}/api/cases/tags?owner=observability`).then((r) => r.body)).toEqual(['db']);
    expect(await pb.api('GET', `${prefix}/api/cases/reporters`).then((r) => r.body)).toEqual([{ username: 'elastic', full_name: null, email: null }]);
  });

  it('filters _find by assignees and creation time', async () => {
    const prefix = '/s/dates';
    expect((await pb.api('POST', '/api/spaces/space', { id: 'dates', name: 'Dates' })).status).toBe(200);
    const assigned = await create({ title: 'assigned', assignees: [{ uid: 'u-1' }, { uid: 'u-2' }] }, prefix);
    await create({ title: 'other uid', assignees: [{ uid: 'u-10' }] }, prefix);
    await create({ title: 'nobody' }, prefix);
    const titles = async (query: string) => ((await pb.api('GET', `${prefix}/api/cases/_find?sortField=title&sortOrder=asc&${query}`)).body.cases as Array<{ title: string }>).map((c) => c.title);
    expect(await titles('assignees=u-1')).toEqual(['assigned']);
    expect(await titles('assignees=none')).toEqual(['nobody']);
    expect(await titles('assignees=u-2&assignees=u-10')).toEqual(['assigned', 'other uid']);
    expect(await titles(`from=${encodeURIComponent(String(assigned.created_at))}&to=now`)).toEqual(['assigned', 'nobody', 'other uid']);
    expect(await titles('from=now-1d&to=now-1h')).toEqual([]);
    expect(await titles('to=2000-01-01')).toEqual([]);
    expect((await pb.api('GET', `${prefix}/api/cases/_find?from=yesterday`)).body).toEqual(error(400, 'Invalid "from" and/or "to" query parameters'));
  });

  it('gets one attachment and the cases an alert is attached to', async () => {
    const [a, b, other] = [await create({ title: 'first' }), await create({ title: 'second' }), await create({ owner: 'observability' })];
    const alert = { type: 'alert', rule: { id: null, name: null }, owner: 'cases' };
    const added = (await pb.api('POST', `/api/cases/${a.id}/comments`, { ...alert, alertId: ['al-1', 'al-2'], index: ['i', 'i'] })).body;
    await pb.api('POST', `/api/cases/${b.id}/comments`, { ...alert, alertId: 'al-1', index: 'i' });
    await pb.api('POST', `/api/cases/${b.id}/comments`, { ...alert, alertId: 'al-10', index: 'i' });
    const observed = (await pb.api('POST', `/api/cases/${other.id}/comments`, { ...alert, alertId: 'al-1', index: 'i', owner: 'observability' })).body.comments[0];

    const attachment = added.comments[0];
    const got = await pb.api('GET', `/api/cases/${a.id}/comments/${attachment.id}`);
    expect(got.body).toEqual(attachment);
    expect((await pb.api('GET', `/api/cases/${b.id}/comments/${attachment.id}`)).body).toEqual(error(404, `Saved object [cases-comments/${attachment.id}] not found`));

    const related = await pb.api('GET', '/api/cases/alerts/al-1?owner=cases');
    expect(related.body).toEqual([
      { id: a.id, title: 'first', description: 'on web-01', status: 'open', createdAt: a.created_at, totals: { alerts: 2, events: 0, userComments: 0 } },
      { id: b.id, title: 'second', description: 'on web-01', status: 'open', createdAt: b.created_at, totals: { alerts: 2, events: 0, userComments: 0 } },
    ]);
    expect((await pb.api('GET', '/api/cases/alerts/al-1')).body).toHaveLength(3);
    expect((await as('general-reader')('GET', '/api/cases/alerts/al-1')).body.map((c: { id: string }) => c.id)).toEqual([a.id, b.id]);
    expect((await pb.api('GET', '/api/cases/alerts/al-2')).body.map((c: { id: string }) => c.id)).toEqual([a.id]);
    expect((await pb.api('GET', '/api/cases/alerts/al')).body).toEqual([]);
    expect((await as('connectors')('GET', '/api/cases/alerts/al-1')).body).toEqual(error(403, 'Unauthorized to access cases of any owner'));
    expect((await as('general-reader')('GET', `/api/cases/${other.id}/comments/${observed.id}`)).body).toEqual(error(403, 'Unauthorized to access comments with owners: "observability"'));
    expect((await as('general-reader')('GET', `/api/cases/${a.id}/comments/${attachment.id}`)).status).toBe(200);
  });

  it('keeps spaces apart', async () => {
    const here = await create({ title: 'Only in default' });
    expect((await pb.api('GET', `/s/other/api/cases/${here.id}`)).body).toEqual(error(404, `Saved object [cases/${here.id}] not found`));
    expect((await pb.api('GET', '/s/other/api/cases/_find?search=only')).body.total).toBe(0);
    expect((await pb.api('PATCH', '/s/other/api/cases', { cases: [{ id: here.id, version: here.version, title: 'x' }] })).status).toBe(404);
    expect((await pb.api('DELETE', `/s/other/api/cases?ids=${here.id}`)).status).toBe(404);
    expect((await pb.api('GET', '/s/nowhere/api/cases/_find')).status).toBe(404);
  });

  it('checks the case feature privileges of the owner on every route', async () => {
    const general = await as('general')('POST', '/api/cases', newCase({ owner: 'cases' }));
    const obs = await create({ owner: 'observability' });
    const sec = await create({ owner: 'securitySolution' });

    // Creating needs all (or minimal_all) on the owner's feature.
    expect((await as('general')('POST', '/api/cases', newCase({ owner: 'observability' }))).body).toEqual(error(403, 'Unauthorized to create case with owners: "observability"'));
    expect((await as('general-reader')('POST', '/api/cases', newCase())).body).toEqual(error(403, 'Unauthorized to create case with owners: "cases"'));
    expect((await as('obs')('POST', '/api/cases', newCase({ owner: 'observability' }))).status).toBe(200);
    expect((await pb.api('POST', '/api/cases', newCase({ owner: 'nobody' }))).body).toEqual(error(403, 'Unauthorized to create case with owners: "nobody"'));

    // Reading.
    expect((await as('general-reader')('GET', `/api/cases/${general.body.id}`)).status).toBe(200);
    expect((await as('general-reader')('GET', `/api/cases/${obs.id}`)).body).toEqual(error(403, 'Unauthorized to access case with owners: "observability"'));
    expect((await as('connectors')('GET', '/api/cases/_find')).body).toEqual(error(403, 'Unauthorized to access cases of any owner'));
    expect((await as('connectors')('GET', '/api/cases/tags')).body).toEqual(error(403, 'Unauthorized to access case of any owner'));
    expect((await as('connectors')('GET', '/api/cases/reporters')).status).toBe(403);
    // Without any case privilege, ids are refused before they are looked up: whether they exist does not show.
    for (const id of [general.body.id, 'missing']) {
      expect((await as('connectors')('GET', `/api/cases/${id}`)).body).toEqual(error(403, 'Unauthorized to access case of any owner'));
      expect((await as('connectors')('DELETE', `/api/cases/${id}/comments`)).body).toEqual(error(403, 'Unauthorized to delete comments of any owner'));
    }
    expect((await as('connectors')('DELETE', '/api/cases')).body).toEqual(error(403, 'Unauthorized to delete case of any owner'));
    expect((await pb.api('DELETE', '/api/cases')).body).toEqual(error(400, '[request query.ids]: expected value of type [array] but got [undefined]'));
    // _find gives only the readable owners; owners asked for but not readable are ignored.
    const found = (await as('general-reader')('GET', '/api/cases/_find?perPage=100')).body;
    expect(new Set(found.cases.map((c: { owner: string }) => c.owner))).toEqual(new Set(['cases']));
    expect((await as('general-reader')('GET', '/api/cases/_find?owner=observability')).body.total).toBe(0);

    // Updating and deleting.
    expect((await as('general-reader')('PATCH', '/api/cases', { cases: [{ id: general.body.id, version: general.body.version, title: 'x' }] })).body).toEqual(
      error(403, 'Unauthorized to update case with owners: "cases"'),
    );
    expect((await as('general')('PATCH', '/api/cases', { cases: [{ id: general.body.id, version: general.body.version, title: 'x' }, { id: obs.id, version: obs.version, title: 'x' }] })).body).toEqual(
      error(403, 'Unauthorized to update case with owners: "observability"'),
    );
    // minimal_all leaves out the deletion sub-feature.
    expect((await as('obs')('DELETE', `/api/cases?ids=${obs.id}`)).body).toEqual(error(403, 'Unauthorized to delete case with owners: "observability"'));

    // Comments: the create_comment sub-feature lets a reader comment, but not update or delete.
    const commented = await as('sec')('POST', `/api/cases/${sec.id}/comments`, { type: 'user', comment: 'seen', owner: 'securitySolution' });
    expect(commented.status).toBe(200);
    const comment = commented.body.comments[0];
    expect((await as('sec')('PATCH', `/api/cases/${sec.id}/comments`, { id: comment.id, version: comment.version, type: 'user', comment: 'x', owner: 'securitySolution' })).body).toEqual(
      error(403, 'Unauthorized to update comments with owners: "securitySolution"'),
    );
    expect((await as('sec')('DELETE', `/api/cases/${sec.id}/comments/${comment.id}`)).body).toEqual(error(403, 'Unauthorized to delete comments with owners: "securitySolution"'));
    expect((await as('general-reader')('POST', `/api/cases/${general.body.id}/comments`, { type: 'user', comment: 'x', owner: 'cases' })).body).toEqual(
      error(403, 'Unauthorized to create comments with owners: "cases"'),
    );
    expect((await as('general-reader')('GET', `/api/cases/${sec.id}/comments/_find`)).body).toEqual(error(403, 'Unauthorized to access comments with owners: "securitySolution"'));
    expect((await as('general')('DELETE', `/api/cases?ids=${general.body.id}`)).status).toBe(204);
  });

  it("records changes and refusals in the audit log with Kibana's action names", async () => {
    const c = await create({}, '/s/other');
    await pb.api('POST', `/s/other/api/cases/${c.id}/comments`, { type: 'user', comment: 'x', owner: 'cases' });
    await as('general-reader')('DELETE', `/s/other/api/cases?ids=${c.id}`);
    type Entry = { event: { action: string; outcome: string }; user?: { name: string }; kibana?: { space_id?: string; saved_object?: { type: string; id: string } } };
    const eventsOf = async (action: string) => (await pb.api('GET', `/api/security/audit?per_page=1000&action=${action}`)).body.events as Entry[];
    // Audit rows are written after the answer, in the next group commit.
    const about = (action: string) => eventually(async () => (await eventsOf(action)).find((e) => e.kibana?.saved_object?.id === c.id), 20_000, action);
    expect(await about('case_create')).toMatchObject({ event: { outcome: 'success' }, kibana: { space_id: 'other', saved_object: { type: 'cases', id: c.id } } });
    expect(await about('case_comment_create')).toMatchObject({ event: { outcome: 'success' } });
    await eventually(async () => (await eventsOf('access_denied')).find((e) => e.user?.name === 'general-reader'), 20_000, 'the refusal');
  });

  it('needs kbn-xsrf on changes', async () => {
    const res = await pb.api('POST', '/api/cases', newCase(), { headers: { 'kbn-xsrf': '' } });
    expect(res.body).toEqual(error(400, 'Request must contain a kbn-xsrf header.'));
  });
});
