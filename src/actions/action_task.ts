import type { Logger } from 'pino';
import { DecryptionError, UnknownKeyError } from '../crypto/secrets_cipher.js';
import type { TaskDefinition, TaskInstance, TaskOutcome } from '../tasks/types.js';
import { ACTION_TASK_PREFIX } from './actions_client.js';
import { MissingSecretsError, type ConnectorLoader } from './connector_loader.js';
import type { ActionExecutor, ExecutionOutcome } from './executor.js';
import type { ConnectorTypeRegistry } from './registry.js';
import type { ActionResult } from './types.js';
import type { RuleLink } from '../event_log/action_events.js';
import { EmptyTicketKeyError, type TicketKey, type TicketLinksRepository } from '../storage/ticket_links_repository.js';
import type { FollowLink } from './follow/policy.js';
import type { FollowRun } from './follow/run.js';

/** What an action task keeps in its params. */
export interface ActionTaskParams {
  params: Record<string, unknown>;
  source: string;
  user?: string;
  /** Only for actions a rule run queued (see EnqueueItem.rule). */
  rule?: RuleLink;
  /** Only for a rule action that follows its alert (`follow_alert`). */
  follow?: FollowLink;
}

/** The result as stored with the task: a Date retry becomes its ISO string. */
function storable(result: ActionResult): Record<string, unknown> {
  return { ...result, ...(result.retry instanceof Date ? { retry: result.retry.toISOString() } : {}) };
}

type QueueDecision = { kind: 'failed' } | { kind: 'retry' } | { kind: 'pause'; until: Date };

/**
 * What the queue does with a failed attempt. Kibana's task manager follows the result's `retry`
 * (which clients read unchanged); Plugboard decides from what happened, when the executor knows:
 * a timeout, a 5xx or no answer may pass and is retried with backoff; a 429 waits for its
 * Retry-After (a pause of the connector, not an attempt) or else backs off; any other status
 * and a run that cannot change (bad params) fail at once, as the same request would fail again.
 */
export function queueDecision({ result, timedOut, failure }: ExecutionOutcome): QueueDecision {
  if (timedOut) return { kind: 'retry' };
  if (failure?.permanent) return { kind: 'failed' };
  const status = failure?.httpStatus;
  if (status === 429) return failure?.retryAt ? { kind: 'pause', until: failure.retryAt } : { kind: 'retry' };
  if (status !== undefined) return status >= 500 ? { kind: 'retry' } : { kind: 'failed' };
  if (result.retry === false) return { kind: 'failed' };
  if (result.retry instanceof Date) return { kind: 'pause', until: result.retry };
  return { kind: 'retry' };
}

/** A follow action whose ticket another run holds tries again after this long (not an attempt). */
const TICKET_BUSY_RELEASE_MS = 1_000;

/** An action whose secrets this instance cannot read waits this long for another instance… */
const UNKNOWN_KEY_RELEASE_MS = 5_000;
/** …and this instance leaves that connector's actions alone for this long. */
const UNKNOWN_KEY_AVOID_MS = 60_000;

/**
 * Runs queued actions. A failed action is a failed task (Kibana counts it a success), failed at
 * once, retried with backoff up to the attempt limit, or paused, as queueDecision says.
 */
export function actionTaskDefinition(deps: {
  loader: ConnectorLoader;
  registry: ConnectorTypeRegistry;
  executor: ActionExecutor;
  logger: Logger;
  /** The tickets of rule actions that follow their alerts. */
  tickets: TicketLinksRepository;
  /** The execution timeout, which is also the task's: the execution shares its deadline. */
  timeoutMs: number;
}): TaskDefinition {
  return {
    type: ACTION_TASK_PREFIX,
    timeoutMs: deps.timeoutMs,
    async run(task: TaskInstance, signal: AbortSignal): Promise<TaskOutcome> {
      const { params, source, user, rule, follow } = task.params as unknown as ActionTaskParams;
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
      const execute = async (followRun?: FollowRun): Promise<TaskOutcome> => {
        const outcome = await deps.executor.run({
          connector: runnable,
          params,
          source,
          spaceId: task.spaceId,
          signal,
          task: { executionId: task.id, attempt: task.attempts, scheduledAt: task.scheduledAt },
          user: user ? { name: user } : undefined,
          timeoutMs: deps.timeoutMs,
          rule,
          follow: followRun,
        });
        const { result } = outcome;
        const stored = storable(result);
        if (result.status === 'ok') return { kind: 'succeeded', result: stored };
        const error = [result.message, result.serviceMessage].filter(Boolean).join(': ');
        return { ...queueDecision(outcome), result: stored, error };
      };
      return follow && rule ? holdingTicket(deps, task, rule, follow, execute) : execute();
    },
  };
}

/**
 * Runs a follow action while its task holds the ticket's key: one run per key at a time across
 * instances (HA senders, jiralert#119), for the run's timeout at most (a crashed holder's lease
 * runs out). A key another run holds sends the task back to the queue, not as an attempt.
 */
async function holdingTicket(
  deps: { tickets: TicketLinksRepository; timeoutMs: number },
  task: TaskInstance,
  rule: RuleLink,
  follow: FollowLink,
  execute: (run: FollowRun) => Promise<TaskOutcome>,
): Promise<TaskOutcome> {
  if (follow.alertId === '') return { kind: 'failed', error: new EmptyTicketKeyError().message };
  const key: TicketKey = { spaceId: task.spaceId, ruleId: rule.rule.id, actionUuid: rule.actionUuid ?? '', alertId: follow.alertId };
  const claimed = await deps.tickets.claim(key, task.id, Date.now() + deps.timeoutMs);
  if (claimed === 'rule gone') return { kind: 'failed', error: `Saved object [alert/${rule.rule.id}] not found` };
  if (claimed === 'busy') return { kind: 'release', error: `the ticket of alert ${follow.alertId} is being changed by another run`, runAt: new Date(Date.now() + TICKET_BUSY_RELEASE_MS) };
  try {
    return await execute({ link: follow, ticket: claimed, save: async (change) => void (await deps.tickets.save(key, task.id, change)) });
  } finally {
    await deps.tickets.release(key, task.id);
  }
}
