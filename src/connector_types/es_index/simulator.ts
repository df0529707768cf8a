import { buffer } from 'node:stream/consumers';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { closeServer, listenOnLoopback } from '../lib/simulator_server.js';
import { search, SearchRequestError, type SearchableDocument } from './search.js';
import { RequestError, send, sendError, type ErrorCause } from './es_answers.js';
import { inferenceApi, type InferenceSimulator } from './inference_simulator.js';

/**
 * An in-process stand-in for Elasticsearch's `_bulk` API as the official client uses it:
 * `POST|PUT /_bulk` and `/{index}/_bulk` with NDJSON bodies and the `refresh` query parameter,
 * plus `GET /` and `GET /{index}/_doc/{id}`, and `GET|POST /_search` and `/{indices}/_search` over
 * the indexed documents (search.ts: the queries and aggregations the stack rule types send).
 * Every response carries `x-elastic-product` (the client rejects responses without it). The
 * inference API (`_inference`) is inference_simulator.ts's.
 *
 * Per index it keeps dynamic mappings for top-level fields (the first non-null value decides
 * the type, with Elasticsearch's coercions: numeric strings into numbers, scalars into text,
 * `"true"`/`"false"` into booleans), so a later conflicting value fails that item with a 400
 * `mapper_parsing_exception`. An invalid index name (e.g. with uppercase letters) fails the
 * whole request with a 400 `invalid_index_name_exception`.
 */

export type FieldType = 'text' | 'long' | 'float' | 'boolean' | 'date' | 'object';

export interface RecordedBulkRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: string;
  headers: IncomingHttpHeaders;
}

export interface ElasticsearchSimulator extends InferenceSimulator {
  url: string;
  /** The `_source` of every document in the index, in insertion order. */
  documents(index: string): Record<string, unknown>[];
  /** The dynamic mapping of the index's top-level fields. */
  mappings(index: string): Record<string, FieldType>;
  /** Every request received, in order. */
  requests: RecordedBulkRequest[];
  /** The next `_search` fails with this status and error (as Elasticsearch words its errors). */
  failNextSearch(status: number, error: ErrorCause): void;
  close(): Promise<void>;
}

interface StoredDocument {
  source: Record<string, unknown>;
  version: number;
  seqNo: number;
}

interface IndexState {
  uuid: string;
  mappings: Map<string, FieldType>;
  docs: Map<string, StoredDocument>;
  nextSeqNo: number;
}


const ACTIONS = ['index', 'create', 'update', 'delete'] as const;
type ActionName = (typeof ACTIONS)[number];

interface ParsedOperation {
  action: ActionName;
  meta: Record<string, unknown>;
  index: string | undefined;
  /** The source line, parsed; a string when it was not valid JSON. */
  source?: unknown;
  sourceError?: string;
}

const VERSION = { number: '9.0.0', build_flavor: 'default', lucene_version: '10.1.0' };
const SHARDS = { total: 2, successful: 1, failed: 0 };
const INVALID_FILENAME_CHARS = ['\\', '/', '*', '?', '"', '<', '>', '|', ' ', ','];
const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}(?:T\d{2}(?::\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isDateString = (v: string) => DATE_PATTERN.test(v) && !Number.isNaN(Date.parse(v));
const isNumericString = (v: string) => v.trim() !== '' && !Number.isNaN(Number(v));
const randomId = (bytes: number) => randomBytes(bytes).toString('base64url');

function invalidIndexName(index: string, why: string): RequestError {
  const cause = {
    type: 'invalid_index_name_exception',
    reason: `Invalid index name [${index}], ${why}`,
    index_uuid: '_na_',
    index,
  };
  return new RequestError(400, cause);
}

function validateIndexName(index: string): void {
  if (INVALID_FILENAME_CHARS.some((c) => index.includes(c))) {
    throw invalidIndexName(index, 'must not contain the following characters [ , ", *, \\, <, |, ,, >, /, ?]');
  }
  if (index.includes('#')) throw invalidIndexName(index, "must not contain '#'");
  if (index.includes(':')) throw invalidIndexName(index, "must not contain ':'");
  if (/^[_\-+]/.test(index)) throw invalidIndexName(index, "must not start with '_', '-', or '+'");
  if (index !== index.toLowerCase()) throw invalidIndexName(index, 'must be lowercase');
  if (index === '.' || index === '..') throw invalidIndexName(index, "must not be '.' or '..'");
  const bytes = Buffer.byteLength(index);
  if (bytes > 255) throw invalidIndexName(index, `index name is too long, (${bytes} > 255)`);
}

/** The type a dynamic mapping gives a value, or undefined when the value adds no mapping. */
function dynamicType(value: unknown): FieldType | undefined {
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value)) {
    for (const element of value) {
      const type = dynamicType(element);
      if (type) return type;
    }
    return undefined;
  }
  switch (typeof value) {
    case 'boolean':
      return 'boolean';
    case 'number':
      return Number.isInteger(value) ? 'long' : 'float';
    case 'string':
      return isDateString(value) ? 'date' : 'text';
    default:
      return 'object';
  }
}

const token = (value: unknown) =>
  isObject(value) ? 'START_OBJECT' : typeof value === 'boolean' ? `VALUE_${String(value).toUpperCase()}` : 'VALUE_STRING';

/** Why a mapped field rejects a value (the `caused_by` reason), or undefined when it accepts it. */
function rejection(type: FieldType, value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value)) {
    for (const element of value) {
      const reason = rejection(type, element);
      if (reason) return reason;
    }
    return undefined;
  }
  switch (type) {
    case 'text':
      return isObject(value) ? `Can't get text on a START_OBJECT` : undefined;
    case 'long':
    case 'float':
      if (typeof value === 'number') return undefined;
      if (typeof value === 'string') return isNumericString(value) ? undefined : `For input string: "${value}"`;
      return `Current token (${token(value)}) not numeric, can not use numeric value accessors`;
    case 'boolean':
      if (typeof value === 'boolean' || value === 'true' || value === 'false' || value === '') return undefined;
      return `Failed to parse value [${preview(value)}] as only [true] or [false] are allowed.`;
    case 'date':
      if (typeof value === 'number' || (typeof value === 'string' && isDateString(value))) return undefined;
      return `failed to parse date field [${preview(value)}] with format [strict_date_optional_time||epoch_millis]`;
    case 'object':
      return isObject(value) ? undefined : 'concrete value';
  }
}

function preview(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** New mappings the document adds, or the item error when a field conflicts. */
function mapDocument(
  state: IndexState,
  id: string,
  source: Record<string, unknown>,
): { added: Map<string, FieldType> } | { error: ErrorCause } {
  const added = new Map<string, FieldType>();
  for (const [field, value] of Object.entries(source)) {
    const mapped = state.mappings.get(field);
    if (!mapped) {
      const type = dynamicType(value);
      if (type) added.set(field, type);
      continue;
    }
    const reason = rejection(mapped, value);
    if (!reason) continue;
    if (mapped === 'object') {
      return {
        error: {
          type: 'mapper_parsing_exception',
          reason: `object mapping for [${field}] tried to parse field [${field}] as object, but found a concrete value`,
        },
      };
    }
    return {
      error: {
        type: 'mapper_parsing_exception',
        reason: `failed to parse field [${field}] of type [${mapped}] in document with id '${id}'. Preview of field's value: '${preview(value)}'`,
        caused_by: { type: 'illegal_argument_exception', reason },
      },
    };
  }
  return { added };
}

function deepMerge(target: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    out[key] = isObject(value) && isObject(out[key]) ? deepMerge(out[key] as Record<string, unknown>, value) : value;
  }
  return out;
}

function parseBulkBody(body: string, pathIndex: string | undefined): ParsedOperation[] {
  if (body.trim() === '') {
    throw new RequestError(400, { type: 'action_request_validation_exception', reason: 'Validation Failed: 1: no requests added;' });
  }
  if (!body.endsWith('\n')) {
    throw new RequestError(400, {
      type: 'illegal_argument_exception',
      reason: 'The bulk request must be terminated by a newline [\\n]',
    });
  }
  const lines = body.split('\n');
  const operations: ParsedOperation[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '') continue;
    const lineNo = i + 1;
    let action: unknown;
    try {
      action = JSON.parse(line);
    } catch (err) {
      throw new RequestError(400, {
        type: 'x_content_parse_exception',
        reason: `[${lineNo}:1] Malformed action/metadata line [${lineNo}]: ${(err as Error).message}`,
      });
    }
    const keys = isObject(action) ? Object.keys(action) : [];
    if (keys.length !== 1 || !ACTIONS.includes(keys[0] as ActionName)) {
      throw new RequestError(400, {
        type: 'illegal_argument_exception',
        reason: `Malformed action/metadata line [${lineNo}], expected field [create], [delete], [index] or [update] but found [${keys[0] ?? ''}]`,
      });
    }
    const name = keys[0] as ActionName;
    const meta = (action as Record<string, unknown>)[name];
    if (!isObject(meta)) {
      throw new RequestError(400, {
        type: 'illegal_argument_exception',
        reason: `Malformed action/metadata line [${lineNo}], expected START_OBJECT but found [${token(meta)}]`,
      });
    }
    const op: ParsedOperation = {
      action: name,
      meta,
      index: typeof meta._index === 'string' ? meta._index : pathIndex,
    };
    if (name !== 'delete') {
      i++;
      if (i >= lines.length || lines[i].trim() === '') {
        throw new RequestError(400, {
          type: 'illegal_argument_exception',
          reason: `The bulk request must be terminated by a newline [\\n]`,
        });
      }
      try {
        op.source = JSON.parse(lines[i]);
      } catch (err) {
        op.source = lines[i];
        op.sourceError = (err as Error).message;
      }
    }
    operations.push(op);
  }

  const problems: string[] = [];
  operations.forEach((op) => {
    if (!op.index) problems.push('index is missing');
    if ((op.action === 'update' || op.action === 'delete') && typeof op.meta._id !== 'string') problems.push('id is missing');
  });
  if (problems.length > 0) {
    throw new RequestError(400, {
      type: 'action_request_validation_exception',
      reason: `Validation Failed: ${problems.map((p, n) => `${n + 1}: ${p};`).join('')}`,
    });
  }
  for (const op of operations) validateIndexName(op.index!);
  return operations;
}

export async function startElasticsearchSimulator(): Promise<ElasticsearchSimulator> {
  const indices = new Map<string, IndexState>();
  const requests: RecordedBulkRequest[] = [];
  const inference = inferenceApi();
  let failingSearch: RequestError | undefined;

  const indexState = (name: string): IndexState => {
    let state = indices.get(name);
    if (!state) {
      state = { uuid: randomId(16), mappings: new Map(), docs: new Map(), nextSeqNo: 0 };
      indices.set(name, state);
    }
    return state;
  };

  function write(
    state: IndexState,
    index: string,
    id: string,
    source: Record<string, unknown>,
    refresh: boolean,
    created: boolean,
  ): Record<string, unknown> {
    const previous = state.docs.get(id);
    const doc: StoredDocument = { source, version: (previous?.version ?? 0) + 1, seqNo: state.nextSeqNo++ };
    state.docs.set(id, doc);
    return {
      _index: index,
      _id: id,
      _version: doc.version,
      result: created ? 'created' : 'updated',
      ...(refresh ? { forced_refresh: true } : {}),
      _shards: SHARDS,
      _seq_no: doc.seqNo,
      _primary_term: 1,
      status: created ? 201 : 200,
    };
  }

  function runOperation(op: ParsedOperation, refresh: boolean): Record<string, unknown> {
    const index = op.index!;
    const state = indexState(index);
    const failed = (id: string | null, status: number, error: ErrorCause) => ({ _index: index, _id: id, status, error });

    if (op.action === 'delete') {
      const id = op.meta._id as string;
      const existing = state.docs.get(id);
      if (existing) state.docs.delete(id);
      return {
        _index: index,
        _id: id,
        _version: (existing?.version ?? 0) + 1,
        result: existing ? 'deleted' : 'not_found',
        ...(refresh ? { forced_refresh: true } : {}),
        _shards: SHARDS,
        _seq_no: state.nextSeqNo++,
        _primary_term: 1,
        status: existing ? 200 : 404,
      };
    }

    const id = typeof op.meta._id === 'string' ? op.meta._id : randomId(15);
    if (op.sourceError !== undefined || !isObject(op.source)) {
      return failed(id, 400, {
        type: 'mapper_parsing_exception',
        reason: 'failed to parse',
        caused_by: {
          type: 'illegal_argument_exception',
          reason: op.sourceError ?? 'the document source must be a JSON object',
        },
      });
    }

    let source: Record<string, unknown>;
    const existing = state.docs.get(id);
    if (op.action === 'update') {
      const { doc, upsert, doc_as_upsert: docAsUpsert } = op.source;
      if (existing) {
        source = isObject(doc) ? deepMerge(existing.source, doc) : existing.source;
        if (JSON.stringify(source) === JSON.stringify(existing.source)) {
          return {
            _index: index,
            _id: id,
            _version: existing.version,
            result: 'noop',
            _shards: { total: 0, successful: 0, failed: 0 },
            _seq_no: existing.seqNo,
            _primary_term: 1,
            status: 200,
          };
        }
      } else if (isObject(upsert)) {
        source = upsert;
      } else if (docAsUpsert === true && isObject(doc)) {
        source = doc;
      } else {
        return failed(id, 404, {
          type: 'document_missing_exception',
          reason: `[${id}]: document missing`,
          index_uuid: state.uuid,
          shard: '0',
          index,
        });
      }
    } else {
      source = op.source;
      const create = op.action === 'create' || op.meta.op_type === 'create';
      if (create && existing) {
        return failed(id, 409, {
          type: 'version_conflict_engine_exception',
          reason: `[${id}]: version conflict, document already exists (current version [${existing.version}])`,
          index_uuid: state.uuid,
          shard: '0',
          index,
        });
      }
    }

    const mapped = mapDocument(state, id, source);
    if ('error' in mapped) return failed(id, 400, mapped.error);
    for (const [field, type] of mapped.added) state.mappings.set(field, type);
    return write(state, index, id, structuredClone(source), refresh, !existing);
  }

  function bulk(pathIndex: string | undefined, query: URLSearchParams, body: string): Record<string, unknown> {
    const started = Date.now();
    const refreshParam = query.get('refresh');
    if (refreshParam !== null && !['', 'true', 'false', 'wait_for'].includes(refreshParam)) {
      throw new RequestError(400, { type: 'illegal_argument_exception', reason: `Unknown value for refresh: [${refreshParam}].` });
    }
    const refresh = refreshParam === '' || refreshParam === 'true';
    const operations = parseBulkBody(body, pathIndex);
    const items = operations.map((op) => {
      const key = op.action === 'index' && op.meta.op_type === 'create' ? 'create' : op.action;
      return { [key]: runOperation(op, refresh) };
    });
    const errors = items.some((item) => Object.values(item).some((r) => 'error' in r));
    return { errors, took: Date.now() - started, items };
  }

  const indexNotFound = (index: string) =>
    new RequestError(404, {
      type: 'index_not_found_exception',
      reason: `no such index [${index}]`,
      'resource.type': 'index_or_alias',
      'resource.id': index,
      index_uuid: '_na_',
      index,
    });

  /** The documents of a comma-separated index expression, with `*` patterns. */
  function resolveIndices(expression: string | undefined, query: URLSearchParams): SearchableDocument[] {
    const ignoreUnavailable = query.get('ignore_unavailable') === 'true';
    const allowNoIndices = query.get('allow_no_indices') !== 'false';
    const names = new Set<string>();
    for (const part of (expression ?? '_all').split(',')) {
      if (part === '_all' || part.includes('*')) {
        const pattern = new RegExp(`^${part === '_all' ? '.*' : part.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
        const found = [...indices.keys()].filter((n) => pattern.test(n));
        if (found.length === 0 && !allowNoIndices) throw indexNotFound(part);
        found.forEach((n) => names.add(n));
      } else if (indices.has(part)) names.add(part);
      else if (!ignoreUnavailable) throw indexNotFound(part);
    }
    return [...names].flatMap((index) => [...indices.get(index)!.docs.entries()].map(([id, doc]) => ({ index, id, source: doc.source })));
  }

  function searchIndices(expression: string | undefined, query: URLSearchParams, raw: string): Record<string, unknown> {
    const started = Date.now();
    const failure = failingSearch;
    failingSearch = undefined;
    if (failure) throw failure;
    let body: Record<string, unknown> = {};
    if (raw.trim() !== '') {
      try {
        body = JSON.parse(raw);
      } catch (err) {
        throw new RequestError(400, { type: 'x_content_parse_exception', reason: `[1:1] ${(err as Error).message}` });
      }
    }
    for (const key of ['size', 'from', 'track_total_hits']) {
      const value = query.get(key);
      if (value !== null) body[key] = /^\d+$/.test(value) ? Number(value) : value;
    }
    const docs = resolveIndices(expression, query);
    try {
      const answer = search(docs, body);
      return { took: Date.now() - started, timed_out: false, _shards: { total: 1, successful: 1, skipped: 0, failed: 0 }, ...answer };
    } catch (err) {
      if (err instanceof SearchRequestError) throw new RequestError(err.status, err.error);
      throw err;
    }
  }

  function handle(req: IncomingMessage, res: ServerResponse, raw: Buffer): void {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://localhost');
    const segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const encoding = req.headers['content-encoding'];
    const body = (encoding === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
    requests.push({ method, path: url.pathname, query: Object.fromEntries(url.searchParams), body, headers: req.headers });

    try {
      if (inference.handle(method, segments, body, res)) return;
      if ((method === 'POST' || method === 'PUT') && segments.at(-1) === '_bulk' && segments.length <= 2) {
        const pathIndex = segments.length === 2 ? segments[0] : undefined;
        if (pathIndex !== undefined) validateIndexName(pathIndex);
        return send(res, 200, bulk(pathIndex, url.searchParams, body));
      }
      if ((method === 'GET' || method === 'POST') && segments.at(-1) === '_search' && segments.length <= 2) {
        return send(res, 200, searchIndices(segments.length === 2 ? segments[0] : undefined, url.searchParams, body));
      }
      if ((method === 'GET' || method === 'HEAD') && segments.length === 0) {
        return send(res, 200, {
          name: 'plugboard-simulator',
          cluster_name: 'simulator',
          cluster_uuid: 'simulator',
          version: VERSION,
          tagline: 'You Know, for Search',
        });
      }
      if (method === 'GET' && segments.length === 3 && segments[1] === '_doc') {
        const [index, , id] = segments;
        const state = indices.get(index);
        if (!state) {
          throw new RequestError(404, {
            type: 'index_not_found_exception',
            reason: `no such index [${index}]`,
            'resource.type': 'index_expression',
            'resource.id': index,
            index_uuid: '_na_',
            index,
          });
        }
        const doc = state.docs.get(id);
        if (!doc) return send(res, 404, { _index: index, _id: id, found: false });
        return send(res, 200, {
          _index: index,
          _id: id,
          _version: doc.version,
          _seq_no: doc.seqNo,
          _primary_term: 1,
          found: true,
          _source: doc.source,
        });
      }
      throw new RequestError(400, {
        type: 'illegal_argument_exception',
        reason: `no handler found for uri [${url.pathname}] and method [${method}]`,
      });
    } catch (err) {
      if (err instanceof RequestError) return sendError(res, err);
      send(res, 500, { error: { root_cause: [], type: 'exception', reason: String(err) }, status: 500 });
    }
  }

  const server = createServer((req, res) => {
    buffer(req).then(
      (body) => handle(req, res, body),
      () => res.destroy(),
    );
  });

  return {
    url: await listenOnLoopback(server),
    requests,
    ...inference.simulator,
    failNextSearch: (status, error) => void (failingSearch = new RequestError(status, error)),
    documents: (index) => [...(indices.get(index)?.docs.values() ?? [])].map((d) => structuredClone(d.source)),
    mappings: (index) => Object.fromEntries(indices.get(index)?.mappings ?? []),
    close: () => closeServer(server),
  };
}
