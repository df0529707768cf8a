import { KqlError } from '../../../common/kql.js';
import { kqlToDsl, type QueryDsl } from '../../kql_to_dsl.js';

// `.es-query` with `searchType: searchSource`. Kibana keeps a serialized search source there
// (`searchConfiguration`: a data view, a KQL or Lucene query, filters) and runs it through the
// data plugin. Plugboard has no data views, so the data view must be given inline as an ad-hoc
// spec: `index: {title: <index pattern>, timeFieldName: <time field>}`. The query and filters
// become the bool query Kibana's buildEsQuery makes of them.

export interface SearchConfiguration {
  index: { title: string; timeFieldName: string };
  query?: { query: string; language: 'kuery' | 'lucene' };
  filter?: Array<{ meta?: { disabled?: boolean; negate?: boolean }; query: QueryDsl }>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What makes a searchConfiguration unusable here, or undefined. */
export function searchConfigurationProblem(config: Record<string, unknown>): string | undefined {
  const { index, query, filter } = config;
  if (!isObject(index) || typeof index.title !== 'string' || index.title === '') {
    return '[searchConfiguration.index]: Plugboard has no saved data views: give the data view inline as {"title": "<index pattern>", "timeFieldName": "<time field>"}';
  }
  if (typeof index.timeFieldName !== 'string' || index.timeFieldName === '') {
    return '[searchConfiguration.index.timeFieldName]: the data view needs a time field';
  }
  if (query !== undefined) {
    if (!isObject(query) || typeof query.query !== 'string' || (query.language !== 'kuery' && query.language !== 'lucene')) {
      return '[searchConfiguration.query]: expected {"query": "<text>", "language": "kuery" | "lucene"}';
    }
    if (query.language === 'kuery') {
      try {
        kqlToDsl(query.query);
      } catch (err) {
        if (err instanceof KqlError) return `[searchConfiguration.query]: ${err.message}`;
        throw err;
      }
    }
  }
  if (filter !== undefined && (!Array.isArray(filter) || !filter.every((f) => isObject(f) && isObject(f.query)))) {
    return '[searchConfiguration.filter]: expected an array of filters, each with a "query" object';
  }
  return undefined;
}

/** The rule's query and filters plus `extraFilters`, as buildEsQuery lays them out. */
export function searchSourceQuery(config: SearchConfiguration, extraFilters: QueryDsl[]): QueryDsl {
  const must: QueryDsl[] = [];
  const filter: QueryDsl[] = [];
  const mustNot: QueryDsl[] = [];
  const text = config.query?.query.trim() ?? '';
  if (text !== '') {
    if (config.query!.language === 'kuery') filter.push(kqlToDsl(text));
    else must.push({ query_string: { query: text } });
  }
  for (const f of config.filter ?? []) {
    if (f.meta?.disabled) continue;
    (f.meta?.negate ? mustNot : filter).push(f.query);
  }
  filter.push(...extraFilters);
  return { bool: { must, filter, should: [], must_not: mustNot } };
}
