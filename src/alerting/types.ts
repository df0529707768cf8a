import type { Client as ElasticsearchClient } from '@elastic/elasticsearch';
import type { Logger } from 'pino';
import type { z } from 'zod';

// The contract between the rules framework and a rule type (reference kibana-alerting-rules.md
// §2.4, §5): what a type declares, what its executor is given and what it answers. Rule types
// are registered like connector types, one folder each under src/alerting/rule_types/.

export interface ActionGroup {
  id: string;
  name: string;
}

/** The group every rule type has, for recovered alerts (Kibana's reserved `recovered`). */
export const RECOVERED_ACTION_GROUP: ActionGroup = { id: 'recovered', name: 'Recovered' };

export interface ActionVariable {
  name: string;
  description: string;
  /** The value is a URL built on `server.publicBaseUrl`. */
  usesPublicBaseUrl?: boolean;
}

/** The rule as its executor sees it (Kibana's executor option `rule`). */
export interface RuleInfo {
  id: string;
  name: string;
  tags: string[];
  consumer: string;
  producer: string;
  revision: number;
  ruleTypeId: string;
  ruleTypeName: string;
  enabled: boolean;
  schedule: { interval: string };
  createdBy: string | null;
  updatedBy: string | null;
  createdAt: Date;
  updatedAt: Date;
  throttle: string | null;
  notifyWhen: string | null;
  muteAll: boolean;
  /** Plugboard's: whether any action is a summary, so that a type can skip preparing summary groups. */
  hasSummaryActions: boolean;
}

/** A recovered alert, whose context the executor may set (types with `doesSetRecoveryContext`). */
export interface RecoveredAlert {
  id: string;
  setContext(context: Record<string, unknown>): void;
  /** Variables under `alert.*` of its recovery actions, as `report`'s payload. */
  setPayload(payload: Record<string, unknown>): void;
  /** No notification for its recovery this run (as `report`'s `muted`). */
  mute(): void;
}

/** One alert an executor reports. */
export interface ReportedAlert {
  id: string;
  actionGroup: string;
  context?: Record<string, unknown>;
  state?: Record<string, unknown>;
  /**
   * Extra variables under `alert.*` of its per-alert actions (`{{alert.labels.severity}}`);
   * Kibana's own `alert.*` fields (id, uuid, actionGroup…) win over a key of the same name.
   */
  payload?: Record<string, unknown>;
  /**
   * Muted for this run only: active (so not recovered), but no per-alert action and left out of
   * summaries, as an alert in the rule's `muted_alert_ids` (e.g. an incoming alert under a silence).
   */
  muted?: boolean;
}

/** An alert of a summary group: its id, and the variables of its item in `alerts.*.data`. */
export interface GroupedAlert {
  id: string;
  [variable: string]: unknown;
}

/**
 * A group of a rule type's own summaries (Plugboard's, for Alertmanager-style grouping): each
 * per-run summary action runs once per group given this run, with `alerts.*` holding the group's
 * alerts (an item merges the alert's document of this run, when it has one, with the group's
 * variables of the alert) and `group.*` the group's variables.
 */
export interface SummaryGroup {
  id: string;
  variables: Record<string, unknown>;
  alerts: { new: GroupedAlert[]; ongoing: GroupedAlert[]; recovered: GroupedAlert[] };
}

/** How an executor reports its alerts (Kibana's alerts client, as the stack rule types use it). */
export interface AlertsReporter {
  /** One active alert of this run, in one of the type's action groups; the (limit+1)-th throws. */
  report(alert: ReportedAlert): void;
  /** The most alerts one run may report (`xpack.alerting.rules.run.alerts.max`, at most 5000). */
  getAlertLimitValue(): number;
  /** Whether the type had more alerts than the limit (then nothing recovers this run). */
  setAlertLimitReached(reached: boolean): void;
  /** The alerts active last run and not reported this run; known once reporting is over. */
  getRecoveredAlerts(): RecoveredAlert[];
  /**
   * The groups due for a summary this run; once called, per-run summary actions run per group
   * (none when the list is empty) instead of once over the run's alerts.
   */
  setSummaryGroups(groups: SummaryGroup[]): void;
}

/** What the run's outcome says beyond success (Kibana's ruleResultService). */
export interface RuleResults {
  addLastRunWarning(message: string): void;
  setLastRunOutcomeMessage(message: string): void;
}

export interface RuleServices {
  alerts: AlertsReporter;
  /** The Elasticsearch of `elasticsearch.hosts`, created on first use. */
  elasticsearch(): ElasticsearchClient;
  results: RuleResults;
  /** True once the run has timed out: a long executor stops at its next step. */
  shouldStopExecution(): boolean;
}

export interface RuleExecutorOptions<P, S> {
  executionId: string;
  params: P;
  /** What the executor returned last run (`{}` on the first). */
  state: S;
  startedAt: Date;
  previousStartedAt: Date | null;
  spaceId: string;
  rule: RuleInfo;
  logger: Logger;
  services: RuleServices;
  /**
   * The window ending at the run's start: `{dateStart: now − window, dateEnd: now}` as ISO
   * strings; an invalid window throws `Invalid format for windowSize: "<w>"`.
   */
  getTimeRange(window?: string): { dateStart: string; dateEnd: string };
  /** Aborted when the run times out or the server shuts down. */
  signal: AbortSignal;
}

export interface RuleTypeDefinition<P = Record<string, unknown>, S extends Record<string, unknown> = Record<string, unknown>> {
  /** Matches /^[a-zA-Z0-9_\-.]*$/. */
  id: string;
  name: string;
  category: string;
  producer: string;
  minimumLicenseRequired: 'basic' | 'gold' | 'platinum' | 'enterprise';
  isExportable: boolean;
  /** The type's own groups; `recovered` is added by the registry. */
  actionGroups: ActionGroup[];
  defaultActionGroupId: string;
  defaultScheduleInterval?: string;
  /** The run's timeout when no setting overrides it (Kibana's default is 5m). */
  ruleTaskTimeout?: string;
  doesSetRecoveryContext?: boolean;
  /** Alerts not reported again recover (default true). */
  autoRecoverAlerts?: boolean;
  /**
   * `alert`: the variables its reports' payloads add under `alert.*`; `summary`: those its summary
   * groups add (`group.*`, items of `alerts.*.data`). Plugboard's, for the UI's picker.
   */
  actionVariables: { context: ActionVariable[]; state?: ActionVariable[]; params?: ActionVariable[]; alert?: ActionVariable[]; summary?: ActionVariable[] };
  /** Checked on create, update and every run; a failure answers `params invalid: <message>`. */
  schemas: { params: z.ZodType<P> };
  /** `nextRun`: an earlier next run than the schedule's (Plugboard's; ignored when not earlier). */
  executor(options: RuleExecutorOptions<P, S>): Promise<{ state: S; nextRun?: Date }>;
}

/** Keeps the generic parameters of a definition inferred from its schema. */
export function defineRuleType<P, S extends Record<string, unknown>>(def: RuleTypeDefinition<P, S>): RuleTypeDefinition<P, S> {
  return def;
}
