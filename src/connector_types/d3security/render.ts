import type { Logger } from 'pino';
import type { SubActionParams } from '../../actions/sub_actions.js';
import { renderTemplate } from '../../actions/templating/renderer.js';
import { SUB_ACTION } from './schema.js';

/**
 * The body is JSON text, so values are JSON-escaped: a quote or newline in an alert cannot
 * break it. Severity and event type are sent as typed, as Kibana does.
 */
export function renderD3SecurityParams(logger: Logger, params: SubActionParams, variables: Record<string, unknown>): SubActionParams {
  if (params.subAction !== SUB_ACTION.Run && params.subAction !== SUB_ACTION.Test) return params;
  const body = params.subActionParams?.body;
  if (typeof body !== 'string') return params;
  return { ...params, subActionParams: { ...params.subActionParams, body: renderTemplate(logger, body, variables, 'json') } };
}
