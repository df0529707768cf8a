import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { oneOffAnswer, startRecordingServer, type RecordedRequest } from '../lib/simulator_server.js';
import { API_PATH } from './schema.js';

/**
 * An in-process SentinelOne management API (v2.1), as its documentation describes it, under
 * `/web/api/v2.1`; every call needs the token as the `APIToken` query parameter (401 otherwise):
 *   GET  /agents                          agents, filtered by ids, uuid, uuids, computerName(__contains),
 *                                         networkStatuses, query; paged by limit/cursor
 *                                         {pagination:{totalItems,nextCursor}, errors:null, data:[agent]}
 *   POST /agents/actions/disconnect|connect  {filter:{ids}} → {data:{affected}}: isolates or releases
 *   POST /agents/{id}/actions/fetch-files {data:{password,files}} → {data:{success:true}}; an upload
 *                                         activity (type 80) names the file to download
 *   GET  /agents/{id}/uploads/{activityId}  the uploaded zip (Content-Disposition), generated as it is
 *                                         sent: any size without holding it in memory
 *   GET  /remote-scripts                  the script library, paged
 *   POST /remote-scripts/execute          {data:{scriptId,…}, filter:{ids|uuids}} → {data:{parentTaskId, affected, pending, pendingExecutionId}}
 *   GET  /remote-scripts/status?parent_task_id=  the tasks of an execution
 *   POST /remote-scripts/fetch-files      {data:{taskIds}} → {data:{download_links:[{taskId, downloadUrl, fileName}]}}
 *   GET  /activities                      activities, filtered by agentIds, activityTypes, ids; paged
 * A script result's downloadUrl is a pre-signed link outside the API (no APIToken; its `signature`
 * is checked). Errors: 400 {errors:[{code,detail,title}]} for bad bodies, 404 for unknown agents,
 * activities, scripts or tasks; `failNext` and `rateLimitNext` (429 with Retry-After) on demand.
 */

export interface SimulatedAgent {
  id: string;
  uuid: string;
  computerName: string;
  networkStatus: 'connected' | 'connecting' | 'disconnected' | 'disconnecting';
  osType: string;
  isActive: boolean;
  [field: string]: unknown;
}

export interface SentinelOneSimulator {
  url: string;
  requests: RecordedRequest[];
  agents: SimulatedAgent[];
  /** The next answer, whatever the request. */
  failNext(status: number, body?: string, headers?: Record<string, string>): void;
  /** The next request is answered 429 with this Retry-After. */
  rateLimitNext(retryAfterSeconds: number): void;
  /** Makes the next upload (fetch-files) this many bytes long. */
  setUploadSize(bytes: number): void;
  /** The next file download drops its connection after this many bytes. */
  cutNextDownload(afterBytes: number): void;
  /** Downloads served: bytes sent, and whether the client read them to the end. */
  downloads: Array<{ path: string; bytesSent: number; closed: Promise<{ complete: boolean }> }>;
  close(): Promise<void>;
}

const error = (code: number, title: string, detail: string) => ({ errors: [{ code, title, detail }] });

const SCRIPTS = [
  { id: '1466645476786791838', scriptName: 'Collect processes', scriptType: 'dataCollection', osTypes: ['windows', 'linux', 'macos'] },
  { id: '1466645476786791839', scriptName: 'Kill process', scriptType: 'action', osTypes: ['windows', 'linux', 'macos'] },
  { id: '1466645476786791840', scriptName: 'Collect browser history', scriptType: 'artifactCollection', osTypes: ['windows'] },
].map((s) => ({
  ...s,
  fileName: `${s.scriptName.replace(/ /g, '_').toLowerCase()}.sh`,
  shortFileName: s.scriptName.replace(/ /g, '_').toLowerCase(),
  inputRequired: false,
  isAvailableForArs: true,
  isAvailableForLite: false,
  scopeLevel: 'account',
  scopeId: '1392053568574369781',
  scriptRuntimeTimeoutSeconds: 3600,
  createdAt: '2024-01-10T12:00:00.000000Z',
  updatedAt: '2024-01-10T12:00:00.000000Z',
  version: '1.0.0',
}));

function agent(n: number, networkStatus: SimulatedAgent['networkStatus'] = 'connected'): SimulatedAgent {
  const id = String(1900000000000000000n + BigInt(n));
  return {
    id,
    uuid: `${n.toString(16).padStart(8, '0')}-5f5e-4b1c-9d2a-0123456789ab`,
    computerName: `host-${n}`,
    networkStatus,
    osType: n % 3 === 0 ? 'linux' : 'windows',
    osName: n % 3 === 0 ? 'Linux' : 'Windows 11 Pro',
    isActive: true,
    infected: false,
    agentVersion: '23.4.2.14',
    siteId: '1392053568591146999',
    siteName: 'Default site',
    accountId: '1392053568574369781',
    accountName: 'Plugboard',
    groupId: '1392053568582758390',
    groupName: 'Default Group',
    lastActiveDate: '2024-05-01T10:00:00.000000Z',
    createdAt: '2024-01-01T00:00:00.000000Z',
    updatedAt: '2024-05-01T10:00:00.000000Z',
    activeThreats: 0,
    lastIpToMgmt: `10.0.0.${n}`,
  };
}

/** A base64 cursor of the offset of the next page, as SentinelOne's are opaque strings. */
const cursorOf = (offset: number) => Buffer.from(`offset:${offset}`).toString('base64');
const offsetOf = (cursor: string | null) => (cursor ? Number(Buffer.from(cursor, 'base64').toString().replace('offset:', '')) || 0 : 0);

/** One page of items, with SentinelOne's pagination object. */
function page<T>(items: T[], search: URLSearchParams) {
  const limit = Math.min(1000, Math.max(1, Number(search.get('limit') ?? 10) || 10));
  const offset = search.has('cursor') ? offsetOf(search.get('cursor')) : Number(search.get('skip') ?? 0) || 0;
  const data = items.slice(offset, offset + limit);
  const next = offset + limit < items.length ? cursorOf(offset + limit) : null;
  return { pagination: { totalItems: items.length, nextCursor: next }, errors: null, data };
}

const listOf = (value: string | null) => (value ? value.split(',').map((v) => v.trim()).filter(Boolean) : undefined);

/** The deterministic bytes of a generated file, sent chunk by chunk as the client reads. */
const PATTERN = Buffer.alloc(64 * 1024, 'plugboard-sentinelone-upload\n');

export async function startSentinelOneSimulator(options: { token: string; agents?: number }): Promise<SentinelOneSimulator> {
  const agents: SimulatedAgent[] = Array.from({ length: options.agents ?? 3 }, (_, i) => agent(i + 1));
  const activities: Array<Record<string, unknown>> = [];
  const uploads = new Map<string, { agentId: string; fileName: string; size: number }>();
  const tasks = new Map<string, { parentTaskId: string; agentId: string; agentComputerName: string; scriptName: string; signature: string }>();
  const downloads: SentinelOneSimulator['downloads'] = [];
  let uploadSize = 1024;
  let cutAfter: number | undefined;
  const nextAnswer = oneOffAnswer();
  let url = '';

  const json = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  const parse = (body: string): Record<string, any> | undefined => {
    try {
      const parsed: unknown = JSON.parse(body);
      return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, any>) : undefined;
    } catch {
      return undefined;
    }
  };
  const byIds = (filter: Record<string, unknown> | undefined) => {
    const ids = listOf(typeof filter?.ids === 'string' ? filter.ids : null);
    const uuids = listOf(typeof filter?.uuids === 'string' ? filter.uuids : null);
    if (!ids && !uuids) return undefined;
    return agents.filter((a) => ids?.includes(a.id) || uuids?.includes(a.uuid));
  };
  const addActivity = (activityType: number, agentId: string | null, primaryDescription: string, data: Record<string, unknown> = {}) => {
    const activity = {
      id: String(2000000000000000000n + BigInt(activities.length + 1)),
      activityUuid: randomUUID(),
      activityType,
      agentId,
      accountId: '1392053568574369781',
      accountName: 'Plugboard',
      siteId: '1392053568591146999',
      siteName: 'Default site',
      createdAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
      primaryDescription,
      secondaryDescription: null,
      data,
    };
    activities.push(activity);
    return activity;
  };

  /** Sends `size` generated bytes, writing only as fast as the client reads. */
  function sendFile(req: IncomingMessage, res: ServerResponse, fileName: string, size: number) {
    let sent = 0;
    const cut = cutAfter;
    cutAfter = undefined;
    let onClosed!: (v: { complete: boolean }) => void;
    const record = { path: req.url ?? '', bytesSent: 0, closed: new Promise<{ complete: boolean }>((resolve) => (onClosed = resolve)) };
    downloads.push(record);
    res.on('close', () => onClosed({ complete: res.writableFinished }));
    res.writeHead(200, { 'Content-Type': 'application/zip', 'Content-Length': String(size), 'Content-Disposition': `attachment; filename="${fileName}"` });
    const pump = () => {
      while (sent < size && !res.destroyed) {
        if (cut !== undefined && sent >= cut) return void res.destroy();
        const chunk = PATTERN.subarray(0, Math.min(PATTERN.length, size - sent));
        sent += chunk.length;
        record.bytesSent = sent;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      if (!res.destroyed) res.end();
    };
    pump();
  }

  const handle = (req: IncomingMessage, res: ServerResponse, body: string) => {
    if (nextAnswer.sendIfPending(res)) return;
    const target = new URL(req.url ?? '/', 'http://simulator');
    const search = target.searchParams;
    const method = req.method ?? 'GET';

    // Pre-signed links of script results: outside the API, no token.
    const link = /^\/script-results\/([^/]+)\.zip$/.exec(target.pathname);
    if (link && method === 'GET') {
      const task = tasks.get(decodeURIComponent(link[1]));
      if (!task || search.get('signature') !== task.signature) return res.writeHead(403, { 'Content-Type': 'application/xml' }).end('<Error><Code>AccessDenied</Code></Error>');
      return sendFile(req, res, `${link[1]}.zip`, uploadSize);
    }

    if (!target.pathname.startsWith(API_PATH)) return json(res, 404, error(4040000, 'Not Found', 'No such route'));
    if (search.get('APIToken') !== options.token) return json(res, 401, error(4010010, 'Authentication Failed', 'Authentication failed: token invalid or missing'));
    const path = target.pathname.slice(API_PATH.length);

    if (method === 'GET' && path === '/agents') {
      const ids = listOf(search.get('ids'));
      const uuids = listOf(search.get('uuids'));
      const statuses = listOf(search.get('networkStatuses'));
      const q = search.get('query')?.toLowerCase();
      const found = agents.filter(
        (a) =>
          (!ids || ids.includes(a.id)) &&
          (!uuids || uuids.includes(a.uuid)) &&
          (!search.has('uuid') || a.uuid === search.get('uuid')) &&
          (!search.has('computerName') || a.computerName === search.get('computerName')) &&
          (!search.has('computerName__contains') || a.computerName.includes(search.get('computerName__contains')!)) &&
          (!statuses || statuses.includes(a.networkStatus)) &&
          (!q || a.computerName.toLowerCase().includes(q) || a.uuid.includes(q)),
      );
      return json(res, 200, page(found, search));
    }

    const hostAction = /^\/agents\/actions\/(connect|disconnect)$/.exec(path);
    if (method === 'POST' && hostAction) {
      const matched = byIds(parse(body)?.filter);
      if (!matched) return json(res, 400, error(4000010, 'Validation Error', 'filter: at least one filter is required'));
      const disconnect = hostAction[1] === 'disconnect';
      for (const a of matched) {
        a.networkStatus = disconnect ? 'disconnected' : 'connected';
        addActivity(disconnect ? 1001 : 1002, a.id, `${a.computerName} was ${disconnect ? 'disconnected from' : 'reconnected to'} the network`);
      }
      return json(res, 200, { data: { affected: matched.length } });
    }

    const fetchFiles = /^\/agents\/([^/]+)\/actions\/fetch-files$/.exec(path);
    if (method === 'POST' && fetchFiles) {
      const target = agents.find((a) => a.id === decodeURIComponent(fetchFiles[1]));
      if (!target) return json(res, 404, error(4040001, 'Resource not found', 'Agent not found'));
      const data = parse(body)?.data;
      if (typeof data?.password !== 'string' || data.password.length < 10 || !Array.isArray(data.files) || data.files.length === 0) {
        return json(res, 400, error(4000010, 'Validation Error', 'data.password must be at least 10 characters and data.files must not be empty'));
      }
      const fileName = `${target.computerName}_files.zip`;
      const activity = addActivity(80, target.id, `Agent ${target.computerName} uploaded file`, { fileName, filePath: `/uploads/${fileName}`, downloadUrl: `${API_PATH}/agents/${target.id}/uploads/PENDING` });
      const activityId = String(activity.id);
      (activity.data as Record<string, unknown>).downloadUrl = `${API_PATH}/agents/${target.id}/uploads/${activityId}`;
      uploads.set(activityId, { agentId: target.id, fileName, size: uploadSize });
      return json(res, 200, { data: { success: true } });
    }

    const upload = /^\/agents\/([^/]+)\/uploads\/([^/]+)$/.exec(path);
    if (method === 'GET' && upload) {
      const file = uploads.get(decodeURIComponent(upload[2]));
      if (!file || file.agentId !== decodeURIComponent(upload[1])) return json(res, 404, error(4040002, 'Resource not found', 'Upload not found'));
      return sendFile(req, res, file.fileName, file.size);
    }

    if (method === 'GET' && path === '/remote-scripts') {
      const ids = listOf(search.get('ids'));
      const types = listOf(search.get('scriptType'));
      const os = listOf(search.get('osTypes'));
      return json(res, 200, page(SCRIPTS.filter((s) => (!ids || ids.includes(s.id)) && (!types || types.includes(s.scriptType)) && (!os || s.osTypes.some((o) => os.includes(o)))), search));
    }

    if (method === 'POST' && path === '/remote-scripts/execute') {
      const parsed = parse(body);
      const script = SCRIPTS.find((s) => s.id === parsed?.data?.scriptId);
      if (!script) return json(res, 400, error(4000010, 'Validation Error', 'data.scriptId: script not found'));
      const matched = byIds(parsed?.filter);
      if (!matched) return json(res, 400, error(4000010, 'Validation Error', 'filter: at least one filter is required'));
      const parentTaskId = String(3000000000000000000n + BigInt(tasks.size + 1));
      for (const a of matched) {
        tasks.set(String(3100000000000000000n + BigInt(tasks.size + 1)), { parentTaskId, agentId: a.id, agentComputerName: a.computerName, scriptName: script.scriptName, signature: randomUUID() });
      }
      return json(res, 200, { data: { pendingExecutionId: null, affected: matched.length, parentTaskId, pending: false } });
    }

    if (method === 'GET' && path === '/remote-scripts/status') {
      const parent = search.get('parent_task_id');
      if (!parent) return json(res, 400, error(4000010, 'Validation Error', 'parent_task_id is required'));
      const data = [...tasks].filter(([, t]) => t.parentTaskId === parent).map(([id, t]) => ({
        id,
        parentTaskId: t.parentTaskId,
        agentId: t.agentId,
        agentComputerName: t.agentComputerName,
        status: 'completed',
        detailedStatus: 'Completed',
        statusCode: null,
        scriptName: t.scriptName,
        createdAt: '2024-05-01T10:00:00.000000Z',
        updatedAt: '2024-05-01T10:01:00.000000Z',
      }));
      return json(res, 200, page(data, search));
    }

    if (method === 'POST' && path === '/remote-scripts/fetch-files') {
      const taskIds = parse(body)?.data?.taskIds;
      if (!Array.isArray(taskIds)) return json(res, 400, error(4000010, 'Validation Error', 'data.taskIds is required'));
      const download_links = taskIds
        .filter((id): id is string => typeof id === 'string' && tasks.has(id))
        .map((id) => ({ taskId: id, fileName: `${id}.zip`, downloadUrl: `${url}/script-results/${id}.zip?signature=${tasks.get(id)!.signature}` }));
      return json(res, 200, { data: { download_links, errors: [] } });
    }

    if (method === 'GET' && path === '/activities') {
      const agentIds = listOf(search.get('agentIds'));
      const types = listOf(search.get('activityTypes'));
      const ids = listOf(search.get('ids'));
      const found = activities.filter((a) => (!agentIds || agentIds.includes(String(a.agentId))) && (!types || types.includes(String(a.activityType))) && (!ids || ids.includes(String(a.id))));
      return json(res, 200, page(found, search));
    }

    json(res, 404, error(4040000, 'Not Found', `No route ${method} ${path}`));
  };

  const server = await startRecordingServer(handle);
  url = server.url;
  return {
    url,
    requests: server.requests,
    agents,
    failNext: nextAnswer.set,
    rateLimitNext: (seconds) => nextAnswer.set(429, JSON.stringify(error(4290010, 'Too Many Requests', 'Rate limit exceeded')), { 'Retry-After': String(seconds) }),
    setUploadSize: (bytes) => {
      uploadSize = bytes;
    },
    cutNextDownload: (afterBytes) => {
      cutAfter = afterBytes;
    },
    downloads,
    close: server.close,
  };
}
