import { request, type IncomingMessage } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventDocument } from '../src/event_log/document.js';
import { DEFAULT_MACHINES, startDefenderSimulator, type DefenderSimulator } from '../src/connector_types/microsoft_defender_endpoint/simulator.js';
import { startSentinelOneSimulator, type SentinelOneSimulator } from '../src/connector_types/sentinelone/simulator.js';
import { latestExecutionEvents } from './helpers/latest_execution.js';
import { BASIC_AUTH, startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';
import { eventually } from './helpers/wait.js';

// A file a sub-action answers (SubAction.downloads) over HTTP: `_execute` asked with
// Accept: application/octet-stream pipes SentinelOne's bytes to the client as it reads them, so a
// file far larger than what the process may hold goes through; the client going away aborts the
// request to SentinelOne; the execute event is written when the file has ended (a failure when it
// broke); callers that cannot read a file, queued actions included, are refused. Defender's
// getActionResults, the other type's download, goes the same way.

const TOKEN = 's1-download-token';
const LARGE = 200 * 1024 * 1024;
const OCTETS = 'application/octet-stream';

// A full collection on demand, so that what is measured is memory still held, not garbage
// (each chunk is a new buffer, which V8 frees only when its external-memory threshold is met).
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;
/** What the process holds: heap objects and buffers, after a collection. */
function heldMemory(): { rss: number; held: number } {
  collect();
  // `external` counts the buffers too.
  const { rss, heapUsed, external } = process.memoryUsage();
  return { rss, held: heapUsed + external };
}

describe('.sentinelone file downloads through _execute', () => {
  let sim: SentinelOneSimulator;
  let pb: TestPlugboard;
  let base: string;

  beforeAll(async () => {
    sim = await startSentinelOneSimulator({ token: TOKEN, agents: 2 });
    pb = await startTestPlugboard({});
    base = await pb.plugboard.listen();
    const created = await pb.api('POST', '/api/actions/connector/s1', { name: 'S1', connector_type_id: '.sentinelone', config: { url: sim.url }, secrets: { token: TOKEN } });
    expect(created.status, created.text).toBe(200);
  });
  afterAll(async () => {
    await pb?.close();
    await sim?.close();
  });

  /** An upload of `size` bytes on the first agent, as fetchAgentFiles and getActivities make it. */
  async function upload(size: number): Promise<{ agentId: string; activityId: string }> {
    sim.setUploadSize(size);
    const agentId = sim.agents[0].id;
    const fetched = await pb.api('POST', '/api/actions/connector/s1/_execute', { params: { subAction: 'fetchAgentFiles', subActionParams: { agentId, zipPassCode: 'Zip-pass-1234', files: ['/var/log/syslog'] } } });
    expect(fetched.body, fetched.text).toMatchObject({ status: 'ok' });
    const listed = await pb.api('POST', '/api/actions/connector/s1/_execute', { params: { subAction: 'getActivities', subActionParams: { agentIds: agentId, activityTypes: '80', sortBy: 'createdAt' } } });
    const activities = listed.body.data.data as Array<{ id: string }>;
    return { agentId, activityId: activities.at(-1)!.id };
  }

  const download = (file: { agentId: string; activityId: string }) => ({ subAction: 'downloadAgentFile', subActionParams: file });

  /** POSTs an _execute over a real socket and hands back the answer as it starts. */
  function execute(params: unknown, accept: string): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const req = request(`${base}/api/actions/connector/s1/_execute`, { method: 'POST', headers: { authorization: BASIC_AUTH, 'kbn-xsrf': 'true', 'content-type': 'application/json', accept } }, resolve);
      req.on('error', reject);
      req.end(JSON.stringify({ params }));
    });
  }

  async function executeEvent(): Promise<EventDocument> {
    return eventually(async () => (await latestExecutionEvents(pb, 's1')).find((e) => e.event.action === 'execute'), 20_000, 'the execute event');
  }

  it('pipes a 200 MB file with bounded memory; the execute event is written once it has ended', async () => {
    // A small download first, so that the baseline has every part of the path loaded.
    const warmUp = await execute(download(await upload(1024 * 1024)), OCTETS);
    for await (const _chunk of warmUp);
    const file = await upload(LARGE);
    const before = heldMemory();
    let peak = before;
    const res = await execute(download(file), OCTETS);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe(OCTETS);
    expect(res.headers['content-disposition']).toBe(`attachment; filename="host-1_files.zip"; filename*=UTF-8''host-1_files.zip`);
    expect(res.headers['content-length']).toBe(String(LARGE));
    let received = 0;
    let head = '';
    let chunks = 0;
    for await (const chunk of res) {
      if (head.length < 28) head += (chunk as Buffer).toString('latin1', 0, 28);
      received += (chunk as Buffer).length;
      // About every 16 MB.
      if (++chunks % 256 === 0) {
        const now = heldMemory();
        peak = { rss: Math.max(peak.rss, now.rss), held: Math.max(peak.held, now.held) };
      }
    }
    expect(received).toBe(LARGE);
    expect(chunks).toBeGreaterThan(256);
    expect(head.startsWith('plugboard-sentinelone-upload')).toBe(true);
    // Held whole, the file would add at least its own size; piped, a few buffers.
    expect(peak.held - before.held).toBeLessThan(LARGE / 4);
    expect(peak.rss - before.rss).toBeLessThan(LARGE / 4);
    expect(await sim.downloads.at(-1)!.closed).toEqual({ complete: true });
    const event = await executeEvent();
    expect(event.event.outcome).toBe('success');
  });

  it('the client going away mid-file aborts the request to SentinelOne; the execute event is a failure', async () => {
    const file = await upload(LARGE);
    const res = await execute(download(file), `application/json, ${OCTETS}`);
    expect(res.statusCode).toBe(200);
    let received = 0;
    await new Promise<void>((resolve) => {
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > 4 * 1024 * 1024) {
          res.destroy();
          resolve();
        }
      });
    });
    const served = sim.downloads.at(-1)!;
    expect(await served.closed).toEqual({ complete: false });
    expect(served.bytesSent).toBeLessThan(LARGE);
    const event = await executeEvent();
    expect(event.event.outcome).toBe('failure');
    expect(event.error?.message).toMatch(/the download was cut/);
  });

  it('SentinelOne cutting the file midway cuts the answer short; the execute event is a failure', async () => {
    const file = await upload(8 * 1024 * 1024);
    sim.cutNextDownload(1024 * 1024);
    const res = await execute(download(file), OCTETS);
    expect(res.statusCode).toBe(200);
    let received = 0;
    const ended = await new Promise<'end' | 'aborted'>((resolve) => {
      res.on('data', (chunk: Buffer) => (received += chunk.length));
      res.on('end', () => resolve('end'));
      res.on('error', () => resolve('aborted'));
      res.on('aborted', () => resolve('aborted'));
    });
    // The declared length is not met: a client sees the download failed.
    expect(ended).toBe('aborted');
    expect(received).toBeLessThan(8 * 1024 * 1024);
    const event = await executeEvent();
    expect(event.event.outcome).toBe('failure');
    expect(event.error?.message).toMatch(/the download was cut/);
  });

  it('a failure before the first byte answers the usual JSON error result', async () => {
    const res = await pb.api('POST', '/api/actions/connector/s1/_execute', { params: download({ agentId: sim.agents[0].id, activityId: '12345' }) }, { headers: { accept: OCTETS } });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toMatchObject({ status: 'error', connector_id: 's1', message: 'an error occurred while running the action' });
    expect(res.body.service_message).toMatch(/^Status code: 404\. Message: API Error: \[Not Found\]/);

    sim.rateLimitNext(7);
    const limited = await pb.api('POST', '/api/actions/connector/s1/_execute', { params: download({ agentId: sim.agents[0].id, activityId: '1' }) }, { headers: { accept: OCTETS } });
    expect(limited.body).toMatchObject({ status: 'error', service_message: expect.stringMatching(/^Status code: 429\./) });
  });

  it('refuses callers that do not accept application/octet-stream, before anything is sent', async () => {
    const before = sim.requests.length;
    for (const accept of ['application/json', '*/*', '', 'text/event-stream', `${OCTETS};q=0`]) {
      const res = await pb.api('POST', '/api/actions/connector/s1/_execute', { params: download({ agentId: '1', activityId: '2' }) }, { headers: { accept } });
      expect(res.status, accept).toBe(400);
      expect(res.body.message).toBe('.sentinelone answers these params with a file: send the request with the header Accept: application/octet-stream to download it');
    }
    expect(sim.requests.length).toBe(before);
    // Params that answer no file answer JSON whatever the Accept header.
    const agents = await pb.api('POST', '/api/actions/connector/s1/_execute', { params: { subAction: 'getAgents', subActionParams: {} } }, { headers: { accept: OCTETS } });
    expect(agents.body).toMatchObject({ status: 'ok', data: { pagination: { totalItems: 2 } } });
  });

  it('the unsaved test downloads too', async () => {
    const file = await upload(1000);
    const res = await pb.api(
      'POST',
      '/api/actions/connector/_test',
      { connector_type_id: '.sentinelone', config: { url: sim.url }, secrets: { token: TOKEN }, params: download(file) },
      { headers: { accept: OCTETS } },
    );
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(OCTETS);
    expect(res.text).toHaveLength(1000);
  });

  it('a queued download fails for good without calling SentinelOne: nobody would read its file', async () => {
    const before = sim.requests.length;
    const queued = await pb.api('POST', '/api/actions/connector/s1/_enqueue', { params: download({ agentId: '1', activityId: '2' }) });
    expect(queued.status, queued.text).toBe(202);
    const done = await eventually(async () => {
      const res = await pb.api('GET', `/api/actions/execution/${queued.body.execution_id}`);
      return res.body.status === 'error' ? res.body : undefined;
    }, 20_000, 'the queued download to fail');
    expect(done).toMatchObject({ attempts: 1, result: { status: 'error', message: '.sentinelone answers these params with a file, which a queued action cannot read', retry: false } });
    expect(sim.requests.length).toBe(before);
  });
});

describe('another type that answers a file: Defender getActionResults through _execute', () => {
  let sim: DefenderSimulator;
  let pb: TestPlugboard;

  beforeAll(async () => {
    sim = await startDefenderSimulator({ tenantId: 'dl-tenant', clientId: 'dl-client', clientSecret: 'dl-secret' });
    pb = await startTestPlugboard({});
    const created = await pb.api('POST', '/api/actions/connector/mde', {
      name: 'Defender',
      connector_type_id: '.microsoft_defender_endpoint',
      config: { clientId: 'dl-client', tenantId: 'dl-tenant', oAuthServerUrl: sim.url, oAuthScope: 'https://api.securitycenter.microsoft.com/.default', apiUrl: sim.url },
      secrets: { clientSecret: 'dl-secret' },
    });
    expect(created.status, created.text).toBe(200);
  });
  afterAll(async () => {
    await pb?.close();
    await sim?.close();
  });

  it("answers the live response result's bytes, without a name Defender does not give", async () => {
    const ran = await pb.api('POST', '/api/actions/connector/mde/_execute', { params: { subAction: 'runScript', subActionParams: { id: DEFAULT_MACHINES[0].id, parameters: { scriptName: 'test' } } } });
    expect(ran.body, ran.text).toMatchObject({ status: 'ok' });
    const params = { subAction: 'getActionResults', subActionParams: { id: ran.body.data.id } };
    expect((await pb.api('POST', '/api/actions/connector/mde/_execute', { params })).status).toBe(400);
    const res = await pb.api('POST', '/api/actions/connector/mde/_execute', { params }, { headers: { accept: OCTETS } });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(OCTETS);
    expect(res.headers['content-disposition']).toBeUndefined();
    expect(Buffer.from(res.text, 'latin1')).toEqual(sim.resultFile(ran.body.data.id));
  });
});
