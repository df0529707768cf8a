import type SQLite from 'better-sqlite3';
import { sql, type Kysely, type Selectable } from 'kysely';
import type pg from 'pg';
import { insertRows, rowsWriter, updateFromRows, type Columns, type PgStatement, type RowsWriter } from '../storage/batch_rows.js';
import type { PlugboardDatabase } from '../storage/database.js';
import type { GroupCommit } from '../storage/group_commit.js';
import type { ConnectorPausesTable, Database, TasksTable } from '../storage/schema.js';
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
  updated_at: number;
}

const FINISH_COLUMNS = { id: 'text', owner: 'text', status: 'text', result: 'text', error: 'text', updated_at: 'bigint' } as const satisfies Columns<FinishRow>;

/**
 * What a requeue does to the attempt count: the attempt `counted`; `refunded`, as if it never
 * started; `interrupted`, counted but marked cut short; or all `reset` (a recurring task's next
 * run, scheduled from now on).
 */
type AttemptChange = 'counted' | 'refunded' | 'interrupted' | 'reset';

interface RequeueRow {
  id: string;
  owner: string;
  run_at: number;
  attempt_change: AttemptChange;
  /** null: left as it is (also result and state). */
  error: string | null;
  result: string | null;
  state: string | null;
  updated_at: number;
}

const REQUEUE_COLUMNS = {
  id: 'text',
  owner: 'text',
  run_at: 'bigint',
  attempt_change: 'text',
  error: 'text',
  result: 'text',
  state: 'text',
  updated_at: 'bigint',
} as const satisfies Columns<RequeueRow>;

const PAUSE_COLUMNS = { connector_id: 'text', paused_until: 'bigint', reason: 'text' } as const satisfies Columns<ConnectorPausesTable>;

interface LeaseRow {
  id: string;
  owner: string;
  lease_expires_at: number;
}

const LEASE_COLUMNS = { id: 'text', owner: 'text', lease_expires_at: 'bigint' } as const satisfies Columns<LeaseRow>;

// The task writes, one statement each, prepared once on the driver (see batch_rows.ts); exported
// for bench/storage_thread.ts, which runs them in a worker thread. Each
// changes a task only while `owner` holds it, so a lease that ran out and went to another
// instance is not overwritten.
export const TASK_WRITES = {
  insert: insertRows('plugboard_tasks_insert', 'tasks', NEW_TASK_COLUMNS, 'on conflict (id) do nothing'),
  pause: insertRows(
    'plugboard_tasks_pause',
    'connector_pauses',
    PAUSE_COLUMNS,
    'on conflict (connector_id) do update set paused_until = excluded.paused_until, reason = excluded.reason',
  ),
  requeue: updateFromRows('plugboard_tasks_requeue', 'tasks', REQUEUE_COLUMNS, (v) => ({
    set: `status = 'idle', owner = null, lease_expires_at = null, run_at = ${v('run_at')},
      attempts = case ${v('attempt_change')} when 'reset' then 0 when 'refunded' then tasks.attempts - 1 else tasks.attempts end,
      interrupted_attempts = case ${v('attempt_change')} when 'reset' then 0 when 'interrupted' then tasks.interrupted_attempts + 1 else tasks.interrupted_attempts end,
      scheduled_at = case ${v('attempt_change')} when 'reset' then ${v('run_at')} else tasks.scheduled_at end,
      last_error = coalesce(${v('error')}, tasks.last_error), result = coalesce(${v('result')}, tasks.result),
      state = coalesce(${v('state')}, tasks.state), updated_at = ${v('updated_at')}`,
    where: `tasks.id = ${v('id')} and tasks.owner = ${v('owner')}`,
  })),
  finish: updateFromRows('plugboard_tasks_finish', 'tasks', FINISH_COLUMNS, (v) => ({
    set: `status = ${v('status')}, result = ${v('result')}, last_error = ${v('error')}, owner = null, lease_expires_at = null, updated_at = ${v('updated_at')}`,
    where: `tasks.id = ${v('id')} and tasks.owner = ${v('owner')}`,
  })),
  renew: updateFromRows('plugboard_tasks_renew', 'tasks', LEASE_COLUMNS, (v) => ({
    set: `lease_expires_at = ${v('lease_expires_at')}`,
    where: `tasks.id = ${v('id')} and tasks.owner = ${v('owner')} and tasks.status = 'running'`,
  })),
};

/** The task writes asked for during one tick; they are written together, in this order. */
class TickWrites {
  readonly inserts: NewTaskRow[] = [];
  /** By connector: of two pauses of a connector, the later one stands, as if written in turn. */
  readonly pauses = new Map<string, ConnectorPausesTable>();
  readonly requeues: RequeueRow[] = [];
  readonly finishes: FinishRow[] = [];
  readonly renewals: LeaseRow[] = [];
}

/**
 * The task types an instance can run: exact types and prefixes ending in ':' (`actions:`). A
 * claim takes no other task, so a task whose handler is not registered here (a rule type of a
 * newer version, a part not started) waits for an instance that has one instead of failing.
 */
export interface ClaimableTypes {
  exact: string[];
  prefixes: string[];
}

interface ClaimParameters {
  owner: string;
  now: number;
  leaseUntil: number;
  room: ClaimRoom;
  limit: number;
  /** Undefined: any type (tests of the queue itself). */
  types?: ClaimableTypes;
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
  // `limit cast(? as integer)`, not `limit ?`: SQLite plans a bare parameter's limit with its
  // bound value, and then prepares the statement again whenever it is bound anew.
  // The claimable types come as two JSON arrays; null for any type.
  // `tasks.type`: json_each has a `type` column of its own.
  const claimable = `(@exact is null or tasks.type in (select value from json_each(@exact)) or exists (select 1 from json_each(@prefixes) p where substr(tasks.type, 1, length(p.value)) = p.value))`;
  type Bound = { exact: string | null; prefixes: string | null; now: number; limit: number };
  const head = sqlite.prepare<[Bound & { connector: string }], Selectable<TasksTable>>(
    `select * from tasks where status = 'idle' and connector_id = @connector and run_at <= @now and ${claimable} order by priority desc, run_at limit cast(@limit as integer)`,
  );
  const unbound = sqlite.prepare<[Bound], Selectable<TasksTable>>(
    `select * from tasks where status = 'idle' and connector_id is null and run_at <= @now and ${claimable} order by priority desc, run_at limit cast(@limit as integer)`,
  );
  const take = sqlite.prepare<[string, number, number, string]>(
    `update tasks set status = 'running', owner = ?, lease_expires_at = ?, attempts = attempts + 1, updated_at = ? where id = ? and status = 'idle'`,
  );
  const claim = sqlite.transaction((p: ClaimParameters): Array<Selectable<TasksTable>> => {
    const rooms = new Map(p.room.byConnector.map((c) => [c.connector_id, c.room]));
    const bound = { exact: p.types ? JSON.stringify(p.types.exact) : null, prefixes: p.types ? JSON.stringify(p.types.prefixes) : null, now: p.now };
    const candidates = unbound.all({ ...bound, limit: p.limit });
    for (const { id } of queues.all(p.now)) {
      const room = Math.min(rooms.get(id) ?? p.room.otherwise, p.limit);
      if (room > 0) candidates.push(...head.all({ ...bound, connector: id, limit: room }));
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

// Statuses as literals, never parameters: the indexes of the tasks table hold only the tasks of
// one status or two (migration 012), and a planner uses one only if the query names them.
const QUEUED = sql<boolean>`status = 'idle'`;
/** Tries of runSoon at a task whose runs keep ending between its two statements. */
const RUN_SOON_ATTEMPTS = 3;
const RUNNING = sql<boolean>`status = 'running'`;
const ACTIVE = sql<boolean>`status in ('idle', 'running')`;
const FINISHED = sql<boolean>`status in ('succeeded', 'failed')`;

/** The claimable types as two arrays ($8 exact types, $9 prefixes); $8 null for any type. */
const PG_CLAIMABLE = `($8::text[] is null or tasks.type = any($8::text[]) or exists (select 1 from unnest($9::text[]) p(v) where left(tasks.type, length(p.v)) = p.v))`;

/**
 * PostgreSQL: one statement, named, so each connection parses and plans it once. Each
 * connector's head is read with FOR UPDATE SKIP LOCKED, so instances claiming at once split a
 * queue between them. The rooms come as two arrays (connector ids, rooms).
 */
const POSTGRES_CLAIM: PgStatement = {
  name: 'plugboard_tasks_claim',
  text: `
    with recursive
    queues(id) as (
      (select connector_id from tasks where status = 'idle' and connector_id is not null order by connector_id limit 1)
      union all
      select (select t.connector_id from tasks t where t.status = 'idle' and t.connector_id > q.id order by t.connector_id limit 1)
      from queues q where q.id is not null
    ),
    rooms as (select * from unnest($1::text[], $2::integer[]) as r(connector_id, room)),
    open_queues as (
      select q.id, coalesce(r.room, $3::integer) as room from queues q left join rooms r on r.connector_id = q.id
      where q.id is not null
        and not exists (select 1 from connector_pauses where connector_pauses.connector_id = q.id and paused_until > $4::bigint)
    ),
    heads as (
      select t.id, t.priority, t.run_at from open_queues o cross join lateral (
        select id, priority, run_at from tasks
        where status = 'idle' and connector_id = o.id and run_at <= $4::bigint and ${PG_CLAIMABLE}
        order by priority desc, run_at
        limit least(o.room, $5::integer)
        for update skip locked
      ) t
      where o.room > 0
    ),
    unbound as (
      select id, priority, run_at from tasks where status = 'idle' and connector_id is null and run_at <= $4::bigint and ${PG_CLAIMABLE}
      order by priority desc, run_at limit $5::integer for update skip locked
    ),
    picked as (
      select id from (select * from heads union all select * from unbound) c order by priority desc, run_at limit $5::integer
    )
    update tasks set status = 'running', owner = $6::text, lease_expires_at = $7::bigint, attempts = tasks.attempts + 1, updated_at = $4::bigint
    from picked where tasks.id = picked.id
    returning tasks.*`,
};

function postgresClaim(pool: pg.Pool): Claim {
  return async (p) => {
    const { rows } = await pool.query<Selectable<TasksTable>>({
      ...POSTGRES_CLAIM,
      values: [
        p.room.byConnector.map((r) => r.connector_id),
        p.room.byConnector.map((r) => r.room),
        p.room.otherwise,
        p.now,
        p.limit,
        p.owner,
        p.leaseUntil,
        p.types?.exact ?? null,
        p.types?.prefixes ?? [],
      ],
    });
    return rows.sort(byClaimOrder);
  };
}

/**
 * The durable queue. Claims take a batch in one statement (one transaction on SQLite); every
 * other write of a tick (new tasks, finishes, requeues, pauses, lease renewals) is one write of
 * the group commit, so that they share its transaction with the event log's.
 */
export class TaskStore {
  private pending: TickWrites | undefined;
  private pendingBatch: Promise<void> | undefined;
  private readonly writeInserts: RowsWriter<NewTaskRow>;
  private readonly writePauses: RowsWriter<ConnectorPausesTable>;
  private readonly writeRequeues: RowsWriter<RequeueRow>;
  private readonly writeFinishes: RowsWriter<FinishRow>;
  private readonly writeRenewals: RowsWriter<LeaseRow>;
  private readonly claimRows: Claim;
  private readonly db: Kysely<Database>;

  constructor(
    database: PlugboardDatabase,
    private readonly writes: GroupCommit,
  ) {
    this.db = database.db;
    this.writeInserts = rowsWriter(database, TASK_WRITES.insert);
    this.writePauses = rowsWriter(database, TASK_WRITES.pause);
    this.writeRequeues = rowsWriter(database, TASK_WRITES.requeue);
    this.writeFinishes = rowsWriter(database, TASK_WRITES.finish);
    this.writeRenewals = rowsWriter(database, TASK_WRITES.renew);
    if (database.sqlite) this.claimRows = sqliteClaim(this.db, database.sqlite);
    else if (database.pool) this.claimRows = postgresClaim(database.pool);
    else throw new Error('the task store needs the database driver');
  }

  /**
   * Adds to this tick's writes; resolves once they are committed. All of a tick's writes are
   * one write of the group commit, taken when it runs: if the group commit has to write it
   * again on its own, it writes the same rows.
   */
  private write(add: (writes: TickWrites) => void): Promise<void> {
    add((this.pending ??= new TickWrites()));
    let taken: TickWrites | undefined;
    this.pendingBatch ??= this.writes.submit(async (_trx, client) => {
      if (!taken) {
        taken = this.pending!;
        this.pending = undefined;
        this.pendingBatch = undefined;
      }
      const { inserts, pauses, requeues, finishes, renewals } = taken;
      if (inserts.length > 0) await this.writeInserts(inserts, client);
      if (pauses.size > 0) await this.writePauses([...pauses.values()], client);
      if (requeues.length > 0) await this.writeRequeues(requeues, client);
      if (finishes.length > 0) await this.writeFinishes(finishes, client);
      if (renewals.length > 0) await this.writeRenewals(renewals, client);
    });
    return this.pendingBatch;
  }

  /** Schedules tasks; resolves once they are committed. An existing id is left as it is. */
  schedule(tasks: NewTask[]): Promise<void> {
    if (tasks.length === 0) return Promise.resolve();
    const now = Date.now();
    return this.write(({ inserts }) => {
      for (const t of tasks) {
        const runAt = t.runAt?.getTime() ?? now;
        inserts.push({
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
        });
      }
    });
  }

  /**
   * Claims up to `limit` due tasks for `owner` in one statement, in priority, then run_at
   * order, taking no more of a connector's tasks than `room` gives it and none of a connector
   * paused (by any instance). Tasks without a connector are limited by `limit` alone.
   */
  async claim(
    owner: string,
    limit: number,
    leaseMs: number,
    room: ClaimRoom = { byConnector: [], otherwise: limit },
    types?: ClaimableTypes,
  ): Promise<StoredTask[]> {
    if (limit <= 0) return [];
    const now = Date.now();
    const rows = await this.claimRows({ owner, now, leaseUntil: now + leaseMs, room, limit, types });
    return rows.map(fromRow);
  }

  /** Extends the leases of tasks this instance is still running. */
  renewLeases(owner: string, ids: string[], leaseMs: number): Promise<void> {
    if (ids.length === 0) return Promise.resolve();
    const until = Date.now() + leaseMs;
    return this.write(({ renewals }) => {
      for (const id of ids) renewals.push({ id, owner, lease_expires_at: until });
    });
  }

  /** Returns tasks whose lease ran out (their worker died) to the queue; resolves to how many. */
  async recoverExpired(): Promise<number> {
    const result = await this.db
      .updateTable('tasks')
      .set({ status: 'idle', owner: null, lease_expires_at: null, updated_at: Date.now() })
      .where(RUNNING)
      .where('lease_expires_at', '<', Date.now())
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** Marks a task finished. */
  finish(id: string, owner: string, status: 'succeeded' | 'failed', result: unknown, error?: string): Promise<void> {
    const row: FinishRow = { id, owner, status, result: result === undefined ? null : JSON.stringify(result), error: error ?? null, updated_at: Date.now() };
    return this.write(({ finishes }) => finishes.push(row));
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
    const row: RequeueRow = {
      id,
      owner,
      run_at: runAt.getTime(),
      attempt_change: opts.resetAttempts ? 'reset' : opts.refundAttempt ? 'refunded' : opts.interrupted ? 'interrupted' : 'counted',
      error: opts.error ?? null,
      result: opts.result === undefined ? null : JSON.stringify(opts.result),
      state: opts.state === undefined ? null : JSON.stringify(opts.state),
      updated_at: Date.now(),
    };
    return this.write(({ requeues }) => requeues.push(row));
  }

  pauseConnector(connectorId: string, until: Date, reason: string): Promise<void> {
    return this.write(({ pauses }) => pauses.set(connectorId, { connector_id: connectorId, paused_until: until.getTime(), reason }));
  }

  /** Deletes a task whatever its status (a rule deleted or disabled); a run in progress loses its row. */
  async remove(id: string): Promise<void> {
    await this.db.deleteFrom('tasks').where('id', '=', id).execute();
  }

  /**
   * Gives a recurring task a new interval; a queued one's next run moves by the difference, but
   * not into the past (Kibana's bulkUpdateSchedules).
   */
  async updateInterval(id: string, intervalMs: number): Promise<void> {
    const now = Date.now();
    const moved = sql<number>`run_at - interval_ms + ${sql.lit(intervalMs)}`;
    await this.db
      .updateTable('tasks')
      .set({
        interval_ms: intervalMs,
        run_at: sql<number>`case when status = 'idle' and interval_ms is not null
          then (case when ${moved} > ${sql.lit(now)} then ${moved} else ${sql.lit(now)} end) else run_at end`,
        updated_at: now,
      })
      .where('id', '=', id)
      .execute();
  }

  /**
   * Moves a queued task's next run to now (Kibana's task manager `runSoon`): `running` when it
   * is running (it cannot be moved), `missing` when there is no such task.
   */
  async runSoon(id: string): Promise<'scheduled' | 'running' | 'missing'> {
    for (let attempt = 1; ; attempt++) {
      const now = Date.now();
      const moved = await this.db.updateTable('tasks').set({ run_at: now, updated_at: now }).where('id', '=', id).where(QUEUED).executeTakeFirst();
      if (Number(moved.numUpdatedRows) > 0) return 'scheduled';
      // Only the status: a rule's state can be large, and ingest asks this after every post.
      const task = await this.db.selectFrom('tasks').select('status').where('id', '=', id).executeTakeFirst();
      // Queued again meanwhile: the run that was in the way ended between the two statements
      // (it may have missed what the caller wants seen), so move it once more. A task that keeps
      // slipping away counts as running: the caller then tries again after the run.
      if (task?.status !== 'idle' || attempt === RUN_SOON_ATTEMPTS) return task?.status === 'running' || task?.status === 'idle' ? 'running' : 'missing';
    }
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
      .where(ACTIVE)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Queued tasks by type, for the health route. */
  async backlogByType(): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom('tasks')
      .select(['type'])
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where(QUEUED)
      .groupBy('type')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.type, Number(r.n)]));
  }

  /** Deletes finished one-shot tasks last updated before `before`. */
  async deleteFinished(before: Date): Promise<number> {
    const result = await this.db
      .deleteFrom('tasks')
      .where(FINISHED)
      .where('updated_at', '<', before.getTime())
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
