import type { Logger } from 'pino';
import type { ConnectorTypeRegistry } from './registry.js';
import { redactDeep, redactString, secretValues } from './redact.js';
import type { ActionResult, ConfigurationUtilities, ConnectorServices, ExecutionSource } from './types.js';
import { ValidationError, validateConfig, validateConnector, validateParams, validateSecrets } from './validation.js';

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
  /** Aborted when the caller goes away (HTTP client disconnect, task cancellation). */
  signal?: AbortSignal;
  /** Validation failures are retryable only when run as a task. */
  isTask?: boolean;
}

export const DEFAULT_EXECUTION_TIMEOUT_MS = 5 * 60_000;

/**
 * Runs one action: validates params, config and secrets again, runs the type's executor
 * under a timeout with an AbortSignal, and turns a throw into Kibana's error result.
 */
export class ActionExecutor {
  constructor(
    private readonly deps: {
      registry: ConnectorTypeRegistry;
      services: ConnectorServices;
      configurationUtilities: ConfigurationUtilities;
      logger: Logger;
      timeoutMs?: number;
    },
  ) {}

  async execute({ connector, params, source, signal, isTask = false }: ExecuteOptions): Promise<ActionResult> {
    const { registry, configurationUtilities } = this.deps;
    const def = registry.get(connector.typeId);
    const actionId = connector.id;
    const ctx = { configurationUtilities };

    let validated: { params: Record<string, unknown>; config: Record<string, unknown>; secrets: Record<string, unknown> };
    try {
      const validParams = validateParams(def, params, ctx);
      const validConfig = validateConfig(def, connector.config, ctx);
      const validSecrets = validateSecrets(def, connector.secrets, ctx);
      validateConnector(def, validConfig, validSecrets);
      validated = { params: validParams, config: validConfig, secrets: validSecrets };
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return {
        status: 'error',
        actionId,
        message: err.message,
        retry: isTask,
        errorSource: err.kind === 'params' ? 'user' : 'framework',
      };
    }

    const timeoutMs = this.deps.timeoutMs ?? DEFAULT_EXECUTION_TIMEOUT_MS;
    const timeout = AbortSignal.timeout(timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const secrets = secretValues(connector.secrets);
    const logger = this.deps.logger.child({ connector: { id: actionId, type: connector.typeId } });
    let result: ActionResult;
    try {
      const returned = await def.executor({
        connectorId: actionId,
        connectorName: connector.name,
        config: validated.config,
        secrets: validated.secrets,
        params: validated.params,
        services: this.deps.services,
        configurationUtilities,
        logger,
        signal: combined,
        source,
        isPreconfigured: connector.isPreconfigured,
      });
      result = returned ? { ...returned, actionId } : { status: 'ok', actionId };
    } catch (err) {
      const message = timeout.aborted
        ? `execution cancelled due to timeout - exceeded timeout of ${timeoutMs}ms`
        : err instanceof Error
          ? err.message
          : String(err);
      logger.warn(`action execution error: ${connector.typeId}:${actionId}: ${connector.name}: ${redactString(message, secrets)}`);
      result = {
        status: 'error',
        actionId,
        message: 'an error occurred while running the action',
        serviceMessage: message,
        retry: true,
        errorSource: (err as { source?: string })?.source === 'user' ? 'user' : 'framework',
      };
    }
    if (result.status !== 'ok' && result.status !== 'error') {
      result = { status: 'error', actionId, message: `action executor returned an unexpected result: ${String(result.status)}`, retry: false, errorSource: 'framework' };
    }
    return redactDeep(result, secrets);
  }
}
