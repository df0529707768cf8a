import type { SubAction, SubActionContext } from '../../actions/sub_actions.js';
import {
  API_PATH,
  SUB_ACTION,
  agentFilterSchema,
  downloadAgentFileParamsSchema,
  downloadRemoteScriptResultsParamsSchema,
  executeScriptParamsSchema,
  fetchAgentFilesParamsSchema,
  getActivitiesParamsSchema,
  getRemoteScriptResultsParamsSchema,
  getRemoteScriptStatusParamsSchema,
  getRemoteScriptsParamsSchema,
  type AgentFilter,
  type DownloadAgentFileParams,
  type ExecuteScriptParams,
  type FetchAgentFilesParams,
  type GetActivitiesParams,
  type SentinelOneConfig,
  type SentinelOneSecrets,
} from './schema.js';

type Context = SubActionContext<SentinelOneConfig, SentinelOneSecrets>;
type Action = SubAction<SentinelOneConfig, SentinelOneSecrets>;

/** How Kibana words SentinelOne's errors: the answer's body always follows, as JSON. */
const withBody = (message: string, data: unknown) => `${message}\nResponse body: ${JSON.stringify(data ?? {})}`;

export function sentinelOneErrorMessage({ status, statusText, data }: { status: number; statusText: string; data: unknown }): string {
  // axios' message for an error status, which Kibana's wording repeats.
  return withBody(status === 401 ? 'Unauthorized API Error (401)' : `API Error: [${statusText}] Request failed with status code ${status}`, data);
}

export function sentinelOneUnansweredMessage({ message }: { message: string }): string {
  return withBody(message, undefined);
}

/** The query string of params: nulls and undefined left out (axios skips them), the rest as text. */
function query(params: Record<string, unknown> | undefined): URLSearchParams {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params ?? {})) {
    if (value !== null && value !== undefined) search.append(key, String(value));
  }
  return search;
}

/** A SentinelOne API call: every one carries the token as the APIToken query parameter (the API has no auth header). */
async function api<T = any>(ctx: Context, path: string, options: { method?: 'GET' | 'POST'; params?: Record<string, unknown>; body?: unknown } = {}): Promise<T> {
  const search = query(options.params);
  search.append('APIToken', ctx.secrets.token);
  // Answers are handed on as SentinelOne sends them (Kibana does not validate them).
  const { data } = await ctx.client.request<T>({ url: `${ctx.config.url}${API_PATH}${path}?${search}`, method: options.method ?? 'GET', body: options.body });
  return data;
}

interface AgentsAnswer {
  data?: Array<{ id?: string; networkStatus?: string }>;
}

function getAgents(ctx: Context, { alertIds: _alertIds, ...filter }: AgentFilter) {
  // The alert ids name why a host action was taken; SentinelOne has no such agent filter.
  return api<AgentsAnswer>(ctx, '/agents', { params: filter });
}

/** The first agent the filter finds, refused in Kibana's words when there is none or it is already as wanted. */
async function agentFor(ctx: Context, filter: AgentFilter, wantIsolated: boolean): Promise<string> {
  const { data = [] } = await getAgents(ctx, filter);
  if (data.length === 0) throw new Error('No agents found');
  const isolated = data[0].networkStatus === 'disconnected';
  if (wantIsolated && isolated) throw new Error('Agent already isolated');
  if (!wantIsolated && !isolated) throw new Error('Agent not isolated');
  return String(data[0].id);
}

async function isolateHost(ctx: Context, filter: AgentFilter) {
  const ids = await agentFor(ctx, filter, true);
  return api(ctx, '/agents/actions/disconnect', { method: 'POST', body: { filter: { ids } } });
}

async function releaseHost(ctx: Context, filter: AgentFilter) {
  const ids = await agentFor(ctx, filter, false);
  return api(ctx, '/agents/actions/connect', { method: 'POST', body: { filter: { ids } } });
}

function executeScript(ctx: Context, { filter, script }: ExecuteScriptParams) {
  if (!filter.ids && !filter.uuids) throw new Error("A filter must be defined; either 'ids' or 'uuids'");
  // Results go to SentinelOne's cloud unless the script says otherwise.
  return api(ctx, '/remote-scripts/execute', { method: 'POST', body: { data: { outputDestination: 'SentinelCloud', ...script }, filter } });
}

interface ScriptResultsAnswer {
  data?: { download_links?: Array<{ taskId?: string; downloadUrl?: string }> };
}

function getRemoteScriptResults(ctx: Context, { taskIds }: { taskIds: string[] }) {
  return api<ScriptResultsAnswer>(ctx, '/remote-scripts/fetch-files', { method: 'POST', body: { data: { taskIds } } });
}

async function downloadRemoteScriptResults(ctx: Context, { taskId }: { taskId: string }) {
  const results = await getRemoteScriptResults(ctx, { taskIds: [taskId] });
  const link = (results.data?.download_links ?? []).find((l) => l.taskId === taskId)?.downloadUrl;
  if (!link) throw new Error(`Download URL for script results of task id [${taskId}] not found`);
  // A pre-signed link to SentinelOne's file store: the token is not sent there.
  return ctx.client.download({ url: link });
}

function fetchAgentFiles(ctx: Context, { agentId, zipPassCode, files }: FetchAgentFilesParams) {
  return api(ctx, `/agents/${encodeURIComponent(agentId)}/actions/fetch-files`, { method: 'POST', body: { data: { password: zipPassCode, files } } });
}

function downloadAgentFile(ctx: Context, { agentId, activityId }: DownloadAgentFileParams) {
  const search = new URLSearchParams({ APIToken: ctx.secrets.token });
  return ctx.client.download({ url: `${ctx.config.url}${API_PATH}/agents/${encodeURIComponent(agentId)}/uploads/${encodeURIComponent(activityId)}?${search}` });
}

/** The hosts a call names, for its audit record: the agent ids, UUIDs and computer names of its filter. */
export function sentinelOneHostIds(subAction: string, params: Record<string, unknown> | null | undefined): string[] {
  if (!params) return [];
  const source =
    subAction === SUB_ACTION.ExecuteScript
      ? ((params.filter ?? {}) as Record<string, unknown>)
      : subAction === SUB_ACTION.FetchAgentFiles || subAction === SUB_ACTION.DownloadAgentFile
        ? { ids: params.agentId }
        : params;
  const ids: string[] = [];
  for (const key of ['ids', 'uuids', 'uuid', 'computerName']) {
    const value = source[key];
    if (typeof value === 'string' && value !== '') ids.push(...value.split(',').map((v) => v.trim()).filter(Boolean));
  }
  return [...new Set(ids)];
}

export const sentinelOneSubActions: Action[] = [
  { name: SUB_ACTION.GetAgents, schema: agentFilterSchema, endpoint: 'reads', run: (ctx, params: AgentFilter) => getAgents(ctx, params) },
  { name: SUB_ACTION.IsolateHost, schema: agentFilterSchema, endpoint: 'changesHost', run: isolateHost },
  { name: SUB_ACTION.ReleaseHost, schema: agentFilterSchema, endpoint: 'changesHost', run: releaseHost },
  { name: SUB_ACTION.ExecuteScript, schema: executeScriptParamsSchema, endpoint: 'changesHost', run: executeScript },
  { name: SUB_ACTION.GetRemoteScripts, schema: getRemoteScriptsParamsSchema, run: (ctx, params) => api(ctx, '/remote-scripts', { params }) },
  {
    name: SUB_ACTION.GetRemoteScriptStatus,
    schema: getRemoteScriptStatusParamsSchema,
    run: (ctx, { parentTaskId }: { parentTaskId: string }) => api(ctx, '/remote-scripts/status', { params: { parent_task_id: parentTaskId } }),
  },
  { name: SUB_ACTION.GetRemoteScriptResults, schema: getRemoteScriptResultsParamsSchema, run: getRemoteScriptResults },
  { name: SUB_ACTION.DownloadRemoteScriptResults, schema: downloadRemoteScriptResultsParamsSchema, downloads: true, run: downloadRemoteScriptResults },
  { name: SUB_ACTION.FetchAgentFiles, schema: fetchAgentFilesParamsSchema, run: fetchAgentFiles },
  { name: SUB_ACTION.DownloadAgentFile, schema: downloadAgentFileParamsSchema, downloads: true, run: downloadAgentFile },
  { name: SUB_ACTION.GetActivities, schema: getActivitiesParamsSchema, run: (ctx, params: GetActivitiesParams) => api(ctx, '/activities', { params }) },
];
