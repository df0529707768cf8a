import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, postgresAvailable } from '../../test/helpers/databases.js';
import { eventually } from '../../test/helpers/wait.js';
import { PostgresWakeups, wakesInstance } from './postgres_wakeups.js';

const postgres = await postgresAvailable();

describe('wakesInstance', () => {
  const payload = (schema: string, sender: string) => JSON.stringify({ schema, sender });

  it('is true for a payload of its schema from another instance, false for its own', () => {
    expect(wakesInstance(payload('public', 'instance-b'), 'public', 'instance-a')).toBe(true);
    expect(wakesInstance(payload('public', 'instance-a'), 'public', 'instance-a')).toBe(false);
  });

  it('is false for other schemas, whoever sent them', () => {
    expect(wakesInstance(payload('other', 'instance-b'), 'public', 'instance-a')).toBe(false);
    expect(wakesInstance('other', 'public', 'instance-a')).toBe(false);
  });

  it('understands the payload of earlier versions, the schema alone', () => {
    expect(wakesInstance('public', 'public', 'instance-a')).toBe(true);
  });

  it('is false for a payload it cannot read', () => {
    expect(wakesInstance('{not json', 'public', 'instance-a')).toBe(false);
    expect(wakesInstance(undefined, 'public', 'instance-a')).toBe(false);
  });
});

describe.skipIf(!postgres)('PostgresWakeups on PostgreSQL', () => {
  let opened: Awaited<ReturnType<typeof openTestDatabase>>;
  const woken: string[] = [];
  let a: PostgresWakeups;
  let b: PostgresWakeups;

  beforeAll(async () => {
    opened = await openTestDatabase('postgres');
    const { url, schema, db } = opened.database;
    const logger = pino({ level: 'silent' });
    a = new PostgresWakeups(url!, schema!, 'instance-a', db, () => woken.push('a'), logger);
    b = new PostgresWakeups(url!, schema!, 'instance-b', db, () => woken.push('b'), logger);
    await Promise.all([a.listen(), b.listen()]);
  });

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await opened?.close();
  });

  it("wakes another instance through NOTIFY with a payload that names the sender", async () => {
    await a.notify();
    await eventually(() => (woken.includes('b') ? true : undefined), 10_000, 'instance b woken');
    await b.notify();
    await eventually(() => (woken.includes('a') ? true : undefined), 10_000, 'instance a woken');
  });
});
