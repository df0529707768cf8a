import type SQLite from 'better-sqlite3';
import { CompiledQuery, sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { PlugboardDatabase } from '../storage/database.js';
import type { GroupCommit } from '../storage/group_commit.js';
import { pgRecordset, rowsInserter, type Columns } from '../storage/batch_rows.js';
import type { Database, Dialect, TasksTable } from '../storage/schema.js';
import type { ClaimRoom } from './flow_control.js';
import type { NewTask, TaskInstance } from './types.js';

export type TaskStatus = TasksTable['status'];

export interface StoredTask extends TaskInstance {
  status: TaskStatus;
  lastError: string | null;
  result: unknown;
  createdAt: Date;
  updatedAt: Date;
}

function fromRow(row: Selectable<TasksTable>): StoredTask {
  return {
    id: row.id,
    type: row.type,
    scope: row.scope,
    spaceId: row.space_id,
    connectorId: row.connector_id,
    params: JSON.parse(row.params) as Record<string, unknown>,
    state: JSON.parse(row.state) as Record<string, unknown>,
    priority: row.priority,
    runAt: new Date(Number(row.run_at)),
    scheduledAt: new Date(Number(row.scheduled_at)),
    attempts: row.attempts,
    interruptedAttempts: row.interrupted_attempts,
    maxAttempts: row.max_attempts,
    intervalMs: row.interval_ms === null ? null : Number(row.interval_ms),
    status: row.status,
    lastError: row.last_error,
    result: row.result === null ? undefined : JSON.parse(row.result),
    createdAt: new Date(Number(row.created_at)),
    updatedAt: new Date(Number(row.updated_at)),
  };
}

type NewTaskRow = Omit<TasksTable, 'owner' | 'lease_expires_at' | 'last_error' | 'result' | 'interrupted_attempts'>;

const NEW_TASK_COLUMNS = {
  id: 'text',
  type: 'text',
  scope: 'text',
  space_id: 'text',
  connector_id: 'text',
  params: 'text',
  state: 'text',
  status: 'text',
  priority: 'integer',
  run_at: 'bigint',
  scheduled_at: 'bigint',
  attempts: 'integer',
  max_attempts: 'integer',
  interval_ms: 'bigint',
  created_at: 'bigint',
  updated_at: 'bigint',
} as const satisfies Columns<NewTaskRow>;

interface FinishRow {
  id: string;
  owner: string;
  status: 'succeeded' | 'failed';
  result: string | null;
  error: string | null;
}

const FINISH_COLUMNS = { id: 'text', owner: 'text', status: 'text', result: 'text', error: 'text' } as const satisfies Columns<FinishRow>;

/** Marks finished tasks: one statement per row on SQLite, one for all on PostgreSQL (see batch_rows). */
function finisher(dialect: Dialect): (trx: Transaction<Database>, rows: FinishRow[], now: number) => Promise<void> {
  if (dialect === 'sqlite') {
    return async (trx, rows, now) => {
      for (const row of rows) {
        await trx.executeQuery(
          CompiledQuery.raw(
            'update tasks set status = ?, result = ?, last_error = ?, owner = null, lease_expires_at = null, updated_at = ? where id = ? and owner = ?',
            [row.status, row.result, row.error, now, row.id, row.owner],
          ),
        );
      }
    };
  }
  const recordset = pgRecordset(FINISH_COLUMNS, 'f');
  return async (trx, rows, now) => {
    await sql`update tasks set status = f.status, result = f.result, last_error = f.error,
        owner = null, lease_expires_at = null, updated_at = ${now}
      from ${recordset(rows)}
      where tasks.id = f.id and tasks.owner = f.owner`.execute(trx);
  };
}

interface ClaimParameters {
  owner: string;
  now: number;
  leaseUntil: number;
  room: ClaimRoom;
  limit: number;
}

type Claim = (p: ClaimParameters) => Promise<Array<Selectable<TasksTable>>>;

// A claim walks the connectors that have idle tasks (one seek each on tasks_claim_queue), reads
// the head of each open connector's queue up to its room, adds the tasks without a connector,
// and takes the first `limit` of all that in priority, then run_at order. So a connector's
// backlog never crowds out another's tasks, and nothing is claimed that it cannot start.

const byClaimOrder = (a: Selectable<TasksTable>, b: Selectable<TasksTable>) => b.priority - a.priority || Number(a.run_at) - Number(b.run_at);

/**
 * SQLite: statements prepared once on the driver, run in one transaction while holding the
 * query builder's connection. (One SQL statement would need LATERAL, which SQLite lacks; its
 * equivalents cost several times as much.)
 */
function sqliteClaim(db: Kysely<Database>, sqlite: SQLite.Database): Claim {
  const queues = sqlite.prepare<[number], { id: string }>(`
    with recursive queues(id) as (
      select (select min(connector_id) from tasks where status = 'idle')
      union all
      select (select min(connector_id) from tasks where status = 'idle' and connector_id > queues.id) from queues where queues.id is not null
    )
    select id from queues
    where id is not null and not exists (select 1 from connector_pauses where connector_pauses.connector_id = queues.id and paused_until > ?)`);
  const head = sqlite.prepare<[string, number, number], Selectable<TasksTable>>(
    `select * from tasks where status = 'idle' and connector_id = ? and run_at <= ? order by priority desc, run_at limit ?`,
  );
  const unbound = sqlite.prepare<[number, number], Selectable<TasksTable>>(
    `select * from tasks where status = 'idle' and connector_id is null and run_at <= ? order by priority desc, run_at limit ?`,
  );
  const take = sqlite.prepare<[string, number, number, string]>(
    `update tasks set status = 'running', owner = ?, lease_expires_at = ?, attempts = attempts + 1, updated_at = ? where id = ? and status = 'idle'`,
  );
  const claim = sqlite.transaction((p: ClaimParameters): Array<Selectable<TasksTable>> => {
    const rooms = new Map(p.room.byConnector.map((c) => [c.connector_id, c.room]));
    const candidates = unbound.all(p.now, p.limit);
    for (const { id } of queues.all(p.now)) {
      const room = Math.min(rooms.get(id) ?? p.room.otherwise, p.limit);
      if (room > 0) candidates.push(...head.all(id, p.now, room));
    }
    const picked = candidates.sort(byClaimOrder).slice(0, p.limit);
    for (const row of picked) {
      take.run(p.owner, p.leaseUntil, p.now, row.id);
      Object.assign(row, { status: 'running', owner: p.owner, lease_expires_at: p.leaseUntil, attempts: row.attempts + 1, updated_at: p.now });
    }
    return picked;
  });
  return (p) => db.connection().execute(async () => claim.immediate(p));
}

/**
 * PostgreSQL: one statement. Each connector's head is read with FOR UPDATE SKIP LOCKED, so
 * instances claiming at once split a queue between them.
 */
function postgresClaim(db: Kysely<Database>): Claim {
  return async (p) => {
    const { rows } = await sql<Selectable<TasksTable>>`
      with recursive
      queues(id) as (
        (select connector_id from tasks where status = 'idle' and connector_id is not null order by connector_id limit 1)
        union all
        select (select t.connector_id from tasks t where t.status = 'idle' and t.connector_id > q.id order by t.connector_id limit 1)
        from queues q where q.id is not null
      ),
      rooms as (select * from json_to_recordset(${JSON.stringify(p.room.byConnector)}::json) as r(connector_id text, room integer)),
      open_queues as (
        select q.id, coalesce(r.room, ${p.room.otherwise}::integer) as room from queues q left join rooms r on r.connector_id = q.id
        where q.id is not null
          and not exists (select 1 from connector_pauses where connector_pauses.connector_id = q.id and paused_until > ${p.now})
      ),
      heads as (
        select t.id, t.priority, t.run_at from open_queues o cross join lateral (
          select id, priority, run_at from tasks
          where status = 'idle' and connector_id = o.id and run_at <= ${p.now}
          order by priority desc, run_at
          limit least(o.room, ${p.limit}::integer)
          for update skip locked
        ) t
        where o.room > 0
      ),
      unbound as (
        select id, priority, run_at from tasks where status = 'idle' and connector_id is null and run_at <= ${p.now}
        order by priority desc, run_at limit ${p.limit} for update skip locked
      ),
      picked as (
        select id from (select * from heads union all select * from unbound) c order by priority desc, run_at limit ${p.limit}
      )
      update tasks set status = 'running', owner = ${p.owner}, lease_expires_at = ${p.leaseUntil}, attempts = tasks.attempts + 1, updated_at = ${p.now}
      from picked where tasks.id = picked.id
      returning tasks.*`.execute(db);
    return rows.sort(byClaimOrder);
  };
}

/**
 * The durable queue. Claims take a batch in one statement; finishing writes go through the
 * group commit so that many tasks finish in one transaction.
 */
export class TaskStore {
  private pendingFinishes: FinishRow[] = [];
  private finishBatch: Promise<void> | undefined;
  private readonly insertTasks;
  private readonly finishRows;
  private readonly claimRows: Claim;
  private readonly db: Kysely<Database>;

  constructor(
    database: PlugboardDatabase,
    private readonly writes: GroupCommit,
  ) {
    this.db = database.db;
    this.insertTasks = rowsInserter<NewTaskRow>(database.dialect, 'tasks', NEW_TASK_COLUMNS, 'on conflict (id) do nothing');
    this.finishRows = finisher(database.dialect);
    this.claimRows = database.sqlite ? sqliteClaim(this.db, database.sqlite) : postgresClaim(this.db);
  }

  /** Schedules tasks; resolves once they are committed. An existing id is left as it is. */
  schedule(tasks: NewTask[]): Promise<void> {
    if (tasks.length === 0) return Promise.resolve();
    const now = Date.now();
    const rows = tasks.map((t): NewTaskRow => {
      const runAt = t.runAt?.getTime() ?? now;
      return {
        id: t.id,
        type: t.type,
        scope: t.scope,
        space_id: t.spaceId,
        connector_id: t.connectorId ?? null,
        params: JSON.stringify(t.params),
        state: JSON.stringify(t.state ?? {}),
        status: 'idle',
        priority: t.priority ?? 50,
        run_at: runAt,
        scheduled_at: runAt,
        attempts: 0,
        max_attempts: t.maxAttempts,
        interval_ms: t.intervalMs ?? null,
        created_at: now,
        updated_at: now,
      };
    });
    return this.writes.submit((trx) => this.insertTasks(trx, rows));
  }

  /**
   * Claims up to `limit` due tasks for `owner` in one statement, in priority, then run_at
   * order, taking no more of a connector's tasks than `room` gives it and none of a connector
   * paused (by any instance). Tasks without a connector are limited by `limit` alone.
   */
  async claim(owner: string, limit: number, leaseMs: number, room: ClaimRoom = { byConnector: [], otherwise: limit }): Promise<StoredTask[]> {
    if (limit <= 0) return [];
    const now = Date.now();
    const rows = await this.claimRows({ owner, now, leaseUntil: now + leaseMs, room, limit });
    return rows.map(fromRow);
  }

  /** Extends the leases of tasks this instance is still running. */
  renewLeases(owner: string, ids: string[], leaseMs: number): Promise<void> {
    if (ids.length === 0) return Promise.resolve();
    // Through the group commit, so that it never races (and deadlocks) with finishing writes.
    return this.writes.submit(async (trx) => {
      await trx
      .updateTable('tasks')
      .set({ lease_expires_at: Date.now() + leaseMs })
      .where('owner', '=', owner)
      .where('status', '=', 'running')
      .where('id', 'in', ids)
      .execute();
    });
  }

  /** Returns tasks whose lease ran out (their worker died) to the queue; resolves to how many. */
  async recoverExpired(): Promise<number> {
    const result = await this.db
      .updateTable('tasks')
      .set({ status: 'idle', owner: null, lease_expires_at: null, updated_at: Date.now() })
      .where('status', '=', 'running')
      .where('lease_expires_at', '<', Date.now())
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /**
   * Marks a task finished. The finishes of one tick become one UPDATE … FROM, so PostgreSQL
   * pays one round trip for all of them.
   */
  finish(id: string, owner: string, status: 'succeeded' | 'failed', result: unknown, error?: string): Promise<void> {
    this.pendingFinishes.push({ id, owner, status, result: result === undefined ? null : JSON.stringify(result), error: error ?? null });
    let rows: FinishRow[] | undefined;
    this.finishBatch ??= this.writes.submit(async (trx) => {
      if (!rows) {
        rows = this.pendingFinishes;
        this.pendingFinishes = [];
        this.finishBatch = undefined;
      }
      await this.finishRows(trx, rows, Date.now());
    });
    return this.finishBatch;
  }

  /**
   * Puts a task back in the queue to run at `runAt`. `refundAttempt` takes the attempt back, as
   * if it never started (flow control held it back, the service asked for a pause, this
   * instance could not run it); `interrupted` keeps its number but marks it cut short by a
   * shutdown, so that it does not count towards the attempt limit.
   */
  requeue(
    id: string,
    owner: string,
    runAt: Date,
    opts: {
      refundAttempt?: boolean;
      interrupted?: boolean;
      error?: string;
      result?: unknown;
      state?: Record<string, unknown>;
      resetAttempts?: boolean;
    } = {},
  ): Promise<void> {
    return this.writes.submit(async (trx) => {
      await trx
        .updateTable('tasks')
        .set((eb) => ({
          status: 'idle',
          owner: null,
          lease_expires_at: null,
          run_at: runAt.getTime(),
          ...(opts.resetAttempts
            ? { attempts: 0, interrupted_attempts: 0, scheduled_at: runAt.getTime() }
            : opts.refundAttempt
              ? { attempts: eb('attempts', '-', 1) }
              : opts.interrupted
                ? { interrupted_attempts: eb('interrupted_attempts', '+', 1) }
                : {}),
          ...(opts.error !== undefined ? { last_error: opts.error } : {}),
          ...(opts.result !== undefined ? { result: JSON.stringify(opts.result) } : {}),
          ...(opts.state !== undefined ? { state: JSON.stringify(opts.state) } : {}),
          updated_at: Date.now(),
        }))
        .where('id', '=', id)
        .where('owner', '=', owner)
        .execute();
    });
  }

  pauseConnector(connectorId: string, until: Date, reason: string): Promise<void> {
    return this.writes.submit(async (trx) => {
      await trx
        .insertInto('connector_pauses')
        .values({ connector_id: connectorId, paused_until: until.getTime(), reason })
        .onConflict((oc) => oc.column('connector_id').doUpdateSet({ paused_until: until.getTime(), reason }))
        .execute();
    });
  }

  async get(id: string): Promise<StoredTask | undefined> {
    const row = await this.db.selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  /** Tasks of a scope that are queued or running (for `xpack.actions.queued.max`). */
  async countActive(scope: string): Promise<number> {
    const row = await this.db
      .selectFrom('tasks')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('scope', '=', scope)
      .where('status', 'in', ['idle', 'running'])
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Queued tasks by type, for the health route. */
  async backlogByType(): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom('tasks')
      .select(['type'])
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', '=', 'idle')
      .groupBy('type')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.type, Number(r.n)]));
  }

  /** Deletes finished one-shot tasks last updated before `before`. */
  async deleteFinished(before: Date): Promise<number> {
    const result = await this.db
      .deleteFrom('tasks')
      .where('status', 'in', ['succeeded', 'failed'])
      .where('updated_at', '<', before.getTime())
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
