import type { AuditEvent } from '../security/audit.js';
import type { ActionResult, ConnectorTypeDefinition } from './types.js';

// The guard rails of endpoint-security (EDR) connector types (issue 21), beyond Kibana's: what a
// run needs (the sub-feature privilege, `confirm: true` to be queued over HTTP) and the audit
// record every run leaves. The types declare what each sub-action does (SubAction.endpoint) and
// which hosts a call names (hostIdsOf); this reads those declarations.

/** Types that act on hosts: those Kibana files under its endpoint-security feature. */
export function isEndpointSecurityType(def: ConnectorTypeDefinition): boolean {
  return def.supportedFeatureIds.includes('endpointSecurity');
}

/**
 * Whether running these params needs the endpoint-security sub-feature privilege: as Kibana,
 * every sub-action of such a type except those that only read (an unknown one included).
 */
export function needsEndpointPrivilege(def: ConnectorTypeDefinition, params: unknown): boolean {
  return isEndpointSecurityType(def) && def.endpointKindOf?.(params) !== 'reads';
}

const subActionOf = (params: unknown): string | undefined =>
  params && typeof params === 'object' && typeof (params as { subAction?: unknown }).subAction === 'string' ? (params as { subAction: string }).subAction : undefined;

/**
 * Why a queue request may not take these params (`path` names them in the request, e.g.
 * `[0].params`): a sub-action that changes a host is queued only with `confirm: true` beside
 * `subAction`, so that no script or copied batch isolates machines by accident. Null: it may.
 */
export function confirmRefusal(def: ConnectorTypeDefinition, params: unknown, path: string): string | null {
  if (!isEndpointSecurityType(def) || def.endpointKindOf?.(params) !== 'changesHost') return null;
  if ((params as { confirm?: unknown }).confirm === true) return null;
  return `${path}.confirm: ${subActionOf(params)} changes a host: send confirm: true to queue it`;
}

/** The hosts a call names, as the type reads them; none when its params are too malformed to say. */
function hostIdsOf(def: ConnectorTypeDefinition, params: unknown): string[] {
  if (!def.hostIdsOf || !params || typeof params !== 'object') return [];
  try {
    const ids = def.hostIdsOf(params);
    return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
  } catch {
    return [];
  }
}

export interface EndpointRun {
  def: ConnectorTypeDefinition;
  connectorId: string;
  spaceId: string;
  /** As sent (validation may have failed): only the sub-action and host ids are read from them. */
  params: unknown;
  /** Who the run is for (see the executor's auditUser). */
  username: string;
  source: string;
  executionId: string;
  attempt: number;
}

/**
 * The audit record of one run of an endpoint-security type: who, which connector, sub-action and
 * hosts, and how it ended. Never the params beyond those, nor the service's answer: a message
 * or error could quote them, and params may carry a script or credentials.
 */
export function endpointAuditEvent(run: EndpointRun, result: Pick<ActionResult, 'status'> | undefined): AuditEvent {
  const subAction = subActionOf(run.params) ?? '';
  const hostIds = hostIdsOf(run.def, run.params);
  const outcome = result === undefined ? 'unknown' : result.status === 'ok' ? 'success' : 'failure';
  const verb = outcome === 'success' ? 'ran' : outcome === 'failure' ? 'failed to run' : 'was interrupted running';
  return {
    action: 'connector_endpoint_action',
    outcome,
    username: run.username,
    spaceId: run.spaceId,
    object: { type: 'action', id: run.connectorId },
    message: `User [${run.username}] ${verb} sub-action [${subAction}] of connector [id=${run.connectorId}] (${run.def.id}) on hosts [${hostIds.join(', ')}]`,
    details: {
      connector_type_id: run.def.id,
      sub_action: subAction,
      host_ids: hostIds,
      endpoint_kind: run.def.endpointKindOf?.(run.params) ?? null,
      source: run.source,
      execution_id: run.executionId,
      attempt: run.attempt,
    },
  };
}
