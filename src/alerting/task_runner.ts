import { randomUUID } from 'node:crypto';
import type { Client as ElasticsearchClient } from '@elastic/elasticsearch';
import type { Logger } from 'pino';
import type { ActionsClient, EnqueueItem } from '../actions/actions_client.js';
import { configSchemaMessage } from '../common/config_schema_messages.js';
import type { ConnectorTypeRegistry } from '../actions/registry.js';
import type { ParamsRenderer } from '../actions/templating/params_renderer.js';
import type { AlertingConfig } from '../config/schema.js';
import { INTERNAL_PRINCIPAL } from '../security/principal.js';
import type { RuleExecutionStatus, RuleLastRun, RuleRecord, RulesRepository } from '../storage/rules_repository.js';
import { nextIntervalRun } from '../tasks/next_run.js';
import type { TaskDefinition, TaskInstance, TaskOutcome } from '../tasks/types.js';
import { scheduleActions } from './action_scheduler/schedule_actions.js';
import { toEnqueueItems } from './action_scheduler/enqueue_payload.js';
import { isSummaryAction, type SchedulingRule } from './action_scheduler/types.js';
import { buildRuleUrl, renderRuleActionParams } from './action_variables.js';
import { buildAlertDocuments } from './alert_document.js';
import { RunAlertsReporter } from './alerts/alerts_reporter.js';
import { resolveFlappingSettings } from './alerts/flapping.js';
import { alertsStoppedByDisable, processRunAlerts, toTaskStateAlerts } from './alerts/lifecycle.js';
import { readRuleTaskState } from './alerts/task_state.js';
import { parseRuleDuration } from './duration.js';
import { ruleTaskType, type RegisteredRuleType, type RuleTypeRegistry } from './rule_type_registry.js';
import { RuleRunEvents, type RuleEventSink } from './rule_event_log.js';
import { RECOVERED_ACTION_GROUP, type RuleInfo, type RuleResults } from './types.js';

// One run of a rule (reference kibana-alerting-rules.md §2.3): load the rule, run its type's
// executor, sort its alerts, schedule its actions into the action queue, write the outcome on
// the rule, and hand the task manager the state for the next run.

/** Kibana's run timeout when neither a setting nor the type sets one. */
const DEFAULT_RULE_TIMEOUT = '5m';
/** Kibana enqueues a run's actions in chunks of this many. */
const ENQUEUE_CHUNK = 1000;

export interface RuleTaskRunnerDeps {
  rules: Pick<RulesRepository, 'get' | 'writeRunState'>;
  ruleTypes: RuleTypeRegistry;
  actions: Pick<ActionsClient, 'bulkEnqueue'>;
  connectorTypes: ConnectorTypeRegistry;
  paramsRenderer: Pick<ParamsRenderer, 'render'>;
  elasticsearch(): ElasticsearchClient;
  config: AlertingConfig;
  publicBaseUrl: string | undefined;
  logger: Logger;
  /** The event log: each run's rule events (execute-start, execute, alerts, actions, timeout). */
  events?: RuleEventSink;
}

/** The run timeout of a rule type: per-type setting → `rules.run.timeout` → the type's own → 5m (§2.2). */
export function ruleRunTimeout(config: AlertingConfig, type: RegisteredRuleType): string {
  const override = config.rules.run.ruleTypeOverrides?.find((o) => o.id === type.id)?.timeout;
  return override ?? config.rules.run.timeout ?? type.ruleTaskTimeout ?? DEFAULT_RULE_TIMEOUT;
}

/** One task definition per rule type (`alerting:<id>`), each with its type's timeout. */
export function ruleTaskDefinitions(deps: RuleTaskRunnerDeps): TaskDefinition[] {
  return deps.ruleTypes.list().map((type) => ({
    type: ruleTaskType(type.id),
    timeoutMs: parseRuleDuration(ruleRunTimeout(deps.config, type)),
    run: (task, signal) => runRule(deps, task, signal),
  }));
}

function ruleInfo(rule: RuleRecord, type: RegisteredRuleType): RuleInfo {
  return {
    id: rule.id,
    name: rule.name,
    tags: rule.tags,
    consumer: rule.consumer,
    producer: type.producer,
    revision: rule.revision,
    ruleTypeId: type.id,
    ruleTypeName: type.name,
    enabled: rule.enabled,
    schedule: rule.schedule,
    createdBy: rule.createdBy,
    updatedBy: rule.updatedBy,
    createdAt: new Date(rule.createdAt),
    updatedAt: new Date(rule.updatedAt),
    throttle: rule.throttle,
    notifyWhen: rule.notifyWhen,
    muteAll: rule.muteAll,
    hasSummaryActions: rule.actions.some(isSummaryAction),
  };
}

function schedulingRule(rule: RuleRecord, type: RegisteredRuleType): SchedulingRule {
  return {
    id: rule.id,
    name: rule.name,
    tags: rule.tags,
    ruleTypeId: type.id,
    ruleTypeName: type.name,
    consumer: rule.consumer,
    producer: type.producer,
    revision: rule.revision,
    params: rule.params,
    schedule: rule.schedule,
    notifyWhen: rule.notifyWhen,
    throttle: rule.throttle,
    muteAll: rule.muteAll,
    mutedInstanceIds: rule.mutedInstanceIds,
    actions: rule.actions,
    systemActions: rule.systemActions,
  };
}

/** `{dateStart: start − window, dateEnd: start}`, as Kibana's getTimeRange (query delay 0). */
function timeRange(startedAt: Date, window: string | undefined): { dateStart: string; dateEnd: string } {
  if (window === undefined) return { dateStart: startedAt.toISOString(), dateEnd: startedAt.toISOString() };
  let ms: number;
  try {
    ms = parseRuleDuration(window);
  } catch {
    throw new Error(`Invalid format for windowSize: "${window}"`);
  }
  return { dateStart: new Date(startedAt.getTime() - ms).toISOString(), dateEnd: startedAt.toISOString() };
}

class RunResults implements RuleResults {
  readonly warnings: string[] = [];
  outcomeMessage: string | undefined;
  addLastRunWarning(message: string): void {
    this.warnings.push(message);
  }
  setLastRunOutcomeMessage(message: string): void {
    this.outcomeMessage = message;
  }
}

type FailureReason = 'read' | 'disabled' | 'validate' | 'execute' | 'timeout' | 'unknown';

/** Writes a failed run on the rule and its `execute` event; the task keeps its state and runs again at its interval. */
async function recordFailure(
  deps: RuleTaskRunnerDeps,
  rule: RuleRecord | undefined,
  ruleId: string,
  { startedAt, dueAt }: RunTiming,
  reason: FailureReason,
  message: string,
  events?: RuleRunEvents,
): Promise<TaskOutcome> {
  deps.logger.warn({ ruleId, reason }, message);
  events?.end({ outcome: 'failure', status: 'error', reason, text: message });
  if (rule) {
    const executionStatus: RuleExecutionStatus = {
      status: 'error',
      lastExecutionDate: startedAt.toISOString(),
      lastDuration: Date.now() - startedAt.getTime(),
      error: { reason, message },
      warning: null,
    };
    const lastRun: RuleLastRun = { outcome: 'failed', warning: reason, outcomeMsg: [message], alertsCount: {} };
    await deps.rules.writeRunState(rule.id, { executionStatus, lastRun, nextRun: nextRunOf(rule, { startedAt, dueAt }), running: false });
  }
  return { kind: 'failed', error: message };
}

/** When the run started, and when it was due (the task's run_at). */
interface RunTiming {
  startedAt: Date;
  dueAt: Date;
}

/** The rule's next_run: when the task manager runs the task again (src/tasks/next_run.ts). */
const nextRunOf = (rule: RuleRecord, { startedAt, dueAt }: RunTiming) => nextIntervalRun(dueAt, startedAt, parseRuleDuration(rule.schedule.interval)).toISOString();

/** The run the executor asked for, when it is earlier than the schedule's (never in the past). */
function earlierRun(rule: RuleRecord, timing: RunTiming, requested: Date | undefined): Date | undefined {
  if (!requested || Number.isNaN(requested.getTime())) return undefined;
  const scheduled = Date.parse(nextRunOf(rule, timing));
  return requested.getTime() < scheduled ? new Date(Math.max(requested.getTime(), Date.now())) : undefined;
}

async function runRule(deps: RuleTaskRunnerDeps, task: TaskInstance, signal: AbortSignal): Promise<TaskOutcome> {
  const { alertId: ruleId, spaceId } = task.params as { alertId: string; spaceId: string };
  const startedAt = new Date();
  const timing: RunTiming = { startedAt, dueAt: task.runAt };
  const executionId = randomUUID();
  const rule = await deps.rules.get(spaceId, ruleId);
  if (!rule) return recordFailure(deps, undefined, ruleId, timing, 'read', `Saved object [alert/${ruleId}] not found`);
  const type = deps.ruleTypes.has(rule.alertTypeId) ? deps.ruleTypes.get(rule.alertTypeId) : undefined;
  // The rule's events need its type (producer, license): a run of an unregistered type writes none.
  const events = deps.events && type ? runEvents(deps.events, rule, type, spaceId, executionId, task, startedAt) : undefined;
  events?.start();
  if (!rule.enabled) return recordFailure(deps, rule, ruleId, timing, 'disabled', 'Rule failed to execute because rule ran after it was disabled.', events);
  if (!type) return recordFailure(deps, rule, ruleId, timing, 'read', `Rule type "${rule.alertTypeId}" is not registered.`);
  const params = type.schemas.params.safeParse(rule.params);
  if (!params.success) return recordFailure(deps, rule, ruleId, timing, 'validate', `params invalid: ${configSchemaMessage(params.error)}`, events);

  await deps.rules.writeRunState(rule.id, { running: true });
  const state = readRuleTaskState(task.state);
  const autoRecoverAlerts = type.autoRecoverAlerts ?? true;
  const reporter = new RunAlertsReporter(state, {
    maxAlerts: deps.config.rules.run.alerts.max,
    autoRecoverAlerts,
    doesSetRecoveryContext: type.doesSetRecoveryContext ?? false,
  });
  const results = new RunResults();
  const logger = deps.logger.child({ ruleId: rule.id, ruleTypeId: type.id, executionId });
  let executorState: Record<string, unknown>;
  let requestedRun: Date | undefined;
  try {
    const answer = await type.executor({
      executionId,
      params: params.data,
      state: state.alertTypeState,
      startedAt,
      previousStartedAt: state.previousStartedAt ? new Date(state.previousStartedAt) : null,
      spaceId,
      rule: ruleInfo(rule, type),
      logger,
      services: { alerts: reporter, elasticsearch: deps.elasticsearch, results, shouldStopExecution: () => signal.aborted },
      getTimeRange: (window) => timeRange(startedAt, window),
      signal,
    });
    reporter.checkLimitUsage();
    executorState = answer.state ?? {};
    requestedRun = answer.nextRun;
  } catch (err) {
    if (signal.aborted) {
      const message = `${type.id}:${rule.id}: execution cancelled due to timeout - exceeded rule type timeout of ${ruleRunTimeout(deps.config, type)}`;
      events?.timeout(ruleRunTimeout(deps.config, type));
      return recordFailure(deps, rule, ruleId, timing, 'timeout', message, events);
    }
    return recordFailure(deps, rule, ruleId, timing, 'execute', (err as Error).message, events);
  }
  if (signal.aborted) events?.timeout(ruleRunTimeout(deps.config, type));
  if (signal.aborted && deps.config.cancelAlertsOnRuleTimeout) {
    const message = `${type.id}:${rule.id}: execution cancelled due to timeout - exceeded rule type timeout of ${ruleRunTimeout(deps.config, type)}`;
    return recordFailure(deps, rule, ruleId, timing, 'timeout', message, events);
  }

  const alerts = processRunAlerts({
    reporter,
    autoRecoverAlerts,
    flappingSettings: resolveFlappingSettings(undefined, rule.flapping ? { look_back_window: rule.flapping.lookBackWindow, status_change_threshold: rule.flapping.statusChangeThreshold, enabled: rule.flapping.enabled } : null),
    alertDelay: rule.alertDelay?.active ?? 0,
    defaultActionGroupId: type.defaultActionGroupId,
    startedAt,
  });
  const ruleForActions = schedulingRule(rule, type);
  const documents = buildAlertDocuments(alerts, { rule: ruleForActions, spaceId, executionId, startedAt });
  const scheduled = scheduleActions({
    rule: ruleForActions,
    spaceId,
    executionId,
    actionGroups: type.actionGroups,
    recoveryActionGroupId: RECOVERED_ACTION_GROUP.id,
    now: startedAt,
    kibanaBaseUrl: deps.publicBaseUrl,
    ruleUrl: buildRuleUrl({ publicBaseUrl: deps.publicBaseUrl, spaceId, ruleId: rule.id }),
    active: alerts.active,
    recovered: alerts.recovered,
    documents,
    isActionExecutable: (_connectorId, actionTypeId) => deps.connectorTypes.has(actionTypeId),
    logger,
    actionsConfig: deps.config.rules.run.actions,
    summaryActions: state.summaryActions,
    summaryGroups: reporter.summaryGroups,
    adapterFor: (actionTypeId) => (deps.connectorTypes.has(actionTypeId) ? deps.connectorTypes.get(actionTypeId).ruleActionAdapter : undefined),
  });
  events?.alerts(alerts);
  const run = { executionId, spaceId, rule: { id: rule.id, ruleTypeId: type.id, consumer: rule.consumer, apiKeyOwner: rule.apiKeyOwner } };
  const items = await toEnqueueItems(run, scheduled.actions, (a, params, variables) =>
    renderRuleActionParams(deps.paramsRenderer, deps.connectorTypes.get(a.action.actionTypeId), params, variables, a.action.id),
  );
  let queued: { limited: boolean; enqueued: boolean[] };
  try {
    queued = await enqueue(deps, spaceId, items);
  } catch (err) {
    // As Kibana: an action whose connector is gone (404) fails the run, a user error; the
    // rule keeps its previous state and runs again at its interval.
    return recordFailure(deps, rule, ruleId, timing, 'unknown', (err as Error).message, events);
  }
  if (events) for (const [i, action] of scheduled.actions.entries()) if (queued.enqueued[i]) events.action(action);
  if (scheduled.warning) results.addLastRunWarning(scheduled.warning.message);
  if (queued.limited) results.addLastRunWarning('The maximum number of queued actions was reached; excess actions were not triggered.');

  const taskAlerts = toTaskStateAlerts(alerts, reporter.maxAlerts);
  const counts = { active: Object.keys(alerts.active).length, new: Object.keys(alerts.new).length, recovered: Object.keys(alerts.recovered).length, ignored: 0 };
  const warning = scheduled.warning?.reason ?? (queued.limited ? 'maxQueuedActions' : reporter.hasReachedAlertLimit ? 'maxAlerts' : results.warnings.length > 0 ? 'ruleExecution' : null);
  const executionStatus: RuleExecutionStatus = {
    status: warning ? 'warning' : counts.active > 0 ? 'active' : 'ok',
    lastExecutionDate: startedAt.toISOString(),
    lastDuration: Date.now() - startedAt.getTime(),
    error: null,
    warning: warning ? { reason: warning, message: results.warnings[0] ?? warning } : null,
  };
  const outcomeMsg = [...results.warnings, ...(results.outcomeMessage ? [results.outcomeMessage] : [])];
  const lastRun: RuleLastRun = { outcome: warning ? 'warning' : 'succeeded', warning, outcomeMsg: outcomeMsg.length > 0 ? outcomeMsg : null, alertsCount: counts };
  const earlier = earlierRun(rule, timing, requestedRun);
  await deps.rules.writeRunState(rule.id, { executionStatus, lastRun, nextRun: earlier?.toISOString() ?? nextRunOf(rule, timing), running: false });
  events?.end({
    outcome: warning ? 'warning' : 'success',
    status: executionStatus.status,
    reason: warning ?? undefined,
    text: executionStatus.warning?.message,
    metrics: {
      number_of_triggered_actions: scheduled.numberOfTriggeredActions,
      number_of_generated_actions: scheduled.numberOfGeneratedActions,
      alert_counts: { active: counts.active, new: counts.new, recovered: counts.recovered },
      number_of_delayed_alerts: Object.keys(alerts.delayed).length,
      number_of_searches: 0,
      es_search_duration_ms: 0,
      total_search_duration_ms: 0,
      total_run_duration_ms: Date.now() - startedAt.getTime(),
    },
  });
  return {
    kind: 'succeeded',
    ...(earlier ? { runAt: earlier } : {}),
    state: { alertTypeState: executorState, ...taskAlerts, summaryActions: scheduled.summaryActions, previousStartedAt: startedAt.toISOString() },
  };
}

/** The run's actions into the queue, in chunks, as the rule's space (the server's own principal). */
async function enqueue(deps: RuleTaskRunnerDeps, spaceId: string, items: EnqueueItem[]): Promise<{ limited: boolean; enqueued: boolean[] }> {
  let limited = false;
  const enqueued: boolean[] = [];
  for (let i = 0; i < items.length; i += ENQUEUE_CHUNK) {
    const result = await deps.actions.bulkEnqueue({ spaceId, principal: INTERNAL_PRINCIPAL }, items.slice(i, i + ENQUEUE_CHUNK));
    limited ||= result.items.some((item) => item.response === 'queuedActionsLimitError');
    for (const item of result.items) enqueued.push(item.response === 'success');
  }
  return { limited, enqueued };
}

function runEvents(sink: RuleEventSink, rule: RuleRecord, type: RegisteredRuleType, spaceId: string, executionId: string, task: TaskInstance, startedAt: Date): RuleRunEvents {
  return new RuleRunEvents(sink, { executionId, spaceId, rule: ruleOfEvents(rule, type), scheduledAt: task.scheduledAt }, startedAt);
}

/**
 * Writes the end of each alert a disable stopped (reference §1.8): `recovered-instance`, or
 * `untracked-instance` with untrack. Kibana's name no rule run; here they share an execution
 * uuid of their own, which every rule event row has.
 */
export function logAlertsStoppedByDisable(sink: RuleEventSink, ruleTypes: RuleTypeRegistry, rule: RuleRecord, taskState: Record<string, unknown> | undefined, untrack: boolean): void {
  if (!taskState || !ruleTypes.has(rule.alertTypeId)) return;
  const now = new Date();
  const stopped = alertsStoppedByDisable(readRuleTaskState(taskState).alertInstances, { untrack });
  if (stopped.length === 0) return;
  const events = new RuleRunEvents(sink, { executionId: randomUUID(), spaceId: rule.spaceId, rule: ruleOfEvents(rule, ruleTypes.get(rule.alertTypeId)) }, now);
  for (const alert of stopped) events.stopped(alert);
}

function ruleOfEvents(rule: RuleRecord, type: RegisteredRuleType) {
  return { id: rule.id, name: rule.name, ruleTypeId: type.id, consumer: rule.consumer, revision: rule.revision, producer: type.producer, license: type.minimumLicenseRequired };
}
