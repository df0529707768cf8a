import type { Logger } from 'pino';
import { DecryptionError, UnknownKeyError } from '../crypto/secrets_cipher.js';
import type { TaskDefinition, TaskInstance, TaskOutcome } from '../tasks/types.js';
import { ACTION_TASK_PREFIX } from './actions_client.js';
import { MissingSecretsError, type ConnectorLoader } from './connector_loader.js';
import type { ActionExecutor } from './executor.js';
import type { ConnectorTypeRegistry } from './registry.js';
import type { ActionResult } from './types.js';

/** What an action task keeps in its params. */
export interface ActionTaskParams {
  params: Record<string, unknown>;
  source: string;
  user?: string;
}

/** The result as stored with the task: a Date retry becomes its ISO string. */
function storable(result: ActionResult): Record<string, unknown> {
  return { ...result, ...(result.retry instanceof Date ? { retry: result.retry.toISOString() } : {}) };
}

/** An action whose secrets this instance cannot read waits this long for another instance… */
const UNKNOWN_KEY_RELEASE_MS = 5_000;
/** …and this instance leaves that connector's actions alone for this long. */
const UNKNOWN_KEY_AVOID_MS = 60_000;

/**
 * Runs queued actions. A failed action is a failed task (Kibana counts it a success):
 * `retry: false` fails at once, `retry: true` is retried with backoff up to the attempt
 * limit, and a retry date (a 429 with Retry-After) pauses the connector instead of spending
 * an attempt.
 */
export function actionTaskDefinition(deps: {
  loader: ConnectorLoader;
  registry: ConnectorTypeRegistry;
  executor: ActionExecutor;
  logger: Logger;
  /** The execution timeout, which is also the task's: the execution shares its deadline. */
  timeoutMs: number;
}): TaskDefinition {
  return {
    type: ACTION_TASK_PREFIX,
    timeoutMs: deps.timeoutMs,
    async run(task: TaskInstance, signal: AbortSignal): Promise<TaskOutcome> {
      const { params, source, user } = task.params as unknown as ActionTaskParams;
      const connectorId = task.connectorId!;
      let runnable;
      try {
        runnable = await deps.loader.cachedRunnable(task.spaceId, connectorId);
      } catch (err) {
        if (err instanceof UnknownKeyError) {
          // Another instance may have the key (a rotation under way): not this action's fault.
          deps.logger.warn(`${err.message}. Queued action ${task.id} is released for another instance.`);
          const now = Date.now();
          return { kind: 'release', error: err.message, runAt: new Date(now + UNKNOWN_KEY_RELEASE_MS), avoidConnectorUntil: new Date(now + UNKNOWN_KEY_AVOID_MS) };
        }
        if (err instanceof DecryptionError || err instanceof MissingSecretsError) return { kind: 'failed', error: err.message };
        throw err;
      }
      if (!runnable) return { kind: 'failed', error: `Saved object [action/${connectorId}] not found` };
      if (!deps.registry.has(runnable.typeId)) return { kind: 'failed', error: `Action type "${runnable.typeId}" is not registered.` };
      if (!deps.registry.isExecutable(runnable.typeId, runnable)) {
        return { kind: 'failed', error: `action type "${runnable.typeId}" is not enabled in the Kibana config xpack.actions.enabledActionTypes` };
      }
      const { result, timedOut } = await deps.executor.run({
        connector: runnable,
        params,
        source,
        spaceId: task.spaceId,
        signal,
        task: { executionId: task.id, attempt: task.attempts, scheduledAt: task.scheduledAt },
        user: user ? { name: user } : undefined,
        timeoutMs: deps.timeoutMs,
      });
      const stored = storable(result);
      if (result.status === 'ok') return { kind: 'succeeded', result: stored };
      const error = [result.message, result.serviceMessage].filter(Boolean).join(': ');
      if (timedOut) return { kind: 'retry', result: stored, error };
      if (result.retry === false) return { kind: 'failed', result: stored, error };
      if (result.retry instanceof Date) return { kind: 'pause', result: stored, error, until: result.retry };
      return { kind: 'retry', result: stored, error };
    },
  };
}
