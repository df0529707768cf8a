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
    action: {
      name: string;
      id: string;
      type_id: string;
      execution: { uuid: string; source: string; attempt: number; usage?: { request_body_bytes: number } };
    };
    version: string;
  };
  message: string;
  error?: { message: string };
  user?: { name: string; id?: string };
}

/** One row of the event_log table: the queried fields as columns, plus the whole document. */
export type EventRow = EventLogTable;

export function toEventRow(id: string, doc: EventDocument): EventRow {
  const action = doc.kibana.action;
  return {
    id,
    timestamp: Date.parse(doc['@timestamp']),
    provider: doc.event.provider,
    action: doc.event.action,
    outcome: doc.event.outcome ?? null,
    space_id: doc.kibana.space_ids[0],
    connector_id: action.id,
    connector_type_id: action.type_id,
    connector_name: action.name,
    execution_uuid: action.execution.uuid,
    source: action.execution.source,
    attempt: action.execution.attempt,
    duration_ns: doc.event.duration !== undefined ? Number(doc.event.duration) : null,
    schedule_delay_ns: doc.kibana.task?.schedule_delay ?? null,
    message: doc.message,
    error_message: doc.error?.message ?? null,
    document: JSON.stringify(doc),
  };
}
