import type { SubAction, SubActionContext } from '../../actions/sub_actions.js';
import {
  API_MAX_RESULTS,
  SUB_ACTION,
  actionResponseSchema,
  agentsResponseSchema,
  runParamsSchema,
  storiesResponseSchema,
  webhooksParamsSchema,
  type RunParams,
  type TinesConfig,
  type TinesSecrets,
  type WebhooksParams,
} from './schema.js';

type Context = SubActionContext<TinesConfig, TinesSecrets>;
type SubActionDef = SubAction<TinesConfig, TinesSecrets>;

export const WEBHOOK_AGENT_TYPE = 'Agents::WebhookAgent';

/** `API Error: <status text>`; the HTTP client's wording for a status without one. */
export function tinesErrorMessage({ status, statusText }: { status: number; statusText: string }): string {
  return statusText ? `API Error: ${statusText}` : `Request failed with status code ${status}`;
}

/** One page of `per_page` 500, the most Tines gives; the UI offers a webhook URL field when there are more. */
function apiUrl(config: TinesConfig, resource: string, query: Record<string, string> = {}): string {
  const search = new URLSearchParams({ ...query, per_page: String(API_MAX_RESULTS) });
  return `${config.url}/api/v1/${resource}?${search}`;
}

const apiHeaders = (secrets: TinesSecrets) => ({ 'x-user-email': secrets.email, 'x-user-token': secrets.token });

const stories: SubActionDef = {
  name: SUB_ACTION.Stories,
  schema: null,
  async run(ctx: Context) {
    const { data } = await ctx.client.request({
      url: apiUrl(ctx.config, 'stories'),
      headers: apiHeaders(ctx.secrets),
      responseSchema: storiesResponseSchema,
    });
    return {
      stories: data.stories.map(({ id, name, published }) => ({ id, name, published })),
      incompleteResponse: data.meta.pages > 1,
    };
  },
};

/** Only the story's webhook actions are asked for (and kept, should Tines send others); their path and secret stay in Tines. */
const webhooks: SubActionDef = {
  name: SUB_ACTION.Webhooks,
  schema: webhooksParamsSchema,
  async run(ctx: Context, { storyId }: WebhooksParams) {
    const { data } = await ctx.client.request({
      url: apiUrl(ctx.config, 'agents', { story_id: String(storyId), action_type: WEBHOOK_AGENT_TYPE }),
      headers: apiHeaders(ctx.secrets),
      responseSchema: agentsResponseSchema,
    });
    return {
      webhooks: data.agents.filter((agent) => agent.type === WEBHOOK_AGENT_TYPE).map(({ id, name, story_id }) => ({ id, name, storyId: story_id })),
      incompleteResponse: data.meta.pages > 1,
    };
  },
};

/**
 * `webhookUrl` as given; else the chosen webhook's URL, `/webhook/<path>/<secret>`, from the
 * action Tines has under its id, which must still be that story's webhook with a path and a
 * secret (Kibana's checks and wording).
 */
async function webhookUrl(ctx: Context, { webhook, webhookUrl }: RunParams): Promise<string> {
  if (webhookUrl) return webhookUrl;
  if (!webhook) throw new Error('Invalid subActionsParams: [webhook] or [webhookUrl] expected but got none');
  const { data: action } = await ctx.client.request({
    url: `${ctx.config.url}/api/v1/actions/${webhook.id}`,
    headers: apiHeaders(ctx.secrets),
    responseSchema: actionResponseSchema,
  });
  const { path, secret } = action.options;
  const isThatWebhook = action.type === WEBHOOK_AGENT_TYPE && action.id === webhook.id && action.story_id === webhook.storyId;
  if (!isThatWebhook || !path || !secret) throw new Error(`Invalid configuration for webhook id: ${webhook.id}. Verify webhook exists in Tines.`);
  return `${ctx.config.url}/webhook/${encodeURIComponent(path)}/${encodeURIComponent(secret)}`;
}

/**
 * Posts the body, as it is, to the webhook; webhooks take no API credentials. Tines answers
 * with the webhook's configured response, by default the text `Ok` (201): any 2xx is a
 * success, its JSON object as data, or `{}` for another body. Kibana demands a JSON object and
 * would report a webhook's default answer as a failure worth retrying, emitting the event again.
 */
async function runWebhook(ctx: Context, params: RunParams): Promise<Record<string, unknown>> {
  const { data } = await ctx.client.request({ url: await webhookUrl(ctx, params), method: 'POST', body: params.body });
  return data !== null && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>) : {};
}

const run: SubActionDef = { name: SUB_ACTION.Run, schema: runParamsSchema, run: runWebhook };
const test: SubActionDef = { name: SUB_ACTION.Test, schema: runParamsSchema, run: runWebhook };

export const tinesSubActions = [stories, webhooks, run, test];
