import type { Logger } from 'pino';
import { timeOrderedUuid } from '../common/ids.js';
import { actionEvent, errorMessageOf, type ExecutionEventContext, type RuleLink } from '../event_log/action_events.js';
import type { EventLogger } from '../event_log/event_logger.js';
import { deadline } from '../common/deadline.js';
import type { TokenBudgets } from '../tasks/flow_control.js';
import { isShutdownInterruption } from '../tasks/types.js';
import type { ConnectorTypeRegistry } from './registry.js';
import type { AuditLogger } from '../security/audit.js';
import { endpointAuditEvent, isEndpointSecurityType } from './endpoint_security.js';
import { ANSWER_STREAM_FAILED, ExecutorError, StreamFailure, type FailureFacts } from './failure.js';
import { runFollow, type FollowRun } from './follow/run.js';
import { redactDeep, redactString, secretValues } from './redact.js';
import type { ActionResult, ConfigurationUtilities, ConnectorServices, ConnectorTypeDefinition, ExecutionSource, ExecutorResult, TokenUsage } from './types.js';
import { ValidationError, downloadsAnswer, streamRefusal, streamsAnswer, validateConfig, validateConnector, validateParams, validateSecrets } from './validation.js';

/** A connector ready to run: secrets already decrypted. */
export interface RunnableConnector {
  id: string;
  name: string;
  typeId: string;
  config: Record<string, unknown>;
  secrets: Record<string, unknown>;
  isPreconfigured: boolean;
  isSystemAction: boolean;
}

export interface ExecuteOptions {
  connector: RunnableConnector;
  params: unknown;
  source: ExecutionSource;
  spaceId: string;
  /** Aborted when the caller goes away (HTTP client disconnect, task cancellation). */
  signal?: AbortSignal;
  /** Set when run as a task: validation failures are then retryable. */
  task?: { executionId: string; attempt: number; scheduledAt: Date };
  user?: { name: string };
  /** false: write no events (testing an unsaved connector). */
  recordEvents?: boolean;
  /** Overrides the executor's default timeout (the task manager's setting). */
  timeoutMs?: number;
  /** Set when a rule run queued the action: its events name the rule. */
  rule?: RuleLink;
  /** A rule action that follows its alert: the follow policy runs instead of the type's executor. */
  follow?: FollowRun;
  /** The caller reads a streamed answer (ConnectorTypeDefinition.streamsAnswer); others are refused one. */
  acceptStream?: boolean;
  /** The caller reads a file answered as it arrives (ConnectorTypeDefinition.downloadsAnswer); others are refused one. */
  acceptFile?: boolean;
}

export interface ExecutionOutcome {
  /** Kibana's result: what clients read. */
  result: ActionResult;
  timedOut: boolean;
  /** Beside the result, what the queue decides a retry from. */
  failure?: FailureFacts;
  /** The tokens a successful run used (a streamed answer's once its stream has ended). */
  usage?: ExecutorResult['usage'];
}

/** A run's result as clients read it, the facts of its failure for the queue, and the tokens it used. */
export interface ReadOutcome {
  result: ActionResult;
  failure?: FailureFacts;
  usage?: ExecutorResult['usage'];
}

/** Kibana's reading of what a type's executor returned: nothing is a success, an error result is the user's. */
export function readReturned(actionId: string, returned: ExecutorResult | undefined): ReadOutcome {
  if (!returned) return { result: { status: 'ok', actionId } };
  const { failure, usage, ...result } = returned;
  const read: ReadOutcome = { result: { ...result, actionId, ...(result.status === 'error' ? { errorSource: 'user' as const } : {}) }, failure };
  if (usage) read.usage = usage;
  return read;
}

/** Kibana's reading of a throw: worth retrying, from the framework unless the error says otherwise. */
export function readThrown(actionId: string, err: unknown, serviceMessage: string = err instanceof Error ? err.message : String(err)): ReadOutcome {
  const tagged = err instanceof ExecutorError ? err : undefined;
  return {
    result: { status: 'error', actionId, message: 'an error occurred while running the action', serviceMessage, retry: true, errorSource: tagged?.source ?? 'framework' },
    failure: tagged?.failure,
  };
}

/**
 * Who an audited run is for: a rule's action, its rule's API key owner (the rule runs as the
 * server, so the task's user says nothing), else `system`; otherwise the user who ran or queued it.
 */
function auditUser(user: { name: string } | undefined, rule: RuleLink | undefined): string {
  if (rule) return rule.apiKeyOwner ?? 'system';
  return user?.name ?? 'system';
}

export const DEFAULT_EXECUTION_TIMEOUT_MS = 5 * 60_000;

/** Kibana writes the timeout as a duration string such as "5m". */
function formatTimeout(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/**
 * Runs one action: validates params (config and secrets once per loaded connector), runs the
 * type's executor under a timeout with an AbortSignal, and turns a throw into Kibana's error
 * result.
 */
export class ActionExecutor {
  constructor(
    private readonly deps: {
      registry: ConnectorTypeRegistry;
      services: ConnectorServices;
      configurationUtilities: ConfigurationUtilities;
      logger: Logger;
      /** Absent in unit tests that do not look at events. */
      events?: EventLogger;
      /** Told the tokens each recorded run used (flowControl's token budgets). */
      tokenBudgets?: Pick<TokenBudgets, 'spend'>;
      timeoutMs?: number;
      /** Where runs of endpoint-security types are recorded (every run, however started). */
      audit?: Pick<AuditLogger, 'log'>;
    },
  ) {}

  /**
   * Config and secrets checked once per loaded connector (ConnectorLoader hands out the same
   * object while its stored version stays the same), not on every run; saving checked them too.
   */
  private readonly validConnectors = new WeakMap<RunnableConnector, { config: Record<string, unknown>; secrets: Record<string, unknown> } | ValidationError>();

  private validConnector(def: ConnectorTypeDefinition, connector: RunnableConnector): { config: Record<string, unknown>; secrets: Record<string, unknown> } {
    let valid = this.validConnectors.get(connector);
    if (!valid) {
      const ctx = { configurationUtilities: this.deps.configurationUtilities };
      try {
        const config = validateConfig(def, connector.config, ctx);
        const secrets = validateSecrets(def, connector.secrets, ctx);
        validateConnector(def, config, secrets);
        valid = { config, secrets };
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        valid = err;
      }
      this.validConnectors.set(connector, valid);
    }
    if (valid instanceof ValidationError) throw valid;
    return valid;
  }

  /**
   * The logger a connector's runs get, made once per loaded connector: a pino child runs the
   * redaction setup on its bindings each time it is made, which cost more than a whole event
   * document per action.
   */
  private readonly connectorLoggers = new WeakMap<RunnableConnector, Logger>();

  private connectorLogger(connector: RunnableConnector): Logger {
    let logger = this.connectorLoggers.get(connector);
    if (!logger) {
      logger = this.deps.logger.child({ connector: { id: connector.id, type: connector.typeId } });
      this.connectorLoggers.set(connector, logger);
    }
    return logger;
  }

  async execute(options: ExecuteOptions): Promise<ActionResult> {
    return (await this.run(options)).result;
  }

  /** Runs one attempt and writes its events; tells the task runner whether it timed out, and what failed. */
  async run({ connector, params, source, spaceId, signal, task, user, recordEvents = true, timeoutMs: timeoutOverride, rule, follow, acceptStream = false, acceptFile = false }: ExecuteOptions): Promise<ExecutionOutcome> {
    const { registry, configurationUtilities } = this.deps;
    const events = recordEvents ? this.deps.events : undefined;
    const def = registry.get(connector.typeId);
    const actionId = connector.id;
    const ctx = { configurationUtilities };
    const eventCtx: ExecutionEventContext = {
      spaceId,
      connector: { id: connector.id, name: connector.name, typeId: connector.typeId, inMemory: connector.isPreconfigured || connector.isSystemAction },
      executionId: task?.executionId ?? timeOrderedUuid(),
      source,
      attempt: task?.attempt ?? 1,
      scheduledAt: task?.scheduledAt,
      user,
    };
    if (rule) eventCtx.rule = rule;
    const label = `${connector.typeId}:${actionId}: ${connector.name}`;
    const secrets = secretValues(connector.secrets);
    const audit = (result: ActionResult | undefined) => {
      if (!this.deps.audit || !isEndpointSecurityType(def)) return;
      void this.deps.audit.log(
        endpointAuditEvent(
          { def, connectorId: actionId, spaceId, params, username: auditUser(user, rule), source, executionId: eventCtx.executionId, attempt: eventCtx.attempt },
          result,
        ),
      );
    };
    const finish = (result: ActionResult, start: Date, timedOut = false, failure?: FailureFacts, usage?: ExecutorResult['usage']): ExecutionOutcome => {
      audit(result);
      const safe = redactDeep(result, secrets);
      const ok = safe.status === 'ok';
      const end = new Date();
      const log = (genAiUsage?: TokenUsage | null, failed: ActionResult | undefined = ok ? undefined : safe) =>
        events?.log(
          actionEvent(eventCtx, 'execute', {
            message: failed ? `action execution failure: ${label}` : `action executed: ${label}`,
            start,
            end,
            outcome: failed ? 'failure' : 'success',
            ...(failed ? { error: errorMessageOf(failed) } : {}),
            ...(genAiUsage ? { genAiUsage } : {}),
          }),
        );
      // The provider's words of a failure inside its stream, without the connector's secrets, for
      // the caller reading the stream and for the event.
      const counted =
        ok && usage
          ? Promise.resolve(usage).catch((err: unknown) => {
              throw err instanceof StreamFailure ? new StreamFailure(redactString(err.message, secrets), err.source, err.failure) : err;
            })
          : undefined;
      // Nobody may read the count (a caller that drops the stream): its failure is no crash.
      counted?.catch(() => undefined);
      // As in Kibana, a success's event waits for its token count (a stream's, until the stream has
      // ended). A failure the provider reported inside its stream makes it a failure's, without usage.
      if (counted && events) {
        void counted.then(
          (tokens) => {
            if (tokens) this.deps.tokenBudgets?.spend(connector.id, connector.typeId, tokens.totalTokens);
            return log(tokens);
          },
          (err: unknown) => (err instanceof StreamFailure ? log(null, { status: 'error', actionId, message: ANSWER_STREAM_FAILED, serviceMessage: err.message }) : log()),
        );
      } else void log();
      return { result: safe, timedOut, failure, ...(counted ? { usage: counted } : {}) };
    };

    let validated: { params: Record<string, unknown>; config: Record<string, unknown>; secrets: Record<string, unknown> };
    try {
      const validParams = validateParams(def, params, ctx);
      validated = { params: validParams, ...this.validConnector(def, connector) };
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      // Logged too (Kibana writes no event here), so that a bad action is visible in the history.
      // Kibana retries every validation failure of a task; params never change between
      // attempts, so the queue sends again only config and secrets problems (an edit can fix them).
      const isParams = err.kind === 'params';
      return finish(
        { status: 'error', actionId, message: err.message, retry: task !== undefined, errorSource: isParams ? 'user' : 'framework' },
        new Date(),
        false,
        isParams ? { permanent: true } : undefined,
      );
    }

    const downloads = downloadsAnswer(def, validated.params);
    const streams = downloads || streamsAnswer(def, validated.params);
    if (streams && !(downloads ? acceptFile : acceptStream)) {
      // Queued or rule actions: nobody would read the stream, which would hold its connection.
      return finish(
        { status: 'error', actionId, message: streamRefusal(def, 'queued', downloads ? 'file' : 'stream'), retry: false, errorSource: 'user' },
        new Date(),
        false,
        { permanent: true },
      );
    }

    const start = new Date();
    // Stamped with the start time, so that it sorts before its execute event.
    void events?.log(actionEvent(eventCtx, 'execute-start', { message: `action started: ${label}`, end: start }));
    const timeoutMs = timeoutOverride ?? this.deps.timeoutMs ?? DEFAULT_EXECUTION_TIMEOUT_MS;
    // Under a task, the task's own deadline (the same timeout) serves: one timer, one signal.
    const limit = deadline(timeoutMs, signal, { shareParent: true });
    const logger = this.connectorLogger(connector);
    let read: ReadOutcome;
    try {
      const context = {
        connectorId: actionId,
        connectorName: connector.name,
        config: validated.config,
        secrets: validated.secrets,
        params: validated.params,
        services: this.deps.services,
        configurationUtilities,
        logger,
        signal: limit.signal,
        source,
        isPreconfigured: connector.isPreconfigured,
        spaceId,
        executionId: eventCtx.executionId,
        rule: rule && { id: rule.rule.id, executionId: rule.executionId },
      };
      if (follow && !def.follow) throw new ExecutorError(`connector type ${def.id} cannot follow alerts`, 'framework', { permanent: true });
      const returned = follow ? await runFollow(def.follow!, context, follow) : await def.executor(context);
      read = readReturned(actionId, returned);
    } catch (err) {
      const message = limit.timedOut
        ? `execution cancelled due to timeout - exceeded timeout of ${timeoutMs}ms`
        : err instanceof Error
          ? err.message
          : String(err);
      logger.warn(`action execution error: ${label}: ${redactString(message, secrets)}`);
      read = readThrown(actionId, err, message);
    }
    let { result } = read;
    if (result.status !== 'ok' && result.status !== 'error') {
      result = { status: 'error', actionId, message: `action executor returned an unexpected result: ${String(result.status)}`, retry: false, errorSource: 'framework' };
    }
    // A streamed answer flows on after the run: bounded by its reader from then on (its
    // going away aborts the provider's request), no longer by the execution's timeout.
    if (streams && result.status === 'ok') limit.stopTimer();
    else limit.dispose();
    if (result.status !== 'ok' && !limit.timedOut && isShutdownInterruption(limit.signal)) {
      // Not a failure: the task manager puts it back in the queue for the next attempt.
      audit(undefined);
      void events?.log(
        actionEvent(eventCtx, 'execute-interrupted', {
          message: `action execution interrupted by shutdown and released to the queue: ${label}`,
          start,
          end: new Date(),
        }),
      );
      return { result: redactDeep(result, secrets), timedOut: false };
    }
    if (limit.timedOut) {
      void events?.log(
        actionEvent(eventCtx, 'execute-timeout', {
          message: `action: ${connector.typeId}:${actionId}: '${connector.name}' execution cancelled due to timeout - exceeded default timeout of "${formatTimeout(timeoutMs)}"`,
        }),
      );
    }
    return finish(result, start, limit.timedOut, read.failure, read.usage);
  }
}
