/**
 * An abort signal that fires when `parent` aborts or after `timeoutMs`, whichever is first.
 * Deadlines are on the hot path of every action (the task, the execution, its HTTP request):
 * AbortSignal.timeout + AbortSignal.any cost far more (weakly held, collected late), so each is
 * one controller and an entry in a shared timer list, disposed when the work is done.
 */
export interface Deadline {
  signal: AbortSignal;
  /** True when this deadline's timer (or, when shared, its parent's) fired, not a parent's abort. */
  readonly timedOut: boolean;
  dispose(): void;
  /**
   * Ends the timeout but keeps following the parent: work that outlives its deadline on
   * purpose (a streamed answer, read for as long as its caller stays) is then bounded by the
   * caller alone.
   */
  stopTimer(): void;
}

/** A timeout armed on a TimerList; `cancel` takes it off before it fires. */
export interface TimerEntry {
  readonly expiresAt: number;
  cancel(): void;
}

interface Pending {
  expiresAt: number;
  fire(): void;
}

/**
 * Timeouts of one duration expire in the order they were armed, so one list (in insertion
 * order) with a single Node timer for its head serves any number of them; cancelling is a
 * delete from the list. It replaces a timer object and closure per operation.
 */
class TimerList {
  private readonly pending = new Set<Pending>();
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly timeoutMs: number) {}

  arm(fire: () => void): TimerEntry {
    const entry: Pending = { expiresAt: performance.now() + this.timeoutMs, fire };
    this.pending.add(entry);
    if (!this.timer) this.schedule(this.timeoutMs);
    return {
      expiresAt: entry.expiresAt,
      cancel: () => this.pending.delete(entry),
    };
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(this.expire, Math.max(0, ms));
    this.timer.unref();
  }

  private readonly expire = (): void => {
    this.timer = undefined;
    const now = performance.now();
    for (const entry of this.pending) {
      if (entry.expiresAt > now) {
        this.schedule(entry.expiresAt - now);
        return;
      }
      this.pending.delete(entry);
      entry.fire();
    }
  };
}

const lists = new Map<number, TimerList>();

/** Calls `fire` after `timeoutMs` unless cancelled first, on the shared list of that duration. */
function armTimer(timeoutMs: number, fire: () => void): TimerEntry {
  let list = lists.get(timeoutMs);
  if (!list) {
    list = new TimerList(timeoutMs);
    lists.set(timeoutMs, list);
  }
  return list.arm(fire);
}

/** Signals whose abort is a deadline, and when that deadline expires (see `shareParent`). */
const deadlines = new WeakMap<AbortSignal, { expiresAt: number; timedOut(): boolean }>();

/**
 * Makes `controller`'s abort after `timeoutMs` a deadline that nested deadlines can share
 * (see `deadline`'s `shareParent`). Returns the timer, to cancel when the work is done.
 */
export function abortAfter(controller: AbortController, timeoutMs: number): { entry: TimerEntry; timedOut(): boolean } {
  let timedOut = false;
  const entry = armTimer(timeoutMs, () => {
    timedOut = true;
    controller.abort(new DOMException(`timed out after ${timeoutMs} ms`, 'TimeoutError'));
  });
  const state = { expiresAt: entry.expiresAt, timedOut: () => timedOut };
  deadlines.set(controller.signal, state);
  return { entry, timedOut: state.timedOut };
}

/**
 * A deadline of `timeoutMs` under `parent`. With `shareParent`, a parent that is itself a
 * deadline expiring no later is used as it is, with no controller of its own: its timeout then
 * counts as this one's.
 */
export function deadline(timeoutMs: number, parent?: AbortSignal, options: { shareParent?: boolean } = {}): Deadline {
  const inherited = options.shareParent && parent ? deadlines.get(parent) : undefined;
  if (parent && inherited && inherited.expiresAt <= performance.now() + timeoutMs) {
    return {
      signal: parent,
      get timedOut() {
        return inherited.timedOut();
      },
      dispose() {},
      stopTimer() {},
    };
  }
  const controller = new AbortController();
  const onParentAbort = () => controller.abort(parent?.reason);
  const timer = abortAfter(controller, timeoutMs);
  if (parent?.aborted) controller.abort(parent.reason);
  else parent?.addEventListener('abort', onParentAbort, { once: true });
  return {
    signal: controller.signal,
    get timedOut() {
      return timer.timedOut();
    },
    dispose() {
      timer.entry.cancel();
      parent?.removeEventListener('abort', onParentAbort);
    },
    stopTimer() {
      timer.entry.cancel();
    },
  };
}
