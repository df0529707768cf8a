// The threshold comparators the stack rule types share (Kibana's rule_params Comparator and the
// stack_alerts helpers around it): how a value is compared, how a comparison reads in messages,
// and the Painless script a bucket_selector applies for grouped queries.

export const COMPARATORS = ['>', '<', '>=', '<=', 'between', 'notBetween'] as const;
export type Comparator = (typeof COMPARATORS)[number];

export const isComparator = (value: string): value is Comparator => (COMPARATORS as readonly string[]).includes(value);

/** The comparators that take two threshold values. */
export const isBetweenComparator = (c: Comparator) => c === 'between' || c === 'notBetween';

const COMPARE: Record<Comparator, (value: number, threshold: number[]) => boolean> = {
  '>': (v, t) => v > t[0],
  '<': (v, t) => v < t[0],
  '>=': (v, t) => v >= t[0],
  '<=': (v, t) => v <= t[0],
  between: (v, t) => v >= t[0] && v <= t[1],
  notBetween: (v, t) => v < t[0] || v > t[1],
};

export const compare = (comparator: Comparator, value: number, threshold: number[]) => COMPARE[comparator](value, threshold);

const HUMAN: Record<Comparator, string> = {
  '>': 'greater than',
  '<': 'less than',
  '>=': 'greater than or equal to',
  '<=': 'less than or equal to',
  between: 'between',
  notBetween: 'not between',
};

export const humanComparator = (comparator: Comparator) => HUMAN[comparator];

/** `params.compareValue > 5L`: integers carry Painless's long suffix, other numbers are doubles. */
export function comparatorScript(comparator: Comparator, threshold: number[], field = 'params.compareValue'): string {
  const n = (x: number) => (Number.isInteger(x) ? `${x}L` : `${x}`);
  switch (comparator) {
    case 'between':
      return `${field} >= ${n(threshold[0])} && ${field} <= ${n(threshold[1])}`;
    case 'notBetween':
      return `${field} < ${n(threshold[0])} || ${field} > ${n(threshold[1])}`;
    default:
      return `${field} ${comparator} ${n(threshold[0])}`;
  }
}
