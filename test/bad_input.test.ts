import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDialects } from './helpers/databases.js';
import { startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';

const dialects = await availableDialects();

interface Case {
  name: string;
  method: string;
  url: string;
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
  status: number;
  message: string;
}

const createUrl = '/api/actions/connector';
const valid = { name: 'Log', connector_type_id: '.server-log', config: {}, secrets: {} };

const CASES: Case[] = [
  { name: 'malformed JSON', method: 'POST', url: createUrl, raw: '{"name": "x",', status: 400, message: 'Invalid request payload JSON format' },
  { name: 'JSON that is not an object', method: 'POST', url: createUrl, raw: '[1,2]', status: 400, message: '[request body]: expected a plain object value, but found [Array] instead.' },
  { name: 'empty body', method: 'POST', url: createUrl, raw: '', status: 400, message: '[request body]: expected a plain object value, but found [null] instead.' },
  { name: 'unknown top-level field', method: 'POST', url: createUrl, body: { ...valid, extra: 1 }, status: 400, message: '[request body.extra]: definition for this key is missing' },
  { name: 'missing name', method: 'POST', url: createUrl, body: { connector_type_id: '.server-log' }, status: 400, message: '[request body.name]: expected value of type [string] but got [undefined]' },
  { name: 'name of the wrong type', method: 'POST', url: createUrl, body: { ...valid, name: 42 }, status: 400, message: '[request body.name]: expected value of type [string] but got [number]' },
  { name: 'empty name', method: 'POST', url: createUrl, body: { ...valid, name: '  ' }, status: 400, message: "[request body.name]: value '' is not valid" },
  { name: 'empty type id', method: 'POST', url: createUrl, body: { ...valid, connector_type_id: '' }, status: 400, message: "[request body.connector_type_id]: value '' is not valid" },
  { name: 'empty string nested in config', method: 'POST', url: createUrl, body: { name: 'x', connector_type_id: '.webhook', config: { url: 'https://a.example', headers: { 'X-A': '' } } }, status: 400, message: "[request body.config.headers]: value '' is not valid" },
  { name: 'config of the wrong type', method: 'POST', url: createUrl, body: { ...valid, config: 'x' }, status: 400, message: '[request body.config]: expected value of type [object] but got [string]' },
  { name: 'unknown config key for the type', method: 'POST', url: createUrl, body: { ...valid, config: { foo: 'bar' } }, status: 400, message: "error validating connector type config: Unrecognized key(s) in object: 'foo'" },
  { name: 'update of an unknown id', method: 'PUT', url: '/api/actions/connector/does-not-exist', body: { name: 'x' }, status: 404, message: 'Saved object [action/does-not-exist] not found' },
  { name: 'execute without params', method: 'POST', url: '/api/actions/connector/anything/_execute', body: {}, status: 400, message: '[request body.params]: expected value of type [object] but got [undefined]' },
  { name: 'feature_id over 100 characters', method: 'GET', url: `/api/actions/connector_types?feature_id=${'x'.repeat(101)}`, status: 400, message: '[request query.feature_id]: value has length [101] but it must have a maximum length of [100].' },
  { name: 'unknown query parameter', method: 'GET', url: '/api/actions/connector_types?color=red', status: 400, message: '[request query.color]: definition for this key is missing' },
  { name: 'a body over 1 MB', method: 'POST', url: createUrl, body: { ...valid, name: 'x'.repeat(1024 * 1024 + 10) }, status: 413, message: 'Payload content length greater than maximum allowed: 1048576' },
  { name: 'a body that is not JSON', method: 'POST', url: createUrl, raw: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' }, status: 415, message: 'Unsupported Media Type' },
  { name: 'an XML body', method: 'POST', url: createUrl, raw: '<name>x</name>', headers: { 'content-type': 'application/xml' }, status: 415, message: 'Unsupported Media Type' },
  // Kibana reads text/* bodies as JSON text: what is not JSON is refused in config-schema's words.
  { name: 'a text/plain body that is not JSON', method: 'POST', url: createUrl, raw: 'name=x', headers: { 'content-type': 'text/plain' }, status: 400, message: '[request body]: could not parse object value from json input' },
  { name: 'a text/plain body of a JSON array', method: 'POST', url: createUrl, raw: '[1,2]', headers: { 'content-type': 'text/plain; charset=utf-8' }, status: 400, message: '[request body]: expected a plain object value, but found [Array] instead.' },
  { name: 'a text/plain body with a bad field', method: 'POST', url: createUrl, raw: JSON.stringify({ ...valid, name: 42 }), headers: { 'content-type': 'text/plain' }, status: 400, message: '[request body.name]: expected value of type [string] but got [number]' },
  { name: 'a missing kbn-xsrf header', method: 'POST', url: createUrl, body: valid, headers: { 'kbn-xsrf': '' }, status: 400, message: 'Request must contain a kbn-xsrf header.' },
  { name: 'no credentials', method: 'POST', url: createUrl, body: valid, headers: { authorization: '' }, status: 401, message: 'Unauthorized' },
  { name: 'a wrong password', method: 'GET', url: '/api/actions/connectors', headers: { authorization: `Basic ${Buffer.from('elastic:wrong').toString('base64')}` }, status: 401, message: 'Unauthorized' },
  { name: 'an unknown route', method: 'GET', url: '/api/actions/nothing-here', status: 404, message: 'Not Found' },
  // PostgreSQL cannot store a NUL character: it is refused on both databases, wherever it is.
  { name: 'a NUL in a name', method: 'POST', url: createUrl, body: { ...valid, name: 'Lo\u0000g' }, status: 400, message: '[request body.name]: must not contain the NUL character (\\u0000)' },
  { name: 'a NUL in a nested key', method: 'POST', url: createUrl, body: { name: 'x', connector_type_id: '.webhook', config: { url: 'https://a.example', headers: { 'X-\u0000': 'a' } } }, status: 400, message: '[request body.config.headers.X-\u0000]: must not contain the NUL character (\\u0000)' },
  { name: 'a NUL in a space name', method: 'POST', url: '/api/spaces/space', body: { id: 'nul', name: 'a\u0000' }, status: 400, message: '[request body.name]: must not contain the NUL character (\\u0000)' },
  { name: 'a NUL in a path parameter', method: 'GET', url: '/api/spaces/space/a%00b', status: 400, message: '[request params.id]: must not contain the NUL character (\\u0000)' },
  { name: 'a NUL in a query parameter', method: 'GET', url: '/api/security/api_key?name=a%00b', status: 400, message: '[request query.name]: must not contain the NUL character (\\u0000)' },
];

describe.each(dialects)('bad input on %s', (dialect) => {
  let pb: TestPlugboard;
  const snapshot = async () => {
    const { db } = pb.plugboard.database;
    return {
      connectors: await db.selectFrom('connectors').selectAll().orderBy('id').execute(),
      spaces: await db.selectFrom('spaces').selectAll().orderBy('id').execute(),
    };
  };

  beforeAll(async () => {
    pb = await startTestPlugboard({ dialect });
    await pb.api('POST', '/api/actions/connector/existing', valid);
  });
  afterAll(async () => pb.close());

  it.each(CASES)('answers $name with $status and changes nothing', async (c) => {
    const before = await snapshot();
    const res = await pb.api(c.method, c.url, c.body, { raw: c.raw, headers: c.headers });
    expect(res.status).toBe(c.status);
    expect(res.body).toEqual({ statusCode: c.status, error: expect.any(String), message: c.message });
    expect(await snapshot()).toEqual(before);
  });

  it('takes a text/plain body holding a JSON object as JSON, as Kibana does', async () => {
    const res = await pb.api('POST', '/api/actions/connector/from-text', undefined, { raw: JSON.stringify({ ...valid, name: 'From text' }), headers: { 'content-type': 'text/plain' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: 'from-text', name: 'From text', connector_type_id: '.server-log' });
    expect((await pb.api('GET', '/api/actions/connector/from-text')).body.name).toBe('From text');
  });

  it('sends WWW-Authenticate with a 401', async () => {
    const res = await pb.api('GET', '/api/actions/connectors', undefined, { headers: { authorization: '' } });
    expect(res.headers['www-authenticate']).toEqual(['Basic realm="plugboard", charset="UTF-8"', 'ApiKey']);
  });
});
