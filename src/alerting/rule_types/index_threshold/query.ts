import type { Client as ElasticsearchClient } from '@elastic/elasticsearch';
import type { Logger } from 'pino';
import { esErrorMessage } from '../lib/es_errors.js';

// Kibana's timeSeriesQuery as .index-threshold uses it: one search, 404 ignored, and any other
// Elasticsearch error logged and taken as "no results" (so every active alert recovers).

export interface GroupMetric {
  group: string;
  /** The window's value: doc count or metric; null when Elasticsearch had none. */
  value: number | null;
}

export interface TimeSeriesResult {
  groups: GroupMetric[];
  /** More groups met the condition than the alert limit. */
  truncated: boolean;
}

interface Bucket {
  key?: unknown;
  doc_count?: number;
  metricAgg?: { value?: number | null };
  dateAgg?: { buckets?: Bucket[] };
}

export async function timeSeriesQuery(
  client: ElasticsearchClient,
  logger: Logger,
  request: { index: string | string[]; body: Record<string, unknown>; countOnly: boolean; alertLimit: number },
): Promise<TimeSeriesResult> {
  let response: { aggregations?: Record<string, any> };
  try {
    const answer = await client.search(
      { index: request.index, ignore_unavailable: true, allow_no_indices: true, ...request.body },
      { ignore: [404], meta: true },
    );
    response = answer.body as typeof response;
  } catch (err) {
    logger.warn(`indexThreshold timeSeriesQuery: callCluster error: ${esErrorMessage(err)}`);
    return { groups: [], truncated: false };
  }

  const aggregations = response.aggregations ?? {};
  const buckets: Bucket[] = aggregations.groupAgg?.buckets ?? (aggregations.dateAgg ? [{ key: 'all documents', dateAgg: aggregations.dateAgg }] : []);
  const groupsTotal: number = aggregations.groupAggCount?.count ?? 0;
  const groups: GroupMetric[] = [];
  for (const bucket of buckets) {
    if (groups.length === request.alertLimit) break;
    const window = bucket.dateAgg?.buckets?.[0];
    const value = window ? (request.countOnly ? (window.doc_count ?? null) : (window.metricAgg?.value ?? null)) : null;
    groups.push({ group: String(bucket.key), value });
  }
  return { groups, truncated: groupsTotal > request.alertLimit };
}
