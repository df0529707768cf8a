import type { EventDocument } from '../../src/event_log/document.js';
import { executionEvents } from '../../src/event_log/event_reader.js';
import type { TestPlugboard } from './plugboard.js';

/** The events of a connector's latest execution, as the event log gives them back (none before its first). */
export async function latestExecutionEvents(pb: TestPlugboard, connectorId: string): Promise<EventDocument[]> {
  await pb.plugboard.flushWrites();
  const row = await pb.plugboard.database.db
    .selectFrom('event_log')
    .select('execution_uuid')
    .where('connector_id', '=', connectorId)
    .orderBy('timestamp', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst();
  return row ? executionEvents(pb.plugboard.database.db, row.execution_uuid!) : [];
}
