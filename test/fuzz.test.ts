import { writeFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import net from 'node:net';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nestedJson, ODD_STRINGS, PROTOTYPE_KEYS, replaceAt, Rng, valueAt, valuePaths, withOwnKey, WRONG_TYPES } from './helpers/fuzz.js';
import { availableDialects, type DialectName } from './helpers/databases.js';
import { BASIC_AUTH, startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';
import { IMPORT_LINE, importRequest, VALID_BODIES } from './helpers/valid_requests.js';

// Hostile input against every route of the OpenAPI document: a few thousand requests drawn from
// a seeded generator (PLUGBOARD_FUZZ_SEED replays a run), plus malformed HTTP on a raw socket.
// Whatever comes in: no 5xx, errors shaped as Kibana's, the server alive, memory bounded, and a
// refused request changes nothing in the database. PLUGBOARD_FUZZ_REPORT=<file> writes every
// finding there as JSON, known ones included.

const SEED = Number(process.env.PLUGBOARD_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 32));
/** Requests per database: PostgreSQL's round trips make each of its requests slower. */
const REQUESTS: Record<DialectName, number> = { sqlite: 2000, postgres: 1000 };
const BATCHES = 10;
const RAW_PER_BATCH = 8;

type FuzzClass = (typeof CLASSES)[number];
const JSON_CLASSES = ['wrong-type', 'unknown-field', 'prototype-key', 'deep-nesting', 'huge-string', 'odd-unicode', 'truncated-json', 'malformed-json'] as const;
const CLASSES = [
  'valid',
  'concurrent',
  ...JSON_CLASSES,
  'content-type',
  'odd-query',
  'odd-id',
  'long-id',
  'space-prefix',
  'bad-credentials',
  'bad-api-key-encoding',
  'odd-headers',
  'nul-character',
  'hostile-template',
  'kql',
  'multipart',
  ...JSON_CLASSES.map((c) => `ndjson:${c}` as const),
  'raw-truncated-body',
  'raw-truncated-multipart',
  'raw-bad-content-length',
  'raw-bad-framing',
  'raw-bad-headers',
] as const;

/** The classes sent through the routing (inject); the `raw-` ones go on a socket. */
const INJECTED_CLASSES = CLASSES.filter((c) => !c.startsWith('raw-'));

/**
 * Sizes of the templating attacks, as issue 14 found them: sections nested 3,000 deep (84 KB of
 * nested EncodeURI took a server down) and a 650 KB template of plain tags.
 */
const TEMPLATE_DEPTH = 3_000;
const TEMPLATE_REPEAT = 130_000;

/** Depths of nested JSON: around and far beyond what a recursive parser or validator survives. */
const JSON_DEPTHS = [64, 1_000, 10_000, 100_000];

const FUZZER_PASSWORD = 'fuzzer-password';

/** Headers of a valid request (with `content-type` when it has a JSON body). */
const DEFAULT_HEADERS: Record<string, string> = { authorization: BASIC_AUTH, 'kbn-xsrf': 'true', 'content-type': 'application/json' };

/** Bodies of the routes VALID_BODIES leaves out, for this test's own users. */
const BODIES: Record<string, unknown> = {
  ...VALID_BODIES,
  'POST /internal/security/login': { providerType: 'basic', providerName: 'basic', currentURL: '/login?next=%2Fapp', params: { username: 'fuzzer', password: FUZZER_PASSWORD } },
};

/** Routes whose body holds action params, rendered as mustache templates. */
const TEMPLATE_ROUTES = /_execute|_render|_enqueue|_preview_run|_test/;
const KQL_ROUTES = /_global_connector_execution_(logs|kpi)$/;
const IMPORT_ROUTE = 'POST /api/saved_objects/_import';

interface Operation {
  route: string;
  method: string;
  path: string;
  queryNames: string[];
  public: boolean;
  hasBody: boolean;
  /** Refused without kbn-xsrf: not a GET, and not a route for alert senders (forSenders). */
  needsXsrf: boolean;
  body?: unknown;
  /** Error statuses the route answers with a body of its own, documented, instead of Kibana's error. */
  ownErrorBodies: Set<number>;
}

interface FuzzRequest {
  cls: FuzzClass;
  route: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string;
  /** The answer must be this 4xx status, or any 4xx with `true`. */
  refuse?: number | true;
  /** Sent this many times at once. */
  copies?: number;
}

/** Bytes for a raw socket; `method` and `url` only describe it. */
interface RawCase {
  cls: FuzzClass;
  method: string;
  url: string;
  payload: string | Buffer;
}

interface Failure {
  cls: FuzzClass;
  request: string;
  headers?: Record<string, string | null>;
  payload?: string;
  status: number | string;
  response: string;
  problem: string;
}

const excerpt = (text: string | undefined, max = 200) => (text === undefined ? undefined : text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text);
const base64 = (text: string) => Buffer.from(text).toString('base64');
const safeEncode = (text: string) => {
  try {
    return encodeURIComponent(text);
  } catch {
    return '%ED%A0%80'; // a lone surrogate has no UTF-8; these are the bytes CESU-8 gives it
  }
};

const dialects = await availableDialects();

describe.each(dialects)(`fuzzing every route on %s (seed ${SEED}, PLUGBOARD_FUZZ_SEED replays it)`, (dialect) => {
  let pb: TestPlugboard;
  let baseUrl: URL;
  let operations: Operation[];
  let apiKey: { id: string; api_key: string; encoded: string };
  let executionId: string;
  const failures: Failure[] = [];

  async function seed() {
    const { api } = pb;
    await api('POST', '/api/spaces/space', { id: 'other', name: 'Other' });
    await api('POST', '/api/actions/connector/log', { name: 'log', connector_type_id: '.server-log' });
    await api('POST', '/s/other/api/actions/connector/log', { name: 'log', connector_type_id: '.server-log' });
    // A rule under the id the rule routes are sent to, so that a refused change to it would show.
    const rule = await api('POST', '/api/alerting/rule/log', { name: 'log', rule_type_id: 'plugboard.incoming-alerts', consumer: 'alerts', schedule: { interval: '1m' }, params: {}, actions: [{ group: 'firing', id: 'log', params: { message: 'x' }, frequency: { summary: false, notify_when: 'onActiveAlert', throttle: null } }] });
    expect([200, 409], JSON.stringify(rule.body)).toContain(rule.status);
    await api('PUT', '/api/security/role/custom', { kibana: [{ base: ['read'], spaces: ['default'] }] });
    await api('PUT', '/api/security/user/fuzzer', { password: FUZZER_PASSWORD, roles: ['custom'] });
    await api('POST', '/api/security/user/fuzzer/_enable');
    const key = await api('POST', '/api/security/api_key', { name: 'fuzz' });
    expect(key.status).toBe(200);
    apiKey = key.body;
    executionId = (await api('POST', '/api/actions/connector/log/_enqueue', { params: { message: 'queued' } })).body.execution_id;
  }

  /**
   * Every table but the audit log, which records refused requests by design. Event-log rows are
   * committed with others after the answer (group commit): those are let through first.
   */
  async function snapshot() {
    await pb.plugboard.flushWrites();
    const { db } = pb.plugboard.database;
    const tables = ['spaces', 'connectors', 'connector_references', 'users', 'tasks', 'connector_pauses', 'event_log', 'roles', 'api_keys', 'sessions', 'encryption_key_check', 'incoming_alerts', 'silences', 'rules', 'ticket_links', 'incoming_alert_versions', 'ai_conversations', 'cases', 'case_tags', 'case_attachments', 'case_configurations'] as const;
    return Object.fromEntries(await Promise.all(tables.map(async (table) => [table, await db.selectFrom(table).selectAll().execute()] as const)));
  }

  beforeAll(async () => {
    pb = await startTestPlugboard({
      dialect,
      runTasks: false, // queued actions stay queued: only requests change the database
      settings: { 'plugboard.security.loginThrottle.maxFailuresPerUser': 1_000_000, 'plugboard.security.loginThrottle.maxFailuresPerAddress': 1_000_000 },
    });
    baseUrl = new URL(await pb.plugboard.listen());
    await seed();
    const doc = (await pb.api('GET', '/api/openapi.json')).body as {
      paths: Record<string, Record<string, { security?: unknown[]; requestBody?: unknown; parameters?: { in: string; name: string }[]; responses: Record<string, { content?: { 'application/json': { schema: { $ref?: string } } } }> }>>;
    };
    operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => {
        const route = `${method.toUpperCase()} ${path}`;
        return {
          route,
          method: method.toUpperCase(),
          path,
          queryNames: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
          public: op.security?.length === 0,
          hasBody: Boolean(op.requestBody),
          needsXsrf: (op.parameters ?? []).some((p) => p.in === 'header' && p.name === 'kbn-xsrf'),
          ownErrorBodies: new Set(
            Object.entries(op.responses)
              .filter(([status, r]) => Number(status) >= 400 && r.content && r.content['application/json'].schema.$ref !== '#/components/schemas/error_response')
              .map(([status]) => Number(status)),
          ),
          body: op.requestBody ? BODIES[route] : undefined,
        };
      }),
    );
  });
  afterAll(async () => {
    await pb?.close();
  });

  it('every route with a body has a valid one to start from', () => {
    expect(operations.filter((op) => op.hasBody && op.body === undefined).map((op) => op.route)).toEqual([]);
    const withoutBody = Object.keys(BODIES).filter((route) => !operations.some((op) => op.route === route));
    expect(withoutBody).toEqual([]);
  });

  /** The URL of an operation with its path parameters filled with seeded values. */
  function urlOf(op: Operation, value?: (name: string) => string | undefined): string {
    const seeded: Record<string, string> = { username: 'fuzzer', name: 'custom', execution_id: executionId, id: op.path.startsWith('/api/spaces') ? 'other' : 'log' };
    return op.path.replace(/\{(\w+)\}/g, (_, name: string) => value?.(name) ?? seeded[name]);
  }

  /** A mutation of a JSON value, as JSON text. */
  function mutateJson(rng: Rng, value: unknown, cls: (typeof JSON_CLASSES)[number]): string {
    const paths = valuePaths(value);
    const objects = paths.filter((p) => { const v = valueAt(value, p); return v !== null && typeof v === 'object' && !Array.isArray(v); });
    const path = rng.pick(paths);
    const text = JSON.stringify(value);
    switch (cls) {
      case 'wrong-type': {
        const current = JSON.stringify(valueAt(value, path));
        const others = WRONG_TYPES.filter((v) => JSON.stringify(v) !== current);
        return JSON.stringify(replaceAt(value, path, rng.pick(others)));
      }
      case 'unknown-field': {
        const at = rng.pick(objects);
        const key = rng.pick(['extra', 'id', 'secrets', 'isPreconfigured', 'x'.repeat(1000), ...ODD_STRINGS]);
        return JSON.stringify(replaceAt(value, at, withOwnKey(valueAt(value, at) as object, key, rng.pick(WRONG_TYPES))));
      }
      case 'prototype-key': {
        const at = rng.pick(objects);
        const poison = { polluted: 'yes', prototype: { polluted: 'yes' } };
        return JSON.stringify(replaceAt(value, at, withOwnKey(valueAt(value, at) as object, rng.pick(PROTOTYPE_KEYS), poison)));
      }
      case 'deep-nesting': {
        const marker = '\u0001deep\u0001';
        const deep = nestedJson(rng.pick(JSON_DEPTHS), rng.chance(0.5) ? 'array' : 'object');
        return JSON.stringify(replaceAt(value, path, marker)).replace(JSON.stringify(marker), deep);
      }
      case 'huge-string': {
        const size = rng.pick([10_000, 200_000, 1_100_000]);
        return JSON.stringify(replaceAt(value, path, rng.pick(['x', 'é', '😀', '\t']).repeat(size)));
      }
      case 'odd-unicode':
        return JSON.stringify(replaceAt(value, path, rng.pick(ODD_STRINGS)));
      case 'truncated-json':
        return text.slice(0, rng.int(text.length));
      case 'malformed-json': {
        const at = rng.int(text.length + 1);
        return text.slice(0, at) + rng.pick([',', '}', ']', '{', '"', "'", '\\', 'NaN', 'undefined', '/*x*/', ',,', ':', '\u0000']) + text.slice(at);
      }
    }
  }

  const parses = (text: string) => {
    try {
      JSON.parse(text);
      return true;
    } catch {
      return false;
    }
  };

  function hostileTemplate(rng: Rng): string {
    const n = TEMPLATE_DEPTH;
    return rng.pick([
      `${'{{#context}}'.repeat(n)}x${'{{/context}}'.repeat(n)}`,
      `${'{{#a}}'.repeat(n)}x${'{{/a}}'.repeat(n)}`,
      '{{x}}'.repeat(TEMPLATE_REPEAT),
      `${'{{#context}}{{{context}}}'.repeat(n)}`,
      `${'{{#EncodeURI}}'.repeat(n)}x${'{{/EncodeURI}}'.repeat(n)}`,
      `${'{{#EvalMath}}'.repeat(n)}1${'{{/EvalMath}}'.repeat(n)}`,
      '{{#a}}unclosed',
      '{{/a}}unopened',
      '{{=<% %>=}}<% context %>',
      '{{> partial}}',
      '{{{context}}}{{&context}}',
      '{{constructor.constructor}}{{__proto__}}{{context.__proto__.polluted}}',
      '{{#constructor}}{{#prototype}}x{{/prototype}}{{/constructor}}',
      '{{!unterminated comment',
      '{{',
      '}}{{{}}}{{#}}{{/}}',
      `{{${'a.'.repeat(n * 20)}a}}`,
    ]);
  }

  function kqlFilter(rng: Rng): string {
    const n = rng.pick([10, 50, 1_000, 4_000]);
    return rng.pick([
      `${'('.repeat(n)}event.outcome:failure${')'.repeat(n)}`,
      `${'not '.repeat(n)}event.outcome:failure`,
      `${'event.outcome:failure or '.repeat(Math.min(n, 300))}event.outcome:failure`,
      `kibana.action:${'{a:'.repeat(Math.min(n, 1_500))}1${'}'.repeat(Math.min(n, 1_500))}`,
      'event.outcome:"unterminated',
      'a:(b or (c and (d',
      '*:*',
      'event.outcome:*',
      '\\',
      'a:>=',
      'a < ',
      '__proto__.polluted:1',
      'constructor.prototype.polluted:1',
      'x'.repeat(8_193),
      ...ODD_STRINGS,
    ]);
  }

  function multipart(rng: Rng): Pick<FuzzRequest, 'payload' | 'headers'> {
    const valid = importRequest(IMPORT_LINE);
    const boundary = 'scrape-boundary';
    const kinds: (() => Pick<FuzzRequest, 'payload' | 'headers'>)[] = [
      () => ({ payload: valid.raw, headers: { 'content-type': 'multipart/form-data' } }),
      () => ({ payload: valid.raw, headers: { 'content-type': 'multipart/form-data; boundary=other' } }),
      () => ({ payload: valid.raw.slice(0, rng.int(valid.raw.length)), headers: valid.headers }),
      () => ({ payload: valid.raw.replace('name="file"', 'name="other"'), headers: valid.headers }),
      () => ({ payload: valid.raw.replace(`--${boundary}--`, `--${boundary}\r\n${valid.raw.split('\r\n').slice(1, -2).join('\r\n')}\r\n--${boundary}--`), headers: valid.headers }),
      () => ({ payload: `${`--${boundary}\r\nContent-Disposition: form-data; name="f"\r\n\r\nx\r\n`.repeat(2_000)}--${boundary}--\r\n`, headers: valid.headers }),
      () => ({ payload: valid.raw.replace(/Content-Disposition[^\r]*/, 'Content-Disposition: garbage'), headers: valid.headers }),
      () => ({ payload: valid.raw.replace('filename="c.ndjson"', `filename="${rng.pick(ODD_STRINGS)}"`), headers: valid.headers }),
      () => ({ payload: '', headers: valid.headers }),
      () => ({ payload: JSON.stringify({ file: IMPORT_LINE }), headers: { 'content-type': 'application/json' } }),
      () => ({ payload: importRequest(Array(rng.pick([2, 20_000])).fill(IMPORT_LINE).join('\n')).raw, headers: valid.headers }),
      () => ({ payload: importRequest(rng.pick(['', '\n\n\n', 'not json', '[]', 'null', '"x"', ...ODD_STRINGS])).raw, headers: valid.headers }),
    ];
    return rng.pick(kinds)();
  }

  /** Whether requests of a class can be made for an operation. */
  function appliesTo(cls: FuzzClass, op: Operation): boolean {
    if ((JSON_CLASSES as readonly string[]).includes(cls) || cls === 'content-type') return op.body !== undefined;
    if (cls.startsWith('ndjson:') || cls === 'multipart') return op.route === IMPORT_ROUTE;
    if (cls === 'odd-id' || cls === 'long-id') return op.path.includes('{');
    if (cls === 'bad-credentials' || cls === 'bad-api-key-encoding') return !op.public;
    if (cls === 'hostile-template') return TEMPLATE_ROUTES.test(op.path);
    if (cls === 'kql') return KQL_ROUTES.test(op.path);
    return true;
  }

  /** A hostile request of a class picked first (so each gets its share), for an operation it applies to. */
  function generate(rng: Rng): FuzzRequest {
    const cls = rng.pick(INJECTED_CLASSES);
    const op = rng.pick(operations.filter((o) => appliesTo(cls, o)));
    const hasBody = op.body !== undefined;
    const headers: Record<string, string> = { ...DEFAULT_HEADERS };
    const request: FuzzRequest = { cls, route: op.route, method: op.method, url: urlOf(op), headers };
    if (hasBody) request.payload = JSON.stringify(op.body);
    else delete headers['content-type'];
    if (op.route === IMPORT_ROUTE) {
      request.payload = importRequest(IMPORT_LINE).raw;
      Object.assign(headers, importRequest(IMPORT_LINE).headers);
    }

    if ((JSON_CLASSES as readonly string[]).includes(cls)) {
      request.payload = mutateJson(rng, op.body, cls as (typeof JSON_CLASSES)[number]);
      if (!parses(request.payload)) request.refuse = 400;
    } else if (cls.startsWith('ndjson:')) {
      const line = mutateJson(rng, JSON.parse(IMPORT_LINE), cls.slice('ndjson:'.length) as (typeof JSON_CLASSES)[number]);
      request.payload = importRequest(line).raw;
    } else if (cls === 'multipart') {
      const made = multipart(rng);
      request.payload = made.payload;
      Object.assign(headers, made.headers);
    } else if (cls === 'concurrent') {
      // The same request several times at once, on a new id when it has one: creations race.
      const fresh = `race-${rng.int(1_000_000)}`;
      request.url = urlOf(op, (name) => (name === 'id' || name === 'username' || name === 'name' ? fresh : undefined));
      if (op.route === 'POST /api/spaces/space') request.payload = JSON.stringify({ ...(op.body as object), id: fresh });
      request.copies = 4;
    } else if (cls === 'content-type') {
      headers['content-type'] = rng.pick([
        'text/plain',
        'text/html;;;',
        'application/x-www-form-urlencoded',
        'application/json; charset=utf-16',
        'application/json; charset=iso-8859-1',
        'APPLICATION/JSON',
        'application/json, text/html',
        'application/vnd.api+json',
        'multipart/form-data',
        'multipart/form-data; boundary=x',
        'application/octet-stream',
        '*/*',
      ]);
    } else if (cls === 'odd-query') {
      const name = op.queryNames.length && rng.chance(0.7) ? rng.pick(op.queryNames) : rng.pick(['__proto__', 'constructor[prototype][polluted]', 'x', '%ZZ', '']);
      const values = ['-1', '0', 'abc', '1e400', '99999999999999999999999', 'true', 'maybe', '%ZZ', '%0d%0aSet-Cookie:%20a=b', '//evil.example', 'x'.repeat(10_000), ...ODD_STRINGS.map(safeEncode)];
      const pairs = Array.from({ length: 1 + rng.int(3) }, () => `${name}=${rng.pick(values)}`);
      request.url += `?${pairs.join('&')}`;
    } else if (cls === 'odd-id') {
      request.url = urlOf(op, () => rng.pick(['%', '%ZZ', '.', '..', '%2e%2e', '%2F', 'a%20b', '*', 'default', ...ODD_STRINGS.filter(Boolean).map(safeEncode)]));
    } else if (cls === 'long-id') {
      request.url = urlOf(op, () => 'a'.repeat(rng.pick([101, 256, 1_024, 10_000, 100_000])));
    } else if (cls === 'space-prefix') {
      request.url = `/s/${rng.pick(['other', 'missing', 'OTHER', 'default', '%00', '..', '%2e%2e', 'a'.repeat(2_000), '', safeEncode('\u202e')])}${request.url}`;
    } else if (cls === 'bad-credentials') {
      headers.authorization = rng.pick([
        'Basic',
        'Basic ',
        'Basic !!!',
        `Basic ${base64('elastic')}`,
        `Basic ${base64('elastic:wrong')}`,
        `Basic ${base64(':')}`,
        `Basic ${base64('fuzzer:wrong')}`,
        `Basic ${base64(`${'x'.repeat(5_000)}:y`)}`,
        `Basic ${'A'.repeat(8_000)}`,
        'Bearer abc',
        'Negotiate abc',
        'ApiKey',
        'ApiKey ',
        'ApiKey !!!',
        `ApiKey ${base64('only-an-id')}`,
        `ApiKey ${base64(`${apiKey.id}:wrong`)}`,
        `ApiKey ${base64(`:${apiKey.api_key}`)}`,
        `ApiKey ${base64(`${'x'.repeat(5_000)}:${apiKey.api_key}`)}`,
      ]);
      request.refuse = 401;
    } else if (cls === 'bad-api-key-encoding') {
      // The valid key with characters base64 does not have: Elasticsearch refuses those.
      const encoded = apiKey.encoded;
      headers.authorization = `ApiKey ${rng.pick([`${encoded}!!`, `${encoded}.`, `${encoded.slice(0, 4)} ${encoded.slice(4)}`, `${encoded}$`, `*${encoded}`])}`;
      request.refuse = 401;
    } else if (cls === 'odd-headers') {
      const odd = rng.pick(ODD_STRINGS.filter((s) => /^[\x20-\x7e]*$/.test(s)));
      const choice = rng.int(6);
      if (choice === 0 && op.needsXsrf) {
        delete headers['kbn-xsrf'];
        request.refuse = 400;
      } else if (choice === 1) {
        delete headers.authorization;
        headers.cookie = `sid=${rng.pick([odd, 'x'.repeat(4_000), 'Fe26.2**garbage', base64('{"sid":"x"}')])}`;
        if (!op.public) request.refuse = 401;
      } else {
        const name = rng.pick(['x-forwarded-for', 'x-forwarded-host', 'host', 'x-opaque-id', 'kbn-xsrf', 'accept', 'accept-encoding', 'x-http-method-override', 'origin', 'referer']);
        headers[name] = rng.pick([odd, 'x'.repeat(8_000), 'DELETE', '127.0.0.1, 10.0.0.1, ::1', 'gzip;q=nope']);
      }
    } else if (cls === 'nul-character') {
      // Where a NUL can come in: a body string, a path parameter, a query value, credentials.
      const stringPaths = hasBody ? valuePaths(op.body).filter((p) => typeof valueAt(op.body, p) === 'string') : [];
      const where = rng.pick(['body', 'path', 'query', 'basic', 'api-key'] as const);
      if (where === 'body' && stringPaths.length) request.payload = JSON.stringify(replaceAt(op.body, rng.pick(stringPaths), rng.pick(['\u0000', 'a\u0000b'])));
      else if (where === 'path' && op.path.includes('{')) request.url = urlOf(op, () => rng.pick(['%00', 'a%00b']));
      else if (where === 'query') request.url += `?${op.queryNames.length ? rng.pick(op.queryNames) : 'x'}=a%00b`;
      else if (where === 'basic' && !op.public) headers.authorization = `Basic ${base64(rng.pick(['\u0000:\u0000', 'fuzzer\u0000:x', `fuzzer:${FUZZER_PASSWORD}\u0000`]))}`;
      else if (where === 'api-key' && !op.public) headers.authorization = `ApiKey ${base64(`${apiKey.id}\u0000:${apiKey.api_key}`)}`;
      else if (op.route === 'POST /internal/security/login') request.payload = JSON.stringify({ ...(op.body as object), params: { username: 'fuzzer\u0000', password: FUZZER_PASSWORD } });
    } else if (cls === 'hostile-template') {
      const body = structuredClone(op.body) as { params?: { message: string }; actions?: { params: { message: string } }[] };
      (body.params ?? body.actions![0].params).message = hostileTemplate(rng);
      request.payload = JSON.stringify(body);
    } else if (cls === 'kql') {
      request.payload = JSON.stringify({ ...(op.body as object), filter: kqlFilter(rng) });
    }
    return request;
  }

  const describeRequest = (request: FuzzRequest | RawCase, status: number, text: string) => ({
    cls: request.cls,
    request: `${request.method} ${excerpt(request.url)}`,
    // What differs from a valid request's headers: a changed value, or a header left out (null).
    ...('headers' in request && {
      headers: Object.fromEntries(
        [...Object.entries(request.headers).filter(([name, value]) => DEFAULT_HEADERS[name] !== value), ...['authorization', 'kbn-xsrf'].filter((name) => !(name in request.headers)).map((name) => [name, null])].map(([name, value]) => [name, excerpt(value ?? undefined, 120) ?? null]),
      ),
    }),
    payload: excerpt(request.payload === undefined ? undefined : Buffer.from(request.payload).toString('utf8')),
    status,
    response: excerpt(text, 300)!,
  });

  function check(request: FuzzRequest | RawCase, status: number, text: string, contentType: string | undefined) {
    const fail = (problem: string) => failures.push({ ...describeRequest(request, status, text), problem });
    if (status >= 500) return fail('5xx');
    if ('refuse' in request && request.refuse !== undefined && (status < 400 || (request.refuse !== true && status !== request.refuse))) return fail(`expected ${request.refuse === true ? 'a 4xx' : request.refuse}`);
    if (status < 400 || request.method === 'HEAD' || ('route' in request && operations.find((o) => o.route === request.route)!.ownErrorBodies.has(status))) return;
    // Node answers unparseable HTTP itself, with no body, before the server sees a request.
    if (text === '' && request.cls.startsWith('raw-')) return;
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return fail(`error body is not JSON (${contentType})`);
    }
    const shaped =
      body !== null && typeof body === 'object' && isDeepStrictEqual(Object.keys(body).sort(), ['error', 'message', 'statusCode']) && (body as { statusCode: unknown }).statusCode === status &&
      typeof (body as { error: unknown }).error === 'string' && typeof (body as { message: unknown }).message === 'string';
    if (!shaped) fail('error body is not {statusCode, error, message}');
  }

  /** The body of a chunked response. */
  function unchunk(bytes: Buffer): Buffer {
    const chunks: Buffer[] = [];
    for (let at = 0; ; ) {
      const lineEnd = bytes.indexOf('\r\n', at);
      const size = parseInt(bytes.subarray(at, lineEnd).toString('latin1'), 16);
      if (!size) return Buffer.concat(chunks);
      chunks.push(bytes.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
    }
  }

  /** Sends bytes on a fresh connection and reads until the server closes it. */
  function rawRequest(bytes: Buffer | string): Promise<{ status: number | 'closed'; text: string; contentType?: string }> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(Number(baseUrl.port), '127.0.0.1');
      const chunks: Buffer[] = [];
      socket.on('data', (chunk) => chunks.push(chunk));
      socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? undefined : reject(err)));
      socket.on('close', () => {
        const response = Buffer.concat(chunks);
        const headEnd = response.indexOf('\r\n\r\n');
        const head = response.subarray(0, headEnd < 0 ? response.length : headEnd).toString('latin1');
        const body = headEnd < 0 ? Buffer.alloc(0) : response.subarray(headEnd + 4);
        const status = /^HTTP\/1\.1 (\d{3})/.exec(head);
        resolve({
          status: status ? Number(status[1]) : 'closed',
          text: (/\r\ntransfer-encoding: chunked/i.test(head) ? unchunk(body) : body).toString('utf8'),
          contentType: /\r\ncontent-type: ([^\r]*)/i.exec(head)?.[1],
        });
      });
      // A half-close tells the server no more bytes come; what it waits for then is a truncation.
      socket.end(bytes);
    });
  }

  /** Malformed HTTP that never reaches a route handler in one piece. */
  function rawCase(rng: Rng): RawCase {
    const body = JSON.stringify({ name: 'raw', connector_type_id: '.server-log' });
    const head = (lines: string[]) => `${lines.join('\r\n')}\r\n\r\n`;
    const common = ['Host: 127.0.0.1', `Authorization: ${BASIC_AUTH}`, 'kbn-xsrf: true', 'Connection: close'];
    const post = (extra: string[], payload: string | Buffer) => Buffer.concat([Buffer.from(head(['POST /api/actions/connector HTTP/1.1', ...common, 'Content-Type: application/json', ...extra])), Buffer.from(payload)]);
    const cases: Record<string, () => { cls: FuzzClass; payload: string | Buffer }> = {
      truncated: () => ({ cls: 'raw-truncated-body', payload: post([`Content-Length: ${body.length}`], body.slice(0, rng.int(body.length))) }),
      truncatedImport: () => {
        const req = importRequest(IMPORT_LINE);
        return { cls: 'raw-truncated-multipart', payload: Buffer.concat([Buffer.from(head(['POST /api/saved_objects/_import HTTP/1.1', ...common, `Content-Type: ${req.headers['content-type']}`, `Content-Length: ${req.raw.length}`])), Buffer.from(req.raw.slice(0, rng.int(req.raw.length)))]) };
      },
      badLength: () => ({ cls: 'raw-bad-content-length', payload: post([`Content-Length: ${rng.pick(['abc', '-1', '1e3', '0x10', '99999999999999999999', ''])}`], body) }),
      twoLengths: () => ({ cls: 'raw-bad-content-length', payload: post([`Content-Length: ${body.length}`, 'Content-Length: 5'], body) }),
      hugeLength: () => ({ cls: 'raw-bad-content-length', payload: post(['Content-Length: 1000000000'], body) }),
      lengthAndChunked: () => ({ cls: 'raw-bad-framing', payload: post([`Content-Length: ${body.length}`, 'Transfer-Encoding: chunked'], `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`) }),
      badChunk: () => ({ cls: 'raw-bad-framing', payload: post(['Transfer-Encoding: chunked'], rng.pick([`zz\r\n${body}\r\n0\r\n\r\n`, `-1\r\n\r\n`, 'ffffffffffffffff\r\nx'])) }),
      unterminatedChunks: () => ({ cls: 'raw-bad-framing', payload: post(['Transfer-Encoding: chunked'], `${body.length.toString(16)}\r\n${body}\r\n`) }),
      oddEncoding: () => ({ cls: 'raw-bad-framing', payload: post([`Content-Length: ${body.length}`, `Content-Encoding: ${rng.pick(['gzip', 'br', 'deflate', 'x'])}`], body) }),
      invalidUtf8: () => {
        const bytes = Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xff, 0xfe, 0xc0, 0x80, 0xed, 0xa0, 0x80]), Buffer.from('","connector_type_id":".server-log"}')]);
        return { cls: 'raw-bad-framing', payload: post([`Content-Length: ${bytes.length}`], bytes) };
      },
      pipelined: () => ({ cls: 'raw-bad-framing', payload: `${head(['GET /api/status HTTP/1.1', 'Host: 127.0.0.1'])}${head(['GET /api/status HTTP/1.1', ...common])}` }),
      headerInjection: () => ({
        cls: 'raw-bad-headers',
        payload: head([
          rng.pick(['GET /api/actions/connectors HTTP/1.1', 'GET http://evil.example/api/actions/connectors HTTP/1.1', 'GET /api/actions/connectors HTTP/9.9', 'GET /api/ actions HTTP/1.1', 'GET //api/actions/connectors HTTP/1.1', 'GET * HTTP/1.1', 'BREW /api/status HTTP/1.1']),
          ...rng.pick([
            common,
            [...common, ' folded: continuation'],
            [...common, 'X-Nul: a\u0000b'],
            [...common, 'Bad Header: x'],
            [...common, `X-Big: ${'x'.repeat(20_000)}`],
            [...common, ...Array.from({ length: 3_000 }, (_, i) => `X-${i}: y`)],
            common.filter((h) => !h.startsWith('Host')),
            [...common, 'Host: evil.example'],
            [...common.filter((h) => !h.startsWith('Authorization')), 'Authorization: Basic\rZWxhc3RpYzpjaGFuZ2VtZQ=='],
            [...common, `X-Unicode: ${rng.pick(ODD_STRINGS)}`],
          ]),
        ]),
      }),
      bareLf: () => ({ cls: 'raw-bad-headers', payload: `GET /api/actions/connectors HTTP/1.1\nHost: 127.0.0.1\nAuthorization: ${BASIC_AUTH}\nConnection: close\n\n` }),
    };
    const made = rng.pick(Object.values(cases))();
    const firstLine = Buffer.from(made.payload).toString('latin1').split(/\r?\n/)[0];
    const [method, ...target] = firstLine.split(' ');
    return { ...made, method, url: excerpt(target.join(' '), 120)! };
  }

  const heapUsed = () => {
    v8.setFlagsFromString('--expose-gc');
    (vm.runInNewContext('gc') as () => void)();
    return process.memoryUsage().heapUsed;
  };

  it('answers a few thousand hostile requests without a 5xx, in shape, alive, bounded and unchanged when refusing', async () => {
    console.log(`fuzz seed ${SEED}: replay with PLUGBOARD_FUZZ_SEED=${SEED}`);
    const rng = new Rng(SEED);
    const heapBefore = heapUsed();
    const counts: Partial<Record<FuzzClass, number>> = {};
    for (let batch = 0; batch < BATCHES; batch++) {
      let before = await snapshot();
      /** Checks an answer; a refused request must leave the database as it was. */
      const record = async (request: FuzzRequest | RawCase, status: number, text: string, contentType: string | undefined) => {
        counts[request.cls] = (counts[request.cls] ?? 0) + 1;
        check(request, status, text, contentType);
        if (status >= 400 && status < 500) {
          const after = await snapshot();
          const changed = Object.keys(after).filter((table) => !isDeepStrictEqual(after[table], before[table]));
          const rows = changed.map((table) => `${table} ${before[table].length} → ${after[table].length} rows`);
          if (changed.length) failures.push({ ...describeRequest(request, status, text), problem: `a refused request changed the database: ${rows.join(', ')}` });
          before = after;
        } else if (request.method !== 'GET') {
          before = await snapshot();
        }
      };
      for (let i = 0; i < REQUESTS[dialect] / BATCHES; i++) {
        const request = generate(rng);
        const send = () => pb.plugboard.app.inject({ method: request.method as 'GET', url: request.url, headers: request.headers, payload: request.payload });
        if (request.copies) {
          // Some of them succeed: what the others leave behind is not theirs alone.
          for (const res of await Promise.all(Array.from({ length: request.copies }, send))) check(request, res.statusCode, res.body, res.headers['content-type'] as string | undefined);
          counts[request.cls] = (counts[request.cls] ?? 0) + 1;
          before = await snapshot();
          continue;
        }
        const res = await send();
        await record(request, res.statusCode, res.body, res.headers['content-type'] as string | undefined);
      }
      for (let i = 0; i < RAW_PER_BATCH; i++) {
        const raw = rawCase(rng);
        const res = await rawRequest(raw.payload);
        counts[raw.cls] = (counts[raw.cls] ?? 0) + 1;
        // No answer at all is how Node treats a body cut short by the client. The database is not
        // compared here: a handler may still be running when Node has answered and closed.
        if (res.status !== 'closed') check(raw, res.status, res.text, res.contentType);
        before = await snapshot();
      }
      // Alive on the socket, not only through inject.
      expect((await fetch(new URL('/api/status', baseUrl))).status).toBe(200);
      await seed();
    }
    const heapGrowth = heapUsed() - heapBefore;
    console.log(`fuzz requests per class: ${JSON.stringify(counts)}; heap growth ${(heapGrowth / 1024 / 1024).toFixed(1)} MB`);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(heapGrowth).toBeLessThan(64 * 1024 * 1024);
    // Shutdown waits for every running handler: one that never ends would keep it waiting.
    let closed = false;
    void pb.plugboard.close().then(() => (closed = true));
    await expect.poll(() => closed, { timeout: 30_000, message: 'shutdown waits for a request handler that never ends' }).toBe(true);

    if (process.env.PLUGBOARD_FUZZ_REPORT) writeFileSync(process.env.PLUGBOARD_FUZZ_REPORT, JSON.stringify(failures, null, 1));
    expect(failures, `seed ${SEED}`).toEqual([]);
  }, 240_000);
});
