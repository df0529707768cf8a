import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IncomingAlertsIndex } from '../src/ingest/incoming_alerts_index.js';
import type { PostedAlert } from '../src/ingest/types.js';
import { openDatabase, type PlugboardDatabase } from '../src/storage/database.js';
import { IncomingAlertsRepository } from '../src/storage/incoming_alerts_repository.js';
import { availableDialects, openTestDatabase } from './helpers/databases.js';

// The incoming-alerts rules' copy of a space's alerts (src/ingest/incoming_alerts_index.ts):
// refreshed with the alerts written since its version, it lists what the store lists, whichever
// instance wrote them, also while posts of two instances interleave with its refreshes; a space
// deleted and created again starts afresh.

const dialects = await availableDialects();
const RETENTION_MS = 60 * 60_000;

const alert = (n: number, endsAt?: Date, summary = 'up'): PostedAlert => ({ labels: { alertname: 'Indexed', n: String(n) }, annotations: { summary }, ...(endsAt ? { endsAt } : {}) });

describe.each(dialects)('incoming alerts index on %s', (dialect) => {
  let opened: Awaited<ReturnType<typeof openTestDatabase>>;
  /** A second instance on the same database (PostgreSQL: its own pool; SQLite: the same file). */
  let second: PlugboardDatabase | undefined;
  let store: IncomingAlertsRepository;
  let otherStore: IncomingAlertsRepository;
  const settings = { resolveTimeoutMs: 5 * 60_000, resolvedRetentionMs: RETENTION_MS };
  const indexOf = (s: IncomingAlertsRepository) => new IncomingAlertsIndex({ store: s, resolvedRetentionMs: RETENTION_MS });

  beforeAll(async () => {
    opened = await openTestDatabase(dialect);
    store = new IncomingAlertsRepository(opened.database.db, settings, undefined, dialect);
    if (dialect === 'postgres') {
      second = await openDatabase({ dataDir: '', url: opened.database.url });
      otherStore = new IncomingAlertsRepository(second.db, settings, undefined, dialect);
    } else otherStore = store;
  });

  afterAll(async () => {
    await second?.close();
    await opened?.close();
  });

  const addSpace = (id: string) =>
    opened.database.db.insertInto('spaces').values({ id, name: id, disabled_features: '[]', created_at: new Date().toISOString(), updated_at: new Date().toISOString() }).execute();

  it('lists what the store lists, reading only the alerts changed since its version', async () => {
    await addSpace('changes');
    const index = indexOf(store);
    expect(await index.list('changes')).toEqual([]);
    const now = Date.now();
    await store.upsert('changes', [alert(1), alert(2), alert(3)], 'alertmanager-api', new Date(now));
    expect(await index.list('changes')).toEqual(await store.list('changes'));
    const { alerts: first } = await store.changedSince('changes', -1);
    const version = Math.max(...first.map((c) => c.version));
    // An update, a resolution and a new alert, each in its own post.
    await store.upsert('changes', [alert(1, undefined, 'changed')], 'alertmanager-api', new Date(now + 1));
    await store.upsert('changes', [alert(2, new Date(now + 1))], 'alertmanager-api', new Date(now + 2));
    await store.upsert('changes', [alert(4)], 'json', new Date(now + 3));
    const changed = await store.changedSince('changes', version);
    expect(changed.alerts.map((c) => c.alert.labels.n).sort()).toEqual(['1', '2', '4']);
    expect(changed.alerts.every((c) => c.version > version)).toBe(true);
    const listed = await index.list('changes');
    expect(listed).toEqual(await store.list('changes'));
    expect(listed.find((a) => a.labels.n === '1')?.annotations).toEqual({ summary: 'changed' });
    expect(await store.changedSince('nowhere', -1)).toEqual({ generation: undefined, alerts: [] });
  });

  it('leaves out resolved alerts past the retention, as the store does', async () => {
    await addSpace('retained');
    const index = indexOf(store);
    const now = Date.now();
    await store.upsert('retained', [alert(1, new Date(now - RETENTION_MS - 1000)), alert(2, new Date(now - 1000)), alert(3)], 'alertmanager-api', new Date(now));
    const listed = await index.list('retained', new Date(now));
    expect(listed.map((a) => a.labels.n).sort()).toEqual(['2', '3']);
    expect(listed).toEqual(await store.list('retained', new Date(now)));
    // Past the retention of the second one too.
    expect((await index.list('retained', new Date(now + RETENTION_MS))).map((a) => a.labels.n)).toEqual(['3']);
  });

  it("misses none of two instances' posts interleaved with its refreshes", async () => {
    await addSpace('shared');
    const index = indexOf(store);
    const otherIndex = indexOf(otherStore);
    const now = Date.now();
    const posts: Array<Promise<unknown>> = [];
    for (let round = 0; round < 20; round++) {
      const at = new Date(now + round);
      posts.push(store.upsert('shared', [alert(round), alert(100 + (round % 5), undefined, `a${round}`)], 'alertmanager-api', at));
      posts.push(otherStore.upsert('shared', [alert(200 + round), alert(100 + (round % 5), undefined, `b${round}`)], 'alertmanager-api', at));
      posts.push(index.list('shared'), otherIndex.list('shared'));
    }
    await Promise.all(posts);
    const expected = await store.list('shared');
    expect(expected).toHaveLength(45);
    expect(await index.list('shared')).toEqual(expected);
    expect(await otherIndex.list('shared')).toEqual(expected);
  });

  it('starts afresh for a space deleted and created again', async () => {
    await addSpace('again');
    const index = indexOf(store);
    await store.upsert('again', [alert(1), alert(2), alert(3)], 'alertmanager-api', new Date());
    expect(await index.list('again')).toHaveLength(3);
    await opened.database.db.deleteFrom('spaces').where('id', '=', 'again').execute();
    expect(await index.list('again')).toEqual([]);
    await addSpace('again');
    await store.upsert('again', [alert(9)], 'alertmanager-api', new Date());
    expect((await index.list('again')).map((a) => a.labels.n)).toEqual(['9']);
    // Deleted and created again between two refreshes: the new space's versions start low again.
    await opened.database.db.deleteFrom('spaces').where('id', '=', 'again').execute();
    await addSpace('again');
    await store.upsert('again', [alert(8)], 'alertmanager-api', new Date());
    expect((await index.list('again')).map((a) => a.labels.n)).toEqual(['8']);
  });
});
