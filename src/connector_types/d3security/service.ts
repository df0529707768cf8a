import type { SubAction, SubActionContext } from '../../actions/sub_actions.js';
import { SUB_ACTION, runParamsSchema, runResponseSchema, type D3SecurityConfig, type D3SecurityRunParams, type D3SecuritySecrets } from './schema.js';

type Context = SubActionContext<D3SecurityConfig, D3SecuritySecrets>;

export function d3ErrorMessage({ status, statusText }: { status: number; statusText: string }): string {
  return status === 401 ? 'Unauthorized API Error' : `API Error: ${status} - ${statusText}`;
}

/**
 * The envelope D3 reads, shaped like an Elasticsearch hit (`hits.hits` an object, not an
 * array): the body as JSON when it parses, as text otherwise, with the event type and severity.
 */
export function d3EventBody({ body = '', severity, eventType }: D3SecurityRunParams): string {
  let rawData: unknown = body;
  try {
    rawData = JSON.parse(body);
  } catch {
    // Not JSON: D3 receives the text.
  }
  return JSON.stringify({ hits: { hits: { _source: { rawData, 'event.type': eventType, 'kibana.alert.severity': severity } } } });
}

async function postEvent(ctx: Context, params: D3SecurityRunParams) {
  const { data } = await ctx.client.request({
    url: ctx.config.url,
    method: 'POST',
    body: d3EventBody(params),
    headers: { d3key: ctx.secrets.token },
    responseSchema: runResponseSchema,
  });
  return data;
}

const run: SubAction<D3SecurityConfig, D3SecuritySecrets> = { name: SUB_ACTION.Run, schema: runParamsSchema, run: postEvent };
const test: SubAction<D3SecurityConfig, D3SecuritySecrets> = { name: SUB_ACTION.Test, schema: runParamsSchema, run: postEvent };

export const d3SecuritySubActions = [run, test];
