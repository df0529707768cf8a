import { z } from 'zod';
import type { Comparator } from '../lib/comparators.js';
import {
  aggFieldProblem,
  aggTypeProblem,
  comparatorProblem,
  firstProblem,
  groupByProblem,
  groupingProblem,
  thresholdProblem,
  timeWindowUnitProblem,
  type AggType,
  type TimeWindowUnit,
} from '../lib/params.js';
import { searchConfigurationProblem, type SearchConfiguration } from './search_source.js';

// `.es-query` params (Kibana's rule_params es_query v1) with Kibana's messages. Which fields a
// rule must or must not have depends on `searchType` (config-schema conditionals in Kibana).

export const ES_QUERY_MAX_HITS_PER_EXECUTION = 10_000;
const MAX_SELECTABLE_SOURCE_FIELDS = 5;
const MAX_SELECTABLE_GROUP_BY_TERMS = 4;

interface CommonParams {
  size: number;
  timeWindowSize: number;
  timeWindowUnit: TimeWindowUnit;
  excludeHitsFromPreviousRun: boolean;
  threshold: number[];
  thresholdComparator: Comparator;
  aggType: AggType;
  aggField?: string;
  groupBy: 'all' | 'top';
  termField?: string | string[];
  termSize?: number;
  sourceFields?: Array<{ label: string; searchPath: string }>;
}

export interface EsQueryDslParams extends CommonParams {
  searchType: 'esQuery';
  esQuery: string;
  index: string[];
  timeField: string;
}

export interface SearchSourceParams extends CommonParams {
  searchType: 'searchSource';
  searchConfiguration: SearchConfiguration;
  timeField?: string;
}

export type EsQueryParams = EsQueryDslParams | SearchSourceParams;

const never = (field: string) => `[${field}]: a value wasn't expected to be present`;
const required = (field: string) => `[${field}]: expected value of type [string] but got [undefined]`;

/** Kibana's conditional fields: present for their search type, absent for the others. */
function searchTypeFieldsProblem(p: Record<string, unknown>): string | undefined {
  const own: Record<string, string[]> = {
    esQuery: ['esQuery', 'index'],
    searchSource: ['searchConfiguration'],
  };
  for (const [type, fields] of Object.entries(own)) {
    if (type === p.searchType) continue;
    const present = fields.find((f) => p[f] !== undefined);
    if (present) return never(present);
  }
  if (p.searchType === 'esQuery') {
    for (const field of ['timeField', 'esQuery']) if (p[field] === undefined) return required(field);
    if (p.index === undefined) return '[index]: expected value of type [array] but got [undefined]';
  }
  if (p.searchType === 'searchSource' && p.searchConfiguration === undefined) {
    return '[searchConfiguration]: expected value of type [object] but got [undefined]';
  }
  return undefined;
}

function esQueryJsonProblem(esQuery: string): string | undefined {
  try {
    const parsed = JSON.parse(esQuery);
    return parsed && !parsed.query ? '[esQuery]: must contain "query"' : undefined;
  } catch {
    return '[esQuery]: must be valid JSON';
  }
}

export const esQueryParamsSchema = z
  .object({
    size: z.number().min(0).max(ES_QUERY_MAX_HITS_PER_EXECUTION),
    timeWindowSize: z.number().min(1),
    excludeHitsFromPreviousRun: z.boolean().default(true),
    timeWindowUnit: z.string(),
    threshold: z.array(z.number()).min(1).max(2),
    thresholdComparator: z.string(),
    aggType: z.string().default('count'),
    aggField: z.string().min(1).optional(),
    groupBy: z.string().default('all'),
    termField: z.union([z.string().min(1), z.array(z.string()).min(2).max(MAX_SELECTABLE_GROUP_BY_TERMS)]).optional(),
    termSize: z.number().min(1).optional(),
    // ES|QL (`esqlQuery`) is Kibana's third search type; Plugboard does not run ES|QL rules.
    searchType: z.enum(['esQuery', 'searchSource']).default('esQuery'),
    timeField: z.string().min(1).optional(),
    searchConfiguration: z.record(z.string(), z.unknown()).optional(),
    esQuery: z.string().min(1).optional(),
    index: z.array(z.string().min(1)).min(1).optional(),
    sourceFields: z.array(z.object({ label: z.string(), searchPath: z.string() }).strict()).max(MAX_SELECTABLE_SOURCE_FIELDS).optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    const problem = firstProblem([
      () => timeWindowUnitProblem(p.timeWindowUnit),
      () => comparatorProblem(p.thresholdComparator),
      () => aggTypeProblem(p.aggType),
      () => groupByProblem(p.groupBy, ['all', 'top', 'row']),
      () => searchTypeFieldsProblem(p),
      () => thresholdProblem(p.thresholdComparator as Comparator, p.threshold),
      () => aggFieldProblem(p.aggType, p.aggField),
      () => groupingProblem(p),
      () => (p.groupBy === 'row' ? '[groupBy]: groupBy should be all or top when [searchType] is not esqlQuery' : undefined),
      () => (p.searchType === 'esQuery' ? esQueryJsonProblem(p.esQuery!) : searchConfigurationProblem(p.searchConfiguration!)),
    ]);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, path: [] });
  })
  .transform((p) => p as EsQueryParams);
