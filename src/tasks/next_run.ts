/**
 * When a recurring task runs next (as Kibana's getNextRunAt): one interval after it was due, if
 * it started less than an interval late, so that its cadence does not slip by its claim delay
 * and run time; else one interval after it started; never in the past.
 */
export function nextIntervalRun(runAt: Date, startedAt: Date, intervalMs: number, now = Date.now()): Date {
  const late = startedAt.getTime() - runAt.getTime() >= intervalMs;
  const from = late ? startedAt.getTime() : runAt.getTime();
  return new Date(Math.max(now, from + intervalMs));
}
