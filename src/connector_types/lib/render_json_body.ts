import type { Logger } from 'pino';
import type { SubActionParams } from '../../actions/sub_actions.js';
import { renderTemplate } from '../../actions/templating/renderer.js';

/**
 * renderParameterTemplates of types whose `body` param is JSON text for some sub-actions (D3
 * Security's and the AI types' run and test): values are JSON-escaped, so a quote or newline in
 * an alert cannot break it; every other param, and every other sub-action, is left as it is.
 */
export function jsonBodyRenderer(subActions: readonly string[]) {
  return (logger: Logger, params: SubActionParams, variables: Record<string, unknown>): SubActionParams => {
    if (!subActions.includes(params.subAction)) return params;
    const body = params.subActionParams?.body;
    if (typeof body !== 'string') return params;
    return { ...params, subActionParams: { ...params.subActionParams, body: renderTemplate(logger, body, variables, 'json') } };
  };
}
