import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';
import { rowDocuments, type EventDocument } from './document.js';

/** Within a millisecond, an attempt's events keep their natural order: start, timeout, end. */
const ORDER_IN_ATTEMPT: Partial<Record<string, number>> = { 'execute-start': 0, 'execute-timeout': 1 };
const orderInAttempt = (doc: EventDocument) => ORDER_IN_ATTEMPT[doc.event.action] ?? 2;

/** Every event of one execution, oldest first: by attempt, then time. */
export async function executionEvents(db: Kysely<Database>, executionId: string): Promise<EventDocument[]> {
  const rows = await db
    .selectFrom('event_log')
    .select(['attempt', 'timestamp', 'action', 'outcome', 'duration_ns', 'message', 'error_message', 'gen_ai_usage', 'document', 'events'])
    .where('execution_uuid', '=', executionId)
    .orderBy('id')
    .execute();
  // A row's documents share its attempt and timestamp (see rowDocuments).
  const events = rows.flatMap((row) => rowDocuments(row).map((doc) => ({ attempt: row.attempt ?? 0, timestamp: row.timestamp, doc })));
  events.sort((a, b) => a.attempt - b.attempt || a.timestamp - b.timestamp || orderInAttempt(a.doc) - orderInAttempt(b.doc));
  return events.map((e) => e.doc);
}
