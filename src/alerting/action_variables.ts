import type { ConnectorTypeDefinition } from '../actions/types.js';
import type { ParamsRenderer } from '../actions/templating/params_renderer.js';
import type { Alert } from './alerts/alert.js';
import { expandAlertDocument, type AlertDocument } from './alert_document.js';
import type { SchedulingRule } from './action_scheduler/types.js';

// The variables of a rule's action templates (reference §3.7; Kibana's transform_action_params.ts).

/** Kibana 8.x/9.0's rule details page, for `rule.url` when the rule type has no page of its own. */
export const ruleDetailsPath = (ruleId: string) => `/app/management/insightsAndAlerting/triggersActions/rule/${ruleId}`;

/**
 * `rule.url`: undefined without `server.publicBaseUrl`; else the base URL's path, `/s/<space>`
 * outside the default space, and the rule's page.
 */
export function buildRuleUrl(opts: { publicBaseUrl: string | undefined; spaceId: string; ruleId: string; relativePath?: string }): string | undefined {
  if (!opts.publicBaseUrl) return undefined;
  try {
    const basePath = new URL(opts.publicBaseUrl).pathname.replace(/\/$/, '');
    const space = opts.spaceId !== 'default' ? `/s/${opts.spaceId}` : '';
    return new URL(`${basePath}${space}${opts.relativePath ?? ruleDetailsPath(opts.ruleId)}`, opts.publicBaseUrl).toString();
  } catch {
    return undefined;
  }
}

interface BaseOpts {
  rule: SchedulingRule;
  spaceId: string;
  /** `server.publicBaseUrl`. */
  kibanaBaseUrl: string | undefined;
  ruleUrl: string | undefined;
  now: Date;
}

function ruleVariables({ rule, spaceId, ruleUrl }: BaseOpts) {
  return { params: rule.params, id: rule.id, name: rule.name, type: rule.ruleTypeId, spaceId, tags: rule.tags, url: ruleUrl };
}

/** Variables of a per-alert action; the alert's document fields come first so that the base keys win. */
export function perAlertVariables(opts: BaseOpts & { alert: Alert; actionGroup: string; actionGroupName: string; document?: AlertDocument }): Record<string, unknown> {
  const { rule, spaceId, alert, actionGroup, actionGroupName, kibanaBaseUrl, now } = opts;
  return {
    ...(opts.document ? expandAlertDocument(opts.document) : {}),
    alertId: rule.id,
    alertName: rule.name,
    spaceId,
    tags: rule.tags,
    alertInstanceId: alert.id,
    alertActionGroup: actionGroup,
    alertActionGroupName: actionGroupName,
    context: alert.getContext(),
    date: now.toISOString(),
    state: alert.getState(),
    kibanaBaseUrl,
    params: rule.params,
    rule: ruleVariables(opts),
    // The executor's payload first, so that Kibana's own alert fields keep their meaning.
    alert: { ...alert.getPayload(), id: alert.id, uuid: alert.uuid, actionGroup, actionGroupName, flapping: alert.flapping, consecutiveMatches: alert.activeCount },
  };
}

export interface SummaryChunk {
  count: number;
  data: Record<string, unknown>[];
}

export interface SummarizedAlerts {
  new: SummaryChunk;
  ongoing: SummaryChunk;
  recovered: SummaryChunk;
  all: SummaryChunk;
}

/** lodash's snakeCase for the keys of `context.rule` (`thresholdComparator` → `threshold_comparator`). */
export function snakeCase(key: string): string {
  const words = key.match(/[A-Z]{2,}(?=[A-Z][a-z]+|\b|[^A-Za-z])|[A-Z]?[a-z]+|[A-Z]+|\d+/g) ?? [];
  return words.map((w) => w.toLowerCase()).join('_');
}

/** Variables of a summary action: the rule stands in for the alert, and `alerts.*` summarises them. */
export function summaryVariables(opts: BaseOpts & { alerts: SummarizedAlerts }): Record<string, unknown> {
  const { rule, spaceId, kibanaBaseUrl, ruleUrl, now, alerts } = opts;
  const ruleForContext = Object.fromEntries(Object.entries({ ...rule.params, name: rule.name, id: rule.id }).map(([k, v]) => [snakeCase(k), v]));
  return {
    alertId: rule.id,
    alertName: rule.name,
    spaceId,
    tags: rule.tags,
    params: rule.params,
    alertInstanceId: rule.id,
    alertActionGroup: 'default',
    alertActionGroupName: 'Default',
    alert: { id: rule.id, uuid: rule.id, actionGroup: 'default', actionGroupName: 'Default', flapping: false, consecutiveMatches: 0 },
    kibanaBaseUrl,
    date: now.toISOString(),
    context: { alerts: alerts.all.data, results_link: ruleUrl, rule: ruleForContext },
    state: { signals_count: alerts.all.count },
    rule: ruleVariables(opts),
    alerts,
  };
}

/**
 * An action's params rendered with these variables by its connector type's own rules (each
 * field escaped for where it goes), through the actions' templating as `_execute` renders.
 */
export function renderRuleActionParams(
  renderer: Pick<ParamsRenderer, 'render'>,
  def: ConnectorTypeDefinition<any, any, any>,
  params: Record<string, unknown>,
  variables: Record<string, unknown>,
  actionId: string,
): Promise<Record<string, unknown>> {
  return renderer.render(def, params, variables, actionId);
}
