import { timeOrderedUuid } from '../common/ids.js';
import type { GroupCommit } from '../storage/group_commit.js';
import { insertRows, rowsUpdater, rowsWriter, updateFromRows, type Columns } from '../storage/batch_rows.js';
import type { PlugboardDatabase } from '../storage/database.js';
import { ATTEMPT_END_ACTIONS, EVENT_PROVIDER, type EventAction, attemptEnd, attemptKey, toEventRow, type AttemptEnd, type AnyEventDocument, type EventDocument, type EventRow } from './document.js';

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
  gen_ai_usage: 'text',
  document: 'text',
  events: 'integer',
  rule_id: 'text',
  rule_execution_uuid: 'text',
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
  gen_ai_usage: 'text',
} as const satisfies Columns<AttemptEnd>;

// The event log's writes, prepared once on the driver (see batch_rows.ts); exported for
// bench/storage_thread.ts, which runs them in a worker thread.
export const EVENT_WRITES = {
  insert: insertRows<EventRow>('plugboard_event_log_insert', 'event_log', EVENT_COLUMNS),
  /**
   * Sets an end on its start's row, found through its execution (event_log_execution): `+`
   * keeps the timestamp index, which the planners may otherwise prefer, out of it, as a busy
   * millisecond holds many rows.
   */
  end: updateFromRows<AttemptEnd>('plugboard_event_log_end', 'event_log', END_COLUMNS, (v) => ({
    set: `"action" = ${v('action')}, "outcome" = ${v('outcome')}, "duration_ns" = ${v('duration_ns')}, "message" = ${v('message')}, "error_message" = ${v('error_message')}, "gen_ai_usage" = ${v('gen_ai_usage')}, "events" = 2`,
    where:
      `event_log."execution_uuid" = ${v('execution_uuid')} and event_log."attempt" = ${v('attempt')} and +event_log."timestamp" = ${v('timestamp')} ` +
      `and event_log."action" = 'execute-start'`,
  })),
};

interface LoggedEnd {
  end: AttemptEnd;
  /** Written as a row of its own if its start is not in the table (see EventLogger.log). */
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
  /** Sets each end on its start's row; resolves to the ends that found none (see log). */
  private readonly updateStarts;

  constructor(
    private readonly writes: GroupCommit,
    database: Pick<PlugboardDatabase, 'sqlite'>,
    private readonly onError: (err: unknown) => void,
  ) {
    this.insert = rowsWriter(database, EVENT_WRITES.insert);
    this.updateStarts = rowsUpdater(database, EVENT_WRITES.end, ['execution_uuid', 'attempt', 'timestamp'], attemptKey);
  }

  log(doc: AnyEventDocument): Promise<void> {
    const { action } = doc.event;
    // Only an action's end with a duration is one that rowDocuments can produce from its start.
    if (doc.event.provider === EVENT_PROVIDER && ATTEMPT_END_ACTIONS.has(action as EventAction) && doc.event.duration !== undefined) {
      const end = attemptEnd(doc as EventDocument);
      const key = attemptKey(end);
      const start = this.starts.get(key);
      if (start) {
        this.starts.delete(key);
        Object.assign(start, end);
        start.events = 2;
      } else {
        this.ends.push({ end, doc: doc as EventDocument });
      }
    } else {
      const row = toEventRow(timeOrderedUuid(), doc);
      this.inserts.push(row);
      if (action === 'execute-start' && doc.event.provider === EVENT_PROVIDER) this.starts.set(attemptKey(row), row);
    }
    // Taken once: if the group commit has to write this again on its own, it writes the same rows.
    let taken: { inserts: EventRow[]; ends: LoggedEnd[] } | undefined;
    this.batch ??= this.writes
      .submit(async (_trx, client) => {
        if (!taken) {
          taken = { inserts: this.inserts, ends: this.ends };
          this.inserts = [];
          this.ends = [];
          this.starts.clear();
          this.batch = undefined;
        }
        if (taken.inserts.length > 0) await this.insert(taken.inserts, client);
        if (taken.ends.length === 0) return;
        // An end that found no start (a validation failure has none; a start whose write failed
        // is not there) is written as a row of its own.
        const alone = new Set(await this.updateStarts(taken.ends.map((e) => e.end), client));
        const rows = taken.ends.filter((e) => alone.has(e.end)).map((e) => toEventRow(timeOrderedUuid(), e.doc));
        if (rows.length > 0) await this.insert(rows, client);
      })
      .catch((err) => this.onError(err));
    return this.batch;
  }
}
