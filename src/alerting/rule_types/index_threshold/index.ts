import { z } from 'zod';
import { kqlToDsl } from '../../kql_to_dsl.js';
import { defineRuleType, type RuleExecutorOptions } from '../../types.js';
import { buildAggregations } from '../lib/aggregations.js';
import { compare, humanComparator, type Comparator } from '../lib/comparators.js';
import {
  aggFieldProblem,
  aggTypeProblem,
  comparatorProblem,
  firstProblem,
  groupByProblem,
  groupingProblem,
  kueryProblem,
  thresholdProblem,
  timeWindowUnitProblem,
  type AggType,
  type TimeWindowUnit,
} from '../lib/params.js';
import { windowStart, windowText } from '../lib/time_window.js';
import { timeSeriesQuery } from './query.js';

// Kibana's `.index-threshold` (stack_alerts index_threshold): an aggregate of an index's documents
// over a time window, per group or over all documents, compared with a threshold.

export const INDEX_THRESHOLD_ID = '.index-threshold';
export const THRESHOLD_MET_GROUP = 'threshold met';

export interface IndexThresholdParams {
  index: string | string[];
  timeField: string;
  aggType: AggType;
  aggField?: string;
  groupBy: 'all' | 'top';
  termField?: string;
  filterKuery?: string;
  termSize?: number;
  timeWindowSize: number;
  timeWindowUnit: TimeWindowUnit;
  thresholdComparator: Comparator;
  threshold: number[];
}

export const indexThresholdParamsSchema = z
  .object({
    index: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    timeField: z.string().min(1),
    aggType: z.string().default('count'),
    aggField: z.string().min(1).optional(),
    groupBy: z.string().default('all'),
    termField: z.string().min(1).optional(),
    filterKuery: z.string().optional(),
    termSize: z.number().min(1).optional(),
    timeWindowSize: z.number().min(1),
    timeWindowUnit: z.string(),
    thresholdComparator: z.string(),
    threshold: z.array(z.number()).min(1).max(2),
  })
  .strict()
  .superRefine((p, ctx) => {
    const problem = firstProblem([
      () => aggTypeProblem(p.aggType),
      () => groupByProblem(p.groupBy, ['all', 'top']),
      () => (p.filterKuery === undefined ? undefined : kueryProblem('filterKuery', p.filterKuery)),
      () => timeWindowUnitProblem(p.timeWindowUnit),
      () => comparatorProblem(p.thresholdComparator),
      () => aggFieldProblem(p.aggType, p.aggField),
      () => groupingProblem(p),
      () => thresholdProblem(p.thresholdComparator as Comparator, p.threshold),
    ]);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, path: [] });
  })
  .transform((p) => p as IndexThresholdParams);

interface ThresholdContext {
  group: string;
  date: string;
  value: number | string;
  conditions: string;
  title: string;
  message: string;
}

function withMessages(rule: string, base: Omit<ThresholdContext, 'title' | 'message'>, window: string, recovered: boolean): ThresholdContext {
  const title = `alert ${rule} group ${base.group} ${recovered ? 'recovered' : 'met threshold'}`;
  const message =
    `alert '${rule}' is ${recovered ? 'recovered' : 'active'} for group '${base.group}':\n\n` +
    `- Value: ${base.value}\n- Conditions Met: ${base.conditions} over ${window}\n- Timestamp: ${base.date}`;
  return { ...base, title, message };
}

async function executor({ params, rule, services, getTimeRange, logger }: RuleExecutorOptions<IndexThresholdParams, Record<string, never>>) {
  const alertLimit = services.alerts.getAlertLimitValue();
  const window = windowText(params.timeWindowSize, params.timeWindowUnit);
  const { dateStart, dateEnd } = getTimeRange(window);
  const grouped = Boolean(params.termField);

  const result = await timeSeriesQuery(services.elasticsearch(), logger, {
    index: params.index,
    body: {
      size: 0,
      query: {
        bool: {
          filter: [
            { range: { [params.timeField]: { gte: dateStart, lt: dateEnd, format: 'strict_date_time' } } },
            ...(params.filterKuery ? [kqlToDsl(params.filterKuery)] : []),
          ],
        },
      },
      aggs: buildAggregations({
        aggType: params.aggType,
        aggField: params.aggField,
        termField: params.termField,
        termSize: params.termSize,
        dateRange: { timeField: params.timeField, from: windowStart(dateEnd, params.timeWindowSize, params.timeWindowUnit), to: dateEnd },
        condition: { comparator: params.thresholdComparator, threshold: params.threshold, alertLimit },
      }),
    },
    countOnly: params.aggType === 'count',
    alertLimit,
  });

  const agg = params.aggField ? `${params.aggType}(${params.aggField})` : params.aggType;
  const described = `${humanComparator(params.thresholdComparator)} ${params.threshold.join(' and ')}`;
  const unmet = new Map<string, number>();
  for (const { group, value } of result.groups) {
    if (value === null) continue;
    // Grouped queries applied the threshold in Elasticsearch (bucket_selector).
    if (!grouped && !compare(params.thresholdComparator, value, params.threshold)) {
      unmet.set(group, value);
      continue;
    }
    const context = withMessages(rule.name, { date: dateEnd, group, value, conditions: `${agg} is ${described}` }, window, false);
    services.alerts.report({ id: group, actionGroup: THRESHOLD_MET_GROUP, state: {}, context: { ...context } });
  }
  services.alerts.setAlertLimitReached(result.truncated);

  for (const recovered of services.alerts.getRecoveredAlerts()) {
    const base = { date: dateEnd, group: recovered.id, value: unmet.get(recovered.id) ?? 'unknown', conditions: `${agg} is NOT ${described}` };
    recovered.setContext({ ...withMessages(rule.name, base, window, true) });
  }
  return { state: {} };
}

const param = (name: string, description: string) => ({ name, description });

export const indexThresholdRuleType = defineRuleType<IndexThresholdParams, Record<string, never>>({
  id: INDEX_THRESHOLD_ID,
  name: 'Index threshold',
  category: 'management',
  producer: 'stackAlerts',
  minimumLicenseRequired: 'basic',
  isExportable: true,
  actionGroups: [{ id: THRESHOLD_MET_GROUP, name: 'Threshold met' }],
  defaultActionGroupId: THRESHOLD_MET_GROUP,
  doesSetRecoveryContext: true,
  actionVariables: {
    context: [
      param('message', 'A pre-constructed message for the alert.'),
      param('title', 'A pre-constructed title for the alert.'),
      param('group', 'The group that exceeded the threshold.'),
      param('date', 'The date the alert met the threshold conditions.'),
      param('value', 'The value that exceeded the threshold.'),
      param('conditions', 'A string describing the threshold comparator and threshold.'),
    ],
    params: [
      param('threshold', 'An array of rule threshold values. For between and notBetween thresholds, there are two values.'),
      param('thresholdComparator', 'The comparison function for the threshold.'),
      param('index', 'The indices the rule queries.'),
      param('timeField', 'The field that is used to calculate the time window.'),
      param('aggType', 'The type of aggregation.'),
      param('aggField', 'The field that is used in the aggregation.'),
      param('groupBy', 'Indicates whether the aggregation is applied over all documents or split into groups.'),
      param('termField', 'The field that is used for grouping the aggregation.'),
      param('filterKuery', 'A KQL expression that limits the scope of alerts.'),
      param('termSize', 'The number of groups that are checked against the threshold.'),
      param('timeWindowSize', 'The size of the time window, which determines how far back to search for documents.'),
      param('timeWindowUnit', 'The type of units for the time window: seconds, minutes, hours, or days.'),
    ],
  },
  schemas: { params: indexThresholdParamsSchema },
  executor,
});
