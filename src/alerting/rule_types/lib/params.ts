import { KqlError } from '../../../common/kql.js';
import { kqlToDsl } from '../../kql_to_dsl.js';
import { COMPARATORS, isBetweenComparator, isComparator, type Comparator } from './comparators.js';

// Kibana's checks of the stack rule types' params (response-ops rule_params), with its messages.
// Kibana's schemas report the first failure only, as `[field]: why`; the types' zod schemas keep
// the structural checks and call these in Kibana's order, adding one root-level issue.

export const AGG_TYPES = ['count', 'avg', 'min', 'max', 'sum'] as const;
export type AggType = (typeof AGG_TYPES)[number];
export const TIME_WINDOW_UNITS = ['s', 'm', 'h', 'd'] as const;
export type TimeWindowUnit = (typeof TIME_WINDOW_UNITS)[number];
/** Kibana's MAX_GROUPS: the most groups a grouped query may ask for. */
export const MAX_GROUPS = 1000;

export function aggTypeProblem(aggType: string): string | undefined {
  return (AGG_TYPES as readonly string[]).includes(aggType) ? undefined : `[aggType]: invalid aggType: "${aggType}"`;
}

export function groupByProblem(groupBy: string, allowed: readonly string[]): string | undefined {
  return allowed.includes(groupBy) ? undefined : `[groupBy]: invalid groupBy: "${groupBy}"`;
}

export function timeWindowUnitProblem(unit: string): string | undefined {
  return (TIME_WINDOW_UNITS as readonly string[]).includes(unit) ? undefined : `[timeWindowUnit]: invalid timeWindowUnit: "${unit}"`;
}

/** Kibana declares the comparator as a oneOf of literals, and words its failure as oneOf does. */
export function comparatorProblem(comparator: string): string | undefined {
  if (isComparator(comparator)) return undefined;
  const tried = COMPARATORS.map((c, i) => `- [thresholdComparator.${i}]: expected value to equal [${c}]`);
  return `[thresholdComparator]: types that failed validation:\n${tried.join('\n')}`;
}

export function kueryProblem(field: string, kuery: string): string | undefined {
  try {
    kqlToDsl(kuery);
    return undefined;
  } catch (err) {
    if (err instanceof KqlError) return `[${field}]: Filter query is invalid.`;
    throw err;
  }
}

export function thresholdProblem(comparator: Comparator, threshold: number[]): string | undefined {
  if (isBetweenComparator(comparator) && threshold.length === 1) {
    return `[threshold]: must have two elements for the "${comparator}" comparator`;
  }
  return undefined;
}

export function aggFieldProblem(aggType: string, aggField: string | undefined): string | undefined {
  return aggType !== 'count' && !aggField ? `[aggField]: must have a value when [aggType] is "${aggType}"` : undefined;
}

export function groupingProblem(p: { groupBy: string; termField?: unknown; termSize?: number }): string | undefined {
  if (p.groupBy !== 'top') return undefined;
  if (p.termField == null) return '[termField]: termField required when [groupBy] is top';
  if (p.termSize == null) return '[termSize]: termSize required when [groupBy] is top';
  if (p.termSize > MAX_GROUPS) return `[termSize]: must be less than or equal to ${MAX_GROUPS}`;
  return undefined;
}

/** The first problem of a list of lazily computed checks. */
export function firstProblem(checks: Array<() => string | undefined>): string | undefined {
  for (const check of checks) {
    const problem = check();
    if (problem) return problem;
  }
  return undefined;
}
