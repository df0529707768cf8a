import type { Kysely, Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from './schema.js';

type Operation = (trx: Transaction<Database>) => Promise<unknown>;

interface Pending {
  op: Operation;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

/**
 * Group commit: writes submitted during one tick of the event loop (enqueued tasks, task
 * completions, event-log rows) go to the database in one transaction, so throughput is not
 * bound by one commit per action. Each submitter learns when its write is durable.
 */
export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly logger: Logger,
    private readonly maxBatch = 2000,
  ) {}

  submit<T>(op: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ op, resolve: resolve as (v: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  /** Writes everything submitted so far; resolves when it is committed. */
  flush(): Promise<void> {
    this.scheduled = false;
    // Batches commit one after the other, in submission order.
    this.flushing = this.flushing.then(() => this.drain());
    return this.flushing;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      try {
        const results = await this.db.transaction().execute(async (trx) => {
          const out: unknown[] = [];
          for (const item of batch) out.push(await item.op(trx));
          return out;
        });
        batch.forEach((item, i) => item.resolve(results[i]));
      } catch (err) {
        if (batch.length === 1) {
          batch[0].reject(err);
          continue;
        }
        // One bad write must not fail its neighbours: retry each on its own.
        this.logger.debug({ err }, `group commit of ${batch.length} writes failed; writing them one by one`);
        for (const item of batch) {
          try {
            item.resolve(await this.db.transaction().execute((trx) => item.op(trx)));
          } catch (itemErr) {
            item.reject(itemErr);
          }
        }
      }
    }
  }
}
