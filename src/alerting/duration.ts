// Kibana's rule durations: a positive whole number and one unit, `s`, `m`, `h` or `d` (schedules,
// throttles, the minimum interval). Milliseconds are not a rule unit.

const DURATION = /^([1-9][0-9]*)(s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Kibana's `validateDuration` message, or undefined when the text is a duration. */
export function durationError(text: string): string | undefined {
  return DURATION.test(text) ? undefined : `string is not a valid duration: ${text}`;
}

/** The duration in milliseconds; throws on a text that `durationError` refuses. */
export function parseRuleDuration(text: string): number {
  const match = DURATION.exec(text);
  if (!match) throw new Error(`Invalid duration "${text}". Durations must be of the form {number}x. Example: 5s, 5m, 5h or 5d"`);
  return Number(match[1]) * UNIT_MS[match[2]];
}
