import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Scope } from '../actions/actions_client.js';
import { isInMemory, type ConnectorLoader } from '../actions/connector_loader.js';
import type { ConnectorTypeRegistry } from '../actions/registry.js';
import { configSchemaMessage } from '../common/config_schema_messages.js';
import { badRequest, conflict, forbidden, PlugboardError, savedObjectConflict, savedObjectNotFound } from '../common/errors.js';
import { KqlError, parseKql } from '../common/kql.js';
import { unauthorizedRule, type RulesAuthorizer, type RulesOperation } from '../security/authorization.js';
import { isForeignKeyViolation, isUniqueViolation } from '../storage/errors.js';
import type {
  NewRuleRecord,
  RuleAction,
  RuleActionFrequency,
  RuleAlertsFilter,
  RuleControlFields,
  RuleFlapping,
  RuleNotifyWhen,
  RuleRecord,
  RuleRunState,
  RulesRepository,
  RuleSystemAction,
  RuleUserFields,
} from '../storage/rules_repository.js';
import type { NewTask } from '../tasks/types.js';
import { parseRuleDuration } from './duration.js';
import { findRules, type FindRulesOptions, type FindRulesResult } from './rule_find.js';
import { ruleTaskType, type RegisteredRuleType, type RuleTypeRegistry } from './rule_type_registry.js';
import { RECOVERED_ACTION_GROUP } from './types.js';
import type { FollowAlertOption } from '../actions/follow/policy.js';

/** An action as a request gives it (camelCase); system connectors' actions come in the same list. */
export interface RuleActionInput {
  id: string;
  group?: string;
  params: Record<string, unknown>;
  frequency?: RuleActionFrequency;
  uuid?: string;
  alertsFilter?: RuleAlertsFilter;
  useAlertDataForTemplate?: boolean;
  followAlert?: FollowAlertOption;
}

/** The fields of a PUT (Kibana's update body): a full replace of these. */
export interface UpdateRuleInput {
  name: string;
  tags: string[];
  schedule: { interval: string };
  params: Record<string, unknown>;
  actions: RuleActionInput[];
  throttle?: string | null;
  notifyWhen?: RuleNotifyWhen | null;
  alertDelay?: { active: number };
  flapping?: RuleFlapping | null;
}

export interface CreateRuleInput extends UpdateRuleInput {
  id?: string;
  alertTypeId: string;
  consumer: string;
  enabled: boolean;
}

/** The task of an enabled rule (reference §2.1): id = rule id, run every interval. */
export const RULE_TASK_SCOPE = 'alerting';

/** What the rules client needs of the task manager. */
export interface RuleTasks {
  schedule(tasks: NewTask[]): Promise<void>;
  /** Removes the task (if any); a run in progress finishes, and its outcome is dropped. */
  remove(id: string): Promise<void>;
  /** A new interval for a scheduled task, the next run moved by the difference (Kibana's bulkUpdateSchedules). */
  updateInterval(id: string, intervalMs: number): Promise<void>;
  /** The task's state (`alertInstances` and the rest), when it exists. */
  state(id: string): Promise<Record<string, unknown> | undefined>;
  /** Moves a queued task's next run to now and wakes the task manager. */
  runSoon(id: string): Promise<'scheduled' | 'running' | 'missing'>;
}

/** Told when a rule is disabled, with the alerts its task still tracked (the event log writes their end). */
export type RuleDisabledListener = (rule: RuleRecord, taskState: Record<string, unknown> | undefined, untrack: boolean) => Promise<void>;

export interface RulesClientDeps {
  repository: RulesRepository;
  ruleTypes: RuleTypeRegistry;
  connectors: ConnectorLoader;
  /** Whether a connector id is a system connector's (ActionsClient.isSystemAction). */
  isSystemAction(id: string): boolean;
  connectorTypes: ConnectorTypeRegistry;
  tasks: RuleTasks;
  authorizer: RulesAuthorizer;
  settings: { minimumScheduleInterval: { value: string; enforce: boolean }; maxScheduledPerMinute: number };
  logger: Logger;
}

/** The task's first state (Kibana's): nothing run yet, no alerts. */
export function initialRuleTaskState(): Record<string, unknown> {
  return { previousStartedAt: null, alertTypeState: {}, alertInstances: {} };
}

const runsPerMinute = (interval: string) => 60_000 / parseRuleDuration(interval);

/** Kibana's `getRuleNotifyWhenType` (newer versions): only a throttle implies `onThrottleInterval`. */
function ruleNotifyWhen(notifyWhen: RuleNotifyWhen | null | undefined, throttle: string | null | undefined): RuleNotifyWhen | null {
  return notifyWhen ?? (throttle ? 'onThrottleInterval' : null);
}

/** What a user sets on a rule, from a create or update body checked by the client. */
function userFieldsOf(
  input: UpdateRuleInput,
  params: Record<string, unknown>,
  split: { actions: Array<Omit<RuleAction, 'actionTypeId'>>; systemActions: Array<Omit<RuleSystemAction, 'actionTypeId'>> },
  connectors: Map<string, { typeId: string }>,
): RuleUserFields {
  return {
    name: input.name,
    tags: input.tags,
    schedule: input.schedule,
    params,
    actions: split.actions.map((a) => ({ ...a, actionTypeId: connectors.get(a.id)!.typeId })),
    systemActions: split.systemActions.map((a) => ({ ...a, actionTypeId: connectors.get(a.id)!.typeId })),
    throttle: input.throttle ?? null,
    notifyWhen: ruleNotifyWhen(input.notifyWhen, input.throttle),
    alertDelay: input.alertDelay ?? null,
    flapping: input.flapping ?? null,
  };
}

/** Kibana's `validateHours`: `hh:mm`, 24-hour. */
const isHour = (text: string) => /^([01]\d|2[0-3]):[0-5]\d$/.test(text);

/**
 * Kibana's rules client over the rules table and the task manager: every change checks what
 * Kibana checks, in its order, before anything is stored.
 */
export class RulesClient {
  private readonly minimumIntervalMs: number;

  constructor(private readonly deps: RulesClientDeps) {
    this.minimumIntervalMs = parseRuleDuration(deps.settings.minimumScheduleInterval.value);
  }

  async create(scope: Scope, input: CreateRuleInput): Promise<RuleRecord> {
    const { repository, ruleTypes } = this.deps;
    await this.ensureSomeAccess(scope, 'create');
    const split = this.splitActions(input.actions);
    const id = input.id ?? randomUUID();
    const type = ruleTypes.get(input.alertTypeId);
    if (input.enabled) await this.checkCircuitBreaker(input.name, input.schedule.interval, 'created');
    await this.authorize(scope, 'create', type.id, input.consumer);
    const params = this.validateParams(type, input.params);
    const connectors = await this.validateActions(scope, type, input, split);
    this.checkMinimumInterval(input.schedule.interval, 'creating');
    const now = new Date().toISOString();
    const record: NewRuleRecord = {
      id,
      spaceId: scope.spaceId,
      alertTypeId: type.id,
      consumer: input.consumer,
      ...userFieldsOf(input, params, split, connectors),
      enabled: input.enabled,
      muteAll: false,
      mutedInstanceIds: [],
      scheduledTaskId: input.enabled ? id : null,
      revision: 0,
      createdBy: scope.principal.username,
      updatedBy: scope.principal.username,
      createdAt: now,
      updatedAt: now,
      apiKeyOwner: input.enabled ? scope.principal.username : null,
      executionStatus: { status: 'pending', lastExecutionDate: now },
      lastRun: null,
      nextRun: null,
      running: false,
    };
    let created: RuleRecord;
    try {
      // Rule ids are unique across spaces, as Kibana's saved-object ids are.
      if (await repository.exists(id)) throw this.idInUse(id);
      created = await repository.insert(record, this.storedConnectorIds(record.actions, connectors));
    } catch (err) {
      if (isUniqueViolation(err)) throw this.idInUse(id);
      if (isForeignKeyViolation(err)) throw savedObjectNotFound('space', scope.spaceId);
      throw err;
    }
    if (created.enabled) {
      try {
        await this.scheduleTask(created);
      } catch (err) {
        // As Kibana: a rule whose task cannot be scheduled is not kept.
        await repository.delete(scope.spaceId, id);
        throw err;
      }
    }
    return created;
  }

  async get(scope: Scope, id: string): Promise<RuleRecord> {
    const rule = await this.load(scope, id, 'get');
    await this.authorize(scope, 'get', rule.alertTypeId, rule.consumer);
    return rule;
  }

  async update(scope: Scope, id: string, input: UpdateRuleInput): Promise<RuleRecord> {
    const { repository, ruleTypes } = this.deps;
    const existing = await this.load(scope, id, 'update');
    const split = this.splitActions(input.actions);
    const type = ruleTypes.get(existing.alertTypeId);
    if (existing.enabled && existing.schedule.interval !== input.schedule.interval) {
      await this.checkCircuitBreaker(input.name, input.schedule.interval, 'updated', existing.id);
    }
    await this.authorize(scope, 'update', type.id, existing.consumer);
    const params = this.validateParams(type, input.params);
    const connectors = await this.validateActions(scope, type, input, split);
    this.checkMinimumInterval(input.schedule.interval, 'updating');
    const user = userFieldsOf(input, params, split, connectors);
    const control: RuleControlFields = {
      ...this.controlOf(existing, scope),
      revision: userFieldsChanged(existing, user) ? existing.revision + 1 : existing.revision,
      apiKeyOwner: existing.enabled ? scope.principal.username : existing.apiKeyOwner,
    };
    const updated = await repository.update(scope.spaceId, id, existing.version, {
      user,
      storedConnectorIds: this.storedConnectorIds(user.actions, connectors),
      control,
    });
    if (!updated) throw await this.lostRace(scope, id);
    if (updated.scheduledTaskId && existing.schedule.interval !== updated.schedule.interval) {
      // As Kibana: the rule is saved; a task that cannot follow is only logged.
      await this.deps.tasks
        .updateInterval(updated.scheduledTaskId, parseRuleDuration(updated.schedule.interval))
        .catch((err: unknown) => this.deps.logger.error({ err }, `Rule ${id}: updating its task's schedule failed`));
    }
    return updated;
  }

  async delete(scope: Scope, id: string): Promise<void> {
    const rule = await this.load(scope, id, 'delete');
    await this.authorize(scope, 'delete', rule.alertTypeId, rule.consumer);
    if (!(await this.deps.repository.delete(scope.spaceId, id))) throw savedObjectNotFound('alert', id);
    if (rule.scheduledTaskId) await this.deps.tasks.remove(rule.scheduledTaskId);
  }

  async find(scope: Scope, options: FindRulesOptions): Promise<FindRulesResult> {
    await this.authorize(scope, 'find');
    const rules = await this.deps.repository.listBySpace(scope.spaceId);
    return findRules(rules, options);
  }

  async enable(scope: Scope, id: string): Promise<void> {
    const rule = await this.load(scope, id, 'enable');
    if (!rule.enabled) await this.checkCircuitBreaker(rule.name, rule.schedule.interval, 'enabled');
    await this.authorize(scope, 'enable', rule.alertTypeId, rule.consumer);
    let enabled = rule;
    if (!rule.enabled) {
      const now = new Date();
      const written = await this.deps.repository.update(scope.spaceId, id, rule.version, {
        control: { ...this.controlOf(rule, scope), enabled: true, scheduledTaskId: rule.id, apiKeyOwner: rule.apiKeyOwner ?? scope.principal.username },
        runState: {
          executionStatus: { status: 'pending', lastDuration: 0, lastExecutionDate: now.toISOString(), error: null, warning: null },
          lastRun: rule.lastRun,
          nextRun: new Date(now.getTime() + parseRuleDuration(rule.schedule.interval)).toISOString(),
          running: false,
        },
      });
      if (!written) throw await this.lostRace(scope, id);
      enabled = written;
    }
    // Scheduling keeps an existing task: enabling an enabled rule only makes sure it has one.
    await this.scheduleTask(enabled);
  }

  async disable(scope: Scope, id: string, opts: { untrack: boolean }): Promise<void> {
    const rule = await this.load(scope, id, 'disable');
    await this.authorize(scope, 'disable', rule.alertTypeId, rule.consumer);
    if (!rule.enabled) return;
    const taskState = rule.scheduledTaskId ? await this.deps.tasks.state(rule.scheduledTaskId) : undefined;
    const written = await this.deps.repository.update(scope.spaceId, id, rule.version, {
      control: { ...this.controlOf(rule, scope), enabled: false, scheduledTaskId: null },
      runState: { executionStatus: rule.executionStatus, lastRun: rule.lastRun, nextRun: null, running: false },
    });
    if (!written) throw await this.lostRace(scope, id);
    if (rule.scheduledTaskId) await this.deps.tasks.remove(rule.scheduledTaskId);
    for (const listener of this.disabledListeners) {
      await listener(written, taskState, opts.untrack).catch((err: unknown) => this.deps.logger.error({ err }, `Rule ${id}: recording its alerts' end on disable failed`));
    }
  }

  private readonly disabledListeners: RuleDisabledListener[] = [];

  /** Lets the alert lifecycle record the end of a disabled rule's alerts (Kibana's recovered-instance events). */
  onDisabled(listener: RuleDisabledListener): void {
    this.disabledListeners.push(listener);
  }

  async muteAll(scope: Scope, id: string): Promise<void> {
    await this.changeControl(scope, id, 'muteAll', () => ({ muteAll: true, mutedInstanceIds: [] }));
  }

  async unmuteAll(scope: Scope, id: string): Promise<void> {
    await this.changeControl(scope, id, 'unmuteAll', () => ({ muteAll: false, mutedInstanceIds: [] }));
  }

  async muteAlert(scope: Scope, id: string, alertId: string): Promise<void> {
    await this.changeControl(scope, id, 'muteAlert', (rule) =>
      rule.muteAll || rule.mutedInstanceIds.includes(alertId) ? undefined : { mutedInstanceIds: [...rule.mutedInstanceIds, alertId] },
    );
  }

  async unmuteAlert(scope: Scope, id: string, alertId: string): Promise<void> {
    await this.changeControl(scope, id, 'unmuteAlert', (rule) =>
      rule.muteAll || !rule.mutedInstanceIds.includes(alertId) ? undefined : { mutedInstanceIds: rule.mutedInstanceIds.filter((a) => a !== alertId) },
    );
  }

  /**
   * Kibana mints a new API key for the rule's runs. Plugboard's rule runs need none (they run
   * with the service's own rights): only the key's owner changes, as Kibana's does.
   */
  async updateApiKey(scope: Scope, id: string): Promise<void> {
    await this.changeControl(scope, id, 'updateApiKey', () => ({ apiKeyOwner: scope.principal.username }));
  }

  /**
   * Kibana's `runSoon`: the rule's task runs now instead of at its next interval. What cannot
   * be done is answered as Kibana words it (the route sends it with 200); undefined once done.
   */
  async runSoon(scope: Scope, id: string): Promise<string | undefined> {
    const rule = await this.load(scope, id, 'runSoon');
    await this.authorize(scope, 'runSoon', rule.alertTypeId, rule.consumer);
    if (!rule.enabled) return 'Error running rule: rule is disabled';
    const taskId = rule.scheduledTaskId ?? rule.id;
    const answer = await this.deps.tasks.runSoon(taskId);
    if (answer === 'running') return 'Rule is already running';
    if (answer === 'missing') return `Error running rule: Saved object [task/${taskId}] not found`;
    return undefined;
  }

  /** The rule types the caller may see in the space, with its privilege (`GET rule_types`). */
  async listRuleTypes(scope: Scope): Promise<{ types: RegisteredRuleType[]; privilege: 'read' | 'all' | undefined }> {
    const privilege = await this.deps.authorizer.rulesPrivilegeIn(scope.principal, scope.spaceId);
    return { types: privilege ? this.deps.ruleTypes.list() : [], privilege };
  }

  /**
   * Kibana's framework health: for each failure reason (`decrypt`, `execute`, `read`), `warn`
   * with the time of the latest rule of the space whose last run failed so, else `ok` now.
   * 403 when the caller may see no rule types.
   */
  async health(scope: Scope): Promise<Record<'decrypt' | 'execute' | 'read', { status: 'ok' | 'warn'; timestamp: string }>> {
    const { types } = await this.listRuleTypes(scope);
    if (types.length === 0) throw forbidden('Unauthorized to access alerting framework health');
    const rules = await this.deps.repository.listBySpace(scope.spaceId);
    const now = new Date().toISOString();
    const of = (reason: string) => {
      const latest = rules
        .filter((r) => r.executionStatus.status === 'error' && r.executionStatus.error?.reason === reason)
        .map((r) => r.executionStatus.lastExecutionDate)
        .sort()
        .at(-1);
      return latest ? { status: 'warn' as const, timestamp: latest } : { status: 'ok' as const, timestamp: now };
    };
    return { decrypt: of('decrypt'), execute: of('execute'), read: of('read') };
  }

  /**
   * The spaces whose rule runs the caller may read in the global execution log and KPI: without
   * a privilege on rules in the space of the request, Kibana's 403 for the alerts of no rule type;
   * of the spaces asked for (default: that space), those where it may read rules.
   */
  async readableRuleSpaces(scope: Scope, namespaces: string[] | undefined): Promise<string[]> {
    const { authorizer } = this.deps;
    if (!(await authorizer.rulesPrivilegeIn(scope.principal, scope.spaceId))) throw forbidden('Unauthorized to find alerts for any rule types');
    const requested = namespaces?.length ? [...new Set(namespaces)] : [scope.spaceId];
    const readable: string[] = [];
    for (const spaceId of requested) {
      if (spaceId === scope.spaceId || (await authorizer.rulesPrivilegeIn(scope.principal, spaceId))) readable.push(spaceId);
    }
    return readable;
  }

  /** For the task runner: a rule by id in its space, whoever asks (no authorization). */
  loadForRun(spaceId: string, id: string): Promise<RuleRecord | undefined> {
    return this.deps.repository.get(spaceId, id);
  }

  /** For the task runner: writes a run's outcome (execution_status, last_run, next_run, running) only. */
  writeRunState(id: string, state: Partial<RuleRunState>): Promise<boolean> {
    return this.deps.repository.writeRunState(id, state);
  }

  // --- helpers

  /**
   * A caller with no privilege on rules in the space learns nothing, not even whether a rule
   * exists or a rule type is registered: 403 before anything is read. (Kibana reads first and
   * then authorizes by the rule's type and consumer, which `authorize` still does.)
   */
  private async ensureSomeAccess(scope: Scope, operation: RulesOperation): Promise<void> {
    if (!(await this.deps.authorizer.rulesPrivilegeIn(scope.principal, scope.spaceId))) throw unauthorizedRule(operation);
  }

  private async load(scope: Scope, id: string, operation: RulesOperation): Promise<RuleRecord> {
    await this.ensureSomeAccess(scope, operation);
    const rule = await this.deps.repository.get(scope.spaceId, id);
    if (!rule) throw savedObjectNotFound('alert', id);
    return rule;
  }

  private async authorize(scope: Scope, operation: RulesOperation, ruleTypeId?: string, consumer?: string): Promise<void> {
    await this.deps.authorizer.ensureRulesAuthorized(scope.principal, scope.spaceId, operation, ruleTypeId, consumer);
  }

  private controlOf(rule: RuleRecord, scope: Scope): RuleControlFields {
    return {
      enabled: rule.enabled,
      muteAll: rule.muteAll,
      mutedInstanceIds: rule.mutedInstanceIds,
      scheduledTaskId: rule.scheduledTaskId,
      revision: rule.revision,
      updatedBy: scope.principal.username,
      updatedAt: new Date().toISOString(),
      apiKeyOwner: rule.apiKeyOwner,
    };
  }

  /** Mute, unmute and the API key: control fields only, so the revision stays. */
  private async changeControl(
    scope: Scope,
    id: string,
    operation: RulesOperation,
    change: (rule: RuleRecord) => Partial<RuleControlFields> | undefined,
  ): Promise<void> {
    const rule = await this.load(scope, id, operation);
    await this.authorize(scope, operation, rule.alertTypeId, rule.consumer);
    const fields = change(rule);
    if (!fields) return;
    const written = await this.deps.repository.update(scope.spaceId, id, rule.version, { control: { ...this.controlOf(rule, scope), ...fields } });
    if (!written) throw await this.lostRace(scope, id);
  }

  /** A write that found the rule changed or gone since it was read. */
  private async lostRace(scope: Scope, id: string): Promise<PlugboardError> {
    return (await this.deps.repository.get(scope.spaceId, id)) ? savedObjectConflict('alert', id) : savedObjectNotFound('alert', id);
  }

  private idInUse(id: string): PlugboardError {
    return conflict(`Saved object [alert/${id}] conflict`);
  }

  private async scheduleTask(rule: RuleRecord): Promise<void> {
    await this.deps.tasks.schedule([
      {
        id: rule.id,
        type: ruleTaskType(rule.alertTypeId),
        scope: RULE_TASK_SCOPE,
        spaceId: rule.spaceId,
        params: { alertId: rule.id, spaceId: rule.spaceId, consumer: rule.consumer },
        state: initialRuleTaskState(),
        // A run that fails is recorded and the rule runs again at its next interval.
        maxAttempts: 1,
        intervalMs: parseRuleDuration(rule.schedule.interval),
      },
    ]);
  }

  /**
   * Route step (Kibana's `validateRequiredGroupInDefaultActions`) and generated values: system
   * connectors' actions go apart, every other action needs a group; each action gets a uuid,
   * and an alerts filter's KQL must parse.
   */
  private splitActions(input: RuleActionInput[]): { actions: Array<Omit<RuleAction, 'actionTypeId'>>; systemActions: Array<Omit<RuleSystemAction, 'actionTypeId'>> } {
    const isSystem = (id: string) => this.deps.isSystemAction(id);
    for (const action of input) {
      if (!isSystem(action.id) && !action.group) throw badRequest(`Group is not defined in action ${action.id}`);
    }
    const actions: Array<Omit<RuleAction, 'actionTypeId'>> = [];
    const systemActions: Array<Omit<RuleSystemAction, 'actionTypeId'>> = [];
    for (const [i, action] of input.entries()) {
      const uuid = action.uuid ?? randomUUID();
      if (action.followAlert && (isSystem(action.id) || action.frequency?.summary)) {
        throw badRequest(`actions[${i}].follow_alert: only a per-alert action can follow its alerts, not a ${isSystem(action.id) ? 'system' : 'summary'} action`);
      }
      if (isSystem(action.id)) {
        systemActions.push({ uuid, id: action.id, params: action.params });
        continue;
      }
      const kql = action.alertsFilter?.query?.kql;
      if (kql !== undefined) {
        try {
          parseKql(kql);
        } catch (err) {
          if (err instanceof KqlError) throw badRequest(`Invalid KQL: ${err.message}`);
          throw err;
        }
      }
      actions.push({
        uuid,
        group: action.group!,
        id: action.id,
        params: action.params,
        ...(action.frequency ? { frequency: action.frequency } : {}),
        ...(action.alertsFilter ? { alertsFilter: action.alertsFilter } : {}),
        ...(action.useAlertDataForTemplate !== undefined ? { useAlertDataForTemplate: action.useAlertDataForTemplate } : {}),
        ...(action.followAlert ? { followAlert: action.followAlert } : {}),
      });
    }
    return { actions, systemActions };
  }

  private validateParams(type: RegisteredRuleType, params: Record<string, unknown>): Record<string, unknown> {
    const parsed = type.schemas.params.safeParse(params, { reportInput: true });
    if (!parsed.success) throw badRequest(`params invalid: ${configSchemaMessage(parsed.error)}`);
    return parsed.data as Record<string, unknown>;
  }

  /** Kibana's circuit breaker on runs per minute over every enabled rule of every space. */
  private async checkCircuitBreaker(name: string, interval: string, verb: 'created' | 'updated' | 'enabled', exceptId?: string): Promise<void> {
    const used = (await this.deps.repository.enabledIntervals(exceptId)).reduce((sum, i) => sum + runsPerMinute(i), 0);
    const available = Math.max(this.deps.settings.maxScheduledPerMinute - used, 0);
    const wanted = runsPerMinute(interval);
    if (wanted <= available) return;
    const runs = (n: number) => `${n} ${n === 1 ? 'run' : 'runs'}`;
    throw badRequest(
      `Error validating circuit breaker - Rule '${name}' cannot be ${verb}. The maximum number of runs per minute would be exceeded. - ` +
        `The rule has ${runs(wanted)} per minute; there ${available === 1 ? 'is' : 'are'} only ${runs(available)} per minute available. ` +
        'Before you can modify this rule, you must increase its check interval so that it runs less frequently. Alternatively, disable other rules or change their check intervals.',
    );
  }

  private checkMinimumInterval(interval: string, verb: 'creating' | 'updating'): void {
    const { value, enforce } = this.deps.settings.minimumScheduleInterval;
    if (parseRuleDuration(interval) >= this.minimumIntervalMs) return;
    if (enforce) throw badRequest(`Error ${verb} rule: the interval is less than the allowed minimum interval of ${value}`);
    this.deps.logger.warn(`Rule schedule interval (${interval}) is less than the minimum value (${value}). Running rules at this interval may impact alerting performance. Set "xpack.alerting.rules.minimumScheduleInterval.enforce" to true to prevent such changes.`);
  }

  /**
   * Kibana's `validateActions`: the connectors are loaded first (an unknown one fails alone, as
   * Kibana's getBulk does), then every problem is collected into one 400.
   */
  private async validateActions(
    scope: Scope,
    type: RegisteredRuleType,
    input: UpdateRuleInput,
    split: ReturnType<RulesClient['splitActions']>,
  ): Promise<Map<string, { typeId: string; stored: boolean }>> {
    const { actions, systemActions } = split;
    const all = [...actions, ...systemActions];
    const found = await this.deps.connectors.findMany(scope.spaceId, all.map((a) => a.id));
    const connectors = new Map<string, { typeId: string; stored: boolean }>();
    for (const [id, c] of found) connectors.set(id, { typeId: c.typeId, stored: !isInMemory(c) });
    if (actions.length === 0 && systemActions.length === 0) return connectors;
    const errors: string[] = [];
    if (new Set(all.map((a) => a.uuid)).size < all.length) errors.push('Actions have duplicated UUIDs');
    for (const action of all) {
      if (!found.has(action.id)) throw badRequest(`Failed to load action ${action.id} (404): Saved object [action/${action.id}] not found`);
    }
    this.checkSystemActions(systemActions, connectors);
    const missingSecrets = [...found.values()].filter((c) => !isInMemory(c) && c.isMissingSecrets).map((c) => c.name);
    if (missingSecrets.length > 0) errors.push(`Invalid connectors: ${missingSecrets.join(', ')}`);
    // A ticketing type made for Cases only (.cases-webhook) serves an action that follows its alerts (Plugboard's).
    const typeIds = [...new Set(actions.filter((a) => !a.followAlert).map((a) => connectors.get(a.id)!.typeId))];
    const unusable = typeIds.filter((t) => !this.deps.connectorTypes.has(t) || !this.deps.connectorTypes.get(t).supportedFeatureIds.includes('alerting'));
    if (unusable.length > 0) errors.push('This type of connector cannot be used as alerting actions');
    const disabled = [...new Set(all.map((a) => connectors.get(a.id)!.typeId))].filter(
      (t) => this.deps.connectorTypes.has(t) && !this.deps.connectorTypes.isEnabledInConfig(t),
    );
    for (const t of disabled) errors.push(`action type "${t}" is not enabled in the Kibana config xpack.actions.enabledActionTypes`);
    this.checkFollowActions(input.actions, connectors);
    const groups = new Set(type.actionGroups.map((g) => g.id));
    const invalidGroups = actions.filter((a) => !groups.has(a.group)).map((a) => a.group);
    if (invalidGroups.length > 0) errors.push(`Invalid action groups: ${invalidGroups.join(', ')}`);
    if (input.notifyWhen !== undefined && input.notifyWhen !== null ? true : Boolean(input.throttle)) {
      const withFrequency = actions.filter((a) => a.frequency);
      if (withFrequency.length > 0) {
        errors.push(`Cannot specify per-action frequency params when notify_when or throttle are defined at the rule level: ${withFrequency.map((a) => a.group).join(', ')}`);
      }
    } else {
      const without = actions.filter((a) => !a.frequency);
      if (without.length > 0) errors.push(`Actions missing frequency parameters: ${without.map((a) => a.group).join(', ')}`);
    }
    const intervalMs = parseRuleDuration(input.schedule.interval);
    const tooOften = actions.filter((a) => a.frequency?.notifyWhen === 'onThrottleInterval' && a.frequency.throttle && parseRuleDuration(a.frequency.throttle) < intervalMs);
    if (tooOften.length > 0) {
      errors.push(
        `Action frequency cannot be shorter than the schedule interval of ${input.schedule.interval}: ${tooOften.map((a) => `${a.group} (${a.frequency!.throttle})`).join(', ')}`,
      );
    }
    const filtered = actions.filter((a) => a.alertsFilter);
    const noQueryNorTimeframe = filtered.filter((a) => !a.alertsFilter!.query && !a.alertsFilter!.timeframe);
    if (noQueryNorTimeframe.length > 0) {
      errors.push(`Action's alertsFilter  must have either "query" or "timeframe" : ${noQueryNorTimeframe.map((a) => a.uuid).join(', ')}`);
    }
    const timeframes = filtered.filter((a) => a.alertsFilter!.timeframe);
    const incomplete = timeframes.filter((a) => {
      const t = a.alertsFilter!.timeframe!;
      return !t.hours || !t.days || !t.timezone;
    });
    if (incomplete.length > 0) errors.push(`Action's alertsFilter timeframe has missing fields: days, hours or timezone: ${incomplete.map((a) => a.uuid).join(', ')}`);
    const badDays = timeframes.filter((a) => a.alertsFilter!.timeframe!.days?.some((d) => ![1, 2, 3, 4, 5, 6, 7].includes(d)));
    if (badDays.length > 0) {
      errors.push(`Action's alertsFilter days has invalid values: ${badDays.map((a) => `(${a.uuid}:[${a.alertsFilter!.timeframe!.days.join(',')}]) `).join(', ')}`);
    }
    const badHours = timeframes.filter((a) => {
      const hours = a.alertsFilter!.timeframe!.hours;
      return hours && (!isHour(hours.start) || !isHour(hours.end));
    });
    if (badHours.length > 0) {
      errors.push(`Action's alertsFilter time range has an invalid value: ${badHours.map((a) => `${a.alertsFilter!.timeframe!.hours.start}-${a.alertsFilter!.timeframe!.hours.end}`).join(', ')}`);
    }
    if (errors.length === 1) throw badRequest(`Failed to validate actions due to the following error: ${errors[0]}`);
    if (errors.length > 1) throw badRequest(`Failed to validate actions due to the following ${errors.length} errors:\n- ${errors.join('\n- ')}`);
    return connectors;
  }

  /**
   * Kibana's validateSystemActions: a system type that allows one action per rule is used once,
   * and the params stored for it are those its adapter reads.
   */
  private checkSystemActions(systemActions: Array<{ id: string; params: Record<string, unknown> }>, connectors: Map<string, { typeId: string }>): void {
    const seen = new Set<string>();
    for (const action of systemActions) {
      const typeId = connectors.get(action.id)?.typeId;
      if (!typeId || !this.deps.connectorTypes.has(typeId)) continue;
      const def = this.deps.connectorTypes.get(typeId);
      if (seen.has(action.id) && def.allowMultipleSystemActions === false) throw badRequest('Cannot use the same system action twice');
      seen.add(action.id);
      const parsed = def.ruleActionAdapter?.ruleActionParamsSchema.safeParse(action.params);
      if (parsed && !parsed.success) throw badRequest(`Invalid system action params. System action type: ${typeId} - ${configSchemaMessage(parsed.error)}`);
    }
  }

  /**
   * Plugboard's `follow_alert`: only on a connector type that can follow alerts, with its
   * pushToService sub-action, and not on the recovery group (the resolve is the option's).
   */
  private checkFollowActions(actions: RuleActionInput[], connectors: Map<string, { typeId: string }>): void {
    for (const [i, action] of actions.entries()) {
      if (!action.followAlert) continue;
      const typeId = connectors.get(action.id)!.typeId;
      const field = `actions[${i}].follow_alert`;
      if (!this.deps.connectorTypes.has(typeId) || !this.deps.connectorTypes.get(typeId).follow) {
        const able = this.deps.connectorTypes.list().filter((t) => t.follow).map((t) => t.id);
        throw badRequest(`${field}: connectors of type ${typeId} cannot follow alerts; these can: ${able.join(', ')}`);
      }
      if (action.group === RECOVERED_ACTION_GROUP.id) throw badRequest(`${field}: not on the ${RECOVERED_ACTION_GROUP.id} group: the ticket is resolved by the option itself`);
      if (action.params.subAction !== 'pushToService') throw badRequest(`${field}: the action's params must use the pushToService sub-action`);
    }
  }

  /** One reference per action on a stored connector; preconfigured and system ones get none (Kibana §3.8). */
  private storedConnectorIds(actions: RuleAction[], connectors: Map<string, { stored: boolean }>): string[] {
    return actions.filter((a) => connectors.get(a.id)?.stored).map((a) => a.id);
  }
}

/** Whether an update changes what bumps Kibana's revision (name, tags, schedule, params, actions…). */
function userFieldsChanged(rule: RuleRecord, next: RuleUserFields): boolean {
  const before: RuleUserFields = {
    name: rule.name,
    tags: rule.tags,
    schedule: rule.schedule,
    params: rule.params,
    actions: rule.actions,
    systemActions: rule.systemActions,
    throttle: rule.throttle,
    notifyWhen: rule.notifyWhen,
    alertDelay: rule.alertDelay,
    flapping: rule.flapping,
  };
  // systemActions is in Kibana's list of fields that never bump the revision.
  const comparable = (f: RuleUserFields) => JSON.stringify({ ...f, systemActions: undefined });
  return comparable(before) !== comparable(next);
}
