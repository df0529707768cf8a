import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '../src/common/json_depth.js';
import { availableDialects } from './helpers/databases.js';
import { BASIC_AUTH, startTestPlugboard, type ApiResponse, type TestPlugboard } from './helpers/plugboard.js';

const dialects = await availableDialects();

// Issue 14: bodies nested thousands of levels deep, and failures the framework answers itself.

const HOSTILE_DEPTH = 2000;
const TOO_DEEP = `[request body]: nested more than ${MAX_JSON_DEPTH} levels deep`;

/** JSON text of `levels` nested arrays (or objects under key `a`) around a string. */
function nest(levels: number, kind: 'array' | 'object' = 'object'): string {
  const [open, close] = kind === 'array' ? ['[', ']'] : ['{"a":', '}'];
  return `${open.repeat(levels)}"x"${close.repeat(levels)}`;
}

const deep = nest(HOSTILE_DEPTH);
const deepArray = nest(HOSTILE_DEPTH, 'array');

interface DeepCase {
  name: string;
  method: string;
  url: string;
  raw: string;
  contentType?: string;
}

const DEEP_CASES: DeepCase[] = [
  { name: 'connector create config', method: 'POST', url: '/api/actions/connector/deep', raw: `{"name":"x","connector_type_id":".webhook","config":{"url":"https://a.example","headers":${deep}},"secrets":{}}` },
  { name: 'connector create secrets', method: 'POST', url: '/api/actions/connector', raw: `{"name":"x","connector_type_id":".webhook","config":{"url":"https://a.example"},"secrets":${deep}}` },
  { name: 'connector update config', method: 'PUT', url: '/api/actions/connector/existing', raw: `{"name":"renamed","config":${deep}}` },
  { name: 'connector _test config', method: 'POST', url: '/api/actions/connector/_test', raw: `{"name":"x","connector_type_id":".webhook","config":${deep},"secrets":{},"params":{}}` },
  { name: '_render variables', method: 'POST', url: '/api/actions/connector/existing/_render', raw: `{"params":{"message":"{{a}}"},"variables":${deep}}` },
  { name: '_enqueue params', method: 'POST', url: '/api/actions/connector/existing/_enqueue', raw: `{"params":{"message":"x","extra":${deep}}}` },
  { name: '_bulk_enqueue params', method: 'POST', url: '/api/actions/_bulk_enqueue', raw: `{"actions":[{"id":"existing","params":${deep}}]}` },
  { name: 'role metadata', method: 'PUT', url: '/api/security/role/deep-role', raw: `{"metadata":${deep},"kibana":[]}` },
  { name: 'role kibana[].base as deep arrays', method: 'PUT', url: '/api/security/role/deep-base', raw: `{"kibana":[{"base":${deepArray},"spaces":["*"]}]}` },
  { name: 'user metadata', method: 'PUT', url: '/api/security/user/deep-user', raw: `{"password":"a-long-password","roles":[],"metadata":${deep}}` },
  { name: 'API key metadata', method: 'POST', url: '/api/security/api_key', raw: `{"name":"deep-key","metadata":${deep}}` },
  { name: 'space solution as deep arrays', method: 'POST', url: '/api/spaces/space', raw: `{"id":"deep-space","name":"Deep","solution":${deepArray}}` },
  { name: 'a text/plain body', method: 'POST', url: '/api/actions/connector/deep-text', raw: `{"name":"x","connector_type_id":".server-log","config":${deep}}`, contentType: 'text/plain' },
];

/** A multipart/form-data body with one NDJSON file, serialized as fetch would send it. */
async function importForm(ndjson: string): Promise<{ raw: string; contentType: string }> {
  const form = new FormData();
  form.append('file', new Blob([ndjson]), 'export.ndjson');
  const request = new Request('http://localhost/', { method: 'POST', body: form });
  return { raw: await request.text(), contentType: request.headers.get('content-type')! };
}

describe.each(dialects)('deeply nested JSON on %s', (dialect) => {
  let pb: TestPlugboard;
  const snapshot = async () => {
    const { db } = pb.plugboard.database;
    const tables = ['connectors', 'roles', 'users', 'api_keys', 'spaces', 'tasks'] as const;
    return Object.fromEntries(await Promise.all(tables.map(async (t) => [t, await db.selectFrom(t).selectAll().execute()])));
  };

  beforeAll(async () => {
    pb = await startTestPlugboard({ dialect });
    expect((await pb.api('POST', '/api/actions/connector/existing', { name: 'Log', connector_type_id: '.server-log' })).status).toBe(200);
    expect((await pb.api('POST', '/api/spaces/space', { id: 'imports', name: 'Imports' })).status).toBe(200);
  });
  afterAll(async () => pb.close());

  it.each(DEEP_CASES)(`refuses $name ${HOSTILE_DEPTH} levels deep with 400 and changes nothing`, async (c) => {
    const before = await snapshot();
    const res = await pb.api(c.method, c.url, undefined, { raw: c.raw, headers: c.contentType ? { 'content-type': c.contentType } : {} });
    expect(res.body).toEqual({ statusCode: 400, error: 'Bad Request', message: TOO_DEEP });
    expect(await snapshot()).toEqual(before);
  });

  it('takes a body nested exactly to the limit, and refuses one level more', async () => {
    // The body object is one level; the metadata's objects are the others.
    const metadata = nest(MAX_JSON_DEPTH - 1);
    expect((await pb.api('PUT', '/api/security/role/at-limit', undefined, { raw: `{"metadata":${metadata}}` })).status).toBe(204);
    const role = await pb.api('GET', '/api/security/role/at-limit');
    expect(role.body.metadata).toEqual(JSON.parse(metadata));

    const key = await pb.api('POST', '/api/security/api_key', undefined, { raw: `{"name":"at-limit","metadata":${metadata}}` });
    expect(key.status).toBe(200);

    const overLimit = await pb.api('PUT', '/api/security/role/over-limit', undefined, { raw: `{"metadata":${nest(MAX_JSON_DEPTH)}}` });
    expect(overLimit.body).toEqual({ statusCode: 400, error: 'Bad Request', message: TOO_DEEP });
    expect((await pb.api('GET', '/api/security/role/over-limit')).status).toBe(404);
  });

  it('counts brackets inside strings as text, not nesting', async () => {
    const res = await pb.api('PUT', '/api/security/role/brackets', { metadata: { note: `${'['.repeat(HOSTILE_DEPTH)}\\"{`.repeat(2) } });
    expect(res.status).toBe(204);
    expect((await pb.api('GET', '/api/security/role/brackets')).body.metadata.note).toBe(`${'['.repeat(HOSTILE_DEPTH)}\\"{`.repeat(2));
  });

  async function importFile(ndjson: string): Promise<ApiResponse> {
    const { raw, contentType } = await importForm(ndjson);
    return pb.api('POST', '/s/imports/api/saved_objects/_import', undefined, { raw, headers: { 'content-type': contentType } });
  }

  it('refuses an import file with a line nested too deep, naming the line, and imports nothing', async () => {
    const exported = await pb.api('POST', '/api/saved_objects/_export', { type: 'action', excludeExportDetails: true });
    expect(exported.status).toBe(200);
    const before = await snapshot();
    const res = await importFile(`${exported.text}\n{"type":"action","id":"deep","attributes":${deep}}\n`);
    expect(res.body).toEqual({ statusCode: 400, error: 'Bad Request', message: `Invalid NDJSON: line 2 is nested more than ${MAX_JSON_DEPTH} levels deep. Nothing was imported.` });
    expect(await snapshot()).toEqual(before);
    // The same file without that line imports.
    const plain = await importFile(exported.text);
    expect(plain.body).toMatchObject({ success: true, successCount: 1 });
  });

  it('reads an import line nested exactly to the limit', async () => {
    // The line's object is one level; the attributes' objects are the others.
    const res = await importFile(`{"type":"dashboard","id":"at-limit","attributes":${nest(MAX_JSON_DEPTH - 1)}}`);
    expect(res.status).toBe(200);
    expect(res.body.errors).toEqual([expect.objectContaining({ type: 'dashboard', id: 'at-limit', error: expect.objectContaining({ type: 'unsupported_type' }) })]);
  });
});

describe.each(dialects)('framework-level failures on %s', (dialect) => {
  let pb: TestPlugboard;
  let baseUrl: string;
  const longId = 'a'.repeat(1000);

  beforeAll(async () => {
    pb = await startTestPlugboard({ dialect, settings: { 'server.maxPayload': 10_000 } });
    baseUrl = await pb.plugboard.listen();
  });
  afterAll(async () => pb.close());

  interface FrameworkCase {
    name: string;
    method: string;
    url: string;
    raw?: string;
    contentType?: string;
    status: number;
    message: string;
  }

  const CASES: FrameworkCase[] = [
    { name: 'GET of a 1,000-character connector id', method: 'GET', url: `/api/actions/connector/${longId}`, status: 404, message: `Saved object [action/${longId}] not found` },
    { name: 'PUT of a 1,000-character connector id', method: 'PUT', url: `/api/actions/connector/${longId}`, raw: '{"name":"x"}', status: 404, message: `Saved object [action/${longId}] not found` },
    { name: 'DELETE of a 1,000-character connector id', method: 'DELETE', url: `/api/actions/connector/${longId}`, status: 404, message: `Saved object [action/${longId}] not found` },
    { name: 'POST of a 1,000-character connector id', method: 'POST', url: `/api/actions/connector/${longId}`, raw: '{"name":"x","connector_type_id":".server-log"}', status: 400, message: '[request params.id]: Connector ID must be 36 characters or less.' },
    { name: '_execute of a 1,000-character connector id', method: 'POST', url: `/api/actions/connector/${longId}/_execute`, raw: '{"params":{}}', status: 404, message: `Saved object [action/${longId}] not found` },
    { name: 'GET of a 1,000-character space id', method: 'GET', url: `/api/spaces/space/${longId}`, status: 404, message: `Saved object [space/${longId}] not found` },
    { name: 'a path segment longer than any request head (no socket)', method: 'GET', url: `/api/actions/connector/${'a'.repeat(20_000)}`, status: 404, message: 'Not Found' },
    { name: 'bad percent-encoding in the path', method: 'GET', url: '/api/actions/connector/%E0%A4%A', status: 400, message: 'Invalid request path: malformed percent-encoding' },
    { name: 'bad percent-encoding in a query key', method: 'GET', url: '/api/actions/connector_types?%E0%A4%A=1', status: 400, message: '[request query.%E0%A4%A]: definition for this key is missing' },
    { name: 'a query parameter given twice', method: 'GET', url: '/api/actions/connector_types?feature_id=a&feature_id=b', status: 400, message: '[request query.feature_id]: expected value of type [string] but got [Array]' },
    { name: 'an unsupported method', method: 'PATCH', url: '/api/actions/connectors', status: 404, message: 'Not Found' },
    { name: 'OPTIONS', method: 'OPTIONS', url: '/api/actions/connectors', status: 404, message: 'Not Found' },
    { name: 'an unknown route', method: 'GET', url: '/api/nothing/here', status: 404, message: 'Not Found' },
    { name: 'an oversize body', method: 'POST', url: '/api/actions/connector', raw: JSON.stringify({ name: 'x'.repeat(20_000) }), status: 413, message: 'Payload content length greater than maximum allowed: 10000' },
    { name: 'malformed JSON', method: 'POST', url: '/api/actions/connector', raw: '{"name":', status: 400, message: 'Invalid request payload JSON format' },
    { name: 'an empty JSON body', method: 'POST', url: '/api/actions/connector', raw: '', status: 400, message: '[request body]: expected a plain object value, but found [null] instead.' },
    { name: 'a __proto__ key', method: 'POST', url: '/api/actions/connector', raw: '{"__proto__":{"x":1}}', status: 400, message: 'Invalid request payload JSON format' },
  ];

  it.each(CASES)('answers $name in Kibana\'s error shape', async (c) => {
    const res = await pb.api(c.method, c.url, undefined, c.raw === undefined ? {} : { raw: c.raw, headers: { 'content-type': c.contentType ?? 'application/json' } });
    expect(Object.keys(res.body).sort()).toEqual(['error', 'message', 'statusCode']);
    expect(res.body).toEqual({ statusCode: c.status, error: expect.any(String), message: c.message });
    expect(res.status).toBe(c.status);
  });

  it('answers the same over a real socket', async () => {
    const res = await fetch(`${baseUrl}/api/actions/connector/${longId}`, { headers: { authorization: BASIC_AUTH } });
    expect(res.status).toBe(404);
    expect(Object.keys(await res.json()).sort()).toEqual(['error', 'message', 'statusCode']);
  });

  /** Sends a raw request head and reads the whole answer (the server closes after a client error). */
  function rawRequest(head: string): Promise<string> {
    const { hostname, port } = new URL(baseUrl);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => socket.end(head));
      let text = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk) => (text += chunk));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
  }

  it.each([
    { name: 'an unknown method', head: 'BREW /api/actions/connectors HTTP/1.1\r\nHost: x\r\n\r\n', status: 400 },
    { name: 'a request line longer than Node accepts', head: `GET /api/actions/connector/${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`, status: 431 },
  ])('answers $name, refused before routing, in the same shape', async ({ head, status }) => {
    const answer = await rawRequest(head);
    expect(answer.startsWith(`HTTP/1.1 ${status} `)).toBe(true);
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
    expect(Object.keys(body).sort()).toEqual(['error', 'message', 'statusCode']);
    expect(body.statusCode).toBe(status);
  });
});
