import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { abortAfter } from '../common/deadline.js';
import { retryDelayMs } from './backoff.js';
import { nextIntervalRun } from './next_run.js';
import type { FlowControl } from './flow_control.js';
import type { ClaimableTypes, StoredTask, TaskStore } from './task_store.js';
import { countedAttempts, isShutdownInterruption, ShutdownInterruption, type NewTask, type TaskDefinition, type TaskOutcome } from './types.js';

export interface TaskManagerOptions {
  /** Tasks this instance runs at once; actions mostly wait on the network, so this is large. */
  maxConcurrency: number;
  /** How many tasks one claim statement takes at most. */
  claimBatchSize: number;
  /** A claimed task belongs to this instance for this long; running tasks renew it. */
  leaseMs: number;
  /** Fallback poll when no wake-up arrives (future run_at, other instances without NOTIFY). */
  pollIntervalMs: number;
  defaultTimeoutMs: number;
  /** How long shutdown waits for running tasks before releasing them. */
  shutdownGraceMs: number;
}

export interface TaskManagerStats {
  /** Tasks claimed and not finished: running, or waiting for a slot of their connector. */
  running: number;
  capacity: number;
  claims: number;
  lastClaimMs: number;
  lastClaimSize: number;
  recentFailures: Array<{ id: string; type: string; error: string; at: string }>;
}

/** An outcome that settles an attempt; a released task (not an attempt) has none. */
export type SettledOutcome = Exclude<TaskOutcome, { kind: 'release' }>;

/** Hooks for metrics: called once per settled attempt. */
export type TaskOutcomeListener = (task: StoredTask, outcome: SettledOutcome, durationMs: number) => void;

interface RunningTask {
  task: StoredTask;
  /** Aborted by the task's timeout or by shutdown: the one signal its handler gets. */
  controller: AbortController;
  done: Promise<void>;
}

/**
 * Claims due tasks in batches and runs them under an instance-wide concurrency limit and
 * per-connector flow control; a claim takes no more of a connector's tasks than it can start.
 * Wakes up on enqueue (and on NOTIFY from other instances), with a poll as fallback. Delivery
 * is at least once: a task whose worker dies is claimed again when its lease runs out.
 */
export class TaskManager {
  readonly owner = `plugboard-${randomUUID()}`;
  private readonly definitions: TaskDefinition[] = [];
  /** Only tasks this instance has a handler for: any other waits in the queue, untouched. Kept as handlers register, not worked out per claim. */
  private readonly claimable: ClaimableTypes = { exact: [], prefixes: [] };
  private readonly running = new Map<string, RunningTask>();
  /**
   * Claimed tasks that found their connector without a free slot (it filled up during the
   * claim, a pause came, or its own limits were not known yet), by connector, in claim order.
   * They wait here under this instance's lease, renewed, and start as slots free up: putting
   * them back would cost a write each, and another claim.
   */
  private readonly held = new Map<string, StoredTask[]>();
  private heldCount = 0;
  private started = false;
  private stopping = false;
  private wakeUp: (() => void) | undefined;
  /** A wake-up that came while claiming: the next sleep returns at once. */
  private wokenWhileBusy = false;
  private loopDone: Promise<void> | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  private readonly listeners: TaskOutcomeListener[] = [];
  private notifier: { notify(): Promise<void> } | undefined;
  readonly stats: TaskManagerStats;

  constructor(
    private readonly store: TaskStore,
    private readonly flow: FlowControl,
    private readonly options: TaskManagerOptions,
    private readonly logger: Logger,
    /** The connector type of a task, for per-type flow limits. */
    private readonly typeOfConnector: (task: StoredTask) => string,
  ) {
    this.stats = { running: 0, capacity: options.maxConcurrency, claims: 0, lastClaimMs: 0, lastClaimSize: 0, recentFailures: [] };
  }

  register(definition: TaskDefinition): void {
    this.definitions.push(definition);
    (definition.type.endsWith(':') ? this.claimable.prefixes : this.claimable.exact).push(definition.type);
  }

  onOutcome(listener: TaskOutcomeListener): void {
    this.listeners.push(listener);
  }


  private definitionFor(type: string): TaskDefinition | undefined {
    return this.definitions.find((d) => d.type === type || (d.type.endsWith(':') && type.startsWith(d.type)));
  }

  async schedule(tasks: NewTask[]): Promise<void> {
    if (tasks.length === 0) return;
    await this.store.schedule(tasks);
    this.wake();
    // Not awaited: the tasks are stored, and another instance that misses the wake-up finds
    // them at its next poll; the enqueue need not wait for one more round trip.
    void this.notifier?.notify().catch((err: unknown) => this.logger.warn({ err }, 'could not notify other instances'));
  }

  /** Runs a queued task now (Kibana's `runSoon`); see TaskStore.runSoon for the answers. */
  async runSoon(id: string): Promise<'scheduled' | 'running' | 'missing'> {
    const answer = await this.store.runSoon(id);
    if (answer === 'scheduled') {
      this.wake();
      void this.notifier?.notify().catch((err: unknown) => this.logger.warn({ err }, 'could not notify other instances'));
    }
    return answer;
  }

  /** Other instances learn of new tasks through this (PostgreSQL NOTIFY). */
  setNotifier(notifier: { notify(): Promise<void> }): void {
    this.notifier = notifier;
  }

  /** Claim now instead of waiting for the poll (enqueue here, NOTIFY from elsewhere). */
  wake(): void {
    if (this.wakeUp) this.wakeUp();
    else this.wokenWhileBusy = true;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.loopDone = this.loop();
    this.renewTimer = setInterval(() => void this.renewLeases(), Math.max(100, this.options.leaseMs / 3));
    this.renewTimer.unref();
  }

  private async loop(): Promise<void> {
    let lastRecovery = 0;
    while (!this.stopping) {
      try {
        if (Date.now() - lastRecovery >= this.options.pollIntervalMs) {
          lastRecovery = Date.now();
          const recovered = await this.store.recoverExpired();
          if (recovered > 0) this.logger.warn(`${recovered} task(s) whose lease expired are queued again`);
        }
        const claimed = await this.claimOnce();
        // A full batch means more may be waiting: claim again at once if there is room.
        if (claimed >= this.options.claimBatchSize && this.freeSlots() > 0) continue;
      } catch (err) {
        this.logger.error({ err }, 'task claim failed');
      }
      await this.sleep();
    }
  }

  private freeSlots(): number {
    return this.options.maxConcurrency - this.running.size - this.heldCount;
  }

  private async claimOnce(): Promise<number> {
    const now = Date.now();
    // Held tasks first: a claim never goes past them to their connector's queue.
    this.startHeld(now);
    const limit = Math.min(this.options.claimBatchSize, this.freeSlots());
    if (limit <= 0) return 0;
    const started = performance.now();
    // A connector with held tasks has no room here: startHeld left them for lack of it.
    const tasks = await this.store.claim(this.owner, limit, this.options.leaseMs, this.flow.claimRoom(now), this.claimable);
    this.stats.claims++;
    this.stats.lastClaimMs = performance.now() - started;
    this.stats.lastClaimSize = tasks.length;
    for (const task of tasks) this.begin(task);
    return tasks.length;
  }

  private begin(task: StoredTask): void {
    const connectorId = task.connectorId;
    if (connectorId && (this.held.has(connectorId) || !this.flow.admit(connectorId, this.typeOfConnector(task)).admitted)) {
      this.hold(connectorId, task);
      return;
    }
    this.runTask(task);
  }

  private hold(connectorId: string, task: StoredTask): void {
    const queue = this.held.get(connectorId);
    if (queue) queue.push(task);
    else this.held.set(connectorId, [task]);
    this.heldCount++;
    this.updateRunningStat();
  }

  /** Starts the held tasks (of one connector, or of all) that their connector now admits. */
  private startHeld(now: number, only?: string): void {
    if (this.stopping || this.heldCount === 0) return;
    for (const [id, queue] of this.held) {
      if (only !== undefined && id !== only) continue;
      while (queue.length > 0 && this.flow.admit(id, this.typeOfConnector(queue[0]), now).admitted) {
        this.heldCount--;
        this.runTask(queue.shift()!);
      }
      if (queue.length === 0) this.held.delete(id);
    }
    this.updateRunningStat();
  }

  /** Gives a connector's held tasks (or all) back to the queue, as never started. */
  private releaseHeld(runAt: Date, connectorId?: string): Promise<unknown> {
    const released: Promise<void>[] = [];
    for (const [id, queue] of this.held) {
      if (connectorId !== undefined && id !== connectorId) continue;
      for (const task of queue) {
        released.push(
          this.store
            .requeue(task.id, this.owner, runAt, { refundAttempt: true })
            .catch((err: unknown) => this.logger.error({ err, taskId: task.id }, 'returning a held task to the queue failed; it runs when its lease expires')),
        );
      }
      this.heldCount -= queue.length;
      this.held.delete(id);
    }
    this.updateRunningStat();
    return Promise.all(released);
  }

  private updateRunningStat(): void {
    this.stats.running = this.running.size + this.heldCount;
  }

  private runTask(task: StoredTask): void {
    const controller = new AbortController();
    const entry: RunningTask = { task, controller, done: Promise.resolve() };
    this.running.set(task.id, entry);
    this.updateRunningStat();
    let slotFreed = false;
    const freeSlot = () => {
      if (slotFreed || !task.connectorId) return;
      slotFreed = true;
      this.flow.release(task.connectorId);
      this.startHeld(Date.now(), task.connectorId);
      this.wake();
    };
    entry.done = this.execute(task, controller, freeSlot)
      // The task stays claimed; when its lease runs out it is run again (at least once).
      .catch((err: unknown) => this.logger.error({ err, taskId: task.id }, 'recording the outcome of a task failed'))
      .finally(() => {
        // A claim for the connector's next task came when its slot was freed; another is only
        // worth it if this task held back every claim, or the slot was not freed (no connector).
        const instanceFull = this.freeSlots() <= 0;
        this.running.delete(task.id);
        this.updateRunningStat();
        freeSlot();
        if (instanceFull || !task.connectorId) this.wake();
      });
  }

  /**
   * Runs a task and writes its outcome. Once the handler is done, its connector's slot is
   * freed (`freeSlot`), so the connector's next task starts while the outcome is written: the
   * limit is on what the service has in flight, and a database round trip is no part of that.
   */
  private async execute(task: StoredTask, controller: AbortController, freeSlot: () => void): Promise<void> {
    const definition = this.definitionFor(task.type);
    const started = performance.now();
    const startedAt = new Date();
    let outcome: TaskOutcome;
    if (!definition) {
      outcome = { kind: 'failed', error: `no task definition for type "${task.type}"` };
    } else {
      const timeout = abortAfter(controller, definition.timeoutMs ?? this.options.defaultTimeoutMs);
      try {
        outcome = await definition.run(task, controller.signal);
      } catch (err) {
        outcome = { kind: 'retry', error: err instanceof Error ? err.message : String(err) };
      } finally {
        timeout.entry.cancel();
      }
    }
    // A pause holds the connector back before its slot frees, so that the slot starts nothing.
    const pausedUntil = outcome.kind === 'pause' ? outcome.until : outcome.kind === 'release' ? outcome.avoidConnectorUntil : undefined;
    if (pausedUntil && task.connectorId) this.flow.pause(task.connectorId, this.typeOfConnector(task), pausedUntil);
    freeSlot();
    if (outcome.kind === 'release') {
      await this.store.requeue(task.id, this.owner, outcome.runAt, { refundAttempt: true, error: outcome.error });
      // What this instance cannot run, another may: its held tasks go back too.
      if (outcome.avoidConnectorUntil && task.connectorId) await this.releaseHeld(outcome.runAt, task.connectorId);
      return;
    }
    if (isShutdownInterruption(controller.signal) && outcome.kind !== 'succeeded') {
      // Cut short by shutdown: neither a failure nor a retry. Any instance may run it now, as
      // the next attempt, and the limit of attempts does not count this one.
      await this.store.requeue(task.id, this.owner, new Date(), { interrupted: true, error: new ShutdownInterruption().message });
      this.logger.info({ taskId: task.id, attempt: task.attempts }, 'task interrupted by shutdown and released to the queue');
      return;
    }
    await this.settle(task, outcome, startedAt);
    const durationMs = performance.now() - started;
    for (const listener of this.listeners) listener(task, outcome, durationMs);
  }

  private async settle(task: StoredTask, outcome: SettledOutcome, startedAt: Date): Promise<void> {
    const { store } = this;
    switch (outcome.kind) {
      case 'succeeded':
        if (task.intervalMs !== null) {
          const next = nextIntervalRun(task.runAt, startedAt, task.intervalMs);
          const runAt = outcome.runAt && outcome.runAt < next ? new Date(Math.max(outcome.runAt.getTime(), Date.now())) : next;
          await store.requeue(task.id, this.owner, runAt, {
            resetAttempts: true,
            result: outcome.result,
            state: outcome.state,
          });
        } else {
          await store.finish(task.id, this.owner, 'succeeded', outcome.result);
        }
        return;
      case 'pause':
        // Submitted together, so the pause and the requeue commit in the same transaction.
        await Promise.all([
          task.connectorId && store.pauseConnector(task.connectorId, outcome.until, outcome.error),
          store.requeue(task.id, this.owner, outcome.until, { refundAttempt: true, error: outcome.error, result: outcome.result }),
        ]);
        return;
      case 'retry':
        if (countedAttempts(task) < task.maxAttempts) {
          const runAt = outcome.runAt ?? new Date(Date.now() + retryDelayMs(countedAttempts(task)));
          await store.requeue(task.id, this.owner, runAt, { error: outcome.error, result: outcome.result });
          return;
        }
        this.recordFailure(task, outcome.error);
        await this.finishFailedOrReschedule(task, outcome.result, outcome.error, startedAt);
        return;
      case 'failed':
        this.recordFailure(task, outcome.error);
        await this.finishFailedOrReschedule(task, outcome.result, outcome.error, startedAt);
    }
  }

  /** A recurring task that failed for good still runs at its next interval. */
  private async finishFailedOrReschedule(task: StoredTask, result: unknown, error: string, startedAt: Date): Promise<void> {
    if (task.intervalMs !== null) {
      await this.store.requeue(task.id, this.owner, nextIntervalRun(task.runAt, startedAt, task.intervalMs), { resetAttempts: true, error, result });
    } else {
      await this.store.finish(task.id, this.owner, 'failed', result, error);
    }
  }

  private recordFailure(task: StoredTask, error: string): void {
    this.stats.recentFailures.unshift({ id: task.id, type: task.type, error, at: new Date().toISOString() });
    this.stats.recentFailures.length = Math.min(this.stats.recentFailures.length, 20);
  }

  /**
   * Waits for a wake-up or the poll. Woken, it still lets the rest of this turn of the event
   * loop run first (setImmediate): tasks finishing together then free their slots before one
   * claim takes their successors, instead of a claim after the first of them.
   */
  private sleep(): Promise<void> {
    if (this.wokenWhileBusy) {
      this.wokenWhileBusy = false;
      return new Promise((resolve) => setImmediate(resolve));
    }
    const next = this.flow.nextUnblock();
    const wait = Math.max(0, Math.min(this.options.pollIntervalMs, next !== undefined ? next - Date.now() : Infinity));
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        // Once awake, a later wake() must mark the loop busy rather than call this closure.
        if (this.wakeUp === done) this.wakeUp = undefined;
        setImmediate(resolve);
      };
      const timer = setTimeout(done, wait);
      this.wakeUp = done;
    });
  }

  private async renewLeases(): Promise<void> {
    try {
      const ids = [...this.running.keys()];
      for (const queue of this.held.values()) for (const task of queue) ids.push(task.id);
      await this.store.renewLeases(this.owner, ids, this.options.leaseMs);
    } catch (err) {
      this.logger.error({ err }, 'renewing task leases failed');
    }
  }

  /** Stops claiming, lets running tasks finish for a grace period, then releases the rest. */
  async stop(): Promise<void> {
    if (!this.started || this.stopping) return;
    this.stopping = true;
    this.wake();
    await this.loopDone;
    // Held tasks never started: any instance may run them now, the attempt not counted.
    const handedBack = this.releaseHeld(new Date());
    const grace = new Promise<void>((resolve) => setTimeout(resolve, this.options.shutdownGraceMs).unref());
    const all = Promise.all([...this.running.values()].map((r) => r.done));
    await Promise.race([all, grace]);
    for (const entry of this.running.values()) entry.controller.abort(new ShutdownInterruption());
    await Promise.all([all, handedBack]);
    clearInterval(this.renewTimer);
  }
}
