import { ExecutorError } from '../../actions/failure.js';
import { normalizeServiceUrl, ServiceRequestError, type ServiceRequest, type SubAction, type SubActionContext } from '../../actions/sub_actions.js';
import { TokenRequestError } from '../../net/oauth_client_credentials.js';
import {
  SUB_ACTION,
  agentIdsParamsSchema,
  cloudScriptsParamsSchema,
  hostActionsParamsSchema,
  rtrParamsSchema,
  type AgentIdsParams,
  type CrowdstrikeConfig,
  type CrowdstrikeSecrets,
  type HostActionsParams,
  type RtrParams,
} from './schema.js';

// The sub-actions of reference §6.3 against the Falcon API, with an OAuth2 token per connector
// (§6.2) and failures worded as Kibana's CrowdStrike connector words them (§6.4).

type Context = SubActionContext<CrowdstrikeConfig, CrowdstrikeSecrets>;
type CrowdstrikeSubAction = SubAction<CrowdstrikeConfig, CrowdstrikeSecrets>;
type Json = Record<string, any>;

/** Kibana's token manager treats a token as expired this long before CrowdStrike says. */
const TOKEN_EXPIRY_MARGIN_MS = 5_000;

/** The first of CrowdStrike's `errors[]`, else the body (§6.4). */
export function crowdstrikeErrorMessage({ data }: { data: unknown }): string {
  const first: unknown = (data as { errors?: Array<{ message?: unknown }> } | null)?.errors?.[0]?.message;
  if (typeof first === 'string') return first;
  return `API Error: ${JSON.stringify(data ?? '')}`;
}

/** A request that got no answer: the host that did not resolve, the address that refused, else Kibana's unknown error. */
export function crowdstrikeUnansweredMessage({ code, message }: { code?: string; message: string }): string {
  // Node's words: `getaddrinfo ENOTFOUND <host>`, `connect ECONNREFUSED <address>:<port>`.
  const last = message.trim().split(/\s+/).at(-1) ?? '';
  if (code === 'ENOTFOUND') return `URL not found: ${last}`;
  if (code === 'ECONNREFUSED') return `Connection Refused: ${last}`;
  return 'Unknown API Error: {}';
}

/**
 * Kibana's CrowdstrikeError keeps only the message of `Status code: N. Message: M`, so the
 * service message is CrowdStrike's own words; the failure's facts (status, Retry-After) stay.
 */
function withoutStatusPrefix(err: unknown): unknown {
  if (!(err instanceof ExecutorError)) return err;
  const match = /^Status code: [^.]*\. Message: ([\s\S]*)$/.exec(err.message);
  return match ? new ExecutorError(match[1], err.source, err.failure) : err;
}

/** `key=<encoded value>` joined by `&`: an array is one comma-joined value (`ids=a%2Cb`), as Kibana sends it. */
export function crowdstrikeQuery(params: Record<string, unknown>): string {
  return Object.entries(params)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${encodeURIComponent(String(value))}`)
    .join('&');
}

const apiUrl = (ctx: Context, path: string) => normalizeServiceUrl(`${ctx.config.url.replace(/\/+$/, '')}${path}`);

/** `Bearer <token>` for the connector's API client: fetched with Basic auth only, kept per connector. */
async function authorization(ctx: Context): Promise<string> {
  let header: string;
  try {
    header = await ctx.services.tokens.authorizationHeader({
      connectorId: ctx.connectorId,
      tokenUrl: apiUrl(ctx, '/oauth2/token'),
      clientId: ctx.secrets.clientId,
      clientSecret: ctx.secrets.clientSecret,
      clientAuthentication: 'basic',
      expiryMarginMs: TOKEN_EXPIRY_MARGIN_MS,
      signal: ctx.signal,
    });
  } catch (err) {
    // Worded and tagged as a refused API call (a 429 the user's, with its Retry-After).
    if (err instanceof TokenRequestError) throw new ServiceRequestError(crowdstrikeErrorMessage({ data: err.response.body }), err.response.status, err.response.headers);
    const { code, message } = err as { code?: string; message: string };
    throw new ExecutorError(crowdstrikeUnansweredMessage({ code, message }), 'framework', {});
  }
  // CrowdStrike's token_type is `bearer`; Kibana sends `Bearer`.
  return header.replace(/^bearer /i, 'Bearer ');
}

/**
 * One Falcon API call with the connector's token. A 401 drops the token and the call is sent
 * once more with a new one (what Kibana means to do, §6.2); the answer is returned unvalidated.
 */
async function api<T = Json>(ctx: Context, req: Omit<ServiceRequest<T>, 'url' | 'headers'> & { path: string; query?: Record<string, unknown> }): Promise<T> {
  const { path, query, ...rest } = req;
  const url = apiUrl(ctx, path) + (query ? `?${crowdstrikeQuery(query)}` : '');
  for (let attempt = 1; ; attempt++) {
    try {
      const headers = { Accept: 'application/json', Authorization: await authorization(ctx) };
      return (await ctx.client.request<T>({ ...rest, url, headers })).data;
    } catch (err) {
      if (attempt === 1 && err instanceof ServiceRequestError && err.failure?.httpStatus === 401) {
        ctx.services.tokens.forget(ctx.connectorId);
        continue;
      }
      throw withoutStatusPrefix(err);
    }
  }
}

const getAgentDetails: CrowdstrikeSubAction = {
  name: SUB_ACTION.GetAgentDetails,
  schema: agentIdsParamsSchema,
  // Kibana runs it without the endpoint-security sub-feature privilege.
  endpoint: 'reads',
  run: (ctx, { ids }: AgentIdsParams) => api(ctx, { path: '/devices/entities/devices/v2', query: { ids } }),
};

const getAgentOnlineStatus: CrowdstrikeSubAction = {
  name: SUB_ACTION.GetAgentOnlineStatus,
  schema: agentIdsParamsSchema,
  // Read-only, but Kibana exempts only getAgentDetails from the sub-feature privilege: no `reads`.
  run: (ctx, { ids }: AgentIdsParams) => api(ctx, { path: '/devices/entities/online-state/v1', query: { ids } }),
};

const hostActions: CrowdstrikeSubAction = {
  name: SUB_ACTION.HostActions,
  schema: hostActionsParamsSchema,
  endpoint: 'changesHost',
  // comment and alertIds are Kibana's bookkeeping: CrowdStrike is not sent them.
  run: (ctx, { command, actionParameters, ids }: HostActionsParams) =>
    api(ctx, {
      path: '/devices/entities/devices-actions/v2',
      query: { action_name: command },
      method: 'POST',
      body: {
        ids,
        ...(actionParameters ? { action_parameters: Object.entries(actionParameters).map(([name, value]) => ({ name, value })) } : {}),
      },
    }),
};

/**
 * A runscript command through one of the RTR batch endpoints: a batch session for the hosts,
 * then the command in it. The session is not refreshed nor kept (Kibana's refresh timer
 * outlives the execution; Plugboard leaves nothing running).
 */
function rtrSubAction(name: string, commandPath: string): CrowdstrikeSubAction {
  return {
    name,
    schema: rtrParamsSchema,
    endpoint: 'changesHost',
    async run(ctx, { command, endpoint_ids: hosts }: RtrParams) {
      const [baseCommand] = command.trim().split(/\s+/);
      // Checked before a session is opened: it would be opened for nothing.
      if (baseCommand !== 'runscript') throw new ExecutorError('Command not supported', 'framework', { permanent: true });
      const session = await api(ctx, { path: '/real-time-response/combined/batch-init-session/v1', method: 'POST', body: { host_ids: hosts } });
      return api(ctx, {
        path: commandPath,
        method: 'POST',
        body: { base_command: baseCommand, command_string: command, batch_id: session?.batch_id, hosts, persist_all: false },
      });
    },
  };
}

const getRTRCloudScripts: CrowdstrikeSubAction = {
  name: SUB_ACTION.GetRTRCloudScripts,
  schema: cloudScriptsParamsSchema,
  run: (ctx) => api(ctx, { path: '/real-time-response/entities/scripts/v1' }),
};

// Kibana registers the three RTR commands only behind the crowdstrikeConnectorRTROn flag; Plugboard always.
export const crowdstrikeSubActions: CrowdstrikeSubAction[] = [
  getAgentDetails,
  getAgentOnlineStatus,
  hostActions,
  rtrSubAction(SUB_ACTION.ExecuteRTRCommand, '/real-time-response/combined/batch-command/v1'),
  rtrSubAction(SUB_ACTION.BatchActiveResponderExecuteRTR, '/real-time-response/combined/batch-active-responder-command/v1'),
  rtrSubAction(SUB_ACTION.BatchAdminExecuteRTR, '/real-time-response/combined/batch-admin-command/v1'),
  getRTRCloudScripts,
];
