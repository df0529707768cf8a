import { sql, type Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';
import type { EventDocument } from './document.js';

/** Every event of one execution, oldest first. */
export async function executionEvents(db: Kysely<Database>, executionId: string): Promise<EventDocument[]> {
  const rows = await db
    .selectFrom('event_log')
    .select(['document'])
    .where('execution_uuid', '=', executionId)
    .orderBy('attempt')
    .orderBy('timestamp')
    // Within a millisecond, an attempt's events keep their natural order.
    .orderBy(sql`case action when 'execute-start' then 0 when 'execute-timeout' then 1 else 2 end`)
    .execute();
  return rows.map((r) => JSON.parse(r.document) as EventDocument);
}
