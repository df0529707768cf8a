import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attemptWriter, type TestConnector } from '../../test/helpers/connector_attempts.js';
import { availableDialects, openTestDatabase } from '../../test/helpers/databases.js';
import type { PlugboardDatabase } from '../storage/database.js';
import { getConnectorExecutionStats } from './connector_execution_stats.js';

const dialects = await availableDialects();

const MINUTE = 60_000;
const hook = (id: string): TestConnector => ({ id, name: `hook ${id}`, typeId: '.webhook' });

/** percentile_cont: linear interpolation between the two nearest ranks of the sorted values. */
function percentileCont(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = p * (sorted.length - 1);
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
}

describe.each(dialects)('connector execution statistics on %s', (dialect) => {
  let database: PlugboardDatabase;
  let close: () => Promise<void>;
  const now = Date.now();
  const windowStart = now - 5 * MINUTE;
  const window = { spaceId: 'default', dateStart: windowStart, dateEnd: now };
  /** Durations of connector a's executions in the window, in a shuffled order. */
  const durationsOfA = Array.from({ length: 150 }, (_, i) => ((i * 37) % 150) * 10 + 5);

  beforeAll(async () => {
    ({ database, close } = await openTestDatabase(dialect));
    const attempts = attemptWriter(database);
    durationsOfA.forEach((durationMs, i) =>
      attempts.log({ connector: hook('a'), start: new Date(windowStart + 1000 + i * 1000), durationMs, outcome: i % 10 === 0 ? 'failure' : 'success' }),
    );
    // b: one timed-out attempt (a failure) and one still running, one interrupted, one bad params.
    attempts.log({ connector: hook('b'), start: new Date(now - MINUTE), durationMs: 30_000, outcome: 'timeout' });
    attempts.log({ connector: hook('b'), start: new Date(now - MINUTE), durationMs: 0, outcome: 'running' });
    attempts.log({ connector: hook('b'), start: new Date(now - MINUTE), durationMs: 10, outcome: 'interrupted' });
    attempts.logInvalidParams(hook('b'), new Date(now - 2 * MINUTE));
    // Outside the window, or in another space: never counted for `default`'s window.
    attempts.log({ connector: hook('a'), start: new Date(windowStart - 1), durationMs: 99_999, outcome: 'failure' });
    attempts.log({ connector: hook('a'), start: new Date(now + 1), durationMs: 99_999, outcome: 'failure' });
    attempts.log({ spaceId: 'other', connector: hook('a'), start: new Date(now - MINUTE), durationMs: 99_999, outcome: 'failure' });
    attempts.log({ spaceId: 'other', connector: hook('c'), start: new Date(now - MINUTE), durationMs: 7, outcome: 'success' });
    // The window's bounds are inclusive.
    attempts.log({ connector: hook('d'), start: new Date(windowStart), durationMs: 1, outcome: 'success' });
    attempts.log({ connector: hook('d'), start: new Date(now), durationMs: 3, outcome: 'failure' });
    await attempts.flush();
  });

  afterAll(() => close?.());

  it('counts the ended attempts and failures of each connector of the space in the window, with their p99 duration', async () => {
    const stats = await getConnectorExecutionStats(database, window);
    expect(stats.map((s) => s.connectorId)).toEqual(['a', 'b', 'd']);
    const [a, b, d] = stats;
    expect(a).toMatchObject({ executions: 150, failures: 15 });
    expect(a.p99DurationMs).toBeCloseTo(percentileCont(durationsOfA, 0.99), 6);
    // The timeout ends in a failed execute; the bad params too (no duration of its own: 0).
    // Neither the running nor the interrupted attempt counts.
    expect(b).toEqual({ connectorId: 'b', executions: 2, failures: 2, p99DurationMs: percentileCont([30_000, 0], 0.99) });
    expect(d).toEqual({ connectorId: 'd', executions: 2, failures: 1, p99DurationMs: percentileCont([1, 3], 0.99) });
  });

  it('gives a single execution its own duration as p99, and interpolates between whole ranks', async () => {
    const single = await getConnectorExecutionStats(database, { ...window, spaceId: 'other', connectorIds: ['c'] });
    expect(single).toEqual([{ connectorId: 'c', executions: 1, failures: 0, p99DurationMs: 7 }]);
    // 101 values: the position 0.99 × 100 is whole (the 100th smallest), no interpolation.
    const { database: db101, close: close101 } = await openTestDatabase(dialect);
    try {
      const attempts = attemptWriter(db101);
      const durations = Array.from({ length: 101 }, (_, i) => (i * 53) % 101);
      for (const durationMs of durations) attempts.log({ connector: hook('e'), start: new Date(now - MINUTE), durationMs, outcome: 'success' });
      await attempts.flush();
      const [e] = await getConnectorExecutionStats(db101, window);
      expect(e.p99DurationMs).toBe(percentileCont(durations, 0.99));
      expect(e.p99DurationMs).toBe(99);
    } finally {
      await close101();
    }
  });

  it('keeps to the connectors asked for, and answers none for an empty list', async () => {
    expect((await getConnectorExecutionStats(database, { ...window, connectorIds: ['d', 'c', 'missing'] })).map((s) => s.connectorId)).toEqual(['d']);
    expect(await getConnectorExecutionStats(database, { ...window, connectorIds: [] })).toEqual([]);
  });

  it('answers nothing for a window without executions', async () => {
    expect(await getConnectorExecutionStats(database, { spaceId: 'default', dateStart: now - 60 * MINUTE, dateEnd: windowStart - 2 })).toEqual([]);
  });
});
