import { randomUUID } from 'node:crypto';
import type { GroupCommit } from '../storage/group_commit.js';
import { toEventRow, type EventDocument } from './document.js';

/** Writes event documents through the group commit; a failed write is logged, never thrown. */
export class EventLogger {
  constructor(
    private readonly writes: GroupCommit,
    private readonly onError: (err: unknown) => void,
  ) {}

  log(doc: EventDocument): Promise<void> {
    const row = toEventRow(randomUUID(), doc);
    return this.writes.submit((trx) => trx.insertInto('event_log').values(row).execute()).then(
      () => undefined,
      (err) => this.onError(err),
    );
  }
}
