import type { SubAction, SubActionContext } from '../../actions/sub_actions.js';
import {
  GET_PLAYBOOKS_TIMEOUT_MS,
  SUB_ACTION,
  incidentResponseSchema,
  playbooksResponseSchema,
  runParamsSchema,
  type XsoarConfig,
  type XsoarRunParams,
  type XsoarSecrets,
} from './schema.js';

type Context = SubActionContext<XsoarConfig, XsoarSecrets>;
type SubActionDef = SubAction<XsoarConfig, XsoarSecrets>;

/** `API Error: <status text>`, or the HTTP client's wording of the error when there is none (Kibana). */
export function xsoarErrorMessage({ status, statusText }: { status: number; statusText: string }): string {
  return statusText ? `API Error: ${statusText}` : `AxiosError: Request failed with status code ${status}`;
}

/** Cortex XSOAR 8 (cloud) is told apart by its API key id: its API lives under /xsoar/public/v1. */
const isCloud = (secrets: XsoarSecrets) => Boolean(secrets.apiKeyID);

function apiUrl(ctx: Context, resource: 'playbook/search' | 'incident'): string {
  return isCloud(ctx.secrets) ? `${ctx.config.url}/xsoar/public/v1/${resource}` : `${ctx.config.url}/${resource}`;
}

/** The key goes as it is, without a scheme; the cloud also wants the key's id. */
function apiHeaders({ apiKey, apiKeyID }: XsoarSecrets): Record<string, string> {
  return apiKeyID ? { Authorization: apiKey, 'x-xdr-auth-id': apiKeyID } : { Authorization: apiKey };
}

/** Takes no params: Kibana's clients send null or `{}`. */
const getPlaybooks: SubActionDef = {
  name: SUB_ACTION.GetPlaybooks,
  schema: null,
  async run(ctx: Context) {
    const { data } = await ctx.client.request({
      url: apiUrl(ctx, 'playbook/search'),
      method: 'POST',
      body: {},
      headers: apiHeaders(ctx.secrets),
      responseSchema: playbooksResponseSchema,
      timeoutMs: GET_PLAYBOOKS_TIMEOUT_MS,
    });
    return data;
  },
};

/**
 * The incident is the body's fields with the other params over them (params win); neither the
 * body text nor `isRuleSeverity` is sent, as in Kibana. The answer is not returned.
 */
async function createIncident(ctx: Context, { body, isRuleSeverity: _isRuleSeverity, ...params }: XsoarRunParams): Promise<Record<string, never>> {
  let fields: unknown;
  try {
    fields = JSON.parse(body || '{}');
  } catch (err) {
    throw new Error(`Error parsing Body: ${String(err)}`);
  }
  await ctx.client.request({
    url: apiUrl(ctx, 'incident'),
    method: 'POST',
    body: { ...(fields as object), ...params },
    headers: apiHeaders(ctx.secrets),
    responseSchema: incidentResponseSchema,
  });
  return {};
}

const run: SubActionDef = { name: SUB_ACTION.Run, schema: runParamsSchema, run: createIncident };

export const xsoarSubActions = [getPlaybooks, run];
