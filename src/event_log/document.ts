import type { EventLogTable } from '../storage/schema.js';

// The event document, in the shape of Kibana's event log (reference §5.1). Plugboard adds
// `kibana.action.execution.attempt` so that every retry is visible.

export const EVENT_PROVIDER = 'actions';
/** `execute-interrupted` is Plugboard's: a shutdown cut the attempt short and released it. */
export type EventAction = 'execute-start' | 'execute' | 'execute-timeout' | 'execute-interrupted';

export interface EventDocument {
  '@timestamp': string;
  event: {
    provider: typeof EVENT_PROVIDER;
    action: EventAction;
    kind: 'action';
    start?: string;
    end?: string;
    /** Nanoseconds, as a string (Kibana's event log keeps it as a long). */
    duration?: string;
    outcome?: 'success' | 'failure' | 'unknown';
  };
  kibana: {
    saved_objects: Array<{ rel: 'primary'; type: string; id: string; type_id: string; namespace?: string; space_agnostic?: boolean }>;
    space_ids: string[];
    task?: { scheduled: string; schedule_delay: number };
    /** An action queued by a rule run (reference §3.6): the rule and its run. */
    alert?: { rule: RuleOfAction };
    action: {
      name: string;
      id: string;
      type_id: string;
      execution: { uuid: string; source: string; attempt: number; usage?: { request_body_bytes: number }; gen_ai?: { usage: GenAiUsageDocument } };
    };
    version: string;
  };
  message: string;
  error?: { message: string };
  user?: { name: string; id?: string };
}

/** The tokens a generative-AI execution used (`kibana.action.execution.gen_ai.usage`, reference §0.4). */
export interface GenAiUsageDocument {
  total_tokens: number;
  prompt_tokens: number;
  completion_tokens: number;
}

/** What an action's events say of the rule that queued it (`kibana.alert.rule`). */
export interface RuleOfAction {
  consumer: string;
  execution: { uuid: string };
  rule_type_id: string;
}

/** A saved object an event names (`kibana.saved_objects[]`). */
export type EventSavedObject = EventDocument['kibana']['saved_objects'][number];

export const RULE_EVENT_PROVIDER = 'alerting';
export type RuleEventAction = 'execute-start' | 'execute' | 'execute-action' | 'execute-timeout' | 'new-instance' | 'active-instance' | 'recovered-instance' | 'untracked-instance';

/** A rule event (provider `alerting`, reference kibana-alerting-rules.md §4.2): one row of its own each. */
export interface RuleEventDocument {
  '@timestamp': string;
  event: {
    provider: typeof RULE_EVENT_PROVIDER;
    action: RuleEventAction;
    kind: 'alert';
    category: string[];
    start?: string;
    end?: string;
    duration?: string;
    outcome?: 'success' | 'failure';
    reason?: string;
  };
  kibana: {
    alert: {
      uuid?: string;
      flapping?: boolean;
      maintenance_window_ids?: string[];
      rule: {
        rule_type_id: string;
        consumer: string;
        revision: number;
        execution: { uuid: string; metrics?: Record<string, unknown> };
      };
    };
    alerting?: {
      instance_id?: string;
      action_group_id?: string;
      outcome?: 'success' | 'warning' | 'failure';
      status?: string;
      summary?: { new: { count: number }; ongoing: { count: number }; recovered: { count: number } };
    };
    saved_objects: EventSavedObject[];
    space_ids: string[];
    task?: { scheduled: string; schedule_delay: number };
    version: string;
  };
  rule: { id: string; license: string; category: string; ruleset: string; name: string };
  message: string;
  error?: { message: string };
}

/** Any document of the event log. */
export type AnyEventDocument = EventDocument | RuleEventDocument;

/**
 * One row of the event_log table: the queried fields as columns, plus the row's first document.
 * An attempt is one row: written at its start as the `execute-start` document, its end (`execute`
 * or `execute-interrupted`) is then stored in the columns of `AttemptEnd`, with `events` 2, and
 * its document is produced from the start's when read (rowDocuments). Any other event, and an end
 * whose start is not there to join, is a row of its own (`events` 1).
 */
export type EventRow = Omit<EventLogTable, 'events'> & { events?: number };

/** The columns that describe an event of a row: its first, or the end of the row's attempt. */
type EventColumns = Pick<EventRow, 'timestamp' | 'action' | 'outcome' | 'duration_ns' | 'message' | 'error_message'> & Partial<Pick<EventRow, 'gen_ai_usage'>>;

/** An attempt's end: the columns it sets on its start's row, and those that find that row. */
export type AttemptEnd = Required<EventColumns> & Pick<EventRow, 'execution_uuid' | 'attempt'>;

/** The event actions that end an attempt begun by `execute-start`. */
export const ATTEMPT_END_ACTIONS: ReadonlySet<EventAction> = new Set(['execute', 'execute-interrupted']);

/** Identifies an attempt's row: its execution, attempt and start time (which its end shares). */
export const attemptKey = (row: Pick<EventRow, 'execution_uuid' | 'attempt' | 'timestamp'>) => `${row.execution_uuid}\u0000${row.attempt}\u0000${row.timestamp}`;

export function attemptEnd(doc: EventDocument): AttemptEnd {
  const genAi = doc.kibana.action.execution.gen_ai;
  return {
    execution_uuid: doc.kibana.action.execution.uuid,
    attempt: doc.kibana.action.execution.attempt,
    timestamp: Date.parse(doc['@timestamp']),
    action: doc.event.action,
    outcome: doc.event.outcome ?? null,
    duration_ns: doc.event.duration !== undefined ? Number(doc.event.duration) : null,
    message: doc.message,
    error_message: doc.error?.message ?? null,
    gen_ai_usage: genAi ? JSON.stringify(genAi.usage) : null,
  };
}

export function toEventRow(id: string, doc: AnyEventDocument): EventRow {
  if (doc.event.provider === RULE_EVENT_PROVIDER) return toRuleEventRow(id, doc as RuleEventDocument);
  const action = (doc as EventDocument).kibana.action;
  const rule = (doc as EventDocument).kibana.alert?.rule;
  return {
    id,
    provider: doc.event.provider,
    space_id: doc.kibana.space_ids[0],
    connector_id: action.id,
    connector_type_id: action.type_id,
    connector_name: action.name,
    source: action.execution.source,
    schedule_delay_ns: doc.kibana.task?.schedule_delay ?? null,
    ...attemptEnd(doc as EventDocument),
    document: JSON.stringify(doc),
    events: 1,
    rule_id: rule ? ((doc as EventDocument).kibana.saved_objects.find((o) => o.type === RULE_SAVED_OBJECT_TYPE)?.id ?? null) : null,
    rule_execution_uuid: rule?.execution.uuid ?? null,
  };
}

/** Kibana's saved-object type of a rule. */
export const RULE_SAVED_OBJECT_TYPE = 'alert';

function toRuleEventRow(id: string, doc: RuleEventDocument): EventRow {
  const { event, kibana } = doc;
  const connector = event.action === 'execute-action' ? kibana.saved_objects.find((o) => o.type === 'action') : undefined;
  const uuid = kibana.alert.rule.execution.uuid;
  return {
    id,
    timestamp: Date.parse(doc['@timestamp']),
    provider: event.provider,
    action: event.action,
    outcome: event.outcome ?? null,
    space_id: kibana.space_ids[0],
    connector_id: connector?.id ?? null,
    connector_type_id: connector?.type_id ?? null,
    connector_name: null,
    execution_uuid: uuid,
    source: null,
    attempt: null,
    duration_ns: event.duration !== undefined ? Number(event.duration) : null,
    schedule_delay_ns: kibana.task?.schedule_delay ?? null,
    message: doc.message,
    error_message: doc.error?.message ?? null,
    gen_ai_usage: null,
    document: JSON.stringify(doc),
    events: 1,
    rule_id: doc.rule.id,
    rule_execution_uuid: uuid,
  };
}

const NS_PER_MS = 1_000_000;

/** The event documents a row stands for, oldest first. */
export function rowDocuments(row: EventColumns & Pick<EventRow, 'document' | 'events'>): EventDocument[] {
  const first = JSON.parse(row.document) as EventDocument;
  return row.events === 2 ? [first, endDocument(first, row)] : [first];
}

/**
 * An attempt's end as the executor logged it: the start's document with the end's event fields,
 * message and error. The end shares its start's `@timestamp` (the attempt's start), which is
 * also the row's timestamp; its event.end is that plus the duration.
 */
function endDocument(start: EventDocument, end: EventColumns): EventDocument {
  const at = start['@timestamp'];
  return {
    '@timestamp': at,
    event: {
      provider: start.event.provider,
      action: end.action as EventAction,
      kind: start.event.kind,
      ...(end.duration_ns !== null
        ? { start: at, end: new Date(end.timestamp + end.duration_ns / NS_PER_MS).toISOString(), duration: String(end.duration_ns) }
        : {}),
      ...(end.outcome !== null ? { outcome: end.outcome as 'success' | 'failure' | 'unknown' } : {}),
    },
    kibana: end.gen_ai_usage
      ? { ...start.kibana, action: { ...start.kibana.action, execution: { ...start.kibana.action.execution, gen_ai: { usage: JSON.parse(end.gen_ai_usage) as GenAiUsageDocument } } } }
      : start.kibana,
    message: end.message ?? '',
    ...(end.error_message !== null ? { error: { message: end.error_message } } : {}),
    ...(start.user ? { user: start.user } : {}),
  };
}
