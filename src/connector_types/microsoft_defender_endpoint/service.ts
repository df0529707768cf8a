import type { Readable } from 'node:stream';
import { ServiceRequestError, type SubAction, type SubActionContext } from '../../actions/sub_actions.js';
import { fetchFromDefender } from './auth.js';
import { DEFAULT_PAGE_SIZE, withOData, type ODataFilter } from './odata.js';
import {
  SUB_ACTION,
  TEST_MACHINE_ID,
  agentDetailsParamsSchema,
  agentListParamsSchema,
  cancelParamsSchema,
  emptyParamsSchema,
  getActionResultsParamsSchema,
  getActionsParamsSchema,
  hostActionParamsSchema,
  runScriptParamsSchema,
  type AgentListParams,
  type CancelParams,
  type DefenderConfig,
  type DefenderSecrets,
  type GetActionsParams,
  type HostActionParams,
  type RunScriptParams,
} from './schema.js';

// The sub-actions of reference §8.3: Defender for Endpoint's machines, machine actions and live
// response library under `{apiUrl}/api`, answered as Defender answers them (unvalidated JSON).

type Context = SubActionContext<DefenderConfig, DefenderSecrets>;
type DefenderSubAction = SubAction<DefenderConfig, DefenderSecrets>;
type Json = Record<string, unknown>;

const api = (ctx: Context, path: string) => `${ctx.config.apiUrl}/api/${path}`;
/** Ids go in the path encoded (Defender's are hex, so as Kibana sends them; another cannot reach another route). */
const machine = (ctx: Context, id: string, action = '') => api(ctx, `machines/${encodeURIComponent(id)}${action}`);

/** A collection page, with Kibana's page, pageSize and total (`@odata.count`, -1 when Defender gives none). */
async function collectionPage(ctx: Context, path: string, filter: ODataFilter, paging: { page?: number; pageSize?: number; sortField?: string; sortDirection?: 'asc' | 'desc' }) {
  const page = paging.page ?? 1;
  const pageSize = paging.pageSize ?? DEFAULT_PAGE_SIZE;
  const data = await fetchFromDefender<Json>(ctx, { url: withOData(api(ctx, path), filter, { ...paging, page, pageSize }) });
  return { ...data, page, pageSize, total: data?.['@odata.count'] ?? -1 };
}

function getAgentDetails(ctx: Context, { id }: { id: string }) {
  return fetchFromDefender(ctx, { url: machine(ctx, id) });
}

function getAgentList(ctx: Context, { page, pageSize, ...filter }: AgentListParams) {
  return collectionPage(ctx, 'machines', filter, { page, pageSize });
}

function isolateHost(ctx: Context, { id, comment }: HostActionParams) {
  return fetchFromDefender(ctx, { url: machine(ctx, id, '/isolate'), method: 'POST', body: { Comment: comment, IsolationType: 'Full' } });
}

function releaseHost(ctx: Context, { id, comment }: HostActionParams) {
  return fetchFromDefender(ctx, { url: machine(ctx, id, '/unisolate'), method: 'POST', body: { Comment: comment } });
}

function runScript(ctx: Context, { id, comment, parameters }: RunScriptParams) {
  const params = [
    { key: 'ScriptName', value: parameters.scriptName },
    { key: 'Args', value: parameters.args || '--noargs' },
  ];
  return fetchFromDefender(ctx, { url: machine(ctx, id, '/runliveresponse'), method: 'POST', body: { Comment: comment, Commands: [{ type: 'RunScript', params }] } });
}

function cancelAction(ctx: Context, { actionId, comment }: CancelParams) {
  return fetchFromDefender(ctx, { url: api(ctx, `machineactions/${encodeURIComponent(actionId)}/cancel`), method: 'POST', body: { Comment: comment } });
}

function getActions(ctx: Context, { page, pageSize, sortField, sortDirection, ...filter }: GetActionsParams) {
  return collectionPage(ctx, 'machineactions', filter, { page, pageSize, sortField, sortDirection });
}

/**
 * The first result file of a live response action: Defender answers a short-lived download link
 * (Azure storage, authorised by its own query), fetched without the bearer token and handed over
 * as a stream. The link's host is held to allowedHosts like every other request.
 */
async function getActionResults(ctx: Context, { id }: { id: string }): Promise<Readable> {
  const link = await fetchFromDefender<Json>(ctx, { url: api(ctx, `machineactions/${encodeURIComponent(id)}/GetLiveResponseResultDownloadLink(index=0)`) });
  const fileUrl = link?.value;
  // Kibana's words (it names the action id a machine id).
  if (typeof fileUrl !== 'string' || fileUrl === '') throw new ServiceRequestError(`Download URL for script results of machineId [${id}] not found`);
  return (await ctx.client.stream({ url: fileUrl, method: 'GET' })).data;
}

function getLibraryFiles(ctx: Context) {
  return fetchFromDefender(ctx, { url: api(ctx, 'libraryfiles') });
}

/**
 * Kibana's connector test: each API the connector uses, once, against a machine that does not
 * exist. Defender answering ResourceNotFound proves the app may call it; any other failure ends
 * the test with that failure.
 */
async function testConnector(ctx: Context) {
  const test = { id: TEST_MACHINE_ID, comment: 'connector test' };
  const steps: Array<[string, () => Promise<unknown>]> = [
    ['Machines API', () => getAgentDetails(ctx, test)],
    ['Machine Isolate', () => isolateHost(ctx, test)],
    ['Machine Release', () => releaseHost(ctx, test)],
    ['Machine Actions', () => getActions(ctx, { pageSize: 1 })],
    ['Machine RunScript', () => runScript(ctx, { ...test, parameters: { scriptName: 'test' } })],
  ];
  const results: string[] = [];
  for (const [api, call] of steps) {
    try {
      await call();
    } catch (err) {
      if (!(err as Error).message.includes('ResourceNotFound')) throw err;
    }
    results.push(`API call to ${api} was successful`);
  }
  return { results };
}

export const defenderSubActions: DefenderSubAction[] = [
  { name: SUB_ACTION.GetAgentDetails, schema: agentDetailsParamsSchema, run: getAgentDetails },
  { name: SUB_ACTION.GetAgentList, schema: agentListParamsSchema, run: getAgentList },
  { name: SUB_ACTION.IsolateHost, schema: hostActionParamsSchema, run: isolateHost, endpoint: 'changesHost' },
  { name: SUB_ACTION.ReleaseHost, schema: hostActionParamsSchema, run: releaseHost, endpoint: 'changesHost' },
  { name: SUB_ACTION.RunScript, schema: runScriptParamsSchema, run: runScript, endpoint: 'changesHost' },
  { name: SUB_ACTION.GetActions, schema: getActionsParamsSchema, run: getActions },
  { name: SUB_ACTION.GetActionResults, schema: getActionResultsParamsSchema, run: getActionResults, downloads: true },
  { name: SUB_ACTION.GetLibraryFiles, schema: emptyParamsSchema, run: getLibraryFiles },
  // Kibana registers it only behind its experimental flag microsoftDefenderEndpointCancelOn (docs/kibana-compatibility.md).
  { name: SUB_ACTION.CancelAction, schema: cancelParamsSchema, run: cancelAction, endpoint: 'changesHost' },
  // Kibana lets it run without the endpoint-security privilege.
  { name: SUB_ACTION.TestConnector, schema: emptyParamsSchema, run: testConnector, endpoint: 'reads' },
];

/** The machines a call names, for its audit record (Defender's machine ids). */
export function defenderHostIds(params: { subAction?: unknown; subActionParams?: unknown } | null | undefined): string[] {
  const p = (params?.subActionParams ?? {}) as Json;
  const ids = (value: unknown): string[] => (typeof value === 'string' ? [value] : Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);
  switch (params?.subAction) {
    case SUB_ACTION.GetAgentDetails:
    case SUB_ACTION.GetAgentList:
    case SUB_ACTION.IsolateHost:
    case SUB_ACTION.ReleaseHost:
    case SUB_ACTION.RunScript:
      return ids(p.id);
    case SUB_ACTION.GetActions:
      return ids(p.machineId);
    case SUB_ACTION.TestConnector:
      return [TEST_MACHINE_ID];
    default:
      // getActionResults and cancelAction name a machine action, getLibraryFiles nothing.
      return [];
  }
}
