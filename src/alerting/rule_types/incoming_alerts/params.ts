import { z } from 'zod';
import { MatcherSyntaxError, parseMatcher, type Matcher } from '../../../ingest/matchers.js';

// The params of `plugboard.incoming-alerts`: which incoming alerts a rule takes (Alertmanager
// matchers), how its summaries group them, and Alertmanager's route timers.

/** `["..."]`: group by every label (Alertmanager's route `group_by: ['...']`). */
export const GROUP_BY_ALL = '...';

const UNITS_MS: Array<[string, number]> = [
  ['y', 365 * 86_400_000],
  ['w', 7 * 86_400_000],
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
  ['ms', 1],
];
/** Prometheus' model.Duration, as Alertmanager's configuration reads it: `30s`, `1h30m`, `0s`, `500ms`. */
const PROMETHEUS_DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

/** Milliseconds of a Prometheus duration; undefined when the text is not one. */
export function parsePrometheusDuration(text: string): number | undefined {
  if (text === '0') return 0;
  const found = PROMETHEUS_DURATION.exec(text);
  if (!found || text === '') return undefined;
  return UNITS_MS.reduce((ms, [, unit], i) => ms + Number(found[i + 1] ?? 0) * unit, 0);
}

const DURATION_MESSAGE = 'must be a duration such as "30s", "5m" or "1h30m" (units y, w, d, h, m, s, ms)';
const duration = (fallback: string) =>
  z
    .string()
    .refine((text) => parsePrometheusDuration(text) !== undefined, { error: DURATION_MESSAGE })
    .default(fallback);

export const incomingAlertsParamsSchema = z.strictObject({
  matchers: z
    .array(z.string())
    .superRefine((list, ctx) => {
      list.forEach((text, i) => {
        try {
          parseMatcher(text);
        } catch (err) {
          if (!(err instanceof MatcherSyntaxError) && !(err instanceof SyntaxError)) throw err;
          ctx.addIssue({ code: 'custom', path: [i], message: `matchers[${i}]: ${err.message}`, input: text });
        }
      });
    })
    .default([]),
  group_by: z.array(z.string().min(1, { error: 'must be a label name, not an empty string' })).default([]),
  // Alertmanager's route defaults.
  group_wait: duration('30s'),
  group_interval: duration('5m'),
  repeat_interval: duration('4h'),
});

export type IncomingAlertsParams = z.infer<typeof incomingAlertsParamsSchema>;

/** The rule's matchers, parsed (params that passed the schema). */
export const ruleMatchers = (params: Pick<IncomingAlertsParams, 'matchers'>): Matcher[] => params.matchers.map(parseMatcher);

/**
 * The matchers of stored params, parsed once per distinct list: undefined for params that do not
 * pass the schema (such a rule selects nothing). What the trigger and the Alerts page's "rule"
 * column both use, so that they select what the rule's runs select.
 */
export class StoredRuleMatchers {
  private readonly byList = new Map<string, Matcher[] | undefined>();

  of(params: Record<string, unknown>): Matcher[] | undefined {
    const key = JSON.stringify(params.matchers ?? []);
    if (!this.byList.has(key)) {
      const parsed = incomingAlertsParamsSchema.safeParse(params);
      if (this.byList.size > 1000) this.byList.clear();
      this.byList.set(key, parsed.success ? ruleMatchers(parsed.data) : undefined);
    }
    return this.byList.get(key);
  }
}
