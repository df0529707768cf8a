import { comparatorScript, type Comparator } from './comparators.js';

// The aggregations the stack rule types ask Elasticsearch for (Kibana's triggers_actions_ui
// buildAggregation): an optional group (terms, or multi_terms for several fields) whose buckets
// a bucket_selector filters by the threshold, an optional date_range over the window
// (.index-threshold), a metric, and top hits per group (.es-query).

type Agg = Record<string, unknown>;

/** Groups asked for when the rule gives no termSize. */
export const DEFAULT_GROUPS = 100;
/** The most top hits asked for per group. */
export const MAX_TOP_HITS_SIZE = 100;

export interface AggregationOptions {
  aggType: string;
  aggField?: string;
  termField?: string | string[];
  termSize?: number;
  /** .index-threshold's window: one date_range bucket, [dateEnd − window, dateEnd). */
  dateRange?: { timeField: string; from: string; to: string };
  /** The threshold the bucket_selector applies, and the alert limit that caps the groups. */
  condition: { comparator: Comparator; threshold: number[]; alertLimit: number };
  topHitsSize?: number;
  sourceFields?: Array<{ label: string; searchPath: string }>;
}

export function buildAggregations(o: AggregationOptions): Agg {
  const isCount = o.aggType === 'count';
  const metric = { [o.aggType]: { field: o.aggField } };
  const script = comparatorScript(o.condition.comparator, o.condition.threshold);
  // Grouped metrics are sorted by a whole-window value; the window's own value sits under dateAgg.
  const sortName = o.dateRange ? 'sortValueAgg' : 'metricAgg';
  const dateAgg = o.dateRange && {
    date_range: { field: o.dateRange.timeField, format: 'strict_date_time', ranges: [{ from: o.dateRange.from, to: o.dateRange.to }] },
    ...(isCount ? {} : { aggs: { metricAgg: metric } }),
  };

  const inner: Agg = {};
  for (const field of o.sourceFields ?? []) inner[field.label] = { terms: { field: field.searchPath, size: 10 } };
  if (dateAgg) inner.dateAgg = dateAgg;

  if (!o.termField) {
    if (!isCount && !o.dateRange) inner.metricAgg = metric;
    return inner;
  }

  // resultLimit + 1 groups at most: one more than the limit tells the limit was passed.
  let size = o.termSize || DEFAULT_GROUPS;
  if (size > o.condition.alertLimit) size = o.condition.alertLimit + 1;
  const order = isCount ? {} : { order: { [sortName]: o.aggType === 'min' ? 'asc' : 'desc' } };
  const group = Array.isArray(o.termField)
    ? { multi_terms: { terms: o.termField.map((field) => ({ field })), size, ...order } }
    : { terms: { field: o.termField, size, ...order } };

  if (o.topHitsSize) inner.topHitsAgg = { top_hits: { size: Math.min(o.topHitsSize, MAX_TOP_HITS_SIZE) } };
  if (!isCount) inner[sortName] = metric;
  inner.conditionSelector = {
    bucket_selector: { buckets_path: { compareValue: isCount ? '_count' : sortName }, script },
  };
  return {
    groupAgg: { ...group, aggs: inner },
    groupAggCount: { stats_bucket: { buckets_path: 'groupAgg._count' } },
  };
}
