import type { SubActionParams } from '../../actions/sub_actions.js';
import { SUB_ACTION } from './schema.js';

/** The variables with the bulky `kibana` field taken out of each alert of `context.alerts` (it repeats the rest). */
function withoutAlertKibanaFields(variables: Record<string, unknown>): Record<string, unknown> {
  const context = variables.context as { alerts?: unknown } | undefined;
  if (!context || !Array.isArray(context.alerts)) return variables;
  const alerts = context.alerts.map((alert: unknown) => {
    if (alert === null || typeof alert !== 'object') return alert;
    const { kibana: _kibana, ...rest } = alert as Record<string, unknown>;
    return rest;
  });
  return { ...variables, context: { ...context, alerts } };
}

/**
 * For `run` (rule actions), the body the user typed is replaced by the JSON of every rule
 * variable, so that the Tines story receives the whole alert; no template is rendered, so
 * nothing needs escaping. Other sub-actions, `test` included, are left as they are.
 */
export function renderTinesParams(_logger: unknown, params: SubActionParams, variables: Record<string, unknown>): SubActionParams {
  if (params.subAction !== SUB_ACTION.Run) return params;
  let body: string;
  try {
    body = JSON.stringify(withoutAlertKibanaFields(variables));
  } catch (err) {
    // e.g. a BigInt or a cycle in the variables: the story still hears of the alert.
    body = JSON.stringify({ error: { message: (err as Error).message } });
  }
  return { ...params, subActionParams: { ...params.subActionParams, body } };
}
