import type { Logger } from 'pino';
import type { SubActionParams } from '../../actions/sub_actions.js';
import { renderTemplate, renderTemplatesDeep } from '../../actions/templating/renderer.js';
import { SUB_ACTION, THEHIVE_SEVERITY } from './schema.js';

/**
 * As Kibana: pushToService's params are rendered whole, without escaping. Any other sub-action's
 * params are rendered too, but the severity is the one given, or with `isRuleSeverity` the
 * rule's, read from `{{context.rule.severity}}` (medium when it is none of TheHive's).
 */
export function renderTheHiveParams(logger: Logger, params: SubActionParams, variables: Record<string, unknown>): SubActionParams {
  if (params.subAction === SUB_ACTION.PushToService) return renderTemplatesDeep(logger, params, variables);
  const subActionParams = params.subActionParams;
  if (!subActionParams) return params;
  const severity =
    subActionParams.isRuleSeverity === true
      ? (THEHIVE_SEVERITY[renderTemplate(logger, '{{context.rule.severity}}', variables, 'json') as keyof typeof THEHIVE_SEVERITY] ?? THEHIVE_SEVERITY.medium)
      : subActionParams.severity;
  return { ...params, subActionParams: { ...renderTemplatesDeep(logger, subActionParams, variables), severity } };
}
