import type { Logger } from 'pino';
import type { SubActionParams } from '../../actions/sub_actions.js';
import { renderTemplate } from '../../actions/templating/renderer.js';
import { SUB_ACTION } from './schema.js';

/** The rule's severity as XSOAR's; anything else is XSOAR's "unknown" (0), as in Kibana. */
const RULE_SEVERITY: Record<string, number> = { low: 1, medium: 2, high: 3, critical: 4 };

function ruleSeverity(variables: Record<string, unknown>): number {
  const severity = (variables.rule as { severity?: unknown } | undefined)?.severity;
  return typeof severity === 'string' ? (RULE_SEVERITY[severity] ?? 0) : 0;
}

/**
 * For `run`: the name is rendered as text and the body, JSON text, with JSON escaping (a quote
 * in an alert cannot break it); with `isRuleSeverity` the severity is the rule's.
 */
export function renderXsoarParams(logger: Logger, params: SubActionParams, variables: Record<string, unknown>): SubActionParams {
  if (params.subAction !== SUB_ACTION.Run || !params.subActionParams) return params;
  const { name, body, isRuleSeverity } = params.subActionParams;
  return {
    ...params,
    subActionParams: {
      ...params.subActionParams,
      ...(typeof name === 'string' ? { name: renderTemplate(logger, name, variables, 'none') } : {}),
      ...(typeof body === 'string' ? { body: renderTemplate(logger, body, variables, 'json') } : {}),
      ...(isRuleSeverity === true ? { severity: ruleSeverity(variables) } : {}),
    },
  };
}
