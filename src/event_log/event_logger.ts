import { timeOrderedUuid } from '../common/ids.js';
import type { GroupCommit } from '../storage/group_commit.js';
import { rowsInserter, type Columns } from '../storage/batch_rows.js';
import type { Dialect } from '../storage/schema.js';
import { toEventRow, type EventDocument, type EventRow } from './document.js';

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
} as const satisfies Columns<EventRow>;

/**
 * Writes event documents: the rows logged during one tick become one insert in the group
 * commit. A failed write is reported, never thrown.
 */
export class EventLogger {
  private pending: EventRow[] = [];
  private batch: Promise<void> | undefined;
  private readonly insert;

  constructor(
    private readonly writes: GroupCommit,
    dialect: Dialect,
    private readonly onError: (err: unknown) => void,
  ) {
    this.insert = rowsInserter<EventRow>(dialect, 'event_log', EVENT_COLUMNS);
  }

  log(doc: EventDocument): Promise<void> {
    this.pending.push(toEventRow(timeOrderedUuid(), doc));
    // Taken once: if the group commit has to write this again on its own, it writes the same rows.
    let rows: EventRow[] | undefined;
    this.batch ??= this.writes
      .submit(async (trx) => {
        if (!rows) {
          rows = this.pending;
          this.pending = [];
          this.batch = undefined;
        }
        await this.insert(trx, rows);
      })
      .catch((err) => this.onError(err));
    return this.batch;
  }
}
