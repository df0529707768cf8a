import type { Client as ElasticsearchClient } from '@elastic/elasticsearch';
import type { QueryDsl } from '../../kql_to_dsl.js';
import { buildAggregations } from '../lib/aggregations.js';
import type { EsQueryDslParams, EsQueryParams, SearchSourceParams } from './params.js';
import { searchSourceQuery } from './search_source.js';

// The search of one `.es-query` run (Kibana's fetch_es_query / fetch_search_source_query) and the
// reading of its answer (parse_aggregation_results). Errors are not caught: a failed search
// fails the run.

export interface SearchHit {
  _index?: string;
  _id?: string;
  _source?: unknown;
  sort?: Array<string | number | null>;
  [key: string]: unknown;
}

export interface QueryGroupResult {
  /** `all documents` when not grouped, else the group's key. */
  group: string;
  count: number;
  value?: number;
  hits: SearchHit[];
  sourceFields: Record<string, string[]>;
}

export interface FetchResult {
  results: QueryGroupResult[];
  truncated: boolean;
  /** What the message names: the indices, or the data view's title. */
  index: string[];
  /** The first shard failure's reason, when some shards failed. */
  shardFailure?: string;
}

export interface FetchOptions {
  params: EsQueryParams;
  latestTimestamp: string | undefined;
  dateStart: string;
  dateEnd: string;
  alertLimit: number;
}

export const UNGROUPED_GROUP = 'all documents';

const rangeFilter = (field: string, range: Record<string, string>) => ({
  bool: { filter: [{ range: { [field]: { ...range, format: 'strict_date_optional_time' } } }] },
});

function aggregations(params: EsQueryParams, alertLimit: number) {
  return buildAggregations({
    aggType: params.aggType,
    aggField: params.aggField,
    termField: params.termField,
    termSize: params.termSize,
    sourceFields: params.sourceFields,
    condition: { comparator: params.thresholdComparator, threshold: params.threshold, alertLimit },
    ...(params.termField ? { topHitsSize: params.size } : {}),
  });
}

const sortByTime = (timeField: string) => [{ [timeField]: { order: 'desc', format: 'strict_date_optional_time||epoch_millis' } }];

/** The `_search` request of a query DSL rule (build_sorted_events_query). */
export function esQueryRequest(params: EsQueryDslParams, o: FetchOptions): Record<string, unknown> {
  const { query, fields, runtime_mappings: runtimeMappings, _source: source } = JSON.parse(params.esQuery) as Record<string, unknown>;
  const filter =
    o.latestTimestamp && params.excludeHitsFromPreviousRun
      ? { bool: { filter: [query, { bool: { must_not: [rangeFilter(params.timeField, { lte: o.latestTimestamp })] } }] } }
      : query;
  return {
    index: params.index,
    allow_no_indices: true,
    ignore_unavailable: true,
    size: params.termField ? 0 : params.size,
    track_total_hits: true,
    docvalue_fields: [{ field: params.timeField, format: 'strict_date_optional_time' }],
    query: { bool: { filter: [filter, rangeFilter(params.timeField, { lte: o.dateEnd, gte: o.dateStart })] } },
    aggs: aggregations(params, o.alertLimit),
    sort: sortByTime(params.timeField),
    ...(runtimeMappings ? { runtime_mappings: runtimeMappings } : {}),
    ...(fields ? { fields } : {}),
    ...(source != null ? { _source: source } : {}),
  };
}

/** The `_search` request of a search source rule (update_search_source, without data views). */
export function searchSourceRequest(params: SearchSourceParams, o: FetchOptions): Record<string, unknown> {
  const { title, timeFieldName } = params.searchConfiguration.index;
  const range = (r: Record<string, string>): QueryDsl => ({ range: { [timeFieldName]: { ...r, format: 'strict_date_optional_time' } } });
  const filters = [range({ lte: o.dateEnd, gte: o.dateStart })];
  // Only hits newer than the last run's newest, when that is inside the window.
  if (params.excludeHitsFromPreviousRun && o.latestTimestamp && o.latestTimestamp > o.dateStart) {
    filters.push(range({ gt: o.latestTimestamp }));
  }
  return {
    index: title,
    ignore_unavailable: true,
    size: params.termField ? 0 : params.size,
    ...(params.termField ? {} : { track_total_hits: true }),
    query: searchSourceQuery(params.searchConfiguration, filters),
    aggs: aggregations(params, o.alertLimit),
    sort: sortByTime(timeFieldName),
  };
}

interface SearchAnswer {
  hits?: { total?: number | { value: number }; hits?: SearchHit[] };
  aggregations?: Record<string, any>;
  _shards?: { failed?: number; failures?: Array<{ reason?: { reason?: string } }> };
}

function parseResults(params: EsQueryParams, answer: SearchAnswer, alertLimit: number): Pick<FetchResult, 'results' | 'truncated'> {
  const countOnly = params.aggType === 'count';
  const aggs = answer.aggregations ?? {};
  const sourceFieldsOf = (bucket: Record<string, any>) => {
    const out: Record<string, string[]> = {};
    for (const { label } of params.sourceFields ?? []) {
      const keys = (bucket[label]?.buckets ?? []).map((b: { key: unknown }) => String(b.key));
      if (keys.length > 0) out[label] = keys;
    }
    return out;
  };
  if (!params.termField) {
    const total = answer.hits?.total;
    return {
      truncated: false,
      results: [
        {
          group: UNGROUPED_GROUP,
          count: typeof total === 'number' ? total : (total?.value ?? 0),
          hits: answer.hits?.hits ?? [],
          ...(countOnly ? {} : { value: aggs.metricAgg?.value ?? 0 }),
          sourceFields: sourceFieldsOf(aggs),
        },
      ],
    };
  }
  const results: QueryGroupResult[] = [];
  for (const bucket of aggs.groupAgg?.buckets ?? []) {
    if (results.length === alertLimit) break;
    results.push({
      group: String(bucket.key),
      count: bucket.doc_count,
      hits: bucket.topHitsAgg?.hits?.hits ?? [],
      ...(countOnly ? {} : { value: bucket.metricAgg?.value }),
      sourceFields: sourceFieldsOf(bucket),
    });
  }
  return { results, truncated: (aggs.groupAggCount?.count ?? 0) > alertLimit };
}

export async function fetchQuery(client: ElasticsearchClient, o: FetchOptions): Promise<FetchResult> {
  const { params } = o;
  const request = params.searchType === 'esQuery' ? esQueryRequest(params, o) : searchSourceRequest(params, o);
  const answer = (await client.search(request)) as unknown as SearchAnswer;
  const failed = answer._shards?.failed ?? 0;
  return {
    ...parseResults(params, answer, o.alertLimit),
    index: params.searchType === 'esQuery' ? params.index : [params.searchConfiguration.index.title],
    ...(failed > 0 ? { shardFailure: answer._shards?.failures?.[0]?.reason?.reason ?? 'Search returned incomplete results due to shard failures.' } : {}),
  };
}
