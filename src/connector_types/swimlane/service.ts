import { answerFacts, ExecutorError } from '../../actions/failure.js';
import type { ExecutorContext } from '../../actions/types.js';
import { CallError, checkedRequest, type Method } from '../lib/checked_request.js';
import type { CaseService } from '../lib/push_to_service.js';
import type { SwimlaneConfig, SwimlaneIncident, SwimlaneMappings, SwimlaneParams, SwimlaneSecrets } from './schema.js';

type Context = ExecutorContext<SwimlaneConfig, SwimlaneSecrets, SwimlaneParams>;

/** The incident value each mapping carries (comments have their own route). */
const INCIDENT_KEY_OF: Record<Exclude<keyof SwimlaneMappings, 'commentsConfig'>, keyof SwimlaneIncident> = {
  ruleNameConfig: 'ruleName',
  alertIdConfig: 'alertId',
  caseIdConfig: 'caseId',
  caseNameConfig: 'caseName',
  severityConfig: 'severity',
  descriptionConfig: 'description',
};

/** The site (record links) and its API: one trailing slash dropped, `/api` added unless it ends in `api`, as Kibana does. */
export function swimlaneUrls(apiUrl: string): { site: string; api: string } {
  const site = apiUrl.endsWith('/') ? apiUrl.slice(0, -1) : apiUrl;
  return { site, api: site.endsWith('api') ? site : `${site}/api` };
}

/** `{applicationId, id?, values}`: each mapped incident value that is set, numeric fields as numbers (0 when not one). */
export function recordBody(appId: string, mappings: SwimlaneMappings, incident: SwimlaneIncident, recordId?: string): Record<string, unknown> {
  const values: Record<string, string | number> = {};
  for (const [mappingKey, incidentKey] of Object.entries(INCIDENT_KEY_OF) as Array<[keyof typeof INCIDENT_KEY_OF, keyof SwimlaneIncident]>) {
    const field = mappings[mappingKey];
    const value = incident[incidentKey];
    if (!field || !value) continue;
    if (field.fieldType === 'numeric') {
      const number = Number(value);
      values[field.id] = Number.isNaN(number) ? 0 : number;
    } else values[field.id] = value;
  }
  return { applicationId: appId, ...(recordId ? { id: recordId } : {}), values };
}

/** Sends one request with the token; a non-2xx answer or no answer throws, a 2xx answer is checked for `required` fields. */
function call(ctx: Context, method: Method, url: string, body: unknown, required?: string[]): Promise<Record<string, unknown>> {
  return checkedRequest(ctx, { method, url, headers: { 'Private-Token': ctx.secrets.apiToken }, body, required });
}

/** `<Argument> (<ErrorCode>)` of Swimlane's error answer, `unknown` without both. */
function reasonOf(data: unknown): string {
  const { Argument, ErrorCode } = (data !== null && typeof data === 'object' ? data : {}) as { Argument?: unknown; ErrorCode?: unknown };
  return Argument != null && ErrorCode != null ? `${String(Argument)} (${String(ErrorCode)})` : 'unknown';
}

/**
 * Kibana's wording of a failed step. It is thrown as a plain error, so the result is the
 * framework's whatever the status; the queue still reads the answer's status and Retry-After.
 */
function stepFailed(step: string, appId: string, err: unknown): ExecutorError {
  const response = err instanceof CallError ? err.response : undefined;
  const message = `[Action][Swimlane]: Unable to ${step} in application with id ${appId}. Status: ${response?.status ?? 500}. Error: ${(err as Error).message}. Reason: ${reasonOf(response?.data)}`;
  return new ExecutorError(message, 'framework', response ? answerFacts(response) : undefined);
}

/**
 * Swimlane's side of pushToService: records created and updated with the mapped values, and
 * comments added to the comments field. Made per push: every comment of a push carries the
 * same date, which is also each one's pushedDate (Swimlane's answer to a comment says nothing).
 */
export function swimlaneCaseService(ctx: Context): CaseService<SwimlaneIncident> {
  const { apiUrl, appId, mappings } = ctx.config;
  const { site, api } = swimlaneUrls(apiUrl);
  // Path segments are sent encoded: no real id changes, and an id cannot reach another route.
  const recordsUrl = `${api}/app/${encodeURIComponent(appId)}/record`;
  let commentsDate: string | undefined;
  return {
    async createIncident(incident) {
      try {
        const data = await call(ctx, 'POST', recordsUrl, recordBody(appId, mappings, incident), ['id', 'name', 'createdDate']);
        return { id: data.id as string, title: data.name as string, url: `${site}/record/${appId}/${String(data.id)}`, pushedDate: new Date(data.createdDate as string).toISOString() };
      } catch (err) {
        throw stepFailed('create record', appId, err);
      }
    },
    async updateIncident(externalId, incident) {
      try {
        const url = `${recordsUrl}/${encodeURIComponent(externalId)}`;
        const data = await call(ctx, 'PATCH', url, recordBody(appId, mappings, incident, externalId), ['id', 'name', 'modifiedDate']);
        // The link names the record asked for, as Kibana's does.
        return { id: data.id as string, title: data.name as string, url: `${site}/record/${appId}/${externalId}`, pushedDate: new Date(data.modifiedDate as string).toISOString() };
      } catch (err) {
        throw stepFailed('update record', appId, err);
      }
    },
    async addComment(recordId, { comment }) {
      commentsDate ??= new Date().toISOString();
      try {
        const fieldId = mappings.commentsConfig?.id || null;
        if (fieldId === null) throw new Error('No comment field mapped in Swimlane connector');
        const url = `${recordsUrl}/${encodeURIComponent(recordId)}/${encodeURIComponent(fieldId)}/comment`;
        await call(ctx, 'POST', url, { createdDate: commentsDate, fieldId, isRichText: true, message: comment });
        return commentsDate;
      } catch (err) {
        throw stepFailed('create comment', appId, err);
      }
    },
  };
}
