import { randomUUID } from 'node:crypto';
import { timeOrderedUuid } from '../common/ids.js';
import type { Logger } from 'pino';
import { badRequest, conflict, notFound, PlugboardError, savedObjectConflict, savedObjectNotFound } from '../common/errors.js';
import { DecryptionError, type SecretsCipher } from '../crypto/secrets_cipher.js';
import type { ActionsAuthorizer } from '../security/authorization.js';
import type { Principal } from '../security/principal.js';
import type { EventDocument } from '../event_log/document.js';
import type { RuleLink } from '../event_log/action_events.js';
import type { FollowLink } from './follow/policy.js';
import type { ConnectorRecord, ConnectorSummary, ConnectorsRepository } from '../storage/connectors_repository.js';
import type { ExecutionRecorder } from '../tasks/metrics.js';
import type { StoredTask } from '../tasks/task_store.js';
import type { TokenBudgets } from '../tasks/flow_control.js';
import type { NewTask } from '../tasks/types.js';
import { isInMemory, missingSecretsMessage, MissingSecretsError, type ConnectorLoader } from './connector_loader.js';
import { isForeignKeyViolation, isUniqueViolation } from '../storage/errors.js';
import type { ActionExecutor, ExecuteOptions, ExecutionOutcome, RunnableConnector } from './executor.js';
import type { InMemoryConnector } from './in_memory_connectors.js';
import { listingFilters, type ListingFilter } from './listing_filters.js';
import type { ConnectorTypeRegistry, ConnectorTypeSummary } from './registry.js';
import type { ActionResult, ConnectorServices, ConnectorTypeDefinition, ExecutionSource, ExecutorResult, ValidatorContext } from './types.js';
import type { ParamsRenderer } from './templating/params_renderer.js';
import { confirmRefusal, needsEndpointPrivilege } from './endpoint_security.js';
import { asBadRequest, downloadsAnswer, requestedRunRefusal, streamRefusal, streamsAnswer, validateConfig, validateConnector, validateParams, validateSecrets, ValidationError } from './validation.js';

/** Kibana sorts with localeCompare; a shared collator gives the same order much faster. */
const byName = new Intl.Collator().compare;

/** Kibana lists at most this many connectors, without paging. */
export const MAX_CONNECTORS_RETURNED = 10_000;

/** A connector as the API shows it (camelCase; the HTTP layer renames the fields). */
export interface Connector {
  id: string;
  name: string;
  typeId: string;
  config?: Record<string, unknown>;
  isPreconfigured: boolean;
  isDeprecated: boolean;
  isMissingSecrets?: boolean;
  isSystemAction: boolean;
  isConnectorTypeDeprecated: boolean;
  referencedByCount?: number;
  /** Set by `get` only, as Kibana's get route (its list, create and update leave it out). */
  authMode?: 'shared';
}

/** Kibana's answer per connector to "can I use it with my own credentials?". */
export type UserAuthStatus = 'connected' | 'not_connected' | 'not_applicable';

/** The types whose secret headers `secretHeaderNames` reads (Kibana's list; Plugboard has `.webhook`). */
export const SECRET_HEADER_TYPES = ['.webhook', '.cases-webhook', '.mcp'];

/** A run for a caller that reads streamed answers (ActionsClient.executeStreamable). */
export interface StreamableOutcome {
  result: ActionResult;
  /** These params answer with a stream: an ok result's `data` is one. */
  streams: boolean;
  /** These params answer a file: an ok result's `data` is the file's Readable (then `streams` is false). */
  downloads?: boolean;
  usage?: ExecutorResult['usage'];
  /** The type's reading of its streamed answer into chunks (ConnectorTypeDefinition.streamChunks). */
  chunks?: (data: unknown) => AsyncIterable<string>;
}

/** What answers a caller reads beside JSON: a stream (server-sent events), a file as it arrives. */
export interface Accepts {
  acceptStream?: boolean;
  acceptFile?: boolean;
}

const chunksOf = (def: ConnectorTypeDefinition): Pick<StreamableOutcome, 'chunks'> => (def.streamChunks ? { chunks: (data) => def.streamChunks!(data) } : {});

export interface Scope {
  spaceId: string;
  principal: Principal;
}

export interface CreateConnectorInput {
  id?: string;
  name: string;
  typeId: string;
  config: Record<string, unknown>;
  secrets: Record<string, unknown>;
}

export interface UpdateConnectorInput {
  name: string;
  config: Record<string, unknown>;
  secrets: Record<string, unknown>;
  /**
   * Plugboard's UI: secret fields that keep their stored value (Kibana's update replaces all
   * secrets). The merge is validated as a whole, as if every secret had been sent.
   */
  keepSecrets?: string[];
}

/** Whether a stored secret field holds something (defaults fill unset ones with null). */
const isSet = (value: unknown) =>
  value !== null && value !== undefined && value !== '' && !(typeof value === 'object' && Object.keys(value).length === 0);

export interface EnqueueItem {
  id: string;
  params: Record<string, unknown>;
  priority?: number;
  source?: string;
  /** A rule's action: the rule run and the rule, which its events name (absent for plain enqueues). */
  rule?: RuleLink;
  /** A rule action that follows its alert: the alert, episode and phase (needs `rule`). */
  follow?: FollowLink;
}

export interface BulkEnqueueItemResult {
  id: string;
  executionId?: string;
  actionTypeId: string;
  response: 'success' | 'queuedActionsLimitError' | 'missingSecretsError';
  message?: string;
}

export interface BulkEnqueueResult {
  errors: boolean;
  items: BulkEnqueueItemResult[];
}

/** What a run would send (null for types that send their params as given), or why it would be refused. */
export interface RunPreview {
  preview: Record<string, unknown> | null;
  refused?: string;
}

export interface ExecutionView {
  executionId: string;
  connectorId: string;
  status: 'queued' | 'running' | 'ok' | 'error' | 'timeout';
  attempts: number;
  /** Of `attempts`, those a shutdown cut short: they do not count towards `maxAttempts`. */
  interruptedAttempts: number;
  maxAttempts: number;
  /** When queued: when the next attempt may start. */
  nextAttemptAt?: Date;
  result?: ActionResult;
  events: EventDocument[];
}

/** What the actions client needs of the task queue. */
export interface ActionQueue {
  max: number;
  maxAttempts(typeId: string): number;
  countActive(): Promise<number>;
  schedule(tasks: NewTask[]): Promise<void>;
  get(id: string): Promise<StoredTask | undefined>;
  events(executionId: string): Promise<EventDocument[]>;
}

export const ACTIONS_TASK_SCOPE = 'actions';
export const ACTION_TASK_PREFIX = 'actions:';

export interface ActionsClientDeps {
  repository: ConnectorsRepository;
  loader: ConnectorLoader;
  queue: ActionQueue;
  registry: ConnectorTypeRegistry;
  cipher: SecretsCipher;
  inMemory: Map<string, InMemoryConnector>;
  authorizer: ActionsAuthorizer;
  executor: ActionExecutor;
  /** flowControl's token budgets: `_execute` is refused while one holds the connector back. */
  tokenBudgets?: Pick<TokenBudgets, 'budgetWait'>;
  validatorContext: ValidatorContext;
  /** Handed to the types' hooks, and read by the listing of AI connectors (GET _inference). */
  services: ConnectorServices;
  logger: Logger;
  paramsRenderer: ParamsRenderer;
  /** Counts `_execute` and `_test` runs in the metrics; absent in tests that do not read them. */
  executionMetrics?: ExecutionRecorder;
}

/** Create, read, update, delete and execute connectors, each within a space. */
export class ActionsClient {
  constructor(private readonly deps: ActionsClientDeps) {}

  async create(scope: Scope, input: CreateConnectorInput): Promise<Connector> {
    const { registry, authorizer, inMemory, cipher, repository } = this.deps;
    await authorizer.ensureAuthorized(scope.principal, scope.spaceId, 'create', input.typeId);
    const id = input.id ?? randomUUID();
    if ((registry.has(input.typeId) && registry.get(input.typeId).isSystemActionType) || inMemory.get(id)?.isSystemAction) {
      throw badRequest(`System action creation is forbidden. Action type: ${input.typeId}.`);
    }
    if (inMemory.get(id)?.isPreconfigured) throw badRequest(`This ${id} already exists in a preconfigured action.`);
    const def = registry.get(input.typeId);
    const { config, secrets } = this.validate(def, input.config, input.secrets);
    registry.ensureEnabled(def.id);
    const hookCtx = { connectorId: id, config, secrets, isUpdate: false, logger: this.deps.logger, services: this.deps.services };
    await def.hooks?.preSave?.(hookCtx);
    let record: ConnectorRecord;
    try {
      record = await repository.insert({
        id,
        spaceId: scope.spaceId,
        typeId: def.id,
        name: input.name,
        config,
        secrets: cipher.encrypt(secrets, { spaceId: scope.spaceId, connectorId: id, typeId: def.id, config }),
        isMissingSecrets: false,
      });
    } catch (err) {
      await this.runPostSave(def, { ...hookCtx, wasSuccessful: false });
      if (isUniqueViolation(err)) throw conflict(`A connector is already using this ID: ${id}. Choose a different ID.`);
      if (isForeignKeyViolation(err)) throw savedObjectNotFound('space', scope.spaceId);
      throw err;
    }
    await this.runPostSave(def, { ...hookCtx, wasSuccessful: true });
    return this.fromRecord(record);
  }

  async get(scope: Scope, id: string): Promise<Connector> {
    await this.deps.authorizer.ensureAuthorized(scope.principal, scope.spaceId, 'get');
    const inMemory = this.deps.inMemory.get(id);
    if (inMemory) {
      if (inMemory.isSystemAction) throw notFound(`Connector ${id} not found`);
      return { ...this.fromInMemory(inMemory), authMode: 'shared' };
    }
    const record = await this.deps.repository.get(scope.spaceId, id);
    if (!record) throw savedObjectNotFound('action', id);
    // Every connector here uses its own secrets for every user: Kibana's default mode.
    return { ...this.fromRecord(record), authMode: 'shared' };
  }

  /** Whether `id` is a system connector's: the HTTP API refuses to run those (Kibana's routes check it first). */
  isSystemAction(id: string): boolean {
    return Boolean(this.deps.inMemory.get(id)?.isSystemAction);
  }

  /**
   * Kibana's per-user authorization status of every connector the caller may use in the space.
   * Plugboard has no per-user (OAuth authorization code) connectors, so each is `not_applicable`.
   */
  async getAuthStatus(scope: Scope): Promise<Record<string, { userAuthStatus: UserAuthStatus }>> {
    await this.deps.authorizer.ensureAuthorized(scope.principal, scope.spaceId, 'get');
    const stored = await this.deps.repository.listBySpace(scope.spaceId, MAX_CONNECTORS_RETURNED);
    const inMemory = [...this.deps.inMemory.values()].filter((c) => !c.isSystemAction);
    return Object.fromEntries([...stored, ...inMemory].map((c) => [c.id, { userAuthStatus: 'not_applicable' as const }]));
  }

  /**
   * Every connector of the space plus the in-memory ones, sorted by name, with reference counts
   * unless `referenceCounts: false` (callers that only need the connectors skip that query).
   */
  async getAll(scope: Scope, opts: { includeSystem?: boolean; referenceCounts?: boolean } = {}): Promise<Connector[]> {
    await this.deps.authorizer.ensureAuthorized(scope.principal, scope.spaceId, 'get');
    const records = await this.listedRecords(await this.deps.repository.listBySpace(scope.spaceId, MAX_CONNECTORS_RETURNED));
    const inMemory = [...this.deps.inMemory.values()].filter((c) => opts.includeSystem || !c.isSystemAction);
    const connectors = [...records.map((r) => this.fromRecord(r)), ...inMemory.map((c) => this.fromInMemory(c))];
    if (opts.referenceCounts !== false) {
      const counts = await this.deps.repository.countReferences(
        scope.spaceId,
        inMemory.map((c) => c.id),
      );
      for (const c of connectors) c.referencedByCount = counts.get(c.id) ?? 0;
    }
    return connectors.sort((a, b) => byName(a.name, b.name));
  }

  /**
   * The records left once each type that filters its listing (listedConnectors) has had its say.
   * A connector waiting for its secrets (imported) is listed whatever the type says: saving it
   * with them is what makes what it stands for (Kibana hides it, out of reach of the user).
   */
  private async listedRecords(records: ConnectorSummary[]): Promise<ConnectorSummary[]> {
    const filterOf = listingFilters(this.deps.registry, this.deps.services);
    const filters = new Map<string, ListingFilter>();
    for (const typeId of new Set(records.map((r) => r.typeId))) filters.set(typeId, await filterOf(typeId));
    return records.filter((r) => r.isMissingSecrets || (filters.get(r.typeId)?.listed(r.config) ?? true));
  }

  async update(scope: Scope, id: string, input: UpdateConnectorInput): Promise<Connector> {
    const { registry, authorizer, inMemory, cipher, repository } = this.deps;
    await authorizer.ensureAuthorized(scope.principal, scope.spaceId, 'update');
    const memory = inMemory.get(id);
    if (memory?.isSystemAction) throw badRequest(`System action ${id} can not be updated.`);
    if (memory?.isPreconfigured) throw badRequest(`Preconfigured action ${id} can not be updated.`);
    const existing = await repository.get(scope.spaceId, id);
    if (!existing) throw savedObjectNotFound('action', id);
    await authorizer.ensureAuthorized(scope.principal, scope.spaceId, 'update', existing.typeId);
    const def = registry.get(existing.typeId);
    const given = input.keepSecrets ? this.withStoredSecrets(existing, input.secrets, input.keepSecrets) : input.secrets;
    const { config, secrets } = this.validate(def, input.config, given);
    registry.ensureEnabled(def.id);
    const hookCtx = { connectorId: id, config, secrets, isUpdate: true, logger: this.deps.logger, services: this.deps.services };
    await def.hooks?.preSave?.(hookCtx);
    const updated = await repository.update(scope.spaceId, id, existing.version, {
      name: input.name,
      config,
      secrets: cipher.encrypt(secrets, { spaceId: scope.spaceId, connectorId: id, typeId: def.id, config }),
      isMissingSecrets: false,
    });
    await this.runPostSave(def, { ...hookCtx, wasSuccessful: updated !== undefined });
    if (!updated) {
      // Deleted or changed by someone else between our read and write.
      if (await repository.get(scope.spaceId, id)) throw savedObjectConflict('action', id);
      throw savedObjectNotFound('action', id);
    }
    return this.fromRecord(updated);
  }

  /** The names of the secret fields a saved connector has a value for; never the values. */
  async configuredSecrets(scope: Scope, id: string): Promise<string[]> {
    await this.deps.authorizer.ensureAuthorized(scope.principal, scope.spaceId, 'get');
    const record = await this.deps.repository.get(scope.spaceId, id);
    if (!record) throw savedObjectNotFound('action', id);
    const stored = this.readableSecrets(record);
    return Object.keys(stored).filter((name) => isSet(stored[name]));
  }

  /**
   * Kibana's secret_headers route: the names of a webhook's secret headers, never their values.
   * As Kibana: read through `get` (privilege, 404s), then the type, then the stored connector
   * (a preconfigured one is not stored: 404).
   */
  async secretHeaderNames(scope: Scope, id: string): Promise<string[]> {
    const connector = await this.get(scope, id);
    if (!SECRET_HEADER_TYPES.includes(connector.typeId)) {
      throw badRequest(`Connector must be one of the following types: ${SECRET_HEADER_TYPES.join(', ')}`);
    }
    const record = await this.deps.repository.get(scope.spaceId, id);
    if (!record) throw savedObjectNotFound('action', id);
    const headers = this.readableSecrets(record).secretHeaders;
    return headers && typeof headers === 'object' ? Object.keys(headers) : [];
  }

  /** The stored secrets; none when imported without them or unreadable (a form then asks for them again). */
  private readableSecrets(record: ConnectorRecord): Record<string, unknown> {
    if (record.isMissingSecrets) return {};
    try {
      return this.storedSecrets(record);
    } catch {
      return {};
    }
  }

  /** `given` plus the stored value of each kept field that has one; a field cannot be both. */
  private withStoredSecrets(existing: ConnectorRecord, given: Record<string, unknown>, keep: string[]): Record<string, unknown> {
    const both = keep.find((name) => name in given);
    if (both) throw badRequest(`[keep_secrets]: "${both}" is also given in [secrets]; a field is either kept or replaced`);
    const stored = existing.isMissingSecrets ? {} : this.storedSecrets(existing);
    const kept = Object.fromEntries(keep.filter((name) => isSet(stored[name])).map((name) => [name, stored[name]]));
    return { ...kept, ...given };
  }

  private storedSecrets(record: ConnectorRecord): Record<string, unknown> {
    try {
      return this.deps.loader.runnable(record).secrets;
    } catch (err) {
      if (!(err instanceof DecryptionError)) throw err;
      this.deps.logger.error(`connector ${record.id}: ${err.message}`);
      throw badRequest(`${err.message} Enter the secrets again instead of keeping them.`);
    }
  }

  async delete(scope: Scope, id: string): Promise<void> {
    const { authorizer, inMemory, repository, registry } = this.deps;
    await authorizer.ensureAuthorized(scope.principal, scope.spaceId, 'delete');
    const memory = inMemory.get(id);
    if (memory?.isSystemAction) throw badRequest(`System action ${id} is not allowed to delete.`);
    const existing = await repository.get(scope.spaceId, id);
    if (!existing) {
      if (memory?.isPreconfigured) throw badRequest(`Preconfigured action ${id} is not allowed to delete.`);
      throw savedObjectNotFound('action', id);
    }
    if (!(await repository.delete(scope.spaceId, id))) throw savedObjectNotFound('action', id);
    if (registry.has(existing.typeId)) {
      const def = registry.get(existing.typeId);
      if (await this.resourceStillNamed(def, existing)) {
        this.deps.logger.info(`connector ${id} deleted; another connector still names what it stood for, which is kept`);
        return;
      }
      try {
        await def.hooks?.postDelete?.({ connectorId: id, config: existing.config, logger: this.deps.logger, services: this.deps.services });
      } catch (err) {
        this.deps.logger.error({ err }, `postDeleteHook failed for connector ${id}`);
      }
    }
  }

  /** Whether another connector (of any space, or in memory) names the outside resource `deleted` stood for (sharedResource). */
  private async resourceStillNamed(def: ConnectorTypeDefinition, deleted: ConnectorRecord): Promise<boolean> {
    if (!def.sharedResource) return false;
    const resource = def.sharedResource(deleted.config);
    const others = [...(await this.deps.repository.listByType(def.id)), ...[...this.deps.inMemory.values()].filter((c) => c.typeId === def.id)];
    return others.some((other) => other.id !== deleted.id && def.sharedResource!(other.config) === resource);
  }

  /** Runs a saved or preconfigured connector now, within this request. */
  /**
   * `acceptStream`: the caller reads a streamed answer (see ConnectorTypeDefinition.streamsAnswer);
   * `acceptFile`: a file answered as it arrives (downloadsAnswer), as Kibana's in-process callers do.
   */
  async execute(scope: Scope, id: string, params: unknown, signal?: AbortSignal, options: Accepts = {}): Promise<ActionResult> {
    return (await this.executeReading(scope, id, params, signal, options)).result;
  }

  /**
   * As execute, for a caller that reads a streamed answer as it comes (`_execute` asked for
   * `text/event-stream`, or `application/octet-stream` for a file): also whether these params
   * answer with a stream or a file, and the tokens the run used (a stream's once it has ended).
   */
  async executeStreamable(scope: Scope, id: string, params: unknown, signal?: AbortSignal, accepts: Accepts = { acceptStream: true }): Promise<StreamableOutcome> {
    return this.executeReading(scope, id, params, signal, accepts);
  }

  /**
   * As execute, for an action that runs another connector in this process (a system action:
   * ConnectorServices.connectors): its run carries the caller's source, and its tokens are counted.
   */
  async executeInProcess(scope: Scope, id: string, params: unknown, signal: AbortSignal | undefined, source: ExecutionSource): Promise<StreamableOutcome> {
    return this.executeReading(scope, id, params, signal, { source });
  }

  private async executeReading(scope: Scope, id: string, params: unknown, signal: AbortSignal | undefined, options: Accepts & { source?: ExecutionSource }): Promise<StreamableOutcome> {
    const found = await this.deps.loader.find(scope.spaceId, id);
    await this.deps.authorizer.ensureAuthorized(scope.principal, scope.spaceId, 'execute', found?.typeId);
    if (!found) throw savedObjectNotFound('action', id);
    // As Kibana, whether the type may run is told before anything about the connector itself.
    this.ensureTypeRuns(found);
    const def = this.deps.registry.get(found.typeId);
    await this.ensureEndpointPrivilege(scope, def, params);
    this.ensureRunRequestable(def, params, options);
    this.ensureWithinTokenBudget(found.id, found.typeId);
    const streams = streamsAnswer(def, params);
    const downloads = downloadsAnswer(def, params);
    let runnable: RunnableConnector;
    try {
      runnable = this.deps.loader.runnable(found);
    } catch (err) {
      // Imported without its secrets: running it with none would fail somewhere less clear.
      if (err instanceof MissingSecretsError) return { result: { status: 'error', actionId: id, message: err.message, retry: false, errorSource: 'user' }, streams, downloads };
      if (!(err instanceof DecryptionError)) throw err;
      this.deps.logger.error(`connector ${id}: ${err.message}`);
      return { result: { status: 'error', actionId: id, message: err.message, retry: false, errorSource: 'framework' }, streams, downloads };
    }
    const { result, usage } = await this.runNow('http_request', {
      connector: runnable,
      params,
      source: options.source ?? 'http_request',
      spaceId: scope.spaceId,
      signal,
      user: { name: scope.principal.username },
      acceptStream: options.acceptStream,
      acceptFile: options.acceptFile,
    });
    return { result, streams, downloads, ...(usage ? { usage } : {}), ...chunksOf(def) };
  }

  /**
   * Queues one action to run as a background task; resolves to its execution id.
   * `confirmPath`: as bulkEnqueue's, for the one item.
   */
  async enqueue(scope: Scope, item: EnqueueItem, options: { confirmPath?: string } = {}): Promise<{ executionId: string }> {
    const { confirmPath } = options;
    const result = await this.bulkEnqueue(scope, [item], confirmPath === undefined ? {} : { confirmPath: () => confirmPath });
    const [queued] = result.items;
    if (queued.response === 'success') return { executionId: queued.executionId! };
    if (queued.response === 'queuedActionsLimitError') {
      throw new PlugboardError(429, `Unable to queue the action: xpack.actions.queued.max (${this.deps.queue.max}) actions are already queued.`);
    }
    throw badRequest(queued.message ?? queued.response);
  }

  /**
   * Queues many actions in one write. As Kibana: authorization for execute and for each type;
   * connectors without secrets are skipped with a warning; past `xpack.actions.queued.max` the
   * last requests are refused with `queuedActionsLimitError`. Beyond Kibana, endpoint-security
   * actions need the sub-feature privilege, and with `confirmPath` (a queue request over HTTP,
   * naming item i's params in its body) those that change a host need `confirm: true`: a 403 or
   * 400 for one queues none of the batch.
   */
  async bulkEnqueue(scope: Scope, items: EnqueueItem[], options: { confirmPath?: (index: number) => string } = {}): Promise<BulkEnqueueResult> {
    const { authorizer, loader, queue, registry } = this.deps;
    await authorizer.ensureAuthorized(scope.principal, scope.spaceId, 'execute');
    const connectors = await loader.findMany(scope.spaceId, items.map((i) => i.id));
    for (const item of items) {
      const connector = connectors.get(item.id);
      if (!connector) throw savedObjectNotFound('action', item.id);
    }
    for (const typeId of new Set([...connectors.values()].map((c) => c.typeId))) {
      await authorizer.ensureAuthorized(scope.principal, scope.spaceId, 'execute', typeId);
    }
    for (const connector of connectors.values()) this.ensureTypeRuns(connector);
    const privileged = new Set<string>();
    for (const item of items) {
      const def = registry.get(connectors.get(item.id)!.typeId);
      if (privileged.has(def.id) || !needsEndpointPrivilege(def, item.params)) continue;
      await authorizer.ensureEndpointSecurityAuthorized(scope.principal, scope.spaceId, def.id);
      privileged.add(def.id);
    }
    if (options.confirmPath) {
      for (const [index, item] of items.entries()) {
        const refusal = confirmRefusal(registry.get(connectors.get(item.id)!.typeId), item.params, options.confirmPath(index));
        if (refusal) throw badRequest(refusal);
      }
    }

    const active = await queue.countActive();
    let room = Math.max(0, queue.max - active);
    const results: BulkEnqueueItemResult[] = [];
    const tasks: NewTask[] = [];
    for (const item of items) {
      const connector = connectors.get(item.id)!;
      if (!isInMemory(connector) && connector.isMissingSecrets) {
        const message = missingSecretsMessage(connector.name);
        this.deps.logger.warn(message);
        results.push({ id: item.id, actionTypeId: connector.typeId, response: 'missingSecretsError', message });
        continue;
      }
      if (room <= 0) {
        results.push({ id: item.id, actionTypeId: connector.typeId, response: 'queuedActionsLimitError' });
        continue;
      }
      room--;
      const executionId = timeOrderedUuid();
      tasks.push({
        id: executionId,
        type: `${ACTION_TASK_PREFIX}${connector.typeId}`,
        scope: ACTIONS_TASK_SCOPE,
        spaceId: scope.spaceId,
        connectorId: connector.id,
        params: item.rule
          ? { params: item.params, source: item.source ?? 'http_request', user: scope.principal.username, rule: item.rule, ...(item.follow ? { follow: item.follow } : {}) }
          : { params: item.params, source: item.source ?? 'http_request', user: scope.principal.username },
        priority: item.priority,
        maxAttempts: queue.maxAttempts(connector.typeId),
      });
      results.push({ id: item.id, executionId, actionTypeId: connector.typeId, response: 'success' });
    }
    await queue.schedule(tasks);
    return { errors: results.some((r) => r.response !== 'success'), items: results };
  }

  /** An execution queued here: its state, attempts, last result and every event. */
  async getExecution(scope: Scope, executionId: string): Promise<ExecutionView> {
    await this.deps.authorizer.ensureAuthorized(scope.principal, scope.spaceId, 'get');
    const task = await this.deps.queue.get(executionId);
    if (!task || task.spaceId !== scope.spaceId || task.scope !== ACTIONS_TASK_SCOPE) {
      throw notFound(`Execution ${executionId} not found`);
    }
    const events = await this.deps.queue.events(executionId);
    const timedOut = events.some((e) => e.event.action === 'execute-timeout');
    const status: ExecutionView['status'] =
      task.status === 'idle' ? 'queued' : task.status === 'running' ? 'running' : task.status === 'succeeded' ? 'ok' : timedOut ? 'timeout' : 'error';
    return {
      executionId,
      connectorId: task.connectorId ?? '',
      status,
      attempts: task.attempts,
      interruptedAttempts: task.interruptedAttempts,
      maxAttempts: task.maxAttempts,
      ...(status === 'queued' ? { nextAttemptAt: task.runAt } : {}),
      result: task.result as ActionResult | undefined,
      events,
    };
  }

  /**
   * A saved or preconfigured connector's params with their templates filled from
   * `variables`, escaped as the type escapes them when it runs for a rule; nothing is sent.
   */
  async render(scope: Scope, id: string, params: unknown, variables: Record<string, unknown>): Promise<Record<string, unknown>> {
    const found = await this.deps.loader.find(scope.spaceId, id);
    await this.deps.authorizer.ensureAuthorized(scope.principal, scope.spaceId, 'execute', found?.typeId);
    if (!found) throw savedObjectNotFound('action', id);
    const def = this.deps.registry.get(found.typeId);
    const valid = asBadRequest(() => validateParams(def, params, this.deps.validatorContext));
    return this.deps.paramsRenderer.render(def, valid, variables, id);
  }

  /**
   * What running a saved or preconfigured connector now with `params` would send, for types
   * that change their params when they run (null for the others); nothing is sent.
   */
  async previewRun(scope: Scope, id: string, params: unknown): Promise<RunPreview> {
    const found = await this.deps.loader.find(scope.spaceId, id);
    await this.deps.authorizer.ensureAuthorized(scope.principal, scope.spaceId, 'execute', found?.typeId);
    if (!found) throw savedObjectNotFound('action', id);
    return this.preview(this.deps.registry.get(found.typeId), id, found.config, params);
  }

  /** The same for a connector that is not saved (the create flyout's test); needs create. */
  async previewUnsavedRun(scope: Scope, typeId: string, config: unknown, params: unknown): Promise<RunPreview> {
    await this.deps.authorizer.ensureAuthorized(scope.principal, scope.spaceId, 'create', typeId);
    return this.preview(this.deps.registry.get(typeId), 'unsaved-connector', config, params);
  }

  /**
   * The type's messages about a config and secrets, each checked on its own as create checks
   * it (the UI asks as the user leaves a field); needs create.
   */
  async validateFields(scope: Scope, typeId: string, input: { config?: unknown; secrets?: unknown }): Promise<{ config?: string; secrets?: string }> {
    await this.deps.authorizer.ensureAuthorized(scope.principal, scope.spaceId, 'create', typeId);
    const def = this.deps.registry.get(typeId);
    const ctx = this.deps.validatorContext;
    const problem = (check: () => unknown) => {
      try {
        check();
        return undefined;
      } catch (err) {
        if (err instanceof ValidationError) return err.message;
        throw err;
      }
    };
    return {
      ...(input.config !== undefined ? { config: problem(() => validateConfig(def, input.config, ctx)) } : {}),
      ...(input.secrets !== undefined ? { secrets: problem(() => validateSecrets(def, input.secrets, ctx)) } : {}),
    };
  }

  /** A run the type or its validation would refuse is an answer too: `refused` says why, as the run would. */
  private preview(def: ConnectorTypeDefinition, connectorId: string, rawConfig: unknown, rawParams: unknown): RunPreview {
    if (!def.previewRun) return { preview: null };
    const ctx = this.deps.validatorContext;
    let config: Record<string, unknown>;
    let params: Record<string, unknown>;
    try {
      config = validateConfig(def, rawConfig, ctx);
      const refusal = requestedRunRefusal(def, rawParams);
      if (refusal) return { preview: null, refused: refusal };
      params = validateParams(def, rawParams, ctx);
    } catch (err) {
      if (err instanceof ValidationError) return { preview: null, refused: err.message };
      throw err;
    }
    // What the UI's Test tab and _execute run as.
    const preview = def.previewRun({ connectorId, config, params, source: 'http_request', configurationUtilities: ctx.configurationUtilities, logger: this.deps.logger });
    return typeof preview === 'string' ? { preview: null, refused: preview } : { preview };
  }

  /**
   * Runs a connector that is not saved, after the same validation as create; `acceptStream`:
   * the caller reads a streamed answer as it comes.
   */
  async testUnsaved(scope: Scope, input: CreateConnectorInput & { params: unknown }, signal?: AbortSignal, options: Accepts = {}): Promise<StreamableOutcome> {
    const { registry, authorizer } = this.deps;
    await authorizer.ensureAuthorized(scope.principal, scope.spaceId, 'create', input.typeId);
    const def = registry.get(input.typeId);
    if (def.isSystemActionType) throw badRequest(`System action creation is forbidden. Action type: ${input.typeId}.`);
    await this.ensureEndpointPrivilege(scope, def, input.params);
    const { config, secrets } = this.validate(def, input.config, input.secrets);
    this.ensureRunRequestable(def, input.params, options);
    registry.ensureEnabled(def.id);
    const connector: RunnableConnector = {
      id: input.id ?? 'unsaved-connector',
      name: input.name,
      typeId: def.id,
      config,
      secrets,
      isPreconfigured: false,
      isSystemAction: false,
    };
    // An unsaved connector has no history to add to.
    const run = {
      connector,
      params: input.params,
      source: 'http_request' as const,
      spaceId: scope.spaceId,
      signal,
      user: { name: scope.principal.username },
      recordEvents: false,
      acceptStream: options.acceptStream,
      acceptFile: options.acceptFile,
    };
    const { result, usage } = await this.runNow('test', run);
    return { result, streams: streamsAnswer(def, input.params), downloads: downloadsAnswer(def, input.params), ...(usage ? { usage } : {}), ...chunksOf(def) };
  }

  /** Endpoint-security sub-actions that do more than read need Kibana's sub-feature privilege (and `all`). */
  private async ensureEndpointPrivilege(scope: Scope, def: ConnectorTypeDefinition, params: unknown): Promise<void> {
    if (needsEndpointPrivilege(def, params)) await this.deps.authorizer.ensureEndpointSecurityAuthorized(scope.principal, scope.spaceId, def.id);
  }

  /** A run requested over HTTP that the type refuses outright is a 400, as the request's own fault. */
  private ensureRunRequestable(def: ConnectorTypeDefinition, params: unknown, { acceptStream = false, acceptFile = false }: Accepts): void {
    const refusal = requestedRunRefusal(def, params);
    if (refusal) throw badRequest(refusal);
    if (!acceptStream && streamsAnswer(def, params)) throw badRequest(streamRefusal(def, 'http'));
    if (!acceptFile && downloadsAnswer(def, params)) throw badRequest(streamRefusal(def, 'http', 'file'));
  }

  /** 429 with Retry-After while a token budget of the connector (flowControl) holds its requests back. */
  private ensureWithinTokenBudget(connectorId: string, typeId: string): void {
    const wait = this.deps.tokenBudgets?.budgetWait(connectorId, typeId);
    if (!wait) return;
    const seconds = Math.max(1, Math.ceil((wait.until.getTime() - Date.now()) / 1000));
    throw new PlugboardError(
      429,
      `Connector ${connectorId} has used its token budget (plugboard.actions.flowControl ${wait.budget}: ${wait.limit}); try again after ${wait.until.toISOString()}`,
      { 'Retry-After': String(seconds) },
    );
  }

  /** 400 for a type that is not registered, 403 for one `enabledActionTypes` leaves out (unless the connector is in memory). */
  private ensureTypeRuns(connector: InMemoryConnector | ConnectorRecord): void {
    const inMemory = isInMemory(connector);
    const flags = { isPreconfigured: inMemory && connector.isPreconfigured, isSystemAction: inMemory && connector.isSystemAction };
    if (!this.deps.registry.isExecutable(connector.typeId, flags)) this.deps.registry.ensureEnabled(connector.typeId);
  }

  /** Runs an action within the request and counts it in the metrics under `metricsSource`. */
  private async runNow(metricsSource: 'http_request' | 'test', options: ExecuteOptions): Promise<ExecutionOutcome> {
    const started = performance.now();
    const outcome = await this.deps.executor.run(options);
    const record = (ok: boolean) => this.deps.executionMetrics?.record(metricsSource, options.connector.typeId, ok, performance.now() - started);
    // A streamed answer is counted once it has ended: a failure the provider reports inside the
    // stream is a failure, and its duration is the stream's.
    if (outcome.usage) Promise.resolve(outcome.usage).then(() => record(true), () => record(false));
    else record(outcome.result.status === 'ok');
    return outcome;
  }

  listTypes(opts: { featureId?: string; includeSystem?: boolean }): ConnectorTypeSummary[] {
    const { registry } = this.deps;
    return registry
      .list()
      .filter((def) => opts.includeSystem || !def.isSystemActionType)
      .filter((def) => !opts.featureId || def.supportedFeatureIds.includes(opts.featureId as never))
      .map((def) => registry.summarize(def));
  }

  private validate(def: ConnectorTypeDefinition, rawConfig: unknown, rawSecrets: unknown) {
    const ctx = this.deps.validatorContext;
    return asBadRequest(() => {
      const config = validateConfig(def, rawConfig, ctx);
      const secrets = validateSecrets(def, rawSecrets, ctx);
      validateConnector(def, config, secrets);
      return { config, secrets };
    });
  }

  private async runPostSave(def: ConnectorTypeDefinition, ctx: Parameters<NonNullable<NonNullable<ConnectorTypeDefinition['hooks']>['postSave']>>[0]) {
    try {
      await def.hooks?.postSave?.(ctx);
    } catch (err) {
      this.deps.logger.error({ err }, `postSaveHook failed for connector ${ctx.connectorId}`);
    }
  }

  private fromRecord(record: ConnectorSummary): Connector {
    const def = this.deps.registry.has(record.typeId) ? this.deps.registry.get(record.typeId) : undefined;
    return {
      id: record.id,
      name: record.name,
      typeId: record.typeId,
      config: record.config,
      isPreconfigured: false,
      isDeprecated: Boolean(def?.isConnectorDeprecated?.(record.config)),
      isMissingSecrets: record.isMissingSecrets,
      isSystemAction: false,
      isConnectorTypeDeprecated: Boolean(def?.isDeprecated),
    };
  }

  private fromInMemory(c: InMemoryConnector): Connector {
    const def = this.deps.registry.get(c.typeId);
    return {
      id: c.id,
      name: c.name,
      typeId: c.typeId,
      ...(c.exposeConfig ? { config: c.config } : {}),
      isPreconfigured: c.isPreconfigured,
      isDeprecated: Boolean(def.isConnectorDeprecated?.(c.config)),
      isSystemAction: c.isSystemAction,
      isConnectorTypeDeprecated: Boolean(def.isDeprecated),
    };
  }
}
