import { ExecutorError } from '../../actions/failure.js';
import type { SubAction, SubActionContext } from '../../actions/sub_actions.js';
import { pushToService, type CaseService, type PushedRecord } from '../lib/push_to_service.js';
import { additionalFieldsForCreation, updateChanges } from './fields.js';
import {
  CONNECTOR_NAME,
  SUB_ACTION,
  choicesResponseSchema,
  commentResponseSchema,
  createdIncidentSchema,
  fieldsResponseSchema,
  incidentResponseSchema,
  noParamsSchema,
  pushToServiceParamsSchema,
  updateResponseSchema,
  type FieldMeta,
  type ResilientConfig,
  type ResilientIncident,
  type ResilientPushParams,
  type ResilientSecrets,
} from './schema.js';

type Context = SubActionContext<ResilientConfig, ResilientSecrets>;
type SubActionDef = SubAction<ResilientConfig, ResilientSecrets>;

/** Kibana's reading of an error answer: 401 by its status, otherwise the body's message or the status text. */
export function resilientErrorMessage({ status, statusText, data }: { status: number; statusText: string; data: unknown }): string {
  if (status === 401) return 'Unauthorized API Error';
  if (typeof data === 'object' && data !== null && 'message' in data) return `API Error: ${String(data.message)}`;
  return `API Error: ${statusText}`;
}

/**
 * Runs one step, wording its failure as Kibana does: `[Action][IBM Resilient]: <step>. Error:
 * <cause>.` Kibana throws a new error there, so the result is the framework's whatever the
 * status; the status itself still goes to the queue.
 */
async function step<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    const failure = err instanceof ExecutorError ? err.failure : undefined;
    throw new ExecutorError(`[Action][${CONNECTOR_NAME}]: ${what}. Error: ${(err as Error).message}.`, 'framework', failure);
  }
}

const orgUrl = ({ config }: Context) => `${config.apiUrl}/rest/orgs/${config.orgId}`;
const fieldsUrl = (ctx: Context) => `${orgUrl(ctx)}/types/incident/fields`;
/** Rich text comes back as `{format, content}` objects rather than as HTML. */
const OBJECTS_CONVERT = 'text_content_output_format=objects_convert';

/** Where IBM Resilient's UI shows an incident. */
const incidentUrl = ({ config }: Context, id: string) => `${config.apiUrl.replace(/\/$/, '')}/#incidents/${id}`;

function getFields(ctx: Context): Promise<FieldMeta[]> {
  return step('Unable to get fields', async () => {
    const { data } = await ctx.client.request({ url: fieldsUrl(ctx), responseSchema: fieldsResponseSchema });
    return data.map(({ name, input_type, read_only, required, text, prefix, values }) => ({ name, input_type, read_only, required, text, prefix, values }));
  });
}

/** The choices of incident_type_ids or severity_code, as `[{id, name}]`. */
function getChoices(ctx: Context, field: 'incident_type_ids' | 'severity_code', what: string) {
  return step(`Unable to get ${what}`, async () => {
    const { data } = await ctx.client.request({ url: `${fieldsUrl(ctx)}/${field}`, responseSchema: choicesResponseSchema });
    return data.values.map(({ value, label }) => ({ id: String(value), name: label }));
  });
}

function getIncident(ctx: Context, id: string) {
  return step(`Unable to get incident with id ${id}`, async () => {
    const { data } = await ctx.client.request({ url: `${orgUrl(ctx)}/incidents/${id}?${OBJECTS_CONVERT}`, responseSchema: incidentResponseSchema });
    return data;
  });
}

/** Drops null and undefined values: a null would empty the field in IBM Resilient. */
const withoutNulls = <T extends object>(incident: T): Partial<T> => Object.fromEntries(Object.entries(incident).filter(([, value]) => value != null)) as Partial<T>;

/**
 * IBM Resilient's incidents. As Kibana's CaseConnector: every comment's pushedDate is the
 * incident's, so the service remembers the pushedDate of the incident it created or updated.
 */
function incidentService(ctx: Context): CaseService<ResilientIncident> {
  let pushedDate = '';
  const pushed = (record: PushedRecord) => {
    pushedDate = record.pushedDate;
    return record;
  };
  return {
    createIncident: (incident) =>
      step('Unable to create incident', async () => {
        let body: Record<string, unknown> = { name: incident.name, discovered_date: Date.now() };
        if (incident.description) body.description = { format: 'html', content: incident.description };
        if (incident.incidentTypes) body.incident_type_ids = incident.incidentTypes.map((id) => ({ id: Number(id) }));
        if (incident.severityCode) body.severity_code = { id: Number(incident.severityCode) };
        if (incident.additionalFields) body = { ...body, ...additionalFieldsForCreation(await getFields(ctx), incident.additionalFields) };
        const { data } = await ctx.client.request({ url: `${orgUrl(ctx)}/incidents?${OBJECTS_CONVERT}`, method: 'POST', body, responseSchema: createdIncidentSchema });
        const id = String(data.id);
        return pushed({ id, title: id, url: incidentUrl(ctx, id), pushedDate: new Date(data.create_date).toISOString() });
      }),
    // The changes are built from the incident as it stands and the field definitions; the
    // incident is read again afterwards for its modification date.
    updateIncident: (externalId, incident) =>
      step(`Unable to update incident with id ${externalId}`, async () => {
        const current = await getIncident(ctx, externalId);
        const changes = updateChanges(current, withoutNulls(incident), await getFields(ctx));
        const { data } = await ctx.client.request({ url: `${orgUrl(ctx)}/incidents/${externalId}`, method: 'PATCH', body: { changes }, responseSchema: updateResponseSchema });
        if (!data.success) throw new Error(`Error while updating incident: ${data.message}`);
        const updated = await getIncident(ctx, externalId);
        const id = String(updated.id);
        return pushed({ id, title: id, url: incidentUrl(ctx, id), pushedDate: new Date(updated.inc_last_modified_date).toISOString() });
      }),
    async addComment(externalId, { comment }) {
      await step(`Unable to create comment at incident with id ${externalId}`, () =>
        ctx.client.request({
          url: `${orgUrl(ctx)}/incidents/${externalId}/comments`,
          method: 'POST',
          body: { text: { format: 'text', content: comment } },
          responseSchema: commentResponseSchema,
        }),
      );
      return pushedDate;
    },
  };
}

export const resilientSubActions: SubActionDef[] = [
  {
    name: SUB_ACTION.PushToService,
    schema: pushToServiceParamsSchema,
    run: (ctx: Context, params: ResilientPushParams) => pushToService(incidentService(ctx), params),
  },
  { name: SUB_ACTION.Fields, schema: noParamsSchema, run: getFields },
  { name: SUB_ACTION.IncidentTypes, schema: noParamsSchema, run: (ctx: Context) => getChoices(ctx, 'incident_type_ids', 'incident types') },
  { name: SUB_ACTION.Severity, schema: noParamsSchema, run: (ctx: Context) => getChoices(ctx, 'severity_code', 'severity') },
];
