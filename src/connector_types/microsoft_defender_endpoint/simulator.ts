import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { oneOffAnswer, startRecordingServer, type RecordedRequest } from '../lib/simulator_server.js';

/**
 * An in-process Microsoft Entra ID token endpoint and Defender for Endpoint API, as documented
 * (learn.microsoft.com: "Get access with application context", the Machine, MachineAction and
 * live response APIs, common errors) and as they answer:
 *
 *   POST /{tenant}/oauth2/v2.0/token     client credentials (form): 200 {token_type, expires_in, ext_expires_in, access_token};
 *                                        Entra ID's error bodies {error, error_description "AADSTSnnn: …", error_codes, timestamp,
 *                                        trace_id, correlation_id, error_uri}: a wrong secret 401 invalid_client (AADSTS7000215),
 *                                        an unknown app 400 unauthorized_client (AADSTS700016), an unknown tenant 400
 *                                        invalid_request (AADSTS90002), a scope without /.default 400 invalid_scope (AADSTS1002012)
 *   GET  /api/machines                   OData $filter (eq, in, joined by and), $top, $skip, $count, $orderby
 *   GET  /api/machines/{id}              404 {error: {code: ResourceNotFound, message, target}} for an unknown machine
 *   POST /api/machines/{id}/isolate      201 MachineAction (Pending); another isolate or release of the machine still pending:
 *   POST /api/machines/{id}/unisolate    400 {error: {code: ActiveRequestAlreadyExists, message: "Action is already in progress"}}
 *   POST /api/machines/{id}/runliveresponse   201 LiveResponse MachineAction (its script runs at once: Succeeded)
 *   GET  /api/machineactions             OData as machines; GET /api/machineactions/{id}
 *   POST /api/machineactions/{id}/cancel 200 the action Cancelled; 400 when it is no longer pending
 *   GET  /api/machineactions/{id}/GetLiveResponseResultDownloadLink(index=0)   200 {value: <download URL>}
 *   GET  /download/{actionId}/0?sig=…    the result file, without a bearer token (Azure storage authorises by the signature)
 *   GET  /api/libraryfiles               the live response library
 * API calls need `Authorization: Bearer <token>` issued here for one of Defender's scopes and not
 * expired (401 Unauthorized otherwise); `rateLimitNext` answers 429 TooManyRequests with Retry-After, as Defender's quotas do.
 */

export interface Machine {
  id: string;
  computerDnsName: string;
  osPlatform: string;
  healthStatus: string;
  lastIpAddress: string;
  riskScore: string;
  exposureLevel: string;
  machineTags: string[];
  [field: string]: unknown;
}

export interface MachineAction {
  id: string;
  type: string;
  scope: string | null;
  requestor: string;
  requestorComment: string | null;
  status: 'Pending' | 'InProgress' | 'Succeeded' | 'Failed' | 'TimeOut' | 'Cancelled';
  machineId: string;
  computerDnsName: string;
  creationDateTimeUtc: string;
  lastUpdateDateTimeUtc: string;
  cancellationRequestor: string | null;
  cancellationComment: string | null;
  cancellationDateTimeUtc: string | null;
  commands: unknown[];
  [field: string]: unknown;
}

export interface DefenderSimulatorOptions {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** Seconds a token lives (Entra ID: about an hour). */
  tokenLifetimeSeconds?: number;
  machines?: Machine[];
  /** The size of a live response result file, streamed in chunks (default: a small JSON result). */
  resultFileBytes?: number;
}

export interface DefenderSimulator {
  /** The base of both the token endpoint and the API (`oAuthServerUrl` and `apiUrl`). */
  url: string;
  requests: RecordedRequest[];
  /** Token requests' forms, in order. */
  tokenRequests: Array<Record<string, string>>;
  /** Access tokens issued, in order. */
  issued: string[];
  machines: Map<string, Machine>;
  actions: Map<string, MachineAction>;
  /** The next answer, whatever the request (token or API). */
  failNext(status: number, body?: string, headers?: Record<string, string>): void;
  /** The next API call is refused with 429 and Retry-After. */
  rateLimitNext(retryAfterSeconds: number): void;
  /** Every token issued so far is refused from now on (rotated credentials, a revoked app). */
  revokeTokens(): void;
  /** Settles a pending machine action (isolation and release take the machine's time). */
  settle(actionId: string, status?: MachineAction['status']): void;
  /** The bytes of a live response action's result file. */
  resultFile(actionId: string): Buffer;
  /** Bytes of large result files written so far (they are written as the reader takes them). */
  sentBytes(): number;
  close(): Promise<void>;
}

export const DEFAULT_MACHINES: Machine[] = [
  machineOf('1e5bc9d7e413ddd7902c2932e418702b84d0cc07', 'web-1.contoso.com', 'Windows11', 'Active', '10.0.0.11', 'Low', ['prod', 'web']),
  machineOf('7b1f4c1c2ed0d3a4a0c5bd10b9f6e0e7c3a1d2f4', 'db-1.contoso.com', 'WindowsServer2022', 'Active', '10.0.0.21', 'High', ['prod']),
  machineOf('c0ffee0000000000000000000000000000000003', 'laptop-7.contoso.com', 'Linux', 'Inactive', '10.0.8.7', 'None', []),
];

function machineOf(id: string, computerDnsName: string, osPlatform: string, healthStatus: string, lastIpAddress: string, riskScore: string, machineTags: string[]): Machine {
  return {
    id,
    computerDnsName,
    firstSeen: '2026-01-05T09:12:00Z',
    lastSeen: '2026-12-01T08:00:00Z',
    osPlatform,
    osVersion: null,
    osProcessor: 'x64',
    version: osPlatform === 'Linux' ? '22.04' : '24H2',
    lastIpAddress,
    lastExternalIpAddress: '203.0.113.10',
    agentVersion: '10.8760.26100.1',
    osBuild: 26100,
    healthStatus,
    deviceValue: 'Normal',
    rbacGroupId: 1,
    rbacGroupName: 'Servers',
    riskScore,
    exposureLevel: 'Medium',
    isAadJoined: true,
    aadDeviceId: randomUUID(),
    machineTags,
    onboardingStatus: 'Onboarded',
  };
}

const LIBRARY = [
  {
    fileName: 'collect_logs.ps1',
    sha256: createHash('sha256').update('collect_logs.ps1').digest('hex'),
    description: 'Collects the event logs',
    creationTime: '2026-03-01T10:00:00.000Z',
    lastUpdatedTime: '2026-03-01T10:00:00.000Z',
    createdBy: 'soc@contoso.com',
    hasParameters: true,
    parametersDescription: '-Days <n>',
  },
  {
    fileName: 'test',
    sha256: createHash('sha256').update('test').digest('hex'),
    description: 'Prints the host name',
    creationTime: '2026-03-02T10:00:00.000Z',
    lastUpdatedTime: '2026-03-02T10:00:00.000Z',
    createdBy: 'soc@contoso.com',
    hasParameters: false,
    parametersDescription: null,
  },
];

type Json = Record<string, unknown>;

/** Scopes whose tokens Defender's API takes (its application ID URIs, with /.default). */
export const DEFENDER_SCOPES = [
  'https://securitycenter.onmicrosoft.com/windowsatpservice/.default',
  'https://api.securitycenter.microsoft.com/.default',
  'https://api.security.microsoft.com/.default',
];

/** Entra ID's error body: the AADSTS code and text, then its trace lines. */
function entraError(error: string, code: number, text: string): Json {
  const trace = randomUUID();
  const correlation = randomUUID();
  const timestamp = new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  return {
    error,
    error_description: `AADSTS${code}: ${text}\r\nTrace ID: ${trace}\r\nCorrelation ID: ${correlation}\r\nTimestamp: ${timestamp}`,
    error_codes: [code],
    timestamp,
    trace_id: trace,
    correlation_id: correlation,
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
  };
}

const apiError = (code: string, message: string) => ({ error: { code, message, target: randomUUID() } });

/** One OData clause: `field eq 'v'` or `field in ('a','b')`. */
const CLAUSE = /^\s*(\w+)\s+(eq|in)\s+(?:'([^']*)'|\(([^)]*)\))\s*$/i;

/** The entries an OData $filter keeps, or an error text for a filter this fake does not read. */
function odataFilter<T extends Json>(entries: T[], filter: string | null): T[] | string {
  if (!filter) return entries;
  const clauses = filter.split(/\s+and\s+/i).map((clause) => CLAUSE.exec(clause));
  if (clauses.some((c) => !c)) return `Invalid filter clause: ${filter}`;
  return entries.filter((entry) =>
    clauses.every((match) => {
      const [, field, op, one, many] = match!;
      const wanted = op.toLowerCase() === 'eq' ? [one ?? ''] : (many ?? '').split(',').map((v) => v.trim().replace(/^'|'$/g, ''));
      const value = entry[field];
      // A collection (machineTags) matches when one of its values does.
      const values = Array.isArray(value) ? value.map(String) : [String(value)];
      return values.some((v) => wanted.includes(v));
    }),
  );
}

/** An OData collection answer: $filter, $orderby, $skip, $top, and @odata.count when $count=true. */
function odataPage<T extends Json>(entries: T[], query: URLSearchParams, entitySet: string): { status: number; body: Json } {
  const filtered = odataFilter(entries, query.get('$filter'));
  if (typeof filtered === 'string') return { status: 400, body: apiError('BadRequest', filtered) };
  const sorted = [...filtered];
  const orderBy = query.get('$orderby');
  if (orderBy) {
    const [field, direction = 'asc'] = orderBy.trim().split(/\s+/);
    const sign = direction.toLowerCase() === 'desc' ? -1 : 1;
    sorted.sort((a, b) => sign * String(a[field] ?? '').localeCompare(String(b[field] ?? '')));
  }
  const skip = Number(query.get('$skip') ?? 0);
  const top = Number(query.get('$top') ?? 10_000);
  if (!Number.isInteger(skip) || skip < 0 || !Number.isInteger(top) || top < 0 || top > 10_000) {
    return { status: 400, body: apiError('BadRequest', 'Invalid $top or $skip') };
  }
  const value = sorted.slice(skip, skip + top);
  const count = query.get('$count') === 'true' ? { '@odata.count': filtered.length } : {};
  return { status: 200, body: { '@odata.context': `https://api.securitycenter.microsoft.com/api/$metadata#${entitySet}`, ...count, value } };
}

function parseJson(body: string): Json | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Json) : undefined;
  } catch {
    return undefined;
  }
}

export async function startDefenderSimulator(options: DefenderSimulatorOptions): Promise<DefenderSimulator> {
  const lifetime = options.tokenLifetimeSeconds ?? 3599;
  /** Token → when it expires and whether it is for Defender's API (its scope's resource). */
  const tokens = new Map<string, { expiresAt: number; forDefender: boolean }>();
  const issued: string[] = [];
  const tokenRequests: Array<Record<string, string>> = [];
  const machines = new Map((options.machines ?? DEFAULT_MACHINES).map((m) => [m.id, structuredClone(m)]));
  const actions = new Map<string, MachineAction>();
  const signatures = new Map<string, string>();
  const nextAnswer = oneOffAnswer();
  let rateLimit: number | undefined;
  let baseUrl = '';
  let sentBytes = 0;

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers }).end(JSON.stringify(body));

  const token = (res: ServerResponse, tenant: string, req: IncomingMessage, body: string) => {
    const form = Object.fromEntries(new URLSearchParams(body));
    tokenRequests.push(form);
    const refuse = (status: number, error: string, code: number, text: string) => json(res, status, entraError(error, code, text), { 'Cache-Control': 'no-store' });
    if (req.method !== 'POST' || !req.headers['content-type']?.startsWith('application/x-www-form-urlencoded')) {
      return refuse(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'grant_type'.");
    }
    if (tenant !== options.tenantId) {
      return refuse(400, 'invalid_request', 90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
    }
    if (form.grant_type !== 'client_credentials') return refuse(400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.');
    if (form.client_id !== options.clientId) {
      return refuse(400, 'unauthorized_client', 700016, `Application with identifier '${form.client_id ?? ''}' was not found in the directory '${tenant}'.`);
    }
    if (form.client_secret !== options.clientSecret) {
      return refuse(
        401,
        'invalid_client',
        7000215,
        `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${options.clientId}'.`,
      );
    }
    if (!form.scope?.endsWith('/.default')) {
      return refuse(400, 'invalid_scope', 1002012, `The provided value for scope ${form.scope ?? ''} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`);
    }
    const accessToken = `mde-${issued.length + 1}-${randomUUID()}`;
    issued.push(accessToken);
    tokens.set(accessToken, { expiresAt: Date.now() + lifetime * 1000, forDefender: DEFENDER_SCOPES.includes(form.scope) });
    json(res, 200, { token_type: 'Bearer', expires_in: lifetime, ext_expires_in: lifetime, access_token: accessToken }, { 'Cache-Control': 'no-store' });
  };

  const now = () => new Date().toISOString();

  const newAction = (m: Machine, type: string, fields: Partial<MachineAction>): MachineAction => {
    const action: MachineAction = {
      id: randomUUID(),
      type,
      scope: null,
      requestor: options.clientId,
      requestorComment: null,
      status: 'Pending',
      machineId: m.id,
      computerDnsName: m.computerDnsName,
      creationDateTimeUtc: now(),
      lastUpdateDateTimeUtc: now(),
      cancellationRequestor: null,
      cancellationComment: null,
      cancellationDateTimeUtc: null,
      errorHResult: 0,
      requestSource: 'PublicApi',
      relatedFileInfo: null,
      commands: [],
      externalId: null,
      troubleshootInfo: null,
      ...fields,
    };
    actions.set(action.id, action);
    return action;
  };

  const resultFile = (actionId: string): Buffer => {
    if (options.resultFileBytes !== undefined) return Buffer.alloc(options.resultFileBytes, 'r');
    const action = actions.get(actionId);
    const script = (action?.commands[0] as { command?: { params?: Array<{ key: string; value: string }> } } | undefined)?.command?.params?.find((p) => p.key === 'ScriptName')?.value;
    return Buffer.from(JSON.stringify({ script_name: script ?? '', exit_code: 0, script_output: `ran on ${action?.computerDnsName ?? ''}\n`, script_errors: '' }));
  };

  /** The result file, in 64 KiB chunks that wait for the reader (a large one is never held whole by the reader). */
  const download = (res: ServerResponse, actionId: string) => {
    const total = options.resultFileBytes;
    if (total === undefined) return res.writeHead(200, { 'Content-Type': 'application/octet-stream' }).end(resultFile(actionId));
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(total) });
    const chunk = Buffer.alloc(64 * 1024, 'r');
    let sent = 0;
    const write = () => {
      while (sent < total) {
        const part = chunk.subarray(0, Math.min(chunk.length, total - sent));
        sent += part.length;
        sentBytes += part.length;
        if (!res.write(part)) return void res.once('drain', write);
      }
      res.end();
    };
    write();
  };

  const api = (req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams, body: string) => {
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const held = bearer === undefined ? undefined : tokens.get(bearer);
    if (!held) return json(res, 401, apiError('Unauthorized', 'Authorization token is missing or invalid'));
    if (held.expiresAt <= Date.now()) return json(res, 401, apiError('Unauthorized', 'Authorization token has expired'));
    if (!held.forDefender) return json(res, 401, apiError('Unauthorized', 'Invalid audience of the authorization token'));
    if (rateLimit !== undefined) {
      const seconds = rateLimit;
      rateLimit = undefined;
      return json(res, 429, apiError('TooManyRequests', `Rate limit is exceeded. Try again in ${seconds} seconds.`), { 'Retry-After': String(seconds) });
    }
    const method = req.method ?? 'GET';
    const notFound = (what: string) => json(res, 404, apiError('ResourceNotFound', `${what} was not found`));

    if (method === 'GET' && path === '/api/machines') {
      const page = odataPage([...machines.values()], query, 'Machines');
      return json(res, page.status, page.body);
    }
    if (method === 'GET' && path === '/api/machineactions') {
      const page = odataPage([...actions.values()], query, 'MachineActions');
      return json(res, page.status, page.body);
    }
    if (method === 'GET' && path === '/api/libraryfiles') {
      return json(res, 200, { '@odata.context': 'https://api.securitycenter.microsoft.com/api/$metadata#LibraryFiles', value: LIBRARY });
    }

    const machineRoute = /^\/api\/machines\/([^/]+)(?:\/(isolate|unisolate|runliveresponse))?$/.exec(path);
    if (machineRoute) {
      const id = decodeURIComponent(machineRoute[1]);
      const act = machineRoute[2];
      const m = machines.get(id);
      if (!act && method === 'GET') return m ? json(res, 200, { '@odata.context': 'https://api.securitycenter.microsoft.com/api/$metadata#Machines/$entity', ...m }) : notFound(`Machine ${id}`);
      if (!act || method !== 'POST') return json(res, 405, apiError('MethodNotAllowed', `The requested resource does not support http method '${method}'.`));
      if (!m) return notFound(`Machine ${id}`);
      const input = parseJson(body);
      if (!input) return json(res, 400, apiError('InvalidRequestBody', 'Request body is invalid'));
      if (act === 'runliveresponse') {
        const commands = input.Commands;
        if (!Array.isArray(commands) || commands.length === 0) return json(res, 400, apiError('InvalidRequestBody', "The field 'Commands' is required"));
        const at = now();
        const action = newAction(m, 'LiveResponse', {
          requestorComment: (input.Comment as string | undefined) ?? null,
          status: 'Succeeded',
          commands: commands.map((command, index) => ({ index, startTime: at, endTime: at, commandStatus: 'Completed', errors: [], command })),
        });
        signatures.set(action.id, randomUUID());
        return json(res, 201, action);
      }
      if (typeof input.Comment !== 'string' || (act === 'isolate' && input.IsolationType !== 'Full' && input.IsolationType !== 'Selective')) {
        return json(res, 400, apiError('InvalidRequestBody', 'Request body is invalid'));
      }
      const busy = [...actions.values()].some((a) => a.machineId === id && (a.type === 'Isolate' || a.type === 'Unisolate') && (a.status === 'Pending' || a.status === 'InProgress'));
      if (busy) return json(res, 400, apiError('ActiveRequestAlreadyExists', 'Action is already in progress'));
      const action = newAction(m, act === 'isolate' ? 'Isolate' : 'Unisolate', { requestorComment: input.Comment, scope: act === 'isolate' ? (input.IsolationType as string) : null });
      return json(res, 201, action);
    }

    const actionRoute = /^\/api\/machineactions\/([^/]+?)(?:\/(cancel|GetLiveResponseResultDownloadLink\(index=(\d+)\)))?$/.exec(path);
    if (actionRoute) {
      const id = decodeURIComponent(actionRoute[1]);
      const action = actions.get(id);
      if (!action) return notFound(`Machine action ${id}`);
      if (!actionRoute[2] && method === 'GET') return json(res, 200, action);
      if (actionRoute[2] === 'cancel' && method === 'POST') {
        const input = parseJson(body);
        if (typeof input?.Comment !== 'string') return json(res, 400, apiError('InvalidRequestBody', 'Request body is invalid'));
        if (action.status !== 'Pending' && action.status !== 'InProgress') return json(res, 400, apiError('InvalidRequest', `Action ${id} is ${action.status} and cannot be cancelled`));
        Object.assign(action, { status: 'Cancelled', cancellationRequestor: options.clientId, cancellationComment: input.Comment, cancellationDateTimeUtc: now(), lastUpdateDateTimeUtc: now() });
        return json(res, 200, action);
      }
      if (actionRoute[3] !== undefined && method === 'GET') {
        const index = Number(actionRoute[3]);
        if (action.type !== 'LiveResponse' || action.status !== 'Succeeded' || index >= action.commands.length) return notFound(`Live response result ${index} of action ${id}`);
        return json(res, 200, {
          '@odata.context': 'https://api.securitycenter.microsoft.com/api/$metadata#Edm.String',
          value: `${baseUrl}/download/${action.id}/${index}?sv=2024-08-04&se=${encodeURIComponent(new Date(Date.now() + 30 * 60_000).toISOString())}&sig=${signatures.get(action.id)}`,
        });
      }
      return json(res, 405, apiError('MethodNotAllowed', `The requested resource does not support http method '${method}'.`));
    }
    return json(res, 404, apiError('NotFound', `No route for ${method} ${path}`));
  };

  const handle = (req: IncomingMessage, res: ServerResponse, body: string) => {
    if (nextAnswer.sendIfPending(res)) return;
    const url = new URL(req.url ?? '/', 'http://simulator');
    const tokenRoute = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname);
    if (tokenRoute) return token(res, decodeURIComponent(tokenRoute[1]), req, body);
    const downloadRoute = /^\/download\/([^/]+)\/(\d+)$/.exec(url.pathname);
    if (downloadRoute) {
      // Azure storage: the signature authorises, a bearer token is not expected.
      const [, actionId] = downloadRoute;
      if (!signatures.has(actionId) || url.searchParams.get('sig') !== signatures.get(actionId)) {
        return res.writeHead(403, { 'Content-Type': 'application/xml' }).end('<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthenticationFailed</Code></Error>');
      }
      return download(res, actionId);
    }
    if (url.pathname.startsWith('/api/')) return api(req, res, url.pathname, url.searchParams, body);
    json(res, 404, apiError('NotFound', `No route for ${req.method} ${url.pathname}`));
  };

  const { url, requests, close } = await startRecordingServer(handle);
  baseUrl = url;
  return {
    url,
    requests,
    tokenRequests,
    issued,
    machines,
    actions,
    failNext: nextAnswer.set,
    rateLimitNext(seconds) {
      rateLimit = seconds;
    },
    revokeTokens() {
      tokens.clear();
    },
    settle(actionId, status = 'Succeeded') {
      const action = actions.get(actionId);
      if (!action) throw new Error(`no machine action ${actionId}`);
      Object.assign(action, { status, lastUpdateDateTimeUtc: now() });
    },
    resultFile,
    sentBytes: () => sentBytes,
    close,
  };
}
