// The shapes of the Plugboard routes the UI reads (Kibana's field names).

export interface Connector {
  id: string;
  name: string;
  config?: Record<string, unknown>;
  connector_type_id: string;
  is_preconfigured: boolean;
  is_deprecated: boolean;
  is_missing_secrets?: boolean;
  is_system_action: boolean;
  is_connector_type_deprecated: boolean;
  referenced_by_count?: number;
}

/** GET /api/actions/connector_types: the server's own summary type. */
export type { ConnectorTypeSummary as ConnectorType } from '../../../src/actions/registry.js';

export type ConnectorCategory = 'messaging' | 'paging' | 'itsm' | 'soar' | 'edr' | 'ai' | 'other';

export type JsonSchema = Record<string, any>;

/** GET /internal/actions/connector_type_forms: what a type's forms are drawn from. */
export interface ConnectorTypeForm {
  id: string;
  name: string;
  category: ConnectorCategory;
  summary: string;
  config_schema: JsonSchema;
  secrets_schema: JsonSchema;
  params_schema: JsonSchema;
  test_params: Record<string, unknown> | null;
  /** By sub-action: the subActionParams the Test tab starts from when that sub-action is chosen. */
  test_sub_action_params: Record<string, Record<string, unknown>> | null;
  /** Types whose params schema leaves the sub-action free: each sub-action and its params schema. */
  sub_actions: Array<{ name: string; params_schema: JsonSchema | null }> | null;
  /** A run may send other than its params (an email test sends a fixed text): the Test tab previews it. */
  run_preview: boolean;
  /** A rule's per-alert action on the type may follow its alerts (`follow_alert`). */
  follows_alerts: boolean;
}

export interface ExecuteResult {
  status: 'ok' | 'error';
  connector_id: string;
  message?: string;
  service_message?: string;
  data?: unknown;
  retry?: boolean | string | null;
  errorSource?: 'user' | 'framework';
}

export interface Space {
  id: string;
  name: string;
  description?: string;
  color?: string;
  initials?: string;
}

/** Kibana's `actions` UI capabilities: `read` gives show and execute, `all` also save and delete. */
export interface ActionsCapabilities {
  show: boolean;
  execute: boolean;
  save: boolean;
  delete: boolean;
}

/** POST /api/core/capabilities, the part the UI reads. */
export interface Capabilities {
  actions: ActionsCapabilities;
  /** Plugboard's: what the user may do with the space's rules. */
  rules: { show: boolean; save: boolean };
}

export interface CurrentUser {
  username: string;
  full_name?: string | null;
  email?: string | null;
  roles: string[];
  authentication_type: string;
}

// The execution log's entries and counts, as the server's queries type them.
export type { ExecutionKpi, ExecutionLogItem } from '../../../src/event_log/execution_log_queries.js';
export type { ConnectorTokenUsage, TokenCounts } from '../../../src/event_log/token_usage.js';
export type { RuleExecutionLogItem } from '../../../src/event_log/rule_execution_log.js';
export type { SummaryAlert } from '../../../src/alerting/alert_summary.js';

/** GET _alert_summary: the rule's alerts by id, as the server's summary builds it. */
export type AlertSummary = Awaited<ReturnType<typeof import('../../../src/alerting/alert_summary.js').getAlertSummary>>;

/** GET _execution_kpi: the rule's runs by outcome, and their alerts and actions summed. */
export type RuleExecutionKpi = Awaited<ReturnType<typeof import('../../../src/event_log/rule_execution_log.js').getRuleExecutionKpi>>;

export interface ExecutionLogQuery {
  date_start: string;
  date_end?: string;
  filter?: string;
  namespaces?: string[];
  page?: number;
  per_page?: number;
  sort?: Array<Record<string, { order: 'asc' | 'desc' }>>;
}

export type EventDocument = Record<string, any>;

/** How `POST /api/saved_objects/_import` treats connectors whose id already exists in the space. */
export type ImportMode = 'createNewCopies' | 'overwrite' | 'keep';

export interface ImportedObjectMeta {
  title?: string;
  icon?: string;
}

/** One object of the file that was written (`destinationId`: its id here, when not the file's). */
export interface ImportSuccess {
  type: string;
  id: string;
  meta: ImportedObjectMeta;
  destinationId?: string;
  overwrite?: boolean;
  createNewCopy?: boolean;
}

/** One object of the file that was not written, and why (Kibana's import error types). */
export interface ImportFailure {
  type: string;
  id: string;
  title?: string;
  meta: ImportedObjectMeta;
  overwrite?: boolean;
  error: {
    type: 'conflict' | 'ambiguous_conflict' | 'unsupported_type' | 'missing_references' | 'unknown' | (string & {});
    destinationId?: string;
    message?: string;
    statusCode?: number;
    references?: Array<{ type: string; id: string }>;
  };
}

export interface ImportWarning {
  type: 'simple' | 'action_required' | (string & {});
  message: string;
  actionPath?: string;
  buttonLabel?: string;
}

/** The answer of `POST /api/saved_objects/_import`, as Kibana gives it. */
export interface ImportResponse {
  success: boolean;
  successCount: number;
  successResults?: ImportSuccess[];
  errors?: ImportFailure[];
  warnings: ImportWarning[];
}

export type NotifyWhen = 'onActionGroupChange' | 'onActiveAlert' | 'onThrottleInterval';

/** One action of a rule (Kibana's body field names). */
export interface RuleAction {
  group: string;
  id: string;
  params: Record<string, unknown>;
  frequency: { summary: boolean; notify_when: NotifyWhen; throttle: string | null };
  uuid?: string;
  connector_type_id?: string;
  /** Plugboard's: the action's ticket follows the alert. */
  follow_alert?: FollowAlert;
}

/** A ticket of an action that follows its alerts (`/internal/alerting/rule/{id}/_tickets`), the fields the rule's page reads. */
export interface RuleTicket {
  action_uuid: string;
  alert_id: string;
  /** Null: the alert has no ticket (only the end of an episode is known). */
  external_id: string | null;
  title: string | null;
  url: string | null;
  state: 'none' | 'open' | 'closed';
}

export interface FollowAlert {
  /** A duration; null: a closed ticket is never reopened (a new one is opened). */
  reopen_within: string | null;
  resolve: 'close' | 'comment' | 'none';
  resolve_comment?: string;
  jira?: { close_transition?: string; reopen_transition?: string };
}

export interface Rule {
  id: string;
  name: string;
  tags: string[];
  enabled: boolean;
  rule_type_id: string;
  consumer: string;
  schedule: { interval: string };
  params: Record<string, unknown>;
  actions: RuleAction[];
  mute_all: boolean;
  muted_alert_ids: string[];
  created_by: string | null;
  updated_by: string | null;
  created_at: string;
  updated_at: string;
  execution_status: { status: string; last_execution_date?: string; last_duration?: number; error?: { reason: string; message: string } | null; warning?: { reason: string; message: string } | null };
  last_run?: { outcome: 'succeeded' | 'warning' | 'failed'; outcome_msg?: string[] | null; alerts_count?: Record<string, number | null> } | null;
  next_run?: string | null;
  revision: number;
}

export interface ActionVariable {
  name: string;
  description: string;
}

/** GET /internal/alerting/rule_type_forms: what a rule type's forms are drawn from. */
export interface RuleTypeForm {
  id: string;
  name: string;
  category: string;
  params_schema: JsonSchema;
  action_groups: Array<{ id: string; name: string }>;
  default_action_group_id: string;
  recovery_action_group_id: string;
  action_variables: { context: ActionVariable[]; state: ActionVariable[]; params: ActionVariable[]; alert?: ActionVariable[]; summary?: ActionVariable[] };
  default_schedule_interval: string | null;
}

export type IncomingAlertStatus = 'firing' | 'suppressed' | 'resolved';

/** GET /internal/ingest/alerts: one incoming alert of the space (Plugboard). */
export interface IncomingAlertView {
  fingerprint: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  timeout: boolean;
  updatedAt: string;
  firstSeenAt: string;
  source: 'alertmanager-api' | 'alertmanager-webhook' | 'grafana-webhook' | 'json';
  generatorURL: string;
  status: IncomingAlertStatus;
  silencedBy: string[];
  /** The incoming-alerts rules of the space (enabled or not) whose matchers select it. */
  rules: Array<{ id: string; name: string }>;
}

export interface SilenceMatcher {
  name: string;
  value: string;
  isRegex: boolean;
  isEqual: boolean;
}

/** GET /internal/ingest/silences: Alertmanager's gettable silence. */
export interface Silence {
  id: string;
  status: { state: 'active' | 'pending' | 'expired' };
  updatedAt: string;
  comment: string;
  createdBy: string;
  startsAt: string;
  endsAt: string;
  matchers: SilenceMatcher[];
}
