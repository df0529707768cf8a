import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Database } from './schema.js';

/**
 * A write of the group commit. It runs in the batch's transaction: through the query builder
 * (`trx`) or, on the hot paths, through statements prepared once on the driver: on SQLite
 * those of its one connection, on PostgreSQL those of `client`, the connection that `trx`
 * runs on (undefined on SQLite).
 */
export type WriteOperation<T> = (trx: Transaction<Database>, client: pg.ClientBase | undefined) => T | Promise<T>;

interface Pending {
  op: WriteOperation<unknown>;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

/** Writes per transaction at most. */
const MAX_BATCH = 2000;

type RunTransaction = <T>(body: (trx: Transaction<Database>, client: pg.ClientBase | undefined) => Promise<T>) => Promise<T>;

/**
 * Group commit: writes submitted during one tick of the event loop (enqueued tasks, task
 * completions, event-log rows) go to the database in one transaction, so throughput is not
 * bound by one commit per action. Each submitter learns when its write is durable.
 */
export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;
  private flushing: Promise<void> = Promise.resolve();
  private readonly transaction: RunTransaction;

  /**
   * On PostgreSQL, `pool` (the pool under `db`) gives each write the client its transaction runs
   * on, which writes through named statements need; without it they get none.
   */
  constructor(
    db: Kysely<Database>,
    private readonly logger: Logger,
    { pool }: { pool?: pg.Pool } = {},
  ) {
    this.transaction = pool ? postgresTransactions(pool) : (body) => db.transaction().execute((trx) => body(trx, undefined));
  }

  submit<T>(op: WriteOperation<T>): Promise<T> {
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
      const batch = this.queue.splice(0, MAX_BATCH);
      try {
        const results = await this.transaction(async (trx, client) => {
          const out: unknown[] = [];
          for (const item of batch) out.push(await item.op(trx, client));
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
            item.resolve(await this.transaction(async (trx, client) => item.op(trx, client)));
          } catch (itemErr) {
            item.reject(itemErr);
          }
        }
      }
    }
  }
}

/**
 * PostgreSQL: transactions of a query builder of their own, over the same pool, whose pool
 * remembers the client it last handed out. Batches run one at a time, so that is the client of
 * the running transaction, on which the driver's named statements then run.
 */
function postgresTransactions(pool: pg.Pool): RunTransaction {
  let current: pg.PoolClient | undefined;
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({
      pool: {
        connect: async () => (current = await pool.connect()),
        // The pool belongs to the database's own query builder, which ends it.
        end: async () => undefined,
      },
    }),
  });
  return (body) => db.transaction().execute((trx) => body(trx, current));
}
