import type { SubActionParams } from '../../actions/sub_actions.js';
import { SUB_ACTION } from './schema.js';

interface AlertLike {
  _id?: unknown;
  host?: { name?: unknown };
  'host.name'?: unknown;
}

/** The host name of an alert, nested (ECS) or flattened. */
function hostNameOf(alert: AlertLike | undefined): string | undefined {
  const name = alert?.host?.name ?? alert?.['host.name'];
  return typeof name === 'string' ? name : undefined;
}

/**
 * Rule actions of Kibana's security rules: isolateHost and releaseHost act on the host of the
 * rule's first alert (its host.name as the computerName filter), whatever params were saved, and
 * carry the ids of the alerts; executeScript gets the alert ids. Kibana also merges the computer
 * name into executeScript's params, which its strict schema then refuses, so it is left out here.
 * Nothing is a template. Without alerts in the variables (not a security rule) the params are left
 * as they are, as are other sub-actions' (see kibana-compatibility.md).
 */
export function renderSentinelOneParams(_logger: unknown, params: SubActionParams, variables: Record<string, unknown>): SubActionParams {
  const alerts = (variables.context as { alerts?: unknown } | undefined)?.alerts;
  if (!Array.isArray(alerts) || alerts.length === 0) return params;
  const alertIds = (alerts as AlertLike[]).map((a) => a?._id).filter((id): id is string => typeof id === 'string');
  const computerName = hostNameOf(alerts[0] as AlertLike);
  switch (params.subAction) {
    case SUB_ACTION.IsolateHost:
    case SUB_ACTION.ReleaseHost:
      // Beside the sub-action, Plugboard's own params (confirm) are kept.
      return { ...params, subActionParams: { computerName, alertIds } };
    case SUB_ACTION.ExecuteScript:
      return { ...params, subActionParams: { ...params.subActionParams, alertIds } };
    default:
      return params;
  }
}
