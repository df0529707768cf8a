import type { Alert } from './alerts/alert.js';
import type { RunAlerts } from './alerts/lifecycle.js';
import type { SchedulingRule } from './action_scheduler/types.js';

/**
 * An alert as Kibana's alerts-as-data documents describe it, with flat dotted keys. Plugboard
 * has no alerts index: these documents exist for alert filters (KQL), summaries and the
 * variables of the run. Fields: `@timestamp`, `event.action` (open | active | close),
 * `event.kind`, `kibana.alert.{instance.id, uuid, action_group, status, flapping,
 * flapping_history, consecutive_matches, pending_recovered_count, start, end, duration.us,
 * maintenance_window_ids, workflow_status, context}`, `kibana.alert.rule.{uuid, name, tags,
 * rule_type_id, category, consumer, producer, revision, parameters, execution.uuid}`,
 * `kibana.space_ids`, `tags`.
 */
export type AlertDocument = Record<string, unknown> & { 'kibana.alert.uuid': string; 'kibana.alert.instance.id': string; '@timestamp': string };

export interface AlertDocumentContext {
  rule: SchedulingRule;
  spaceId: string;
  executionId: string;
  startedAt: Date;
}

function document(alert: Alert, status: 'active' | 'recovered', eventAction: 'open' | 'active' | 'close', ctx: AlertDocumentContext): AlertDocument {
  const state = alert.getState();
  const { rule } = ctx;
  const durationNs = typeof state.duration === 'string' ? BigInt(state.duration) : undefined;
  return {
    '@timestamp': ctx.startedAt.toISOString(),
    'event.action': eventAction,
    'event.kind': 'signal',
    'kibana.alert.instance.id': alert.id,
    'kibana.alert.uuid': alert.uuid,
    'kibana.alert.action_group': status === 'recovered' ? 'recovered' : alert.actionGroup,
    'kibana.alert.status': status,
    'kibana.alert.flapping': alert.flapping,
    'kibana.alert.flapping_history': alert.flappingHistory,
    'kibana.alert.consecutive_matches': alert.activeCount,
    'kibana.alert.pending_recovered_count': alert.pendingRecoveredCount,
    ...(typeof state.start === 'string' ? { 'kibana.alert.start': state.start } : {}),
    ...(typeof state.end === 'string' ? { 'kibana.alert.end': state.end } : {}),
    ...(durationNs !== undefined ? { 'kibana.alert.duration.us': Number(durationNs / 1000n) } : {}),
    'kibana.alert.maintenance_window_ids': [],
    'kibana.alert.workflow_status': 'open',
    'kibana.alert.context': alert.getContext(),
    'kibana.alert.rule.uuid': rule.id,
    'kibana.alert.rule.name': rule.name,
    'kibana.alert.rule.tags': rule.tags,
    'kibana.alert.rule.rule_type_id': rule.ruleTypeId,
    'kibana.alert.rule.category': rule.ruleTypeName,
    'kibana.alert.rule.consumer': rule.consumer,
    'kibana.alert.rule.producer': rule.producer,
    'kibana.alert.rule.revision': rule.revision,
    'kibana.alert.rule.parameters': rule.params,
    'kibana.alert.rule.execution.uuid': ctx.executionId,
    'kibana.space_ids': [ctx.spaceId],
    tags: rule.tags,
  };
}

/** The documents of this run's alerts by alert uuid: active (new: `open`), recovered (`close`); delayed ones have none. */
export function buildAlertDocuments(alerts: Pick<RunAlerts, 'new' | 'active' | 'recovered'>, ctx: AlertDocumentContext): Map<string, AlertDocument> {
  const docs = new Map<string, AlertDocument>();
  for (const [id, alert] of Object.entries(alerts.active)) docs.set(alert.uuid, document(alert, 'active', alerts.new[id] ? 'open' : 'active', ctx));
  for (const alert of Object.values(alerts.recovered)) docs.set(alert.uuid, document(alert, 'recovered', 'close', ctx));
  return docs;
}

/** A field of a document by its dotted name, whether the document keeps it flat or nested. */
export function getDocumentField(doc: Record<string, unknown>, path: string): unknown {
  if (Object.hasOwn(doc, path)) return doc[path];
  const parts = path.split('.');
  for (let i = parts.length - 1; i > 0; i--) {
    const head = parts.slice(0, i).join('.');
    const value = Object.hasOwn(doc, head) ? doc[head] : undefined;
    if (value && typeof value === 'object' && !Array.isArray(value)) return getDocumentField(value as Record<string, unknown>, parts.slice(i).join('.'));
  }
  return undefined;
}

/** The document with its dotted keys as nested objects and `_id`, as Kibana's summaries give alert data. */
export function expandAlertDocument(doc: AlertDocument): Record<string, unknown> {
  const expanded: Record<string, unknown> = { _id: doc['kibana.alert.uuid'] };
  for (const [key, value] of Object.entries(doc)) {
    const parts = key.split('.');
    let node = expanded;
    for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
    node[parts[parts.length - 1]] = value;
  }
  return expanded;
}
