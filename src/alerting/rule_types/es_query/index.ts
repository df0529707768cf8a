import { defineRuleType, type RuleExecutorOptions } from '../../types.js';
import { compare, humanComparator } from '../lib/comparators.js';
import { windowText } from '../lib/time_window.js';
import { fetchQuery, UNGROUPED_GROUP, type SearchHit } from './fetch.js';
import { esQueryParamsSchema, type EsQueryParams } from './params.js';

// Kibana's `.es-query` (stack_alerts es_query): a query DSL or KQL search over a time window whose
// document count (or metric), per group or over all documents, is compared with a threshold.

export const ES_QUERY_ID = '.es-query';
export const QUERY_MATCHED_GROUP = 'query matched';
/** The id of the one alert of an ungrouped rule (Kibana's ConditionMetAlertInstanceId). */
export const CONDITION_MET_ALERT_ID = 'query matched';

export interface EsQueryState extends Record<string, unknown> {
  /** The newest hit's time when the condition was last met (ISO); later runs skip older hits. */
  latestTimestamp?: string;
}

/** An ISO date of a sort value or stored timestamp, or undefined when it is not a date. */
function asDate(value: unknown): string | undefined {
  const ms = typeof value === 'string' ? Date.parse(value) : typeof value === 'number' ? value : NaN;
  return ms && !Number.isNaN(ms) ? new Date(ms).toISOString() : undefined;
}

function conditionsText(p: EsQueryParams, group: string | undefined, recovered: boolean): string {
  const groupPart = group ? ` for group "${group}"` : '';
  const aggPart = p.aggType === 'count' ? '' : ` where ${p.aggType} of ${p.aggField}`;
  return `Number of matching documents${groupPart}${aggPart} is ${recovered ? 'NOT ' : ''}${humanComparator(p.thresholdComparator)} ${p.threshold.join(' and ')}`;
}

function messages(rule: string, p: EsQueryParams, value: number, group: string | undefined, index: string[], recovered: boolean) {
  const title = `rule '${rule}' ${recovered ? 'recovered' : `matched query${group ? ` for group ${group}` : ''}`}`;
  const kind = p.searchType === 'searchSource' ? 'data view' : index.length === 1 ? 'index' : 'indices';
  const message =
    `Document count is ${value} in the last ${windowText(p.timeWindowSize, p.timeWindowUnit)}${group ? ` for ${group}` : ''}` +
    ` in ${index.join(', ')} ${kind}. Alert when ${humanComparator(p.thresholdComparator)} ${p.threshold.join(' and ')}.`;
  return { title, message };
}

/** Kibana 8's link for query DSL rules: the rule's page in Stack Management. */
const ruleLink = (spaceId: string, ruleId: string) =>
  `${spaceId === 'default' ? '' : `/s/${spaceId}`}/app/management/insightsAndAlerting/triggersActions/rule/${ruleId}`;

async function executor(options: RuleExecutorOptions<EsQueryParams, EsQueryState>) {
  const { params, rule, services, state, spaceId, getTimeRange } = options;
  const now = new Date().toISOString();
  const alertLimit = services.alerts.getAlertLimitValue();
  const grouped = Boolean(params.termField);
  let latestTimestamp = asDate(state.latestTimestamp);
  const { dateStart, dateEnd } = getTimeRange(windowText(params.timeWindowSize, params.timeWindowUnit));

  const fetched = await fetchQuery(services.elasticsearch(), { params, latestTimestamp, dateStart, dateEnd, alertLimit });
  if (fetched.shardFailure) {
    services.results.addLastRunWarning(fetched.shardFailure);
    services.results.setLastRunOutcomeMessage(fetched.shardFailure);
  }
  const link = ruleLink(spaceId, rule.id);

  const unmet = new Map<string, number>();
  for (const result of fetched.results) {
    const value = result.value ?? result.count;
    // Grouped queries applied the threshold in Elasticsearch (bucket_selector).
    if (!grouped && !compare(params.thresholdComparator, value, params.threshold)) {
      unmet.set(result.group, value);
      continue;
    }
    const group = grouped ? result.group : undefined;
    const context = {
      date: now,
      value,
      hits: result.hits,
      link,
      sourceFields: result.sourceFields,
      conditions: conditionsText(params, group, false),
      ...messages(rule.name, params, value, group, fetched.index, false),
    };
    const id = result.group === UNGROUPED_GROUP && !grouped ? CONDITION_MET_ALERT_ID : result.group;
    services.alerts.report({ id, actionGroup: QUERY_MATCHED_GROUP, state: { latestTimestamp, dateStart, dateEnd }, context });
    if (!grouped) {
      const newest = result.hits.map((hit: SearchHit) => hit.sort?.map(asDate).find(Boolean)).find(Boolean);
      if (newest) latestTimestamp = newest;
    }
  }
  services.alerts.setAlertLimitReached(fetched.truncated);

  for (const recovered of services.alerts.getRecoveredAlerts()) {
    const group = grouped ? recovered.id : undefined;
    const value = unmet.get(recovered.id) ?? 0;
    recovered.setContext({
      date: now,
      value,
      hits: [],
      link,
      sourceFields: {},
      conditions: conditionsText(params, group, true),
      ...messages(rule.name, params, value, group, fetched.index, true),
    });
  }
  return { state: latestTimestamp ? { latestTimestamp } : {} };
}

const variable = (name: string, description: string, usesPublicBaseUrl?: boolean) => ({ name, description, ...(usesPublicBaseUrl ? { usesPublicBaseUrl } : {}) });

export const esQueryRuleType = defineRuleType<EsQueryParams, EsQueryState>({
  id: ES_QUERY_ID,
  name: 'Elasticsearch query',
  category: 'management',
  producer: 'stackAlerts',
  minimumLicenseRequired: 'basic',
  isExportable: true,
  actionGroups: [{ id: QUERY_MATCHED_GROUP, name: 'Query matched' }],
  defaultActionGroupId: QUERY_MATCHED_GROUP,
  doesSetRecoveryContext: true,
  actionVariables: {
    context: [
      variable('message', 'A message for the alert.'),
      variable('title', 'A title for the alert.'),
      variable('date', 'The date that the alert met the threshold condition.'),
      variable('value', 'The value that met the threshold condition.'),
      variable('hits', 'The documents that met the threshold condition.'),
      variable('conditions', 'A string that describes the threshold condition.'),
      variable(
        'link',
        'Navigate to Discover and show the records that triggered\n       the alert when the rule is created in Discover. Otherwise, navigate to the status page for the rule.',
        true,
      ),
    ],
    params: [
      variable('size', 'The number of documents to pass to the configured actions when the threshold condition is met.'),
      variable('threshold', 'An array of rule threshold values. For between and notBetween thresholds, there are two values.'),
      variable('thresholdComparator', 'The comparison function for the threshold.'),
      variable('searchConfiguration', 'The query definition, which uses KQL or Lucene to fetch the documents from Elasticsearch.'),
      variable('esQuery', 'The string representation of the Elasticsearch query.'),
      variable('index', 'The indices the rule queries.'),
      variable('esqlQuery', 'ES|QL query field used to fetch data from Elasticsearch.'),
    ],
  },
  schemas: { params: esQueryParamsSchema },
  executor,
});
