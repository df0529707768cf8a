import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { oneOffAnswer, startRecordingServer, type RecordedRequest } from '../lib/simulator_server.js';

/**
 * CrowdStrike Falcon's API, in-process, as its documentation and Kibana's emulator describe it.
 * Every JSON answer has the `{meta: {query_time, powered_by, trace_id}, resources, errors}` envelope.
 *   POST /oauth2/token   the API client's id and secret in a Basic header (form fields are read
 *                        too, as CrowdStrike does): 201 `{access_token, token_type: "bearer",
 *                        expires_in}`; 401 `access denied, invalid credentials` otherwise.
 *   GET  /devices/entities/devices/v2?ids=a,b        device records
 *   GET  /devices/entities/online-state/v1?ids=a,b   `{id, state, last_seen}` per host
 *   POST /devices/entities/devices-actions/v2?action_name=contain|lift_containment  `{ids, action_parameters?}`
 *        202 with `{id, path}` per host acted on; a host already in that state is a 409 error
 *        naming it (as CrowdStrike's own Ansible module reads it), an unknown one a 404
 *        `No matching device found for ID <id>`; the status is 202 when any host was acted on,
 *        else the first error's.
 *   POST /real-time-response/combined/batch-init-session/v1  `{host_ids}` → `batch_id`
 *   POST /real-time-response/combined/batch-command/v1, …/batch-active-responder-command/v1,
 *        …/batch-admin-command/v1  `{base_command, command_string, batch_id, hosts}`: a result per
 *        host under `combined.resources`; a command the level does not have (runscript is an
 *        admin command) is that host's error 40007 `Command not found`.
 *   GET  /real-time-response/entities/scripts/v1  the cloud scripts (those of `ids=` when given)
 * Ids are read comma-separated or repeated. A request without a token it issued (or after
 * expireTokens) is a 401; rateLimitNext(n) makes the next API request a 429 with Retry-After n
 * (and CrowdStrike's X-RateLimit-RetryAfter, an epoch second); unauthorizedNext(n) refuses the
 * next n with 401; failNext gives any one answer.
 */

export const SIM_AGENT_ID = 'test-agent-id-123456789';
export const SIM_LINUX_AGENT_ID = 'linux-agent-id-987654321';
const CID = 'sim0cid0000000000000000000000000';

export interface SimulatedDevice {
  device_id: string;
  hostname: string;
  platform_name: 'Windows' | 'Linux' | 'Mac';
  os_version: string;
  local_ip: string;
  /** normal, contained (Falcon's containment states, without the pending ones). */
  status: 'normal' | 'contained';
  online: boolean;
}

export interface CloudScript {
  id: string;
  name: string;
  description: string;
  platform: string[];
  content: string;
}

export interface CrowdstrikeSimulatorOptions {
  clientId: string;
  clientSecret: string;
  /** Token lifetime in seconds; CrowdStrike's is 1799. */
  expiresIn?: number;
  devices?: SimulatedDevice[];
  scripts?: CloudScript[];
}

export interface RtrCommand {
  path: string;
  batchId: string;
  baseCommand: string;
  commandString: string;
  hosts: string[];
}

export interface CrowdstrikeSimulator {
  url: string;
  requests: RecordedRequest[];
  /** Token requests, answered or refused. */
  tokenRequests: RecordedRequest[];
  tokensIssued: string[];
  devices: Map<string, SimulatedDevice>;
  /** Batch sessions opened, by batch id. */
  sessions: Map<string, string[]>;
  commands: RtrCommand[];
  failNext(status: number, body?: string, headers?: Record<string, string>): void;
  rateLimitNext(retryAfterSeconds: number): void;
  /** Every token issued so far stops being accepted. */
  expireTokens(): void;
  /** The next `count` API requests are refused 401 whatever their token (a token revoked as soon as issued). */
  unauthorizedNext(count: number): void;
  close(): Promise<void>;
}

type Json = Record<string, any>;

const READ_ONLY = ['cat', 'cd', 'clear', 'env', 'eventlog', 'filehash', 'getsid', 'help', 'history', 'ipconfig', 'ls', 'mount', 'netstat', 'ps', 'pwd', 'reg', 'users'];
const ACTIVE_RESPONDER = [...READ_ONLY, 'cp', 'encrypt', 'get', 'kill', 'map', 'memdump', 'mkdir', 'mv', 'restart', 'rm', 'shutdown', 'tar', 'umount', 'unmap', 'update', 'xmemdump', 'zip'];
const ADMIN = [...ACTIVE_RESPONDER, 'put', 'run', 'runscript', 'put-and-run', 'falconscript'];
const COMMANDS_BY_PATH: Record<string, string[]> = {
  '/real-time-response/combined/batch-command/v1': READ_ONLY,
  '/real-time-response/combined/batch-active-responder-command/v1': ACTIVE_RESPONDER,
  '/real-time-response/combined/batch-admin-command/v1': ADMIN,
};

export const defaultDevices = (): SimulatedDevice[] => [
  { device_id: SIM_AGENT_ID, hostname: 'win-server-01', platform_name: 'Windows', os_version: 'Windows Server 2022', local_ip: '10.0.0.11', status: 'normal', online: true },
  { device_id: SIM_LINUX_AGENT_ID, hostname: 'web-1', platform_name: 'Linux', os_version: 'Ubuntu 24.04', local_ip: '10.0.0.21', status: 'normal', online: false },
];

export const defaultScripts = (): CloudScript[] => [
  { id: 'script-1', name: 'collect-logs', description: 'Collects the system logs into a zip', platform: ['windows', 'linux'], content: 'Get-EventLog -LogName System' },
  { id: 'script-2', name: 'list-users', description: 'Lists local users', platform: ['windows'], content: 'Get-LocalUser' },
];

const FIRST_SEEN = '2026-01-05T09:12:44Z';

function deviceRecord(d: SimulatedDevice): Json {
  return {
    device_id: d.device_id,
    cid: CID,
    agent_load_flags: '1',
    agent_local_time: '2026-12-01T10:00:00.000Z',
    agent_version: '7.18.18102.0',
    config_id_base: '65994763',
    external_ip: '203.0.113.10',
    first_seen: FIRST_SEEN,
    hostname: d.hostname,
    last_seen: '2026-12-01T10:00:00Z',
    local_ip: d.local_ip,
    mac_address: '00-15-5d-00-00-01',
    os_version: d.os_version,
    platform_id: d.platform_name === 'Windows' ? '0' : d.platform_name === 'Mac' ? '1' : '3',
    platform_name: d.platform_name,
    product_type_desc: 'Server',
    reduced_functionality_mode: 'no',
    status: d.status,
    tags: [],
  };
}

export async function startCrowdstrikeSimulator(options: CrowdstrikeSimulatorOptions): Promise<CrowdstrikeSimulator> {
  const expiresIn = options.expiresIn ?? 1799;
  const devices = new Map((options.devices ?? defaultDevices()).map((d) => [d.device_id, { ...d }]));
  const scripts = options.scripts ?? defaultScripts();
  const valid = new Set<string>();
  const tokensIssued: string[] = [];
  const tokenRequests: RecordedRequest[] = [];
  const sessions = new Map<string, string[]>();
  const commands: RtrCommand[] = [];
  const nextAnswer = oneOffAnswer();
  let rateLimit: number | undefined;
  let unauthorized = 0;

  const meta = (poweredBy: string) => ({ query_time: 0.004, powered_by: poweredBy, trace_id: randomUUID() });
  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers }).end(JSON.stringify(body));
  const fail = (res: ServerResponse, status: number, message: string, poweredBy = 'crowdstrike-api-gateway', headers: Record<string, string> = {}) =>
    json(res, status, { meta: meta(poweredBy), errors: [{ code: status, message }] }, headers);
  const notFound = (id: string) => ({ code: 404, message: `No matching device found for ID ${id}` });

  const token = (req: IncomingMessage, res: ServerResponse, body: string) => {
    const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? '');
    const [id, secret] = basic ? Buffer.from(basic[1], 'base64').toString().split(/:(.*)/s) : [];
    const form = new URLSearchParams(body);
    const clientId = id ?? form.get('client_id');
    const clientSecret = secret ?? form.get('client_secret');
    if (clientId !== options.clientId || clientSecret !== options.clientSecret) return fail(res, 401, 'access denied, invalid credentials');
    const accessToken = `cs-sim-${tokensIssued.length + 1}-${randomUUID().replaceAll('-', '')}`;
    tokensIssued.push(accessToken);
    valid.add(accessToken);
    json(res, 201, { access_token: accessToken, token_type: 'bearer', expires_in: expiresIn });
  };

  const idsOf = (url: URL) => url.searchParams.getAll('ids').flatMap((v) => v.split(',')).filter(Boolean);

  const deviceDetails = (res: ServerResponse, ids: string[]) => {
    const found = ids.filter((id) => devices.has(id));
    const errors = ids.filter((id) => !devices.has(id)).map(notFound);
    json(res, found.length || !ids.length ? 200 : 404, { meta: meta('device-api'), resources: found.map((id) => deviceRecord(devices.get(id)!)), errors });
  };

  const onlineState = (res: ServerResponse, ids: string[]) => {
    const found = ids.filter((id) => devices.has(id));
    const errors = ids.filter((id) => !devices.has(id)).map(notFound);
    const resources = found.map((id) => ({ id, cid: CID, state: devices.get(id)!.online ? 'online' : 'offline', last_seen: '2026-12-01T10:00:00Z' }));
    json(res, found.length || !ids.length ? 200 : 404, { meta: meta('device-api'), resources, errors });
  };

  const hostAction = (res: ServerResponse, action: string | null, body: Json) => {
    if (action !== 'contain' && action !== 'lift_containment') return fail(res, 400, `Invalid action_name: ${action ?? ''}`, 'device-api');
    const params = body.action_parameters;
    if (params !== undefined && (!Array.isArray(params) || params.some((p: Json | null) => typeof p?.name !== 'string' || typeof p?.value !== 'string'))) {
      return fail(res, 400, "Provided data does not match expected 'Action Parameter' format", 'device-api');
    }
    const ids: unknown[] = Array.isArray(body.ids) ? body.ids : [];
    if (!ids.length) return fail(res, 400, 'ids is required', 'device-api');
    const resources: Json[] = [];
    const errors: Json[] = [];
    for (const id of ids.map(String)) {
      const device = devices.get(id);
      if (!device) errors.push(notFound(id));
      else if (action === 'contain' && device.status === 'contained') errors.push({ code: 409, message: `Device ${id} is already contained` });
      else if (action === 'lift_containment' && device.status === 'normal') errors.push({ code: 409, message: `Device ${id} is not contained` });
      else {
        device.status = action === 'contain' ? 'contained' : 'normal';
        resources.push({ id, path: '' });
      }
    }
    json(res, resources.length ? 202 : errors[0].code, { meta: meta('device-api'), resources, errors });
  };

  const initSession = (res: ServerResponse, body: Json) => {
    const hosts: string[] = Array.isArray(body.host_ids) ? body.host_ids.map(String) : [];
    if (!hosts.length) return fail(res, 400, 'host_ids is required', 'empower-api');
    const known = hosts.filter((h) => devices.has(h));
    if (!known.length) return fail(res, 404, `No matching device found for ID ${hosts[0]}`, 'empower-api');
    const batchId = randomUUID();
    sessions.set(batchId, known);
    const resources = Object.fromEntries(
      hosts.map((aid) => [
        aid,
        devices.has(aid)
          ? { session_id: randomUUID(), task_id: randomUUID(), complete: true, stdout: 'C:\\', stderr: '', base_command: 'pwd', aid, errors: [], query_time: 0.5, offline_queued: false }
          : { session_id: '', task_id: '', complete: false, stdout: '', stderr: '', base_command: '', aid, errors: [notFound(aid)], query_time: 0, offline_queued: false },
      ]),
    );
    json(res, 201, { meta: meta('empower-api'), batch_id: batchId, resources, errors: [] });
  };

  const runCommand = (res: ServerResponse, path: string, body: Json) => {
    const session = sessions.get(String(body.batch_id));
    if (!session) return fail(res, 404, `Could not find batch session ${String(body.batch_id)}`, 'empower-api');
    const baseCommand = String(body.base_command ?? '');
    const commandString = String(body.command_string ?? '');
    const hosts: string[] = Array.isArray(body.hosts) && body.hosts.length ? body.hosts.map(String) : session;
    commands.push({ path, batchId: String(body.batch_id), baseCommand, commandString, hosts });
    const allowed = COMMANDS_BY_PATH[path].includes(baseCommand) && commandString.split(/\s+/)[0] === baseCommand;
    const script = /-CloudFile="?([^"\s]+)"?/.exec(commandString)?.[1];
    const resources = Object.fromEntries(
      hosts.map((aid) => {
        const result = { session_id: randomUUID(), task_id: randomUUID(), base_command: baseCommand, aid, query_time: 0.7, offline_queued: false };
        if (!session.includes(aid)) return [aid, { ...result, complete: false, stdout: '', stderr: '', errors: [{ code: 50007, message: 'could not get session' }] }];
        if (!allowed) return [aid, { ...result, complete: false, stdout: '', stderr: '', errors: [{ code: 40007, message: 'Command not found' }] }];
        if (baseCommand === 'runscript' && script && !scripts.some((s) => s.name === script)) {
          return [aid, { ...result, complete: false, stdout: '', stderr: '', errors: [{ code: 40006, message: 'Command is not valid' }] }];
        }
        return [aid, { ...result, complete: true, stdout: script ? `Ran cloud script ${script}` : `Ran ${commandString}`, stderr: '', errors: [] }];
      }),
    );
    json(res, 201, { meta: meta('empower-api'), combined: { resources }, errors: [] });
  };

  const listScripts = (res: ServerResponse, ids: string[]) => {
    const chosen = ids.length ? scripts.filter((s) => ids.includes(s.id)) : scripts;
    const resources = chosen.map((s) => ({
      ...s,
      file_type: 'script',
      permission_type: 'public',
      created_by: 'soc-admin@example.com',
      created_timestamp: FIRST_SEEN,
      modified_timestamp: FIRST_SEEN,
      size: s.content.length,
      sha256: createHash('sha256').update(s.content).digest('hex'),
      run_attempt_count: 0,
      run_success_count: 0,
    }));
    json(res, 200, { meta: meta('empower-api'), resources, errors: [] });
  };

  const handle = (req: IncomingMessage, res: ServerResponse, text: string) => {
    const url = new URL(req.url ?? '/', 'http://sim');
    if (req.method === 'POST' && url.pathname === '/oauth2/token') {
      tokenRequests.push(server.requests.at(-1)!);
      return token(req, res, text);
    }
    if (nextAnswer.sendIfPending(res)) return;
    if (rateLimit !== undefined) {
      const seconds = rateLimit;
      rateLimit = undefined;
      const headers = { 'Retry-After': String(seconds), 'X-RateLimit-RetryAfter': String(Math.ceil(Date.now() / 1000) + seconds), 'X-RateLimit-Remaining': '0' };
      return fail(res, 429, 'API rate limit exceeded.', 'crowdstrike-api-gateway', headers);
    }
    const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (unauthorized > 0) {
      unauthorized--;
      return fail(res, 401, 'access denied, authorization failed');
    }
    if (!bearer || !valid.has(bearer)) return fail(res, 401, 'access denied, authorization failed');
    let body: Json = {};
    if (req.method === 'POST') {
      try {
        body = JSON.parse(text || '{}') as Json;
      } catch {
        return fail(res, 400, 'Invalid JSON in request body', 'crowdstrike-api-gateway');
      }
    }
    const route = `${req.method} ${url.pathname}`;
    switch (route) {
      case 'GET /devices/entities/devices/v2':
        return deviceDetails(res, idsOf(url));
      case 'GET /devices/entities/online-state/v1':
        return onlineState(res, idsOf(url));
      case 'POST /devices/entities/devices-actions/v2':
        return hostAction(res, url.searchParams.get('action_name'), body);
      case 'POST /real-time-response/combined/batch-init-session/v1':
        return initSession(res, body);
      case 'POST /real-time-response/combined/batch-command/v1':
      case 'POST /real-time-response/combined/batch-active-responder-command/v1':
      case 'POST /real-time-response/combined/batch-admin-command/v1':
        return runCommand(res, url.pathname, body);
      case 'GET /real-time-response/entities/scripts/v1':
        return listScripts(res, idsOf(url));
      default:
        return fail(res, 404, 'Not Found');
    }
  };

  const server = await startRecordingServer((req, res, body) => handle(req, res, body));
  return {
    url: server.url,
    requests: server.requests,
    tokenRequests,
    tokensIssued,
    devices,
    sessions,
    commands,
    failNext: (status, body, headers) => nextAnswer.set(status, body, headers),
    rateLimitNext(seconds) {
      rateLimit = seconds;
    },
    expireTokens: () => valid.clear(),
    unauthorizedNext(count) {
      unauthorized = count;
    },
    close: () => server.close(),
  };
}
