import type { TokenUsage } from '../actions/types.js';
import { KIBANA_COMPATIBILITY_VERSION } from '../common/kibana_version.js';
import { EVENT_PROVIDER, RULE_SAVED_OBJECT_TYPE, type EventAction, type EventDocument, type EventSavedObject } from './document.js';

/** What every event of one execution attempt shares. */
export interface ExecutionEventContext {
  spaceId: string;
  connector: { id: string; name: string; typeId: string; inMemory: boolean };
  executionId: string;
  source: string;
  attempt: number;
  /** When run as a task: when it was scheduled to run. */
  scheduledAt?: Date;
  user?: { name: string };
  /** Set when a rule run queued the action (reference §3.6). */
  rule?: RuleLink;
}

/**
 * What a rule's action carries to its execution (Kibana's executionId, relatedSavedObjects,
 * action uuid and consumer in action_task_params): its events then name the rule and its run.
 */
export interface RuleLink {
  /** The rule run's execution uuid. */
  executionId: string;
  rule: { id: string; typeId: string; namespace?: string };
  actionUuid?: string;
  consumer: string;
  /** The user whose API key the rule runs with, for the audit records of its actions (not in events). */
  apiKeyOwner?: string;
}

const MS_TO_NS = 1_000_000;

/**
 * One event document. Built field by field in Kibana's key order, with no spread of temporary
 * objects: two of these are made for every action, on the hot path.
 */
export function actionEvent(
  ctx: ExecutionEventContext,
  action: EventAction,
  fields: { message: string; start?: Date; end?: Date; outcome?: 'success' | 'failure'; error?: string; genAiUsage?: TokenUsage },
): EventDocument {
  const { connector, spaceId } = ctx;
  const { start, end } = fields;
  const at = start ?? end ?? new Date();
  const event: EventDocument['event'] = { provider: EVENT_PROVIDER, action, kind: 'action' };
  if (start) {
    event.start = start.toISOString();
    if (end) {
      event.end = end.toISOString();
      event.duration = String((end.getTime() - start.getTime()) * MS_TO_NS);
    }
  }
  if (fields.outcome) event.outcome = fields.outcome;
  const savedObject: EventDocument['kibana']['saved_objects'][number] = { rel: 'primary', type: 'action', id: connector.id, type_id: connector.typeId };
  if (connector.inMemory) savedObject.space_agnostic = true;
  else if (spaceId !== 'default') savedObject.namespace = spaceId;
  const savedObjects = ctx.rule ? [savedObject, ruleSavedObject(ctx.rule)] : [savedObject];
  const kibanaAction: EventDocument['kibana']['action'] = {
    name: connector.name,
    id: connector.id,
    type_id: connector.typeId,
    execution: { uuid: ctx.executionId, source: ctx.source, attempt: ctx.attempt },
  };
  if (fields.genAiUsage) {
    const { totalTokens, promptTokens, completionTokens } = fields.genAiUsage;
    kibanaAction.execution.gen_ai = { usage: { total_tokens: totalTokens, prompt_tokens: promptTokens, completion_tokens: completionTokens } };
  }
  const kibana: EventDocument['kibana'] = ctx.scheduledAt
    ? {
        saved_objects: savedObjects,
        space_ids: [spaceId],
        task: { scheduled: ctx.scheduledAt.toISOString(), schedule_delay: Math.max(0, (at.getTime() - ctx.scheduledAt.getTime()) * MS_TO_NS) },
        action: kibanaAction,
        version: KIBANA_COMPATIBILITY_VERSION,
      }
    : { saved_objects: savedObjects, space_ids: [spaceId], action: kibanaAction, version: KIBANA_COMPATIBILITY_VERSION };
  if (ctx.rule) kibana.alert = { rule: { consumer: ctx.rule.consumer, execution: { uuid: ctx.rule.executionId }, rule_type_id: ctx.rule.rule.typeId } };
  const doc: EventDocument = { '@timestamp': at.toISOString(), event, kibana, message: fields.message };
  if (fields.error !== undefined) doc.error = { message: fields.error };
  if (ctx.user) doc.user = ctx.user;
  return doc;
}

function ruleSavedObject({ rule }: RuleLink): EventSavedObject {
  const related: EventSavedObject = { rel: 'primary', type: RULE_SAVED_OBJECT_TYPE, id: rule.id, type_id: rule.typeId };
  if (rule.namespace !== undefined) related.namespace = rule.namespace;
  return related;
}

/** `<message>[: <serviceMessage>][; retry: true][; retry at <ISO>]`, as Kibana writes `error.message` (no `retry: false`). */
export function errorMessageOf(result: { message?: string; serviceMessage?: string; retry?: boolean | Date | null }): string {
  let text = result.message ?? '';
  if (result.serviceMessage) text += `: ${result.serviceMessage}`;
  if (result.retry instanceof Date) text += `; retry at ${result.retry.toISOString()}`;
  else if (result.retry === true) text += '; retry: true';
  return text;
}
