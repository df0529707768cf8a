import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDialects, openTestDatabase } from '../../test/helpers/databases.js';
import type { PlugboardDatabase } from './database.js';
import { CasesRepository, CaseVersionConflict, type AttachmentRecord, type CaseRecord } from './cases_repository.js';
import { SpacesRepository } from './spaces_repository.js';

// Cases storage on both databases: versions that refuse a stale write (and roll back the rest of
// the batch), totals from the attachments, and deletions that take what depends on them.

const dialects = await availableDialects();
const user = { username: 'u', full_name: null, email: null };

const record = (id: string, overrides: Partial<CaseRecord> = {}): CaseRecord => ({
  id,
  owner: 'cases',
  title: id,
  description: 'd',
  tags: ['a', 'b'],
  status: 'open',
  severity: 'low',
  assignees: [],
  connector: { id: 'none', name: 'none', type: '.none', fields: null },
  settings: { syncAlerts: false },
  category: null,
  customFields: [],
  duration: null,
  closed_at: null,
  closed_by: null,
  created_at: '2026-01-01T00:00:00.000Z',
  created_by: user,
  updated_at: null,
  updated_by: null,
  external_service: null,
  version: 1,
  ...overrides,
});

const attachment = (id: string, caseId: string, alertId: string | string[] | null): AttachmentRecord => ({
  id,
  caseId,
  type: alertId === null ? 'user' : 'alert',
  owner: 'cases',
  comment: alertId === null ? 'hello' : null,
  alertId,
  index: alertId === null ? null : 'idx',
  rule: alertId === null ? null : { id: null, name: null },
  created_at: '2026-01-01T00:00:01.000Z',
  created_by: user,
  updated_at: null,
  updated_by: null,
  pushed_at: null,
  pushed_by: null,
  version: 1,
});

describe.each(dialects)('cases repository on %s', (dialect) => {
  let db: { database: PlugboardDatabase; close(): Promise<void> };
  let cases: CasesRepository;

  beforeAll(async () => {
    db = await openTestDatabase(dialect);
    cases = new CasesRepository(db.database.db);
    const spaces = new SpacesRepository(db.database.db);
    for (const id of ['s1', 's2']) await spaces.insert({ id, name: id, disabledFeatures: [] });
  });
  afterAll(() => db?.close());

  it('writes a batch only when every version is the one read', async () => {
    await cases.insertCase('s1', record('c1'));
    await cases.insertCase('s1', record('c2'));
    await expect(
      cases.updateCases('s1', [
        { id: 'c1', expectedVersion: 1, changes: { title: 'new' } },
        { id: 'c2', expectedVersion: 7, changes: { title: 'new' } },
      ]),
    ).rejects.toEqual(new CaseVersionConflict(['c2']));
    expect((await cases.getCase('s1', 'c1'))!.title).toBe('c1');
    const [written] = await cases.updateCases('s1', [{ id: 'c1', expectedVersion: 1, changes: { title: 'new', tags: ['z'] } }]);
    expect(written).toMatchObject({ title: 'new', tags: ['z'], version: 2 });
    expect(await cases.tags('s1', ['cases'])).toEqual(['a', 'b', 'z']);
  });

  it('counts comments and alert ids, and stamps the case on attaching', async () => {
    await cases.insertCase('s1', record('c3'));
    await cases.addAttachments('s1', 'c3', [attachment('x1', 'c3', null), attachment('x2', 'c3', ['a1', 'a2']), attachment('x3', 'c3', 'a3')], { updated_at: '2026-01-02T00:00:00.000Z', updated_by: user });
    expect((await cases.totals('s1', ['c3', 'c1'])).get('c3')).toEqual({ totalComment: 1, totalAlerts: 3 });
    expect(await cases.alertIds('s1', 'c3')).toEqual(expect.arrayContaining(['a1', 'a2', 'a3']));
    expect(await cases.getCase('s1', 'c3')).toMatchObject({ version: 2, updated_at: '2026-01-02T00:00:00.000Z' });
    await expect(cases.updateAttachment('s1', 'c3', 'x1', 5, { comment: 'no' }, {})).rejects.toBeInstanceOf(CaseVersionConflict);
    await cases.updateAttachment('s1', 'c3', 'x1', 1, { comment: 'yes' }, {});
    expect(await cases.getAttachment('s1', 'x1')).toMatchObject({ comment: 'yes', version: 2 });
  });

  it('keeps spaces apart and deletes attachments and tags with their case', async () => {
    await cases.insertCase('s2', record('c3', { tags: ['other'] }));
    expect(await cases.tags('s2', ['cases'])).toEqual(['other']);
    expect(await cases.deleteCases('s1', ['c3'])).toBe(1);
    expect(await cases.getAttachment('s1', 'x1')).toBeUndefined();
    expect(await cases.getCase('s2', 'c3')).toBeDefined();
    expect(await cases.tags('s1', ['cases'])).toEqual(['a', 'b', 'z']);
    // Deleting a space deletes its cases.
    await new SpacesRepository(db.database.db).delete('s2');
    expect(await cases.getCase('s2', 'c3')).toBeUndefined();
  });
});
