import { sql, type Transaction } from 'kysely';
import { timeOrderedUuid } from '../common/ids.js';
import type { GroupCommit } from '../storage/group_commit.js';
import { pgRecordset, rowsInserter, type Columns } from '../storage/batch_rows.js';
import type { PlugboardDatabase } from '../storage/database.js';
import type { Database } from '../storage/schema.js';
import { ATTEMPT_END_ACTIONS, attemptEnd, attemptKey, toEventRow, type AttemptEnd, type EventDocument, type EventRow } from './document.js';

const EVENT_COLUMNS = {
  id: 'text',
  timestamp: 'bigint',
  provider: 'text',
  action: 'text',
  outcome: 'text',
  space_id: 'text',
  connector_id: 'text',
  connector_type_id: 'text',
  connector_name: 'text',
  execution_uuid: 'text',
  source: 'text',
  attempt: 'integer',
  duration_ns: 'bigint',
  schedule_delay_ns: 'bigint',
  message: 'text',
  error_message: 'text',
  document: 'text',
  events: 'integer',
} as const satisfies Columns<EventRow>;

const END_COLUMNS = {
  execution_uuid: 'text',
  attempt: 'integer',
  timestamp: 'bigint',
  action: 'text',
  outcome: 'text',
  duration_ns: 'bigint',
  message: 'text',
  error_message: 'text',
} as const satisfies Columns<AttemptEnd>;

interface LoggedEnd {
  end: AttemptEnd;
  /** Written as a row of its own if its start is not in the table (see endsWriter). */
  doc: EventDocument;
}

/**
 * Writes event documents, one row per attempt (see EventRow): an `execute-start` is an insert;
 * its attempt's end joins that insert if it is not written yet, and is otherwise an update of
 * the row. What is logged during one tick is written together in the group commit. A failed
 * write is reported, never thrown.
 */
export class EventLogger {
  private inserts: EventRow[] = [];
  /** The starts among `inserts`, by attemptKey: an end logged before they are written joins them. */
  private starts = new Map<string, EventRow>();
  private ends: LoggedEnd[] = [];
  private batch: Promise<void> | undefined;
  private readonly insert;
  private readonly writeEnds;

  constructor(
    private readonly writes: GroupCommit,
    database: Pick<PlugboardDatabase, 'dialect' | 'sqlite'>,
    private readonly onError: (err: unknown) => void,
  ) {
    this.insert = rowsInserter<EventRow>(database, 'event_log', EVENT_COLUMNS);
    this.writeEnds = endsWriter(database);
  }

  log(doc: EventDocument): Promise<void> {
    const { action } = doc.event;
    // Only an end with a duration is one that rowDocuments can produce from its start.
    if (ATTEMPT_END_ACTIONS.has(action) && doc.event.duration !== undefined) {
      const end = attemptEnd(doc);
      const key = attemptKey(end);
      const start = this.starts.get(key);
      if (start) {
        this.starts.delete(key);
        Object.assign(start, end);
        start.events = 2;
      } else {
        this.ends.push({ end, doc });
      }
    } else {
      const row = toEventRow(timeOrderedUuid(), doc);
      this.inserts.push(row);
      if (action === 'execute-start') this.starts.set(attemptKey(row), row);
    }
    // Taken once: if the group commit has to write this again on its own, it writes the same rows.
    let taken: { inserts: EventRow[]; ends: LoggedEnd[] } | undefined;
    this.batch ??= this.writes
      .submit(async (trx) => {
        if (!taken) {
          taken = { inserts: this.inserts, ends: this.ends };
          this.inserts = [];
          this.ends = [];
          this.starts.clear();
          this.batch = undefined;
        }
        if (taken.inserts.length > 0) await this.insert(trx, taken.inserts);
        if (taken.ends.length === 0) return;
        const alone = await this.writeEnds(trx, taken.ends);
        if (alone.length > 0) await this.insert(trx, alone.map((e) => toEventRow(timeOrderedUuid(), e.doc)));
      })
      .catch((err) => this.onError(err));
    return this.batch;
  }
}

/**
 * Sets each end on its start's row; resolves to the ends that found none (a validation failure
 * has no start; a start whose write failed is not there), which are then written on their own.
 * The row is found through its execution (event_log_execution): `+` keeps the timestamp index,
 * which the planners may otherwise prefer, out of it, as a busy millisecond holds many rows.
 */
function endsWriter(database: Pick<PlugboardDatabase, 'sqlite'>): (trx: Transaction<Database>, ends: LoggedEnd[]) => Promise<LoggedEnd[]> {
  if (database.sqlite) {
    // Prepared once on the driver; it runs inside the group commit's transaction, which holds the one connection.
    const update = database.sqlite.prepare(
      'update "event_log" set "action" = ?, "outcome" = ?, "duration_ns" = ?, "message" = ?, "error_message" = ?, "events" = 2 ' +
        `where "execution_uuid" = ? and "attempt" = ? and +"timestamp" = ? and "action" = 'execute-start'`,
    );
    return async (_trx, ends) =>
      ends.filter(({ end }) => update.run(end.action, end.outcome, end.duration_ns, end.message, end.error_message, end.execution_uuid, end.attempt, end.timestamp).changes === 0);
  }
  // All ends in one statement over a JSON recordset (see batch_rows.ts); it returns those that found their row.
  const recordset = pgRecordset(END_COLUMNS, 'r');
  const head = sql.raw(
    'update "event_log" as e set "action" = r."action", "outcome" = r."outcome", "duration_ns" = r."duration_ns", ' +
      '"message" = r."message", "error_message" = r."error_message", "events" = 2 from ',
  );
  const tail = sql.raw(
    ` where e."execution_uuid" = r."execution_uuid" and e."attempt" = r."attempt" and +e."timestamp" = r."timestamp" and e."action" = 'execute-start' ` +
      'returning r."execution_uuid", r."attempt", r."timestamp"',
  );
  return async (trx, ends) => {
    const { rows } = await sql<Pick<AttemptEnd, 'execution_uuid' | 'attempt' | 'timestamp'>>`${head}${recordset(ends.map((e) => e.end))}${tail}`.execute(trx);
    const found = new Set(rows.map(attemptKey));
    return ends.filter((e) => !found.has(attemptKey(e.end)));
  };
}
