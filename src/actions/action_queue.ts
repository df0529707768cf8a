import type { Kysely } from 'kysely';
import type { ActionsConfig } from '../config/schema.js';
import { executionEvents } from '../event_log/event_reader.js';
import type { Database } from '../storage/schema.js';
import type { TaskManager } from '../tasks/task_manager.js';
import type { TaskStore } from '../tasks/task_store.js';
import { ACTIONS_TASK_SCOPE, type ActionQueue } from './actions_client.js';
import type { ConnectorTypeRegistry } from './registry.js';

const DEFAULT_MAX_ATTEMPTS = 3;

/**
 * Kibana's order for a type's attempts: the per-type override, then `run.maxAttempts`, then
 * the type's own, then 3.
 */
export function resolveMaxAttempts(config: ActionsConfig['run'], registry: ConnectorTypeRegistry, typeId: string): number {
  return (
    config.connectorTypeOverrides?.find((o) => o.id === typeId)?.maxAttempts ??
    config.maxAttempts ??
    (registry.has(typeId) ? registry.get(typeId).maxAttempts : undefined) ??
    DEFAULT_MAX_ATTEMPTS
  );
}

export function createActionQueue(deps: {
  config: ActionsConfig;
  registry: ConnectorTypeRegistry;
  store: TaskStore;
  taskManager: TaskManager;
  db: Kysely<Database>;
}): ActionQueue {
  return {
    max: deps.config.queued.max,
    maxAttempts: (typeId) => resolveMaxAttempts(deps.config.run, deps.registry, typeId),
    countActive: () => deps.store.countActive(ACTIONS_TASK_SCOPE),
    schedule: (tasks) => deps.taskManager.schedule(tasks),
    get: (id) => deps.store.get(id),
    events: (executionId) => executionEvents(deps.db, executionId),
  };
}
