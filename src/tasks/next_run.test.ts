import { describe, expect, it } from 'vitest';
import { nextIntervalRun } from './next_run.js';

const at = (s: number) => new Date(Date.UTC(2026, 11, 7, 3, 0, s));
const ms = (d: Date) => d.getTime();

describe('the next run of a recurring task', () => {
  it('keeps its cadence when it started a little late and ran a while', () => {
    // Due at :00, claimed at :01, done at :03: next due at :10, not at :13.
    expect(ms(nextIntervalRun(at(0), at(1), 10_000, ms(at(3))))).toBe(ms(at(10)));
  });

  it('counts from its start when it started an interval or more late', () => {
    expect(ms(nextIntervalRun(at(0), at(25), 10_000, ms(at(26))))).toBe(ms(at(35)));
  });

  it('is never in the past: a run longer than its interval runs again at once', () => {
    expect(ms(nextIntervalRun(at(0), at(1), 10_000, ms(at(14))))).toBe(ms(at(14)));
  });
});
