import type { SubAction, SubActionContext } from '../../actions/sub_actions.js';
import { pushToService, type CaseService, type PushedRecord } from '../lib/push_to_service.js';
import {
  SUB_ACTION,
  alertResponseSchema,
  caseResponseSchema,
  commentResponseSchema,
  createAlertParamsSchema,
  pushToServiceParamsSchema,
  type TheHiveAlertParams,
  type TheHiveConfig,
  type TheHiveIncident,
  type TheHivePushParams,
  type TheHiveSecrets,
} from './schema.js';

type Context = SubActionContext<TheHiveConfig, TheHiveSecrets>;
type SubActionDef = SubAction<TheHiveConfig, TheHiveSecrets>;

/** `API Error: <type> - <message>` from TheHive's error body, whatever it holds (Kibana). */
export function theHiveErrorMessage({ data }: { data: unknown }): string {
  const body = typeof data === 'object' && data !== null ? (data as { type?: unknown; message?: unknown }) : {};
  return `API Error: ${String(body.type)} - ${String(body.message)}`;
}

const apiUrl = (ctx: Context, resource: string) => `${ctx.config.url}/api/v1/${resource}`;

/** Where TheHive's UI shows a case. */
const caseUrl = (ctx: Context, id: string) => `${ctx.config.url.replace(/\/$/, '')}/cases/${id}/details`;

/** The key as a bearer token; without an organisation the header is left out, as axios leaves a null one out. */
function apiHeaders({ config, secrets }: Context): Record<string, string> {
  const headers: Record<string, string> = { Authorization: `Bearer ${secrets.apiKey}` };
  if (config.organisation !== null) headers['X-Organisation'] = config.organisation;
  return headers;
}

/**
 * TheHive's cases. As Kibana's CaseConnector: every comment's pushedDate is the case's, so the
 * service remembers the pushedDate of the case it created or updated.
 */
function caseService(ctx: Context): CaseService<TheHiveIncident> {
  let pushedDate = '';
  const pushed = (record: PushedRecord) => {
    pushedDate = record.pushedDate;
    return record;
  };
  return {
    async createIncident(incident) {
      const { data } = await ctx.client.request({ url: apiUrl(ctx, 'case'), method: 'POST', body: incident, headers: apiHeaders(ctx), responseSchema: caseResponseSchema });
      return pushed({ id: data._id, title: data.title, url: caseUrl(ctx, data._id), pushedDate: new Date(data._createdAt).toISOString() });
    },
    // TheHive answers a patch with no case, so the title is the one sent and the date now.
    async updateIncident(externalId, incident) {
      await ctx.client.request({ url: apiUrl(ctx, `case/${externalId}`), method: 'PATCH', body: incident, headers: apiHeaders(ctx) });
      return pushed({ id: externalId, title: incident.title, url: caseUrl(ctx, externalId), pushedDate: new Date().toISOString() });
    },
    async addComment(externalId, { comment }) {
      await ctx.client.request({
        url: apiUrl(ctx, `case/${externalId}/comment`),
        method: 'POST',
        body: { message: comment },
        headers: apiHeaders(ctx),
        responseSchema: commentResponseSchema,
      });
      return pushedDate;
    },
  };
}

const push: SubActionDef = {
  name: SUB_ACTION.PushToService,
  schema: pushToServiceParamsSchema,
  run: (ctx: Context, params: TheHivePushParams) => pushToService(caseService(ctx), params),
};

/**
 * The alert is the params without the body text, with the body's fields over them (the body
 * wins); `isRuleSeverity` is sent too, as Kibana sends it. A body that is not JSON fails with
 * JSON.parse's own message. The alert TheHive answers is not returned.
 */
async function createAlert(ctx: Context, { body, ...alert }: TheHiveAlertParams): Promise<Record<string, never>> {
  const fields: unknown = JSON.parse(body ?? '{}');
  await ctx.client.request({
    url: apiUrl(ctx, 'alert'),
    method: 'POST',
    body: { ...alert, ...(fields as object) },
    headers: apiHeaders(ctx),
    responseSchema: alertResponseSchema,
  });
  return {};
}

const alert: SubActionDef = { name: SUB_ACTION.CreateAlert, schema: createAlertParamsSchema, run: createAlert };

export const theHiveSubActions = [push, alert];
