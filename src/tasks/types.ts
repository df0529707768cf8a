/** A task as the task manager hands it to its handler. */
export interface TaskInstance {
  id: string;
  type: string;
  scope: string;
  spaceId: string;
  /** The connector whose flow control governs the task, if any. */
  connectorId: string | null;
  params: Record<string, unknown>;
  state: Record<string, unknown>;
  priority: number;
  runAt: Date;
  /** When it was first scheduled (for the schedule delay). */
  scheduledAt: Date;
  /** Attempts so far, including this one: the number of this attempt. */
  attempts: number;
  /** Of `attempts`, those a shutdown cut short; they do not count towards `maxAttempts`. */
  interruptedAttempts: number;
  maxAttempts: number;
  intervalMs: number | null;
}

/** What a handler decides about its task. */
export type TaskOutcome =
  /** `runAt`: a recurring task's next run when earlier than its interval's (never in the past). */
  | { kind: 'succeeded'; result?: unknown; state?: Record<string, unknown>; runAt?: Date }
  | { kind: 'failed'; result?: unknown; error: string }
  /** Try again: at `runAt` if given, else after the backoff for the attempt count. */
  | { kind: 'retry'; result?: unknown; error: string; runAt?: Date }
  /** The service asked to come back later: pause the connector, do not count the attempt. */
  | { kind: 'pause'; result?: unknown; error: string; until: Date }
  /**
   * This instance cannot run it (e.g. it lacks the key to the connector's secrets): back to the
   * queue at `runAt` for any instance, the attempt not counted, and this instance leaves the
   * task's connector alone until `avoidConnectorUntil`.
   */
  | { kind: 'release'; error: string; runAt: Date; avoidConnectorUntil?: Date };

/** The attempts that count towards `maxAttempts`: those a shutdown cut short do not. */
export function countedAttempts(task: TaskInstance): number {
  return task.attempts - task.interruptedAttempts;
}

/** The abort reason the task manager gives running tasks it cuts short on shutdown. */
export class ShutdownInterruption extends Error {
  override name = 'AbortError';
  constructor() {
    super('interrupted by shutdown');
  }
}

export function isShutdownInterruption(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true && signal.reason instanceof ShutdownInterruption;
}

export interface TaskDefinition {
  /** Exact task type, or a prefix ending in ':' (e.g. `actions:` for every connector type). */
  type: string;
  timeoutMs?: number;
  run(task: TaskInstance, signal: AbortSignal): Promise<TaskOutcome>;
}

export interface NewTask {
  id: string;
  type: string;
  scope: string;
  spaceId: string;
  connectorId?: string | null;
  params: Record<string, unknown>;
  state?: Record<string, unknown>;
  priority?: number;
  runAt?: Date;
  maxAttempts: number;
  intervalMs?: number | null;
}

/** Kibana's task priorities. */
export const TaskPriority = { Low: 1, Normal: 50 } as const;
