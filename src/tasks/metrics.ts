import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { SettledOutcome, TaskManager } from './task_manager.js';
import type { StoredTask, TaskStore } from './task_store.js';
import { countedAttempts } from './types.js';

// Same value as ACTION_TASK_PREFIX; kept here so the tasks layer does not import the actions layer.
const ACTION_TASK_PREFIX = 'actions:';

/** Outbound HTTP calls: from a fast local hop up to a response timeout of a minute. */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60];

type OutcomeLabel = 'success' | 'failure' | 'retry' | 'paused';

/**
 * How an execution was started: `queue` (a task), `http_request` (`_execute` of a saved
 * connector) or `test` (`_test` of an unsaved one).
 */
export type ExecutionMetricsSource = 'queue' | 'http_request' | 'test';

/** Counts executions that ran within a request, outside the task manager. */
export interface ExecutionRecorder {
  record(source: Exclude<ExecutionMetricsSource, 'queue'>, connectorType: string, ok: boolean, durationMs: number): void;
}

/** `actions:.webhook` → `.webhook`; other task types are labelled by their own type. */
export function connectorTypeOf(taskType: string): string {
  return taskType.startsWith(ACTION_TASK_PREFIX) ? taskType.slice(ACTION_TASK_PREFIX.length) : taskType;
}

/** Mirrors TaskManager.settle: a retry on the last attempt is not retried but fails for good. */
function outcomeLabel(task: StoredTask, outcome: SettledOutcome): OutcomeLabel {
  switch (outcome.kind) {
    case 'succeeded':
      return 'success';
    case 'failed':
      return 'failure';
    case 'pause':
      return 'paused';
    case 'retry':
      return countedAttempts(task) < task.maxAttempts ? 'retry' : 'failure';
  }
}

export interface TaskMetrics {
  registry: Registry;
  /** For `_execute` and `_test` runs, counted with the queued ones under their own source. */
  executions: ExecutionRecorder;
}

/**
 * Prometheus metrics of action executions and the task manager, in a registry of their own
 * (not prom-client's global one) so that several Plugboards in one process, as in tests, do
 * not collide.
 */
export function createTaskMetrics(taskManager: TaskManager, store: TaskStore): TaskMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'plugboard_' });

  const executions = new Counter({
    name: 'plugboard_action_executions_total',
    help: 'Executions by connector type (task type for non-action tasks), outcome and source (queue, http_request, test)',
    labelNames: ['connector_type', 'outcome', 'source'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'plugboard_action_execution_duration_seconds',
    help: 'Duration of executions, including recording their outcome, by connector type and source',
    labelNames: ['connector_type', 'source'] as const,
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const retries = new Counter({
    name: 'plugboard_task_retries_total',
    help: 'Task attempts that failed and were scheduled to run again',
    labelNames: ['task_type'] as const,
    registers: [registry],
  });
  const pauses = new Counter({
    name: 'plugboard_connector_pauses_total',
    help: 'Connector pauses requested by the service (429 with Retry-After)',
    labelNames: ['connector_type'] as const,
    registers: [registry],
  });

  // backlogByType omits types with nothing queued; remember them so they drop to 0, not vanish.
  const seenTypes = new Set<string>();
  new Gauge({
    name: 'plugboard_task_queue_depth',
    help: 'Idle tasks (due or scheduled for later) by task type',
    labelNames: ['task_type'] as const,
    registers: [registry],
    async collect() {
      const backlog = await store.backlogByType();
      for (const type of Object.keys(backlog)) seenTypes.add(type);
      for (const type of seenTypes) this.set({ task_type: type }, backlog[type] ?? 0);
    },
  });
  new Gauge({
    name: 'plugboard_tasks_running',
    help: 'Tasks this instance is running',
    registers: [registry],
    collect() {
      this.set(taskManager.stats.running);
    },
  });
  new Gauge({
    name: 'plugboard_task_capacity',
    help: 'Tasks this instance may run at once',
    registers: [registry],
    collect() {
      this.set(taskManager.stats.capacity);
    },
  });

  // The listener runs inside the task manager's execution promise: it must not throw.
  taskManager.onOutcome((task, outcome, durationMs) => {
    try {
      const connectorType = connectorTypeOf(task.type);
      const label = outcomeLabel(task, outcome);
      executions.inc({ connector_type: connectorType, outcome: label, source: 'queue' });
      duration.observe({ connector_type: connectorType, source: 'queue' }, durationMs / 1000);
      if (label === 'retry') retries.inc({ task_type: task.type });
      if (label === 'paused') pauses.inc({ connector_type: connectorType });
    } catch {
      // Metrics are best effort; never fail a task over them.
    }
  });

  return {
    registry,
    executions: {
      record(source, connectorType, ok, durationMs) {
        executions.inc({ connector_type: connectorType, outcome: ok ? 'success' : 'failure', source });
        duration.observe({ connector_type: connectorType, source }, durationMs / 1000);
      },
    },
  };
}
