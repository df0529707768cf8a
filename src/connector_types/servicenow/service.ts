import type { Logger } from 'pino';
import { pushToService, type CaseService, type PushParams, type PushedRecord, type PushResult } from '../lib/push_to_service.js';
import { ServiceNowApiError, serviceNowClient, withServiceMessage, type RequestContext, type ServiceNowClient, type ServiceNowContext, type ServiceNowResponse } from './client.js';
import type { ServiceNowProduct } from './schema.js';

// Kibana's ServiceNow external service (C/lib/servicenow/service.ts): incidents written through
// the Elastic app's Import Set API, or straight to the table (usesTableApi, and ITOM), always
// read back from the Table API; fields, choices, and closing by id or correlation id.

export type Fields = Record<string, unknown>;

/** A record as the Table API answers it: every value a string, dates `YYYY-MM-DD HH:mm:ss` in GMT. */
export interface ServiceNowRecord {
  sys_id: string;
  number: string;
  sys_created_on?: string;
  sys_updated_on?: string;
  state?: string;
  [field: string]: unknown;
}

const FIELD_PREFIX = 'u_';
const TABLE_GET: RequestContext = { endpoint: 'table', method: 'get' };
const HEALTH_GET: RequestContext = { endpoint: 'health', method: 'get' };

/** ServiceNow's date, which is GMT without saying so, as ISO 8601; now when there is none. */
export function pushedDateOf(timestamp: string | undefined): string {
  return timestamp != null ? new Date(`${timestamp} GMT`).toISOString() : new Date().toISOString();
}

/**
 * What is sent for an incident: on the Table API its fields as they are; on the Import Set API
 * each field as the app's `u_<name>` column, over the additional fields, which go unprefixed.
 */
export function prepareIncident(useTableApi: boolean, incident: Fields): Fields {
  const { additional_fields: additionalFields, ...fields } = incident;
  if (useTableApi) return fields;
  const prefixed = Object.fromEntries(Object.entries(fields).map(([key, value]) => [`${FIELD_PREFIX}${key}`, value]));
  return { ...(additionalFields as Fields | null | undefined), ...prefixed };
}

export type ServiceNowService = ReturnType<typeof serviceNowService>;

export function serviceNowService(ctx: ServiceNowContext, product: ServiceNowProduct, client: ServiceNowClient = serviceNowClient(ctx)) {
  const { logger } = ctx;
  const { url } = client;
  const { table, importSetTable, appScope, useImportAPI } = product;
  const useTableApi = !useImportAPI || Boolean(ctx.config.usesTableApi);
  const tableUrl = `${url}/api/now/v2/table/${table}`;
  const importSetUrl = `${url}/api/now/import/${importSetTable}`;
  // Ids go into the path encoded: a sys_id never changes, and no id can reach another route.
  const recordUrl = (id: string) => `${tableUrl}/${encodeURIComponent(id)}`;
  const writeContext: RequestContext = useTableApi ? { endpoint: 'table', method: 'patch' } : { endpoint: 'import_set', method: 'post' };
  const serverName = new URL(url).protocol === 'https:' ? new URL(url).hostname : '';

  /** Kibana's checkInstance: an answer without `result` is not the instance's API (a login page, a hibernating instance). */
  const checkInstance = (res: ServiceNowResponse) => {
    if ((res.data as { result?: unknown } | undefined)?.result == null) {
      throw new Error(`There is an issue with your Service Now Instance. Please check ${serverName}.`);
    }
  };

  const viewUrl = (id: string) => `${url}/nav_to.do?uri=${table}.do?sys_id=${id}`;

  const asPushed = (incident: ServiceNowRecord, date: string | undefined): PushedRecord => ({
    title: incident.number,
    id: incident.sys_id,
    pushedDate: pushedDateOf(date),
    url: viewUrl(incident.sys_id),
  });

  /** The app's health answer, `{name, scope, version}`; fails when the app is not installed. */
  const getApplicationInformation = async (): Promise<Fields> => {
    try {
      const res = await client.request('GET', `${url}/api/${appScope}/elastic_api/health`);
      checkInstance(res);
      return { ...(res.data.result as Fields) };
    } catch (err) {
      throw withServiceMessage(err, 'Unable to get application version', HEALTH_GET);
    }
  };

  const checkIfApplicationIsInstalled = async () => {
    if (useTableApi) return;
    const { scope, version } = await getApplicationInformation();
    logger.debug(`Create incident: Application scope: ${String(scope)}: Application version${String(version)}`);
  };

  /** The id of the written record; an import set row in error is refused as ServiceNow words it. */
  const writtenId = (res: ServiceNowResponse): string => {
    checkInstance(res);
    if (useTableApi) return (res.data.result as ServiceNowRecord).sys_id;
    const rows = res.data.result as Array<{ status?: string; error_message?: string; sys_id: string }>;
    if (rows.length === 0) throw new ServiceNowApiError('Unexpected result', res.status);
    if (rows[0].status === 'error') throw new ServiceNowApiError(String(rows[0].error_message), res.status);
    return rows[0].sys_id;
  };

  const refuseAdditionalFieldsOnTableApi = (incident: Fields) => {
    if (useTableApi && incident.additional_fields) throw new Error('ServiceNow additional fields are not supported for deprecated connectors.');
  };

  const getIncident = async (id: string): Promise<ServiceNowRecord> => {
    try {
      if (id?.trim() === '') throw new Error('Incident id is empty.');
      const res = await client.request('GET', recordUrl(id));
      checkInstance(res);
      return { ...(res.data.result as ServiceNowRecord) };
    } catch (err) {
      throw withServiceMessage(err, `Unable to get incident with id ${id}`, TABLE_GET);
    }
  };

  const createIncident = async (incident: Fields): Promise<PushedRecord> => {
    try {
      refuseAdditionalFieldsOnTableApi(incident);
      await checkIfApplicationIsInstalled();
      const res = await client.request('POST', useTableApi ? tableUrl : importSetUrl, prepareIncident(useTableApi, incident));
      const inserted = await getIncident(writtenId(res));
      return asPushed(inserted, inserted.sys_created_on);
    } catch (err) {
      throw withServiceMessage(err, 'Unable to create incident', { endpoint: useTableApi ? 'table' : 'import_set', method: 'post' });
    }
  };

  const updateIncident = async (incidentId: string, incident: Fields): Promise<PushedRecord> => {
    try {
      refuseAdditionalFieldsOnTableApi(incident);
      await checkIfApplicationIsInstalled();
      // The Import Set API only inserts: the app updates the incident named by elastic_incident_id.
      const res = useTableApi
        ? await client.request('PATCH', recordUrl(incidentId), prepareIncident(true, incident))
        : await client.request('POST', importSetUrl, { ...prepareIncident(false, incident), elastic_incident_id: incidentId });
      const updated = await getIncident(writtenId(res));
      return asPushed(updated, updated.sys_updated_on);
    } catch (err) {
      throw withServiceMessage(err, `Unable to update incident with id ${incidentId}`, writeContext);
    }
  };

  const getIncidentByCorrelationId = async (correlationId: string): Promise<ServiceNowRecord | null> => {
    try {
      if (correlationId?.trim() === '') throw new Error('Correlation ID is empty.');
      const res = await client.request('GET', `${tableUrl}?sysparm_query=ORDERBYDESCsys_created_on^correlation_id=${correlationId}`);
      checkInstance(res);
      return (res.data.result as ServiceNowRecord[])[0] ?? null;
    } catch (err) {
      throw withServiceMessage(err, `Unable to get incident by correlation ID ${correlationId}`, TABLE_GET);
    }
  };

  /**
   * Closes the incident (state 7) named by id, else the newest with the correlation id. None
   * found is no failure (null); one already closed is answered without writing.
   */
  const closeIncident = async ({ incidentId, correlationId }: { incidentId: string | null; correlationId: string | null }): Promise<PushedRecord | null> => {
    try {
      if (correlationId == null && incidentId == null) throw new Error('No correlationId or incidentId found.');
      let found: ServiceNowRecord | null = null;
      if (incidentId) found = await getIncident(incidentId);
      else if (correlationId) found = await getIncidentByCorrelationId(correlationId);
      if (found === null || Object.keys(found).length === 0) {
        logger.warn(`[ServiceNow][CloseIncident] No incident found with correlation_id: ${correlationId} or incidentId: ${incidentId}.`);
        return null;
      }
      if (found.state === '7') {
        logger.warn(`[ServiceNow][CloseIncident] Incident with correlation_id: ${correlationId} or incidentId: ${incidentId} is closed.`);
        return asPushed(found, found.sys_updated_on);
      }
      return await updateIncident(found.sys_id, { state: '7', close_code: 'Closed/Resolved by Caller', close_notes: 'Closed by Caller' });
    } catch (err) {
      if ((err as { response?: { status?: number } }).response?.status === 404) {
        logger.warn(`[ServiceNow][CloseIncident] No incident found with incidentId: ${incidentId}.`);
        return null;
      }
      throw withServiceMessage(err, 'Unable to close incident', writeContext);
    }
  };

  const getFields = async (): Promise<unknown[]> => {
    try {
      const fieldsUrl = `${url}/api/now/table/sys_dictionary?sysparm_query=name=task^ORname=${table}^internal_type=string&active=true&array=false&read_only=false&sysparm_fields=max_length,element,column_label,mandatory`;
      const res = await client.request('GET', fieldsUrl);
      checkInstance(res);
      const result = res.data.result as unknown[];
      return result.length > 0 ? result : [];
    } catch (err) {
      throw withServiceMessage(err, 'Unable to get fields', TABLE_GET);
    }
  };

  const getChoices = async (fields: string[]): Promise<unknown> => {
    try {
      const elements = fields.slice(1).reduce((query, field) => `${query}^ORelement=${field}`, `element=${fields[0]}`);
      const res = await client.request('GET', `${url}/api/now/table/sys_choice?sysparm_query=name=task^ORname=${table}^${elements}^language=en&sysparm_fields=label,value,dependent_value,element`);
      checkInstance(res);
      return res.data.result;
    } catch (err) {
      throw withServiceMessage(err, 'Unable to get choices', TABLE_GET);
    }
  };

  return { url, client, useTableApi, checkInstance, checkIfApplicationIsInstalled, getApplicationInformation, getIncident, createIncident, updateIncident, closeIncident, getFields, getChoices };
}

/**
 * The incident side of pushToService (Kibana's api.ts): a new incident names the connector's
 * user as caller and opener; each comment is one more update of the incident, its fields sent
 * again with the comment in the comment field, and is dated with the incident's push.
 */
export function serviceNowCaseService(service: ServiceNowService, product: ServiceNowProduct, username: string | null): CaseService<Fields> {
  let pushed: { incident: Fields; record: PushedRecord } | undefined;
  return {
    async createIncident(incident) {
      const record = await service.createIncident({ ...incident, caller_id: username, opened_by: username });
      pushed = { incident, record };
      return record;
    },
    async updateIncident(externalId, incident) {
      const record = await service.updateIncident(externalId, incident);
      pushed = { incident, record };
      return record;
    },
    async addComment(incidentId, { comment }) {
      await service.updateIncident(incidentId, { ...pushed!.incident, [product.commentFieldKey]: comment });
      return pushed!.record.pushedDate;
    },
  };
}

/** pushToService of an ITSM or SecOps incident, as the connector's user. */
export async function pushIncident(service: ServiceNowService, product: ServiceNowProduct, username: string | null, params: PushParams<Fields>, logger: Logger): Promise<PushResult> {
  const data = await pushToService(serviceNowCaseService(service, product, username), params);
  logger.debug(`response push to service for incident id: ${data.id}`);
  return data;
}
