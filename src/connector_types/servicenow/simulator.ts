import { createPublicKey, randomBytes, verify } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { oneOffAnswer, startRecordingServer, type RecordedRequest } from '../lib/simulator_server.js';

/**
 * An in-process ServiceNow instance, as far as the ITSM, SecOps and ITOM connectors use it:
 *   POST  /oauth_token.do                                  JWT bearer grant → {access_token, token_type, expires_in}
 *   GET   /api/x_elas2_inc_int|x_elas2_sir_int/elastic_api/health   the Elastic app's {name, scope, version}
 *   POST  /api/now/import/<import set table>               a row the app turns into an incident (u_* columns)
 *   POST  /api/now/v2/table/<table>                        201 the record created
 *   GET   /api/now/v2/table/<table>/<sys_id>               the record
 *   PATCH /api/now/v2/table/<table>/<sys_id>               the record updated
 *   GET   /api/now/v2/table/<table>?sysparm_query=…correlation_id=…   records, newest first
 *   GET   /api/now/table/sys_dictionary, sys_choice        fields and choices
 *   POST  /api/x_elas2_sir_int/elastic_api/incident/<id>/observables(/bulk)
 *   POST  /api/global/em/jsonv2                            events, de-duplicated by message_key
 * Records carry ServiceNow's field names, string values and `YYYY-MM-DD HH:mm:ss` GMT dates;
 * errors its `{error: {message, detail}, status: 'failure'}` body: 401 without valid basic
 * credentials or token, 403 for the read-only user's writes, 404 for an unknown record, 400 for
 * a path that is no resource (as an app that is not installed answers). `failNext` gives one
 * answer to the next request (a 429 with Retry-After, a 5xx).
 */

export interface SimulatedRecord {
  sys_id: string;
  number: string;
  sys_created_on: string;
  sys_updated_on: string;
  state: string;
  [field: string]: unknown;
}

export interface SimulatedEvent {
  /** The de-duplication key: message_key, or source, node, type, resource and metric_name joined. */
  key: string;
  fields: Record<string, string>;
  /** How many events were folded into this one. */
  count: number;
}

export interface ServiceNowSimulatorOptions {
  username: string;
  password: string;
  /** A user that may read but not write. */
  readOnly?: { username: string; password: string };
  /** The JWT bearer grant this instance accepts; the public key checks the assertion's signature. */
  oauth?: { clientId: string; clientSecret: string; jwtKeyId: string; userIdentifierValue: string; publicKey: string; expiresIn?: number };
  /** Which Elastic apps are installed (both by default). */
  apps?: { itsm?: boolean; sir?: boolean };
}

export interface ServiceNowSimulator {
  url: string;
  requests: RecordedRequest[];
  /** Per table (`incident`, `sn_si_incident`), by sys_id. */
  tables: Map<string, Map<string, SimulatedRecord>>;
  /** Work notes written to each record, in order. */
  workNotes: Map<string, string[]>;
  observables: Array<{ incidentId: string; value: string; type: string }>;
  events: SimulatedEvent[];
  /** Tokens issued, newest last. */
  issuedTokens: string[];
  failNext(status: number, body?: string, headers?: Record<string, string>): void;
  /** Like failNext, for the next request whose path matches. */
  failNextOn(path: RegExp, status: number, body: unknown): void;
  close(): Promise<void>;
}

const APPS = {
  x_elas2_inc_int: { table: 'incident', importSet: 'x_elas2_inc_int_elastic_incident', prefix: 'INC', key: 'itsm' },
  x_elas2_sir_int: { table: 'sn_si_incident', importSet: 'x_elas2_sir_int_elastic_si_incident', prefix: 'SIR', key: 'sir' },
} as const;
type AppScope = keyof typeof APPS;

/** The dictionary entries getFields reads (string fields of task and incident). */
export const SIMULATED_FIELDS = [
  { column_label: 'Close notes', mandatory: 'false', max_length: '4000', element: 'close_notes' },
  { column_label: 'Description', mandatory: 'false', max_length: '4000', element: 'description' },
  { column_label: 'Short description', mandatory: 'false', max_length: '160', element: 'short_description' },
];

const choice = (element: string, value: string, label: string, dependent = '') => ({ label, value, dependent_value: dependent, element });
/** Choices of a fresh instance, in its order. */
export const SIMULATED_CHOICES = [
  choice('priority', '1', '1 - Critical'),
  choice('priority', '2', '2 - High'),
  choice('priority', '3', '3 - Moderate'),
  choice('priority', '4', '4 - Low'),
  choice('priority', '5', '5 - Planning'),
  choice('urgency', '1', '1 - High'),
  choice('urgency', '2', '2 - Medium'),
  choice('urgency', '3', '3 - Low'),
  choice('impact', '1', '1 - High'),
  choice('impact', '2', '2 - Medium'),
  choice('impact', '3', '3 - Low'),
  choice('category', 'software', 'Software'),
  choice('category', 'network', 'Network'),
  choice('subcategory', 'os', 'Operation System', 'software'),
  choice('subcategory', 'dns', 'DNS', 'network'),
  choice('severity', '1', '1 - High'),
  choice('severity', '2', '2 - Medium'),
  choice('severity', '3', '3 - Low'),
];

/** ServiceNow's date format, in GMT. */
export const serviceNowDate = (date = new Date()) => date.toISOString().slice(0, 19).replace('T', ' ');

const failure = (message: string, detail: string | null) => ({ error: { message, detail }, status: 'failure' });
export const NOT_A_RESOURCE = failure('Requested URI does not represent any resource', null);

export async function startServiceNowSimulator(options: ServiceNowSimulatorOptions): Promise<ServiceNowSimulator> {
  const tables = new Map<string, Map<string, SimulatedRecord>>([
    ['incident', new Map()],
    ['sn_si_incident', new Map()],
  ]);
  const workNotes = new Map<string, string[]>();
  const observables: ServiceNowSimulator['observables'] = [];
  const events: SimulatedEvent[] = [];
  const issuedTokens: string[] = [];
  const counters = new Map<string, number>();
  const nextAnswer = oneOffAnswer();
  let routeFailure: { path: RegExp; status: number; body: unknown } | undefined;
  const installed = (scope: AppScope) => options.apps?.[APPS[scope].key] !== false;

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
    res.writeHead(status, { 'Content-Type': 'application/json;charset=UTF-8', ...headers }).end(JSON.stringify(body));

  /** Who is calling: 'user', 'read-only', or null (401). */
  function caller(req: IncomingMessage): 'user' | 'read-only' | null {
    const header = req.headers.authorization ?? '';
    if (header.startsWith('Bearer ')) return issuedTokens.includes(header.slice(7)) ? 'user' : null;
    if (!header.startsWith('Basic ')) return null;
    const [user, ...rest] = Buffer.from(header.slice(6), 'base64').toString().split(':');
    const password = rest.join(':');
    if (user === options.username && password === options.password) return 'user';
    if (options.readOnly && user === options.readOnly.username && password === options.readOnly.password) return 'read-only';
    return null;
  }

  function issueToken(res: ServerResponse, text: string) {
    const form = Object.fromEntries(new URLSearchParams(text));
    const oauth = options.oauth;
    const refuse = (status: number, error: string, description: string) => json(res, status, { error, error_description: description });
    if (!oauth) return refuse(401, 'access_denied', 'OAuth is not configured on this instance');
    if (form.grant_type !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return refuse(400, 'unsupported_grant_type', 'Unsupported grant type');
    if (form.client_id !== oauth.clientId || form.client_secret !== oauth.clientSecret) return refuse(401, 'invalid_client', 'Client authentication failed');
    const problem = assertionProblem(form.assertion ?? '', oauth);
    if (problem) return refuse(401, 'invalid_grant', problem);
    const token = randomBytes(24).toString('base64url');
    issuedTokens.push(token);
    json(res, 200, { access_token: token, scope: 'useraccount', token_type: 'Bearer', expires_in: oauth.expiresIn ?? 1799 });
  }

  function nextNumber(prefix: string): string {
    const n = (counters.get(prefix) ?? 10000) + 1;
    counters.set(prefix, n);
    return `${prefix}00${n}`;
  }

  /** Writes the fields; journal fields (work notes) are appended to the journal and read back empty. */
  function write(table: string, fields: Record<string, unknown>, existing?: SimulatedRecord): SimulatedRecord {
    const now = serviceNowDate();
    const prefix = table === 'incident' ? 'INC' : 'SIR';
    const record: SimulatedRecord = existing ?? { sys_id: randomBytes(16).toString('hex'), number: nextNumber(prefix), sys_created_on: now, sys_updated_on: now, state: '1' };
    for (const [key, value] of Object.entries(fields)) {
      if (key.startsWith('sys_') || key === 'number') continue;
      if (key === 'work_notes') {
        if (value) workNotes.set(record.sys_id, [...(workNotes.get(record.sys_id) ?? []), String(value)]);
        continue;
      }
      record[key] = value == null ? '' : typeof value === 'string' ? value : JSON.stringify(value);
    }
    record.work_notes = '';
    record.sys_updated_on = now;
    tables.get(table)!.set(record.sys_id, record);
    return record;
  }

  /** The Elastic app's transform: u_<field> columns to fields, other columns as they are; elastic_incident_id updates. */
  function importRow(res: ServerResponse, scope: AppScope, body: Record<string, unknown>) {
    const { table, importSet } = APPS[scope];
    const { elastic_incident_id: incidentId, ...columns } = body;
    const fields = Object.fromEntries(Object.entries(columns).map(([key, value]) => [key.startsWith('u_') ? key.slice(2) : key, value]));
    const row = (status: string, extra: Record<string, unknown>) =>
      json(res, 201, { import_set: `ISET${nextNumber('')}`, staging_table: importSet, result: [{ transform_map: 'Elastic Incident', table, status, ...extra }] });
    if (incidentId != null) {
      const existing = tables.get(table)!.get(String(incidentId));
      if (!existing) return row('error', { error_message: `Incident with sys_id ${String(incidentId)} not found` });
      const record = write(table, fields, existing);
      return row('updated', { display_name: 'number', display_value: record.number, record_link: `${table}.do?sys_id=${record.sys_id}`, sys_id: record.sys_id });
    }
    if (!fields.short_description) return row('error', { error_message: 'Short description is mandatory' });
    const record = write(table, fields);
    row('inserted', { display_name: 'number', display_value: record.number, record_link: `${table}.do?sys_id=${record.sys_id}`, sys_id: record.sys_id });
  }

  function addEvents(res: ServerResponse, body: { records?: Array<Record<string, string>> }) {
    const records = Array.isArray(body.records) ? body.records : [];
    for (const fields of records) {
      const key = fields.message_key || [fields.source, fields.node, fields.type, fields.resource, fields.metric_name].map((part) => part ?? '').join('');
      const existing = events.find((e) => e.key === key);
      if (existing) {
        existing.fields = { ...existing.fields, ...fields };
        existing.count += 1;
      } else events.push({ key, fields, count: 1 });
    }
    json(res, 200, { result: { 'Default Bulk Endpoint': `${records.length} events were inserted` } });
  }

  /** The choices of the queried elements, with the fields sysparm_fields asks for. */
  function choices(res: ServerResponse, params: URLSearchParams) {
    const elements = [...(params.get('sysparm_query') ?? '').matchAll(/(?:^|\^|OR)element=([^^]+)/g)].map((m) => m[1]);
    const fields = (params.get('sysparm_fields') ?? 'label,value,dependent_value,element').split(',') as Array<keyof (typeof SIMULATED_CHOICES)[number]>;
    json(res, 200, { result: SIMULATED_CHOICES.filter((c) => elements.includes(c.element)).map((c) => Object.fromEntries(fields.map((f) => [f, c[f]]))) });
  }

  function tableQuery(res: ServerResponse, table: string, query: string) {
    const correlationId = /\^correlation_id=(.*)$/.exec(query)?.[1];
    const records = [...tables.get(table)!.values()].filter((r) => correlationId === undefined || r.correlation_id === correlationId);
    json(res, 200, { result: records.reverse() });
  }

  const handle = (req: IncomingMessage, res: ServerResponse, text: string) => {
    if (nextAnswer.sendIfPending(res)) return;
    const url = new URL(req.url ?? '/', 'http://servicenow');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (routeFailure?.path.test(path)) {
      const { status, body } = routeFailure;
      routeFailure = undefined;
      return json(res, status, body);
    }
    if (method === 'POST' && path === '/oauth_token.do') return issueToken(res, text);

    const who = caller(req);
    if (!who) return json(res, 401, failure('User Not Authenticated', 'Required to provide Auth information'));
    if (who === 'read-only' && method !== 'GET') return json(res, 403, failure('Operation Failed', 'ACL Exception Insert Failed due to security constraints'));

    let body: any;
    if (method !== 'GET') {
      try {
        body = JSON.parse(text);
      } catch {
        return json(res, 400, failure('Exception while reading request', 'The payload is not valid JSON.'));
      }
    }

    const health = /^\/api\/(x_elas2_inc_int|x_elas2_sir_int)\/elastic_api\/health$/.exec(path);
    if (health && method === 'GET') {
      const scope = health[1] as AppScope;
      return installed(scope) ? json(res, 200, { result: { name: 'Elastic', scope, version: '1.1.0' } }) : json(res, 400, NOT_A_RESOURCE);
    }
    const importSet = /^\/api\/now\/import\/([^/]+)$/.exec(path);
    if (importSet && method === 'POST') {
      const scope = (Object.keys(APPS) as AppScope[]).find((s) => APPS[s].importSet === importSet[1]);
      if (!scope || !installed(scope)) return json(res, 400, NOT_A_RESOURCE);
      return importRow(res, scope, body);
    }
    const observable = /^\/api\/x_elas2_sir_int\/elastic_api\/incident\/([^/]+)\/observables(\/bulk)?$/.exec(path);
    if (observable && method === 'POST') {
      if (!installed('x_elas2_sir_int')) return json(res, 400, NOT_A_RESOURCE);
      const incidentId = decodeURIComponent(observable[1]);
      if (!tables.get('sn_si_incident')!.has(incidentId)) return json(res, 404, failure('No Record found', "Record doesn't exist or ACL restricts the record retrieval"));
      const added = (Array.isArray(body) ? body : [body]).map((o: { value: string; type: string }) => {
        observables.push({ incidentId, value: o.value, type: o.type });
        return { value: o.value, observable_sys_id: randomBytes(16).toString('hex') };
      });
      return json(res, 200, { result: observable[2] ? added : added[0] });
    }
    if (path === '/api/global/em/jsonv2' && method === 'POST') return addEvents(res, body);
    if (path === '/api/now/table/sys_dictionary' && method === 'GET') return json(res, 200, { result: SIMULATED_FIELDS });
    if (path === '/api/now/table/sys_choice' && method === 'GET') return choices(res, url.searchParams);

    const tableRoute = /^\/api\/now\/v2\/table\/([^/]+)(?:\/([^/]+))?$/.exec(path);
    const table = tableRoute && tables.has(tableRoute[1]) ? tableRoute[1] : undefined;
    if (!tableRoute || !table) return json(res, 400, NOT_A_RESOURCE);
    const id = tableRoute[2] === undefined ? undefined : decodeURIComponent(tableRoute[2]);
    if (id === undefined) {
      if (method === 'GET') return tableQuery(res, table, url.searchParams.get('sysparm_query') ?? '');
      if (method === 'POST') return json(res, 201, { result: write(table, body) });
      return json(res, 405, failure('Method not Supported', `${method} is not supported for this resource`));
    }
    const existing = tables.get(table)!.get(id);
    if (!existing) return json(res, 404, failure('No Record found', "Record doesn't exist or ACL restricts the record retrieval"));
    if (method === 'GET') return json(res, 200, { result: existing });
    if (method === 'PATCH' || method === 'PUT') return json(res, 200, { result: write(table, body, existing) });
    return json(res, 405, failure('Method not Supported', `${method} is not supported for this resource`));
  };

  const { url, requests, close } = await startRecordingServer(handle);
  return {
    url,
    requests,
    tables,
    workNotes,
    observables,
    events,
    issuedTokens,
    failNext: nextAnswer.set,
    failNextOn(path, status, body) {
      routeFailure = { path, status, body };
    },
    close,
  };
}

/** Why the instance refuses the JWT assertion, or null: RS256 by the configured key, its key id, user and client, not expired. */
function assertionProblem(assertion: string, oauth: NonNullable<ServiceNowSimulatorOptions['oauth']>): string | null {
  const [header, payload, signature] = assertion.split('.');
  if (!header || !payload || !signature) return 'Invalid JWT';
  let head: { alg?: string; kid?: string };
  let claims: { sub?: string; aud?: string; iss?: string; exp?: number };
  try {
    head = JSON.parse(Buffer.from(header, 'base64url').toString()) as typeof head;
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as typeof claims;
  } catch {
    return 'Invalid JWT';
  }
  if (head.alg !== 'RS256' || head.kid !== oauth.jwtKeyId) return 'JWT verifier map not found for the key id';
  if (!verify('sha256', Buffer.from(`${header}.${payload}`), createPublicKey(oauth.publicKey), Buffer.from(signature, 'base64url'))) return 'JWT signature invalid';
  if (claims.iss !== oauth.clientId || claims.aud !== oauth.clientId) return 'JWT issuer or audience mismatch';
  if (claims.sub !== oauth.userIdentifierValue) return 'User not found';
  if (typeof claims.exp !== 'number' || claims.exp * 1000 < Date.now()) return 'JWT expired';
  return null;
}
