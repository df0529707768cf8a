import type { Logger } from 'pino';
import type { SubActionParams } from '../../actions/sub_actions.js';
import { renderTemplate, renderTemplatesDeep } from '../../actions/templating/renderer.js';

/** The rule's severity as XSOAR's; anything else is XSOAR's "unknown" (0), as in Kibana. */
const RULE_SEVERITY: Record<string, number> = { low: 1, medium: 2, high: 3, critical: 4 };

/**
 * As Kibana: every string of the sub-action's params is rendered as it is (no escaping, the
 * body included), and with `isRuleSeverity` the severity is the rule's, read from
 * `{{context.rule.severity}}`.
 */
export function renderXsoarParams(logger: Logger, params: SubActionParams, variables: Record<string, unknown>): SubActionParams {
  const subActionParams = params.subActionParams;
  if (!subActionParams) return params;
  const rendered = renderTemplatesDeep(logger, subActionParams, variables);
  if (subActionParams.isRuleSeverity === true) {
    rendered.severity = RULE_SEVERITY[renderTemplate(logger, '{{context.rule.severity}}', variables, 'json')] ?? 0;
  }
  return { ...params, subActionParams: rendered };
}
