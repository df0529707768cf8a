import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asCaseUser, CASE_ROLES, CASE_USERS, caseError, seedCaseUsers } from './helpers/case_users.js';
import { availableDialects } from './helpers/databases.js';
import { startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';

const dialects = await availableDialects();

// Kibana's case configuration (issue 22; reference §1.10): one per owner and space, replaced by
// POST, changed by PATCH at its version; owners authorized as on cases.

const NONE = { id: 'none', name: 'none', type: '.none', fields: null };
const TEXT_FIELD = { key: 'team', label: 'Team', type: 'text', required: false, defaultValue: 'ops' };

function newConfiguration(overrides: Record<string, unknown> = {}) {
  return { connector: NONE, closure_type: 'close-by-user', owner: 'cases', ...overrides };
}

describe.each(dialects)('case configuration API on %s', (dialect) => {
  let pb: TestPlugboard;
  let jiraId: string;
  const as = (username: string) => asCaseUser(pb, username);
  const error = caseError;
  const configure = async (overrides: Record<string, unknown> = {}, prefix = '') => {
    const res = await pb.api('POST', `${prefix}/api/cases/configure`, newConfiguration(overrides));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as { id: string; version: string } & Record<string, unknown>;
  };

  beforeAll(async () => {
    pb = await startTestPlugboard({ dialect });
    await seedCaseUsers(pb, { ...CASE_ROLES, 'obs-settings': { observabilityCasesV3: ['minimal_read', 'cases_settings'] } }, { ...CASE_USERS, 'obs-settings': ['obs-settings'] });
    expect((await pb.api('POST', '/api/spaces/space', { id: 'other', name: 'Other' })).status).toBe(200);
    const jira = await pb.api('POST', '/api/actions/connector', {
      name: 'Ops Jira',
      connector_type_id: '.jira',
      config: { apiUrl: 'https://jira.example.com', projectKey: 'OPS' },
      secrets: { email: 'ops@example.com', apiToken: 'a-token' },
    });
    expect(jira.status, JSON.stringify(jira.body)).toBe(200);
    jiraId = jira.body.id as string;
  });
  afterAll(async () => pb.close());

  it("creates a configuration in Kibana's shape and answers it from GET", async () => {
    const res = await as('general')('POST', '/api/cases/configure', newConfiguration({ customFields: [TEXT_FIELD], templates: [{ key: 'disk', name: 'Disk', caseFields: { title: 'Disk full', tags: ['disk'] } }], observableTypes: [{ key: 'host-id', label: 'Host id' }] }));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      version: expect.any(String),
      owner: 'cases',
      connector: NONE,
      closure_type: 'close-by-user',
      customFields: [TEXT_FIELD],
      templates: [{ key: 'disk', name: 'Disk', caseFields: { title: 'Disk full', tags: ['disk'] } }],
      observableTypes: [{ key: 'host-id', label: 'Host id' }],
      mappings: [],
      error: null,
      created_at: expect.any(String),
      created_by: { username: 'general', full_name: 'general full', email: 'general@example.com' },
      updated_at: null,
      updated_by: null,
    });
    expect(Buffer.from(res.body.version, 'base64').toString()).toMatch(/^\[\d+,\d+\]$/);
    const got = await pb.api('GET', '/api/cases/configure?owner=cases');
    expect(got.status).toBe(200);
    expect(got.body).toEqual([res.body]);
  });

  it("replaces the owner's configuration on POST, leaving other owners' alone", async () => {
    const obs = await configure({ owner: 'observability' });
    const first = await configure();
    const second = await configure({ closure_type: 'close-by-pushing', connector: { id: jiraId, name: 'Ops Jira', type: '.jira', fields: null } });
    expect(second.id).not.toBe(first.id);
    const all = await pb.api('GET', '/api/cases/configure');
    expect(all.body.map((c: { id: string }) => c.id).sort()).toEqual([obs.id, second.id].sort());
    expect(all.body.find((c: { id: string }) => c.id === second.id)).toMatchObject({ closure_type: 'close-by-pushing', connector: { id: jiraId, type: '.jira' } });
    // The replaced configuration is gone: patching it is 404.
    const gone = await pb.api('PATCH', `/api/cases/configure/${first.id}`, { version: first.version, closure_type: 'close-by-user' });
    expect(gone.body).toEqual(error(404, `Saved object [cases-configure/${first.id}] not found`));
  });

  it('updates at the version read, and refuses a stale one with 409', async () => {
    const created = await configure({ owner: 'securitySolution' });
    const patched = await as('general')('PATCH', `/api/cases/configure/${created.id}`, { version: created.version, closure_type: 'close-by-pushing', customFields: [TEXT_FIELD] });
    // `general` may not change the security owner's configuration.
    expect(patched.body).toEqual(error(403, 'Unauthorized to update case configuration with owners: "securitySolution"'));
    const ok = await pb.api('PATCH', `/api/cases/configure/${created.id}`, { version: created.version, closure_type: 'close-by-pushing', customFields: [TEXT_FIELD] });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ id: created.id, owner: 'securitySolution', closure_type: 'close-by-pushing', customFields: [TEXT_FIELD], connector: NONE, created_at: created.created_at });
    expect(ok.body.version).not.toBe(created.version);
    expect(ok.body.updated_by).toMatchObject({ username: expect.any(String) });
    expect(typeof ok.body.updated_at).toBe('string');
    const stale = await pb.api('PATCH', `/api/cases/configure/${created.id}`, { version: created.version, closure_type: 'close-by-user' });
    expect(stale.body).toEqual(error(409, 'This configuration has been updated. Please refresh before saving additional updates.'));
    const garbage = await pb.api('PATCH', `/api/cases/configure/${created.id}`, { version: 'not-a-version', closure_type: 'close-by-user' });
    expect(garbage.status).toBe(409);
    const owner = await pb.api('PATCH', `/api/cases/configure/${created.id}`, { version: ok.body.version, owner: 'cases' });
    expect(owner.body).toEqual(error(400, 'invalid keys "owner"'));
  });

  it('checks the connector named: it must exist in the space with that type, or be none', async () => {
    const missing = await pb.api('POST', '/api/cases/configure', newConfiguration({ connector: { id: 'nope', name: 'x', type: '.jira', fields: null } }));
    expect(missing.body).toEqual(error(400, 'The connector nope does not exist in this space.'));
    const wrongType = await pb.api('POST', '/api/cases/configure', newConfiguration({ connector: { id: jiraId, name: 'x', type: '.servicenow', fields: null } }));
    expect(wrongType.body).toEqual(error(400, `The connector ${jiraId} is of type .jira, not .servicenow: cases can push only to ticketing connectors of the type named.`));
    const notTicketing = await pb.api('POST', '/api/cases/configure', newConfiguration({ connector: { id: 'x', name: 'x', type: '.slack', fields: null } }));
    expect(notTicketing.body).toEqual(error(400, 'Invalid value ".slack" supplied to "connector.type"'));
    // A connector of another space is not this space's.
    const elsewhere = await pb.api('POST', '/s/other/api/cases/configure', newConfiguration({ connector: { id: jiraId, name: 'x', type: '.jira', fields: null } }));
    expect(elsewhere.body).toEqual(error(400, `The connector ${jiraId} does not exist in this space.`));
    const created = await configure();
    const patched = await pb.api('PATCH', `/api/cases/configure/${created.id}`, { version: created.version, connector: { id: 'nope', name: 'x', type: '.jira', fields: null } });
    expect(patched.body).toEqual(error(400, 'The connector nope does not exist in this space.'));
  });

  it("answers Kibana's validation messages", async () => {
    const field = (overrides: Record<string, unknown>) => ({ customFields: [{ ...TEXT_FIELD, ...overrides }] });
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ closure_type: 'never' }, 'Invalid value "never" supplied to "closure_type"'],
      [{ owner: undefined }, 'Invalid value "undefined" supplied to "owner"'],
      [{ connector: undefined }, 'Invalid value "undefined" supplied to "connector"'],
      [{ mappings: [] }, 'invalid keys "mappings"'],
      [field({ key: 'Not a key' }), `Key must be lower case, a-z, 0-9, '_', and '-' are allowed`],
      [field({ key: 'k'.repeat(37) }), 'The length of the key is too long. The maximum length is 36.'],
      [field({ key: '' }), 'The key field cannot be an empty string.'],
      [field({ label: 'l'.repeat(51) }), 'The length of the label is too long. The maximum length is 50.'],
      [field({ defaultValue: 'd'.repeat(161) }), 'The length of the defaultValue is too long. The maximum length is 160.'],
      [field({ type: 'date' }), 'Invalid value "date" supplied to "customFields.0.type"'],
      [{ customFields: Array.from({ length: 11 }, (_, i) => ({ ...TEXT_FIELD, key: `k${i}` })) }, 'The length of the field customFields is too long. Array must be of length <= 10.'],
      [{ customFields: [TEXT_FIELD, TEXT_FIELD] }, 'Invalid duplicated customFields keys in request: team'],
      [{ templates: [{ key: 'BAD', name: 'n', caseFields: null }] }, `Key must be lower case, a-z, 0-9, '_', and '-' are allowed`],
      [{ templates: [{ key: 't', name: 'n'.repeat(51), caseFields: null }] }, 'The length of the name is too long. The maximum length is 50.'],
      [{ templates: Array.from({ length: 11 }, (_, i) => ({ key: `t${i}`, name: 'n', caseFields: null })) }, 'The length of the field templates is too long. Array must be of length <= 10.'],
      [{ templates: [{ key: 't', name: 'n', caseFields: { title: 'x'.repeat(161) } }] }, 'The length of the title is too long. The maximum length is 160.'],
      [{ observableTypes: Array.from({ length: 11 }, (_, i) => ({ key: `o${i}`, label: 'l' })) }, 'The length of the field observableTypes is too long. Array must be of length <= 10.'],
    ];
    for (const [overrides, message] of cases) {
      const res = await pb.api('POST', '/api/cases/configure', newConfiguration(overrides));
      expect(res.body, JSON.stringify(overrides).slice(0, 80)).toEqual(error(400, message));
    }
    const created = await configure();
    const patch = await pb.api('PATCH', `/api/cases/configure/${created.id}`, { version: created.version, customFields: [{ ...TEXT_FIELD, key: 'Bad' }] });
    expect(patch.body).toEqual(error(400, `Key must be lower case, a-z, 0-9, '_', and '-' are allowed`));
    const noVersion = await pb.api('PATCH', `/api/cases/configure/${created.id}`, { closure_type: 'close-by-user' });
    expect(noVersion.body).toEqual(error(400, 'Invalid value "undefined" supplied to "version"'));
  });

  it('checks the case feature privileges of the owner', async () => {
    await configure({ owner: 'observability' });
    await configure({ owner: 'cases' });
    // Reading: only the owners the caller may read; other owners asked for are ignored.
    const read = await as('general-reader')('GET', '/api/cases/configure');
    expect(read.status).toBe(200);
    expect(read.body.map((c: { owner: string }) => c.owner)).toEqual(['cases']);
    expect((await as('general-reader')('GET', '/api/cases/configure?owner=observability')).body).toEqual([]);
    expect((await as('connectors')('GET', '/api/cases/configure')).body).toEqual(error(403, 'Unauthorized to access case configurations of any owner'));
    // Writing needs the settings: `all`, or the `cases_settings` sub-feature; not `read` nor `minimal_all`.
    expect((await as('general-reader')('POST', '/api/cases/configure', newConfiguration())).body).toEqual(error(403, 'Unauthorized to create case configuration with owners: "cases"'));
    expect((await as('obs')('POST', '/api/cases/configure', newConfiguration({ owner: 'observability' }))).body).toEqual(
      error(403, 'Unauthorized to create case configuration with owners: "observability"'),
    );
    expect((await as('general')('POST', '/api/cases/configure', newConfiguration({ owner: 'observability' }))).status).toBe(403);
    expect((await as('general')('POST', '/api/cases/configure', newConfiguration({ owner: 'unknown' }))).body).toEqual(error(403, 'Unauthorized to create case configuration with owners: "unknown"'));
    const bySettings = await as('obs-settings')('POST', '/api/cases/configure', newConfiguration({ owner: 'observability' }));
    expect(bySettings.status).toBe(200);
    const patched = await as('obs-settings')('PATCH', `/api/cases/configure/${bySettings.body.id}`, { version: bySettings.body.version, closure_type: 'close-by-pushing' });
    expect(patched.status).toBe(200);
    expect((await as('obs')('PATCH', `/api/cases/configure/${bySettings.body.id}`, { version: patched.body.version, closure_type: 'close-by-user' })).body).toEqual(
      error(403, 'Unauthorized to update case configuration with owners: "observability"'),
    );
    expect((await as('general')('POST', '/api/cases/configure', newConfiguration())).status).toBe(200);
  });

  it('leaves one configuration of an owner when POSTs race', async () => {
    const posted = await Promise.all(Array.from({ length: 6 }, (_, i) => pb.api('POST', '/api/cases/configure', newConfiguration({ owner: 'securitySolution', closure_type: i % 2 ? 'close-by-pushing' : 'close-by-user' }))));
    expect(posted.map((r) => r.status)).toEqual(Array(6).fill(200));
    const left = (await pb.api('GET', '/api/cases/configure?owner=securitySolution')).body as Array<{ id: string }>;
    expect(left).toHaveLength(1);
    expect(posted.map((r) => r.body.id)).toContain(left[0].id);
  });

  it('keeps spaces apart: one configuration per owner and space', async () => {
    const here = await configure({ owner: 'cases' });
    const there = await configure({ owner: 'cases', closure_type: 'close-by-pushing' }, '/s/other');
    expect((await pb.api('GET', '/s/other/api/cases/configure?owner=cases')).body).toEqual([there]);
    expect((await pb.api('GET', '/api/cases/configure?owner=cases')).body).toEqual([here]);
    const cross = await pb.api('PATCH', `/s/other/api/cases/configure/${here.id}`, { version: here.version, closure_type: 'close-by-user' });
    expect(cross.body).toEqual(error(404, `Saved object [cases-configure/${here.id}] not found`));
    // Deleting the space deletes its configurations.
    expect((await pb.api('DELETE', '/api/spaces/space/other')).status).toBe(204);
    expect((await pb.api('POST', '/api/spaces/space', { id: 'other', name: 'Other' })).status).toBe(200);
    expect((await pb.api('GET', '/s/other/api/cases/configure')).body).toEqual([]);
  });
});
