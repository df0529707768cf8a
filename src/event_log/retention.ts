import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';

/** Deletes events older than `before`; resolves to how many. */
export async function deleteEventsBefore(db: Kysely<Database>, before: Date): Promise<number> {
  const result = await db.deleteFrom('event_log').where('timestamp', '<', before.getTime()).executeTakeFirst();
  return Number(result.numDeletedRows);
}
