import type { Generated } from 'kysely';

// Row shapes of every table. Both dialects store the same column types: text for ids,
// JSON and ISO timestamps, integer 0/1 for booleans, so one set of migrations serves both.

export interface SpacesTable {
  id: string;
  name: string;
  description: string | null;
  color: string | null;
  initials: string | null;
  image_url: string | null;
  disabled_features: string;
  solution: string | null;
  created_at: string;
  updated_at: string;
}

export interface ConnectorsTable {
  id: string;
  space_id: string;
  type_id: string;
  name: string;
  config: string;
  /** AES-256-GCM envelope of the secrets object; see src/crypto. */
  secrets: string;
  is_missing_secrets: number;
  version: number;
  created_at: string;
  updated_at: string;
}

/** Objects (rules' actions) that point at a connector; summed as `referenced_by_count`. */
export interface ConnectorReferencesTable {
  source_type: string;
  source_id: string;
  space_id: string;
  connector_id: string;
  /** How many of the source's actions name the connector (migration 013); rows from before count once. */
  uses: Generated<number>;
}

/** Kibana's rule attributes (migration 013); JSON columns hold Kibana's camelCase shapes. */
export interface RulesTable {
  id: string;
  space_id: string;
  name: string;
  tags: string;
  rule_type_id: string;
  consumer: string;
  schedule_interval: string;
  params: string;
  actions: string;
  system_actions: string;
  throttle: string | null;
  notify_when: string | null;
  mute_all: number;
  muted_alert_ids: string;
  enabled: number;
  execution_status: string;
  last_run: string | null;
  next_run: string | null;
  revision: number;
  running: number;
  created_by: string | null;
  updated_by: string | null;
  created_at: string;
  updated_at: string;
  api_key_owner: string | null;
  alert_delay: string | null;
  flapping: string | null;
  scheduled_task_id: string | null;
  /** Optimistic concurrency of user changes; the run state does not bump it. */
  version: number;
}

export interface UsersTable {
  username: string;
  password_hash: string;
  roles: string;
  full_name: string | null;
  email: string | null;
  enabled: number;
  /** JSON: the user's free-form metadata (migration 005). */
  metadata: string;
  created_at: string;
  updated_at: string;
}

export interface TasksTable {
  id: string;
  type: string;
  scope: string;
  space_id: string;
  connector_id: string | null;
  params: string;
  state: string;
  status: 'idle' | 'running' | 'succeeded' | 'failed';
  priority: number;
  run_at: number;
  scheduled_at: number;
  attempts: number;
  /** Of `attempts`, those cut short by a shutdown (migration 007): they do not count towards max_attempts. */
  interrupted_attempts: number;
  max_attempts: number;
  interval_ms: number | null;
  owner: string | null;
  lease_expires_at: number | null;
  last_error: string | null;
  result: string | null;
  created_at: number;
  updated_at: number;
}

export interface ConnectorPausesTable {
  connector_id: string;
  paused_until: number;
  reason: string | null;
}

export interface EventLogTable {
  id: string;
  timestamp: number;
  provider: string;
  action: string;
  outcome: string | null;
  space_id: string;
  connector_id: string | null;
  connector_type_id: string | null;
  connector_name: string | null;
  execution_uuid: string | null;
  source: string | null;
  attempt: number | null;
  duration_ns: number | null;
  schedule_delay_ns: number | null;
  message: string | null;
  error_message: string | null;
  /**
   * An action's end: the JSON of `kibana.action.execution.gen_ai.usage` (migration 019), which
   * the end's document gets when it is produced from its start's; null otherwise.
   */
  gen_ai_usage: string | null;
  /** The whole event document, in Kibana's event-log shape: the row's first event. */
  document: string;
  /**
   * How many event documents the row stands for (migration 011): 1, or 2 when `document` is an
   * attempt's `execute-start` and the columns above describe that attempt's end (see
   * src/event_log/document.ts).
   */
  events: Generated<number>;
  /** The rule of a rule event, or the rule that queued an action (migration 014); null otherwise. */
  rule_id: string | null;
  /** An action queued by a rule: that rule run's execution uuid (a rule event's is execution_uuid). */
  rule_execution_uuid: string | null;
}

export interface Database {
  spaces: SpacesTable;
  connectors: ConnectorsTable;
  connector_references: ConnectorReferencesTable;
  rules: RulesTable;
  users: UsersTable;
  tasks: TasksTable;
  connector_pauses: ConnectorPausesTable;
  event_log: EventLogTable;
  roles: RolesTable;
  api_keys: ApiKeysTable;
  sessions: SessionsTable;
  audit_log: AuditLogTable;
  encryption_key_check: EncryptionKeyCheckTable;
  incoming_alerts: IncomingAlertsTable;
  silences: SilencesTable;
  ticket_links: TicketLinksTable;
  incoming_alert_versions: IncomingAlertVersionsTable;
  ai_conversations: AiConversationsTable;
  cases: CasesTable;
  case_tags: CaseTagsTable;
  case_attachments: CaseAttachmentsTable;
  case_configurations: CaseConfigurationsTable;
}

/** Alerts posted by senders (migration 015), per space and label-set fingerprint; times in epoch ms. */
export interface IncomingAlertsTable {
  space_id: string;
  fingerprint: string;
  /** JSON object of strings. */
  labels: string;
  /** JSON object of strings. */
  annotations: string;
  starts_at: number;
  ends_at: number;
  /** Alertmanager's Timeout flag: `ends_at` is the receipt + resolveTimeout, not the sender's. */
  timeout: number;
  generator_url: string;
  updated_at: number;
  first_seen_at: number;
  source: string;
  /** The space's version of the post that last wrote it (migration 018). */
  version: number;
}

/** Per space, the last version given to a post of incoming alerts (migration 018). */
export interface IncomingAlertVersionsTable {
  space_id: string;
  /** Set when the row is created: a space created again gets a new generation. */
  generation: string;
  version: number;
}

/** One row per kind of encrypted data (migration 008): a known value under the data's key. */
export interface EncryptionKeyCheckTable {
  id: string;
  envelope: string;
  updated_at: number;
}

export type Dialect = 'sqlite' | 'postgres';

export interface RolesTable {
  name: string;
  description: string | null;
  /** JSON: Kibana's list of {base, feature, spaces} privilege entries. */
  kibana: string;
  /** JSON: Elasticsearch privileges, kept for round trips; Plugboard grants nothing by them. */
  elasticsearch: string;
  metadata: string;
  created_at: number;
  updated_at: number;
}

export interface ApiKeysTable {
  id: string;
  name: string;
  username: string;
  key_hash: string;
  /** JSON: role descriptors (Kibana role bodies by name) that narrow the owner's privileges. */
  role_descriptors: string;
  metadata: string;
  created_at: number;
  expires_at: number | null;
  invalidated_at: number | null;
}

export interface SessionsTable {
  id_hash: string;
  username: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  /** SHA-256 of the user's password hash at login (migration 006): a new password ends the session. */
  password_stamp: string;
}

export interface AuditLogTable {
  id: string;
  timestamp: number;
  action: string;
  outcome: 'success' | 'failure' | 'unknown';
  username: string | null;
  space_id: string | null;
  object_type: string | null;
  object_id: string | null;
  client_ip: string | null;
  message: string;
  /** JSON: further fields of the event; never a secret. */
  details: string;
}

/** Alertmanager-style silences (migration 016); `matchers` is JSON, times ISO with milliseconds. */
export interface SilencesTable {
  id: string;
  space_id: string;
  matchers: string;
  starts_at: string;
  ends_at: string;
  created_by: string;
  comment: string;
  updated_at: string;
}

/** Tickets that follow their alerts (migration 017), per space, rule, action uuid and alert id; times in epoch ms. */
export interface TicketLinksTable {
  space_id: string;
  rule_id: string;
  action_uuid: string;
  alert_id: string;
  connector_id: string | null;
  external_id: string | null;
  title: string | null;
  url: string | null;
  /** `none` (no ticket: only the episode is recorded), `open` or `closed`. */
  state: string;
  /** The alert uuid of the firing episode the row last served. */
  episode: string | null;
  /** 1 once that episode's resolve ran. */
  episode_ended: number;
  opened_at: number | null;
  closed_at: number | null;
  updated_at: number;
  /** The task that holds the key, until `lease_until`. */
  lease_holder: string | null;
  lease_until: number | null;
}

/** Conversations of the AI assistant system action (migration 020); times in epoch ms. */
export interface AiConversationsTable {
  id: string;
  space_id: string;
  title: string;
  connector_id: string;
  connector_type_id: string;
  /** JSON array of {role, content, name?}. */
  messages: string;
  rule_id: string | null;
  rule_execution_id: string | null;
  action_execution_id: string | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  total_tokens: number | null;
  /** `ok` or `error`. */
  status: string;
  error: string | null;
  created_at: number;
}

/** Kibana Cases (migration 021); JSON text where noted, times ISO with milliseconds. */
export interface CasesTable {
  space_id: string;
  id: string;
  owner: string;
  title: string;
  description: string;
  /** JSON array of strings, in the order given (also in `case_tags`, for filters). */
  tags: string;
  status: string;
  severity: string;
  /** JSON `[{uid}]`. */
  assignees: string;
  /** JSON `{id, name, type, fields}`. */
  connector: string;
  /** JSON `{syncAlerts, …}`. */
  settings: string;
  category: string | null;
  /** JSON array. */
  custom_fields: string;
  duration: number | null;
  closed_at: string | null;
  /** JSON user. */
  closed_by: string | null;
  created_at: string;
  /** JSON user. */
  created_by: string;
  /** The username of `created_by`, for the `reporters` filter. */
  reporter: string;
  updated_at: string | null;
  /** JSON user. */
  updated_by: string | null;
  /** JSON, null until pushed. */
  external_service: string | null;
  /** Incremented by every write (the API's `version`). */
  version: number;
}

/** One tag of a case (migration 021), for filters and `GET /api/cases/tags`. */
export interface CaseTagsTable {
  space_id: string;
  case_id: string;
  tag: string;
}

/** An attachment of a case (migration 021): a user comment or alerts. */
export interface CaseAttachmentsTable {
  space_id: string;
  id: string;
  case_id: string;
  /** `user` or `alert`. */
  type: string;
  owner: string;
  comment: string | null;
  /** JSON: the alert ids / indices as posted (a string or an array). */
  alert_ids: string | null;
  indices: string | null;
  /** JSON `{id, name}`. */
  rule: string | null;
  /** How many alert ids the attachment holds (0 for a comment), for `totalAlerts`. */
  alert_count: number;
  created_at: string;
  created_by: string;
  updated_at: string | null;
  updated_by: string | null;
  pushed_at: string | null;
  pushed_by: string | null;
  version: number;
}

/** The case configuration of one owner in a space (migration 022); JSON text where noted. */
export interface CaseConfigurationsTable {
  space_id: string;
  id: string;
  owner: string;
  /** JSON `{id, name, type, fields}`. */
  connector: string;
  closure_type: string;
  /** JSON arrays. */
  custom_fields: string;
  templates: string;
  observable_types: string;
  created_at: string;
  /** JSON user. */
  created_by: string;
  updated_at: string | null;
  /** JSON user. */
  updated_by: string | null;
  /** Incremented by every write (the API's `version`). */
  version: number;
}
