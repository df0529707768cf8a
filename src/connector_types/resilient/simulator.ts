import type { IncomingMessage, ServerResponse } from 'node:http';
import { oneOffAnswer, startRecordingServer, type RecordedRequest } from '../lib/simulator_server.js';

/**
 * An in-process IBM Resilient (QRadar SOAR) REST API, as far as the connector uses it, under
 * /rest/orgs/:orgId:
 *   GET   /types/incident/fields                     200 the incident field definitions
 *   GET   /types/incident/fields/:name               200 one definition (its `values`, the choices)
 *   POST  /incidents                                 200 the incident created
 *   GET   /incidents/:id                             200 the incident
 *   PATCH /incidents/:id                             200 `{success, title, message, hints}`; a change
 *         whose old_value is not the field's value, or to an unknown or read-only field, is refused
 *         with success false, as IBM Resilient refuses conflicting changes
 *   POST  /incidents/:id/comments                    200 the comment added
 * Basic authentication with the API key's id and secret (else 401); another organization than
 * the simulator's gets 403; an unknown incident or field, or any other route, 404; an incident
 * without a name 400. Error bodies are IBM Resilient's `{success:false, title, message, hints,
 * error_code}`.
 */

export interface SimulatedIncident extends Record<string, unknown> {
  id: number;
  name: string;
  properties: Record<string, unknown>;
  create_date: number;
  inc_last_modified_date: number;
}

export interface ResilientSimulator {
  url: string;
  orgId: string;
  requests: RecordedRequest[];
  /** The incidents, by id, as they stand. */
  incidents: Map<number, SimulatedIncident>;
  /** The comments added, with their incident's id. */
  comments: Array<{ incidentId: number; text: { format: string; content: string } }>;
  /** The next answer, whatever the request. */
  failNext(status: number, body?: string, headers?: Record<string, string>): void;
  close(): Promise<void>;
}

const choice = (value: number, label: string) => ({ value, label, enabled: true, properties: null, uuid: `00000000-0000-4000-8000-${String(value).padStart(12, '0')}`, hidden: false, default: false });

const field = (name: string, text: string, input_type: string, extra: Record<string, unknown> = {}) => ({
  name,
  text,
  prefix: null,
  type_id: 0,
  tooltip: '',
  input_type,
  required: null,
  internal: false,
  read_only: false,
  changeable: true,
  rich_text: false,
  deprecated: false,
  values: [],
  ...extra,
});

/** A few of IBM Resilient's own incident fields, their default choices, and two custom fields. */
export const INCIDENT_FIELDS = [
  field('name', 'Name', 'text', { required: 'always' }),
  field('description', 'Description', 'textarea', { rich_text: true }),
  field('discovered_date', 'Date Discovered', 'datetimepicker', { required: 'always' }),
  field('incident_type_ids', 'Incident Type', 'multiselect', {
    values: [choice(17, 'Communication error (fax; email)'), choice(19, 'Malware'), choice(21, 'Denial of Service'), choice(1001, 'Custom type')],
  }),
  field('severity_code', 'Severity', 'select', { values: [choice(4, 'Low'), choice(5, 'Medium'), choice(6, 'High')] }),
  field('confirmed', 'Confirmed', 'boolean'),
  field('create_date', 'Date Created', 'datetimepicker', { read_only: true, changeable: false }),
  field('customer', 'Customer', 'text', { prefix: 'properties' }),
  field('affected_hosts', 'Affected hosts', 'number', { prefix: 'properties' }),
].map((definition, index) => ({ id: index + 1, ...definition }));

const ROUTE = /^\/rest\/orgs\/([^/]+)\/(?:types\/incident\/fields(?:\/([^/]+))?|incidents(?:\/(\d+)(\/comments)?)?)$/;

/** The plain value of a change's value shape; `{}` (or no shape) is none. */
function plainValue(shape: unknown): unknown {
  if (typeof shape !== 'object' || shape === null) return null;
  for (const key of ['text', 'textarea', 'id', 'ids', 'boolean', 'object', 'date']) {
    if (key in shape) return (shape as Record<string, unknown>)[key];
  }
  return null;
}

export async function startResilientSimulator(options: { apiKeyId: string; apiKeySecret: string; orgId?: string }): Promise<ResilientSimulator> {
  const orgId = options.orgId ?? '201';
  const incidents: ResilientSimulator['incidents'] = new Map();
  const comments: ResilientSimulator['comments'] = [];
  const definitions = new Map(INCIDENT_FIELDS.map((f) => [f.name, f]));
  const expectedAuth = `Basic ${Buffer.from(`${options.apiKeyId}:${options.apiKeySecret}`).toString('base64')}`;
  let nextId = 2095;
  let clock = 0;
  const nextAnswer = oneOffAnswer();
  /** Strictly increasing, so an update's modification date is always new. */
  const now = () => (clock = Math.max(Date.now(), clock + 1));

  const json = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  const error = (res: ServerResponse, status: number, message: string) => json(res, status, { success: false, title: null, message, hints: [], error_code: 'generic' });

  function create(res: ServerResponse, fields: Record<string, unknown>) {
    if (typeof fields.name !== 'string' || fields.name === '') return error(res, 400, "Field 'name' is required.");
    const created = now();
    const { incident_type_ids: types, severity_code: severity, properties, ...rest } = fields;
    const incident: SimulatedIncident = {
      ...rest,
      id: nextId++,
      name: fields.name,
      org_id: Number(orgId),
      incident_type_ids: Array.isArray(types) ? types.map((t: { id: number }) => t.id) : [],
      severity_code: (severity as { id?: number } | undefined)?.id ?? null,
      properties: { ...(properties as object) },
      create_date: created,
      inc_last_modified_date: created,
      plan_status: 'A',
    };
    incidents.set(incident.id, incident);
    json(res, 200, incident);
  }

  /** The stored value of a field, as a change's old_value names it. */
  function current(incident: SimulatedIncident, name: string): unknown {
    const definition = definitions.get(name);
    return (definition?.prefix ? incident.properties[name] : incident[name]) ?? null;
  }

  function update(res: ServerResponse, incident: SimulatedIncident, body: Record<string, unknown>) {
    const changes = Array.isArray(body.changes) ? (body.changes as Array<{ field: { name: string }; old_value: unknown; new_value: unknown }>) : [];
    for (const change of changes) {
      const definition = definitions.get(change.field.name);
      if (!definition) return error(res, 404, `Field '${change.field.name}' not found`);
      if (definition.read_only) return json(res, 200, { success: false, title: null, message: `Field '${change.field.name}' is read-only`, hints: [] });
      if (JSON.stringify(plainValue(change.old_value)) !== JSON.stringify(current(incident, change.field.name))) {
        return json(res, 200, { success: false, title: null, message: `The value of '${change.field.name}' has been changed since it was read`, hints: [] });
      }
    }
    for (const { field: { name }, new_value } of changes) {
      if (definitions.get(name)?.prefix) incident.properties[name] = plainValue(new_value);
      else incident[name] = plainValue(new_value);
    }
    incident.inc_last_modified_date = now();
    json(res, 200, { success: true, title: null, message: null, hints: [] });
  }

  function comment(res: ServerResponse, incident: SimulatedIncident, body: Record<string, unknown>) {
    const text = body.text as { format: string; content: string };
    comments.push({ incidentId: incident.id, text });
    json(res, 200, { id: nextId++, parent_id: null, user_id: 3, user_name: 'Kibana API key', text: text.content, create_date: now(), inc_id: incident.id, type: 'incident', is_deleted: false });
  }

  const handle = (req: IncomingMessage, res: ServerResponse, body: string) => {
    if (nextAnswer.sendIfPending(res)) return;
    if (req.headers.authorization !== expectedAuth) return error(res, 401, 'Unauthorized');
    const path = new URL(req.url ?? '/', 'http://resilient').pathname;
    const route = ROUTE.exec(path);
    if (!route) return error(res, 404, `No resource at ${path}`);
    const [, org, fieldName, incidentId, commentsRoute] = route;
    if (org !== orgId) return error(res, 403, `The API key is not a member of organization ${org}`);
    const isFields = path.includes('/types/incident/fields');
    if (isFields && req.method === 'GET') {
      if (!fieldName) return json(res, 200, INCIDENT_FIELDS);
      const definition = definitions.get(fieldName);
      return definition ? json(res, 200, definition) : error(res, 404, `Field '${fieldName}' not found`);
    }
    let fields: Record<string, unknown> = {};
    if (req.method === 'POST' || req.method === 'PATCH') {
      try {
        fields = JSON.parse(body) as Record<string, unknown>;
      } catch {
        return error(res, 400, 'The request body is not valid JSON');
      }
    }
    if (!isFields && !incidentId && req.method === 'POST') return create(res, fields);
    const incident = incidentId ? incidents.get(Number(incidentId)) : undefined;
    if (incidentId && !incident) return error(res, 404, `Incident ${incidentId} not found`);
    if (incident && !commentsRoute && req.method === 'GET') return json(res, 200, incident);
    if (incident && !commentsRoute && req.method === 'PATCH') return update(res, incident, fields);
    if (incident && commentsRoute && req.method === 'POST') return comment(res, incident, fields);
    return error(res, 404, `No route for ${req.method} ${path}`);
  };

  const { url, requests, close } = await startRecordingServer(handle);
  return { url, orgId, requests, incidents, comments, failNext: nextAnswer.set, close };
}
