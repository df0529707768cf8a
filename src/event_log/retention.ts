import { sql, type Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';

/**
 * Deletes events older than `before`; resolves to how many. An attempt's start and end share
 * its row and its timestamp (see EventRow), so they go together, and count as two.
 */
export async function deleteEventsBefore(db: Kysely<Database>, before: Date): Promise<number> {
  const cutoff = before.getTime();
  return db.transaction().execute(async (trx) => {
    const counted = await trx
      .selectFrom('event_log')
      .where('timestamp', '<', cutoff)
      .select(sql<number>`coalesce(sum(${sql.ref('events')}), 0)`.as('events'))
      .executeTakeFirstOrThrow();
    await trx.deleteFrom('event_log').where('timestamp', '<', cutoff).execute();
    return Number(counted.events);
  });
}
