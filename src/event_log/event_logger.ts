import { randomUUID } from 'node:crypto';
import type { GroupCommit } from '../storage/group_commit.js';
import { toEventRow, type EventDocument, type EventRow } from './document.js';

// 17 columns a row: 500 rows stay far below SQLite's limit on bound parameters.
const ROWS_PER_INSERT = 500;

/**
 * Writes event documents: the rows logged during one tick become one multi-row insert in the
 * group commit. A failed write is reported, never thrown.
 */
export class EventLogger {
  private pending: EventRow[] = [];
  private batch: Promise<void> | undefined;

  constructor(
    private readonly writes: GroupCommit,
    private readonly onError: (err: unknown) => void,
  ) {}

  log(doc: EventDocument): Promise<void> {
    this.pending.push(toEventRow(randomUUID(), doc));
    // Taken once: if the group commit has to write this again on its own, it writes the same rows.
    let rows: EventRow[] | undefined;
    this.batch ??= this.writes
      .submit(async (trx) => {
        if (!rows) {
          rows = this.pending;
          this.pending = [];
          this.batch = undefined;
        }
        for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
          await trx.insertInto('event_log').values(rows.slice(i, i + ROWS_PER_INSERT)).execute();
        }
      })
      .catch((err) => this.onError(err));
    return this.batch;
  }
}
