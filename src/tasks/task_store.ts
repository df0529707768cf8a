import { CompiledQuery, sql, type Kysely, type RawBuilder, type Selectable, type Transaction } from 'kysely';
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
  /** JSON of ConnectorRoom[]. */
  rooms: string;
  otherwise: number;
  limit: number;
  /** The largest room of any connector, at most `limit`. */
  maxRoom: number;
}

/**
 * The claim statement. Both dialects walk the connectors that have idle tasks (one index seek
 * each, on tasks_claim_queue), read the head of each open connector's queue up to its room,
 * add the tasks without a connector, and take the first `limit` of all that in priority, then
 * run_at order. So a connector's backlog never crowds out another's tasks, and nothing is
 * claimed that cannot start.
 */
function claimStatement(dialect: Dialect): (p: ClaimParameters) => RawBuilder<Selectable<TasksTable>> {
  if (dialect === 'sqlite') {
    // SQLite has no LATERAL, and a LIMIT cannot refer to the outer row: each queue's head is
    // read up to the largest room, then cut to its own by row_number.
    return (p) => sql<Selectable<TasksTable>>`
      with recursive
      queues(id) as (
        select (select min(connector_id) from tasks where status = 'idle')
        union all
        select (select min(connector_id) from tasks where status = 'idle' and connector_id > queues.id) from queues where queues.id is not null
      ),
      open_queues(id, room) as (
        select id, coalesce((select r.value ->> 'room' from json_each(${p.rooms}) r where r.value ->> 'connector_id' = queues.id), ${p.otherwise})
        from queues
        where id is not null
          and not exists (select 1 from connector_pauses where connector_pauses.connector_id = queues.id and paused_until > ${p.now})
      ),
      heads(id, connector_id, priority, run_at, room) as (
        select t.id, t.connector_id, t.priority, t.run_at, o.room from open_queues o
        join tasks t on t.rowid in (
          select rowid from tasks where status = 'idle' and connector_id = o.id and run_at <= ${p.now}
          order by priority desc, run_at limit ${p.maxRoom})
        where o.room > 0
      ),
      picked(id, priority, run_at) as (
        select id, priority, run_at from (
          select id, priority, run_at, room, row_number() over (partition by connector_id order by priority desc, run_at) as n from heads
        ) where n <= room
        union all
        select * from (
          select id, priority, run_at from tasks where status = 'idle' and connector_id is null and run_at <= ${p.now}
          order by priority desc, run_at limit ${p.limit})
      )
      update tasks set status = 'running', owner = ${p.owner}, lease_expires_at = ${p.leaseUntil}, attempts = attempts + 1, updated_at = ${p.now}
      where id in (select id from picked order by priority desc, run_at limit ${p.limit})
      returning *`;
  }
  // Several instances claim at once: each skips the rows another has locked, queue by queue.
  return (p) => sql<Selectable<TasksTable>>`
    with recursive
    queues(id) as (
      (select connector_id from tasks where status = 'idle' and connector_id is not null order by connector_id limit 1)
      union all
      select (select t.connector_id from tasks t where t.status = 'idle' and t.connector_id > q.id order by t.connector_id limit 1)
      from queues q where q.id is not null
    ),
    rooms as (select * from json_to_recordset(${p.rooms}::json) as r(connector_id text, room integer)),
    open_queues as (
      select q.id, coalesce(r.room, ${p.otherwise}::integer) as room from queues q left join rooms r on r.connector_id = q.id
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
    returning tasks.*`;
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
  private readonly claimQuery;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
    private readonly writes: GroupCommit,
  ) {
    this.insertTasks = rowsInserter<NewTaskRow>(dialect, 'tasks', NEW_TASK_COLUMNS, 'on conflict (id) do nothing');
    this.finishRows = finisher(dialect);
    this.claimQuery = claimStatement(dialect);
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
    const rooms = JSON.stringify(room.byConnector);
    const maxRoom = Math.min(limit, room.byConnector.reduce((max, c) => Math.max(max, c.room), room.otherwise));
    const { rows } = await this.claimQuery({ owner, now, leaseUntil: now + leaseMs, rooms, otherwise: room.otherwise, limit, maxRoom }).execute(this.db);
    return rows.map(fromRow).sort((a, b) => b.priority - a.priority || a.runAt.getTime() - b.runAt.getTime());
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
