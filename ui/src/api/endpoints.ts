import { request, requestEvents, type ServerEvent } from './http.js';
import type {
  AlertSummary,
  RuleTicket,
  Capabilities,
  Connector,
  ConnectorType,
  ConnectorTypeForm,
  CurrentUser,
  EventDocument,
  ExecuteResult,
  ConnectorTokenUsage,
  ExecutionKpi,
  ExecutionLogItem,
  ExecutionLogQuery,
  ImportMode,
  ImportResponse,
  IncomingAlertView,
  Rule,
  RuleAction,
  RuleExecutionKpi,
  RuleExecutionLogItem,
  RuleTypeForm,
  Silence,
  SilenceMatcher,
  Space,
} from './types.js';

// Every route the UI calls, in one place. `spaceId` is the space the page is in.

export const getCurrentUser = () => request<CurrentUser>('/internal/security/me');

export const login = (username: string, password: string) =>
  request<{ location: string }>('/internal/security/login', {
    method: 'POST',
    body: { providerType: 'basic', providerName: 'basic', currentURL: window.location.href, params: { username, password } },
    expectUnauthorized: true,
  });

export const logout = () => request<void>('/api/security/logout', { method: 'POST' });

export const listSpaces = () => request<Space[]>('/api/spaces/space');

/** What the user may do in the space (Kibana's UI capabilities). */
export const getCapabilities = (spaceId: string) =>
  request<Capabilities>('/api/core/capabilities', { method: 'POST', spaceId, body: { applications: [] } });

export const listConnectors = (spaceId: string) => request<Connector[]>('/api/actions/connectors', { spaceId });

export const getConnector = (spaceId: string, id: string) =>
  request<Connector>(`/api/actions/connector/${encodeURIComponent(id)}`, { spaceId });

export const listConnectorTypes = (spaceId: string) => request<ConnectorType[]>('/api/actions/connector_types', { spaceId });

export const listConnectorTypeForms = () => request<ConnectorTypeForm[]>('/internal/actions/connector_type_forms');

export interface ConnectorInput {
  name: string;
  config: Record<string, unknown>;
  secrets: Record<string, unknown>;
}

export const createConnector = (spaceId: string, typeId: string, input: ConnectorInput) =>
  request<Connector>('/api/actions/connector', { method: 'POST', spaceId, body: { connector_type_id: typeId, ...input } });

export const updateConnector = (spaceId: string, id: string, input: ConnectorInput) =>
  request<Connector>(`/api/actions/connector/${encodeURIComponent(id)}`, { method: 'PUT', spaceId, body: input });

/** The UI's update: the secret fields of `keep_secrets` keep their stored value (Plugboard). */
export const updateConnectorKeepingSecrets = (spaceId: string, id: string, input: ConnectorInput & { keep_secrets: string[] }) =>
  request<Connector>(`/internal/actions/connector/${encodeURIComponent(id)}`, { method: 'PUT', spaceId, body: input });

/** The names of the secret fields a connector has a value for, never the values (Plugboard). */
export const getConfiguredSecrets = (spaceId: string, id: string) =>
  request<{ configured_secrets: string[] }>(`/internal/actions/connector/${encodeURIComponent(id)}/configured_secrets`, { spaceId });

/** The type's own messages about a config and secrets, nothing stored (Plugboard). */
export const validateConnectorFields = (spaceId: string, typeId: string, input: { config?: Record<string, unknown>; secrets?: Record<string, unknown> }) =>
  request<{ config?: string; secrets?: string }>('/internal/actions/connector/_validate', { method: 'POST', spaceId, body: { connector_type_id: typeId, ...input } });

export type RunPreview = { preview: Record<string, unknown> | null; refused?: string };

/** What a test run would send, nothing sent (Plugboard): of a saved connector, or of unsaved settings. */
export const previewRun = (spaceId: string, target: { id: string } | { typeId: string; config: Record<string, unknown> }, params: Record<string, unknown>) =>
  'id' in target
    ? request<RunPreview>(`/internal/actions/connector/${encodeURIComponent(target.id)}/_preview_run`, { method: 'POST', spaceId, body: { params } })
    : request<RunPreview>('/internal/actions/connector/_preview_run', { method: 'POST', spaceId, body: { connector_type_id: target.typeId, config: target.config, params } });

export const deleteConnector = (spaceId: string, id: string) =>
  request<void>(`/api/actions/connector/${encodeURIComponent(id)}`, { method: 'DELETE', spaceId });

export const executeConnector = (spaceId: string, id: string, params: Record<string, unknown>) =>
  request<ExecuteResult>(`/api/actions/connector/${encodeURIComponent(id)}/_execute`, { method: 'POST', spaceId, body: { params } });

/** Runs params that answer with a stream (Plugboard): each server-sent event as it arrives, the result last. */
export const streamConnector = (spaceId: string, id: string, params: Record<string, unknown>, onEvent: (event: ServerEvent) => void, signal: AbortSignal) =>
  requestEvents(`/api/actions/connector/${encodeURIComponent(id)}/_execute`, { method: 'POST', spaceId, body: { params }, signal }, onEvent);

/** Runs params that answer with a stream on a connector that is not saved (Plugboard): each server-sent event as it arrives, the result last. */
export const streamUnsavedConnector = (
  spaceId: string,
  typeId: string,
  input: ConnectorInput & { params: Record<string, unknown> },
  onEvent: (event: ServerEvent) => void,
  signal: AbortSignal,
) => requestEvents('/api/actions/connector/_test', { method: 'POST', spaceId, body: { connector_type_id: typeId, ...input }, signal }, onEvent);

/** Runs a connector that is not saved (Plugboard): the create flyout's Test. */
export const testUnsavedConnector = (spaceId: string, typeId: string, input: ConnectorInput & { params: Record<string, unknown> }) =>
  request<ExecuteResult>('/api/actions/connector/_test', { method: 'POST', spaceId, body: { connector_type_id: typeId, ...input } });

/** The params with their templates filled from `variables`, nothing sent (Plugboard). */
export const renderParams = (spaceId: string, id: string, params: Record<string, unknown>, variables: Record<string, unknown>) =>
  request<{ params: Record<string, unknown> }>(`/api/actions/connector/${encodeURIComponent(id)}/_render`, {
    method: 'POST',
    spaceId,
    body: { params, variables },
  });

export const getExecutionLog = (spaceId: string, query: ExecutionLogQuery) =>
  request<{ total: number; data: ExecutionLogItem[] }>('/internal/actions/_global_connector_execution_logs', { method: 'POST', spaceId, body: query });

/** Tokens used per connector and per hour (Plugboard). */
export const getTokenUsage = (spaceId: string, query: { date_start: string; date_end: string; connector_id?: string }) =>
  request<{ connectors: ConnectorTokenUsage[] }>('/api/actions/_token_usage', { method: 'POST', spaceId, body: query });

export const getExecutionKpi = (spaceId: string, query: Pick<ExecutionLogQuery, 'date_start' | 'date_end' | 'filter' | 'namespaces'>) =>
  request<ExecutionKpi>('/internal/actions/_global_connector_execution_kpi', { method: 'POST', spaceId, body: query });

export const getExecutionEvents = (spaceId: string, executionId: string) =>
  request<EventDocument[]>(`/internal/actions/execution_events/${encodeURIComponent(executionId)}`, { spaceId });

/**
 * The space's connectors as Kibana's NDJSON export (secrets emptied): those of `ids`, or all
 * of them (preconfigured ones are never exported).
 */
export const exportConnectors = (spaceId: string, ids?: string[]) =>
  request<string>('/api/saved_objects/_export', {
    method: 'POST',
    spaceId,
    body: ids ? { objects: ids.map((id) => ({ type: 'action', id })) } : { type: ['action'] },
    responseType: 'text',
  });

const IMPORT_QUERY: Record<ImportMode, string> = { createNewCopies: '?createNewCopies=true', overwrite: '?overwrite=true', keep: '' };

/** Imports an NDJSON export into the space, as a multipart upload in the field `file`. */
export const importConnectors = (spaceId: string, file: File, mode: ImportMode) => {
  const form = new FormData();
  form.append('file', file, file.name);
  return request<ImportResponse>(`/api/saved_objects/_import${IMPORT_QUERY[mode]}`, { method: 'POST', spaceId, body: form });
};

export const listRuleTypeForms = () => request<RuleTypeForm[]>('/internal/alerting/rule_type_forms');

/** The space's rules (at most `per_page`), or only those with an action on `connectorId`. */
export const findRules = (spaceId: string, options: { connectorId?: string } = {}) => {
  const query = new URLSearchParams({ per_page: '1000', sort_field: 'name', sort_order: 'asc' });
  if (options.connectorId) query.set('has_reference', JSON.stringify({ type: 'action', id: options.connectorId }));
  return request<{ total: number; data: Rule[] }>(`/api/alerting/rules/_find?${query}`, { spaceId });
};

export const getRule = (spaceId: string, id: string) => request<Rule>(`/api/alerting/rule/${encodeURIComponent(id)}`, { spaceId });

export interface RuleInput {
  name: string;
  tags: string[];
  schedule: { interval: string };
  params: Record<string, unknown>;
  actions: Array<Omit<RuleAction, 'connector_type_id'>>;
}

export const createRule = (spaceId: string, input: RuleInput & { rule_type_id: string; consumer: string; enabled: boolean }) =>
  request<Rule>('/api/alerting/rule', { method: 'POST', spaceId, body: input });

/** Kibana's update body: no rule type, consumer or enabled. */
export const updateRule = (spaceId: string, id: string, input: RuleInput) =>
  request<Rule>(`/api/alerting/rule/${encodeURIComponent(id)}`, { method: 'PUT', spaceId, body: input });

export const deleteRule = (spaceId: string, id: string) => request<void>(`/api/alerting/rule/${encodeURIComponent(id)}`, { method: 'DELETE', spaceId });

/** `_enable`, `_disable`, `_mute_all` or `_unmute_all`. */
export const ruleAction = (spaceId: string, id: string, action: '_enable' | '_disable' | '_mute_all' | '_unmute_all') =>
  request<void>(`/api/alerting/rule/${encodeURIComponent(id)}/${action}`, { method: 'POST', spaceId });

const rulePath = (id: string) => `/internal/alerting/rule/${encodeURIComponent(id)}`;

/** The rule's alerts (each one's status, start, muted, flapping) from its events. */
export const getAlertSummary = (spaceId: string, id: string) => request<AlertSummary>(`${rulePath(id)}/_alert_summary`, { spaceId });

export const getRuleTickets = (spaceId: string, id: string) => request<RuleTicket[]>(`${rulePath(id)}/_tickets`, { spaceId });

export interface RuleExecutionLogQuery {
  date_start: string;
  date_end?: string;
  page: number;
  per_page: number;
  sort: Array<Record<string, { order: 'asc' | 'desc' }>>;
}

/** A page of the rule's runs, one entry per run (Kibana's rule execution log). */
export const getRuleExecutionLog = (spaceId: string, id: string, query: RuleExecutionLogQuery) => {
  const search = new URLSearchParams({ date_start: query.date_start, page: String(query.page), per_page: String(query.per_page), sort: JSON.stringify(query.sort) });
  if (query.date_end) search.set('date_end', query.date_end);
  return request<{ total: number; data: RuleExecutionLogItem[] }>(`${rulePath(id)}/_execution_log?${search}`, { spaceId });
};

/** The rule's runs counted by outcome, with their alerts and actions. */
export const getRuleExecutionKpi = (spaceId: string, id: string, dateStart: string) =>
  request<RuleExecutionKpi>(`${rulePath(id)}/_execution_kpi?${new URLSearchParams({ date_start: dateStart })}`, { spaceId });

/** Mutes (no actions for it) or unmutes one alert of a rule. */
export const muteAlert = (spaceId: string, ruleId: string, alertId: string, mute: boolean) =>
  request<void>(`/api/alerting/rule/${encodeURIComponent(ruleId)}/alert/${encodeURIComponent(alertId)}/${mute ? '_mute' : '_unmute'}`, { method: 'POST', spaceId });

/** The space's incoming alerts (Plugboard): those Alertmanager matchers select, resolved ones on request. */
export const listIncomingAlerts = (spaceId: string, options: { filter?: string; includeResolved?: boolean } = {}) => {
  const query = new URLSearchParams();
  if (options.filter?.trim()) query.set('filter', options.filter.trim());
  if (options.includeResolved) query.set('include_resolved', 'true');
  return request<{ alerts: IncomingAlertView[] }>(`/internal/ingest/alerts${query.size ? `?${query}` : ''}`, { spaceId });
};

export const listSilences = (spaceId: string) => request<{ silences: Silence[] }>('/internal/ingest/silences', { spaceId });

export interface SilenceInput {
  matchers: SilenceMatcher[];
  startsAt?: string;
  endsAt: string;
  comment: string;
}

/** A silence in the user's name (Plugboard). */
export const createSilence = (spaceId: string, input: SilenceInput) => request<Silence>('/internal/ingest/silences', { method: 'POST', spaceId, body: input });

export const expireSilence = (spaceId: string, id: string) =>
  request<void>(`/internal/ingest/silences/${encodeURIComponent(id)}/_expire`, { method: 'POST', spaceId });
