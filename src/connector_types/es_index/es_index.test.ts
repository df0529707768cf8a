import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, errors } from '@elastic/elasticsearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReadOutcome } from '../../actions/executor.js';
import type { ActionResult } from '../../actions/types.js';
import { validateConfig, validateParams, validateSecrets } from '../../actions/validation.js';
import { installZod3Messages } from '../../common/zod_messages.js';
import { esIndexConnectorType } from './index.js';
import type { EsIndexConfig, EsIndexParams, EsIndexSecrets } from './schema.js';
import { startElasticsearchSimulator, type ElasticsearchSimulator } from './simulator.js';
import { makeConfigurationUtilities, makeContext, makeServices, runAsAction, thrownMessage } from '../lib/test_context.js';

installZod3Messages();

const def = esIndexConnectorType;
const ctx = { configurationUtilities: makeConfigurationUtilities() };

describe('.index definition', () => {
  it('has Kibana identity', () => {
    expect(def.id).toBe('.index');
    expect(def.name).toBe('Index');
    expect(def.minimumLicenseRequired).toBe('basic');
    expect(def.supportedFeatureIds).toEqual(['alerting', 'uptime', 'siem']);
  });
});

describe('.index validation', () => {
  it('applies config defaults', () => {
    expect(validateConfig(def, { index: 'alerts' }, ctx)).toEqual({
      index: 'alerts',
      refresh: false,
      executionTimeField: null,
    });
  });

  it('reports config problems', () => {
    expect(thrownMessage(() => validateConfig(def, {}, ctx))).toBe(
      'error validating connector type config: Field "index": Required',
    );
    expect(thrownMessage(() => validateConfig(def, { index: 'a', refresh: 'yes' }, ctx))).toBe(
      'error validating connector type config: Field "refresh": Expected boolean, received string',
    );
    expect(thrownMessage(() => validateConfig(def, { index: 'a', executionTimeField: 1 }, ctx))).toBe(
      'error validating connector type config: Field "executionTimeField": Expected string, received number',
    );
    expect(thrownMessage(() => validateConfig(def, { index: 'a', pipeline: 'p' }, ctx))).toBe(
      "error validating connector type config: Unrecognized key(s) in object: 'pipeline'",
    );
  });

  it('has empty secrets', () => {
    expect(validateSecrets(def, {}, ctx)).toEqual({});
    expect(thrownMessage(() => validateSecrets(def, { password: 'x' }, ctx))).toBe(
      "error validating connector type secrets: Unrecognized key(s) in object: 'password'",
    );
  });

  it('validates params', () => {
    expect(validateParams(def, { documents: [{ a: 1 }] }, ctx)).toEqual({ documents: [{ a: 1 }], indexOverride: null });
    expect(thrownMessage(() => validateParams(def, {}, ctx))).toBe('error validating action params: Field "documents": Required');
    // zod 3 says "object" for a record; the shared zod-3 message map may still say "record".
    expect(thrownMessage(() => validateParams(def, { documents: [1] }, ctx))).toMatch(
      /^error validating action params: Field "documents\.0": Expected (object|record), received number$/,
    );
    expect(thrownMessage(() => validateParams(def, { documents: [], extra: true }, ctx))).toBe(
      "error validating action params: Unrecognized key(s) in object: 'extra'",
    );
  });

  it('only lets indexOverride name alert-history indices', () => {
    const message = 'error validating action params: Field "indexOverride": index must start with "kibana-alert-history-"';
    expect(thrownMessage(() => validateParams(def, { documents: [], indexOverride: 'other-index' }, ctx))).toBe(message);
    expect(thrownMessage(() => validateParams(def, { documents: [], indexOverride: '' }, ctx))).toBe(message);
    expect(validateParams(def, { documents: [], indexOverride: 'kibana-alert-history-default' }, ctx)).toEqual({
      documents: [],
      indexOverride: 'kibana-alert-history-default',
    });
    expect(validateParams(def, { documents: [], indexOverride: null }, ctx).indexOverride).toBeNull();
  });
});

describe('.index execution against the Elasticsearch simulator', () => {
  let sim: ElasticsearchSimulator;
  let client: Client;

  beforeAll(async () => {
    sim = await startElasticsearchSimulator();
    client = new Client({ node: sim.url });
  });
  afterAll(async () => {
    await client.close();
    await sim.close();
  });

  /** The result clients read and the facts the queue reads, as the action executor answers them. */
  function outcome(rawConfig: Record<string, unknown>, rawParams: Record<string, unknown>, es = client): Promise<ReadOutcome> {
    const config = validateConfig(def, rawConfig, ctx) as EsIndexConfig;
    const secrets = validateSecrets(def, {}, ctx) as EsIndexSecrets;
    const params = validateParams(def, rawParams, ctx) as EsIndexParams;
    return runAsAction(def, makeContext({ config, secrets, params }, { connectorId: 'index-test', services: makeServices({ elasticsearch: es }) }));
  }
  const run = async (...args: Parameters<typeof outcome>): Promise<ActionResult> => (await outcome(...args)).result;

  it('indexes documents and returns the bulk response', async () => {
    const documents = [{ message: 'one', count: 1 }, { message: 'two', count: 2, tags: ['a', 'b'] }];
    const result = await run({ index: 'success-index' }, { documents });
    expect(result.status).toBe('ok');
    expect(result.message).toBeUndefined();
    const data = result.data as { errors: boolean; took: number; items: Array<Record<string, Record<string, unknown>>> };
    expect(data.errors).toBe(false);
    expect(typeof data.took).toBe('number');
    expect(data.items).toHaveLength(2);
    for (const item of data.items) {
      expect(item.create).toMatchObject({
        _index: 'success-index',
        _version: 1,
        result: 'created',
        status: 201,
        _primary_term: 1,
      });
      expect(item.create._id).toMatch(/^[\w-]{20}$/);
      expect(item.create.forced_refresh).toBeUndefined();
    }
    expect(sim.documents('success-index')).toEqual(documents);
    expect(sim.mappings('success-index')).toEqual({ message: 'text', count: 'long', tags: 'text' });

    const request = sim.requests.at(-1)!;
    expect(request).toMatchObject({ method: 'POST', path: '/success-index/_bulk' });
    expect(request.query.refresh).toBe('false');
    expect(request.body.split('\n')).toEqual([
      '{"index":{"op_type":"create"}}',
      JSON.stringify(documents[0]),
      '{"index":{"op_type":"create"}}',
      JSON.stringify(documents[1]),
      '',
    ]);
  });

  it('asks for a refresh when configured', async () => {
    const result = await run({ index: 'refresh-index', refresh: true }, { documents: [{ a: 1 }] });
    expect(result.status).toBe('ok');
    expect(sim.requests.at(-1)!.query.refresh).toBe('true');
    const data = result.data as { items: Array<{ create: { forced_refresh?: boolean } }> };
    expect(data.items[0].create.forced_refresh).toBe(true);
  });

  it('sets the execution time field on each document', async () => {
    const documents = [{ n: 1 }, { n: 2 }];
    const before = Date.now();
    const result = await run({ index: 'time-index', executionTimeField: '  @timestamp ' }, { documents });
    const after = Date.now();
    expect(result.status).toBe('ok');
    const stored = sim.documents('time-index');
    expect(stored).toHaveLength(2);
    for (const [i, doc] of stored.entries()) {
      expect(doc.n).toBe(i + 1);
      const at = Date.parse(doc['@timestamp'] as string);
      expect(at).toBeGreaterThanOrEqual(before);
      expect(at).toBeLessThanOrEqual(after);
    }
    expect(sim.mappings('time-index')['@timestamp']).toBe('date');
    expect(documents).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('ignores a blank execution time field', async () => {
    await run({ index: 'blank-time-index', executionTimeField: '   ' }, { documents: [{ n: 1 }] });
    expect(sim.documents('blank-time-index')).toEqual([{ n: 1 }]);
  });

  it('writes to indexOverride instead of the configured index', async () => {
    const result = await run(
      { index: 'configured-index' },
      { documents: [{ alert: 'x' }], indexOverride: 'kibana-alert-history-default' },
    );
    expect(result.status).toBe('ok');
    expect(sim.documents('kibana-alert-history-default')).toEqual([{ alert: 'x' }]);
    expect(sim.documents('configured-index')).toEqual([]);
  });

  it('reports mapping conflicts with their reasons and causes; the queue does not send them again', async () => {
    expect((await run({ index: 'conflict-index' }, { documents: [{ count: 1, label: 'first' }] })).status).toBe('ok');
    const { result, failure } = await outcome(
      { index: 'conflict-index' },
      { documents: [{ count: 2 }, { count: 'abc' }, { count: 'seven', label: 'x' }] },
    );
    expect(result).toMatchObject({ status: 'error', actionId: 'index-test', message: 'error indexing documents', errorSource: 'user' });
    expect(result.retry).toBeUndefined();
    expect(failure).toEqual({ permanent: true });
    expect(result.serviceMessage).toMatch(
      new RegExp(
        "^failed to parse field \\[count\\] of type \\[long\\] in document with id '[\\w-]{20}'\\. Preview of field's value: 'abc';" +
          "failed to parse field \\[count\\] of type \\[long\\] in document with id '[\\w-]{20}'\\. Preview of field's value: 'seven' " +
          '\\(For input string: "abc";For input string: "seven"\\)$',
      ),
    );
    // The valid document of the failing request was still indexed.
    expect(sim.documents('conflict-index')).toEqual([{ count: 1, label: 'first' }, { count: 2 }]);
  });

  it('accepts values Elasticsearch coerces', async () => {
    await run({ index: 'coerce-index' }, { documents: [{ count: 1, text: 'a', flag: true }] });
    const result = await run({ index: 'coerce-index' }, { documents: [{ count: '42', text: 7, flag: 'false' }] });
    expect(result.status).toBe('ok');
  });

  it('reports an object field given a concrete value', async () => {
    await run({ index: 'object-index' }, { documents: [{ user: { name: 'a' } }] });
    const result = await run({ index: 'object-index' }, { documents: [{ user: 'b' }] });
    expect(result).toMatchObject({
      message: 'error indexing documents',
      serviceMessage: 'object mapping for [user] tried to parse field [user] as object, but found a concrete value',
    });
  });

  it('reports an invalid index name, without retry as Kibana; the queue gets the status', async () => {
    expect(await outcome({ index: 'Alerts' }, { documents: [{ a: 1 }] })).toEqual({
      result: {
        status: 'error',
        actionId: 'index-test',
        message: 'error indexing documents',
        serviceMessage:
          'invalid_index_name_exception\n\tRoot causes:\n\t\tinvalid_index_name_exception: Invalid index name [Alerts], must be lowercase',
        errorSource: 'user',
      },
      failure: { httpStatus: 400 },
    });
    expect(sim.documents('Alerts')).toEqual([]);
  });

  it('says so when the bulk response has errors without reasons; transient item failures are left to the queue to retry', async () => {
    const fake = { bulk: async () => ({ errors: true, took: 1, items: [{ create: { status: 500 } }] }) } as unknown as Client;
    expect(await outcome({ index: 'any' }, { documents: [{ a: 1 }] }, fake)).toEqual({
      result: { status: 'error', actionId: 'index-test', message: 'error indexing documents', serviceMessage: 'Indexing error but no reason returned.', errorSource: 'user' },
    });
  });

  it('reports a failure to reach Elasticsearch', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const unreachable = new Client({ node: `http://127.0.0.1:${port}`, maxRetries: 0 });
    try {
      const { result, failure } = await outcome({ index: 'any' }, { documents: [{ a: 1 }] }, unreachable);
      expect(result).toMatchObject({ status: 'error', message: 'error indexing documents' });
      expect(result.serviceMessage).toContain('ECONNREFUSED');
      // No answer: nothing for the queue, which retries.
      expect(failure).toBeUndefined();
    } finally {
      await unreachable.close();
    }
  });
});

describe('Elasticsearch simulator', () => {
  let sim: ElasticsearchSimulator;
  let client: Client;

  beforeAll(async () => {
    sim = await startElasticsearchSimulator();
    client = new Client({ node: sim.url });
  });
  afterAll(async () => {
    await client.close();
    await sim.close();
  });

  it('marks every response as Elasticsearch JSON', async () => {
    for (const res of [await fetch(`${sim.url}/`), await fetch(`${sim.url}/nope`, { method: 'DELETE' })]) {
      expect(res.headers.get('x-elastic-product')).toBe('Elasticsearch');
      expect(res.headers.get('content-type')).toBe('application/json');
    }
  });

  it('answers an invalid index name with an Elasticsearch error body', async () => {
    const err = await client.bulk({ index: 'Bad', operations: [{ create: {} }, { a: 1 }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(errors.ResponseError);
    const { statusCode, body } = (err as errors.ResponseError).meta;
    expect(statusCode).toBe(400);
    expect(body).toEqual({
      error: {
        root_cause: [
          {
            type: 'invalid_index_name_exception',
            reason: 'Invalid index name [Bad], must be lowercase',
            index_uuid: '_na_',
            index: 'Bad',
          },
        ],
        type: 'invalid_index_name_exception',
        reason: 'Invalid index name [Bad], must be lowercase',
        index_uuid: '_na_',
        index: 'Bad',
      },
      status: 400,
    });
  });

  it('supports /_bulk with per-action indices, ids, conflicts, updates and deletes', async () => {
    const first = await client.bulk({
      operations: [
        { create: { _index: 'ops', _id: '1' } },
        { a: 1 },
        { create: { _index: 'ops', _id: '1' } },
        { a: 2 },
        { index: { _index: 'ops', _id: '2' } },
        { a: 3 },
        { update: { _index: 'ops', _id: '2' } },
        { doc: { b: true } },
        { update: { _index: 'ops', _id: 'missing' } },
        { doc: { b: true } },
        { delete: { _index: 'ops', _id: '1' } },
        { delete: { _index: 'ops', _id: 'missing' } },
      ],
    });
    expect(sim.requests.at(-1)!.path).toBe('/_bulk');
    expect(first.errors).toBe(true);
    const summary = first.items.map((item) => {
      const [op, r] = Object.entries(item)[0];
      return [op, r!.status, r!.result ?? r!.error?.type];
    });
    expect(summary).toEqual([
      ['create', 201, 'created'],
      ['create', 409, 'version_conflict_engine_exception'],
      ['index', 201, 'created'],
      ['update', 200, 'updated'],
      ['update', 404, 'document_missing_exception'],
      ['delete', 200, 'deleted'],
      ['delete', 404, 'not_found'],
    ]);
    expect(first.items[1].create!.error!.reason).toBe(
      '[1]: version conflict, document already exists (current version [1])',
    );
    expect(sim.documents('ops')).toEqual([{ a: 3, b: true }]);
    const doc = await client.get({ index: 'ops', id: '2' });
    expect(doc).toMatchObject({ found: true, _version: 2, _source: { a: 3, b: true } });
  });

  it('rejects malformed bulk bodies as a whole', async () => {
    const res = await fetch(`${sim.url}/x/_bulk`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body: '{"index":{}}\n{"a":1}',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: { type: 'illegal_argument_exception', reason: 'The bulk request must be terminated by a newline [\\n]' },
    });
    const missingIndex = await client.bulk({ operations: [{ create: {} }, { a: 1 }] }).catch((e: unknown) => e);
    expect((missingIndex as errors.ResponseError).meta.body).toMatchObject({
      error: { type: 'action_request_validation_exception', reason: 'Validation Failed: 1: index is missing;' },
    });
  });
});
