import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDialects, openTestDatabase } from '../../test/helpers/databases.js';
import type { PlugboardDatabase } from './database.js';
import { RulesRepository, type NewRuleRecord } from './rules_repository.js';
import { EmptyTicketKeyError, TicketLinksRepository, type TicketKey } from './ticket_links_repository.js';

// The correlation of alerts and tickets on both databases: the lease that serialises one key,
// the writes only its holder makes, the refusal of an empty key, and the rule's deletion.

const dialects = await availableDialects();

const rule = (id: string): NewRuleRecord => ({
  id,
  spaceId: 'default',
  alertTypeId: 'test.driven',
  consumer: 'alerts',
  name: id,
  tags: [],
  schedule: { interval: '1m' },
  params: {},
  actions: [],
  systemActions: [],
  throttle: null,
  notifyWhen: null,
  alertDelay: null,
  flapping: null,
  executionStatus: { status: 'pending', lastExecutionDate: new Date(0).toISOString(), error: null, warning: null },
  lastRun: null,
  nextRun: null,
  running: false,
  enabled: true,
  muteAll: false,
  mutedInstanceIds: [],
  scheduledTaskId: null,
  revision: 0,
  updatedBy: null,
  updatedAt: new Date(0).toISOString(),
  apiKeyOwner: null,
  createdBy: null,
  createdAt: new Date(0).toISOString(),
});

describe.each(dialects)('ticket links on %s', (dialect) => {
  let db: { database: PlugboardDatabase; close(): Promise<void> };
  let links: TicketLinksRepository;
  const key: TicketKey = { spaceId: 'default', ruleId: 'r1', actionUuid: 'a1', alertId: 'fp-1' };

  beforeAll(async () => {
    db = await openTestDatabase(dialect);
    links = new TicketLinksRepository(db.database.db);
    const rules = new RulesRepository(db.database.db);
    await rules.insert(rule('r1'), []);
    await rules.insert(rule('r2'), []);
  });
  afterAll(() => db?.close());

  it('lets one holder take a key at a time; a released or expired lease is taken again', async () => {
    expect(await links.claim(key, 'task-a', 2_000, 1_000)).toBeUndefined();
    expect(await links.claim(key, 'task-b', 2_000, 1_000)).toBe('busy');
    // The holder only writes while it holds the key.
    expect(await links.save(key, 'task-b', { state: 'open', externalId: 'X-1' })).toBe(false);
    expect(await links.save(key, 'task-a', { state: 'open', externalId: 'X-1', episode: 'e1', openedAt: 1_500 }, 1_500)).toBe(true);
    await links.release(key, 'task-b');
    expect(await links.claim(key, 'task-b', 3_000, 1_600)).toBe('busy');
    await links.release(key, 'task-a');
    expect(await links.claim(key, 'task-b', 3_000, 1_600)).toMatchObject({ state: 'open', externalId: 'X-1', episode: 'e1', episodeEnded: false, openedAt: 1_500, updatedAt: 1_500 });
    // task-b never released (a crash): its lease runs out at 3000.
    expect(await links.claim(key, 'task-c', 4_000, 2_999)).toBe('busy');
    expect(await links.claim(key, 'task-c', 4_000, 3_001)).toMatchObject({ externalId: 'X-1' });
    await links.release(key, 'task-c');
  });

  it('keeps a key that only held a lease as nothing known, and keys apart by action and alert', async () => {
    const other = { ...key, alertId: 'fp-2' };
    expect(await links.claim(other, 'task-d', 2_000, 1_000)).toBeUndefined();
    await links.release(other, 'task-d');
    expect(await links.claim(other, 'task-d', 2_000, 1_000)).toBeUndefined();
    await links.release(other, 'task-d');
    expect(await links.claim({ ...key, actionUuid: 'a2' }, 'task-d', 2_000, 1_000)).toBeUndefined();
    expect(await links.get(key)).toMatchObject({ externalId: 'X-1' });
  });

  it('refuses an empty alert id', async () => {
    await expect(links.claim({ ...key, alertId: '' }, 'task-e', 2_000, 1_000)).rejects.toThrow(EmptyTicketKeyError);
  });

  it('answers that the rule is gone for a key of a deleted rule', async () => {
    expect(await links.claim({ ...key, ruleId: 'deleted' }, 'task-g', 2_000, 1_000)).toBe('rule gone');
  });

  it("deletes a rule's links with the rule", async () => {
    const r2 = { ...key, ruleId: 'r2' };
    await links.claim(r2, 'task-f', 2_000, 1_000);
    expect(await links.listForRule('default', 'r2')).toHaveLength(1);
    await new RulesRepository(db.database.db).delete('default', 'r2');
    expect(await links.listForRule('default', 'r2')).toEqual([]);
    expect(await links.listForRule('default', 'r1')).not.toEqual([]);
  });
});
