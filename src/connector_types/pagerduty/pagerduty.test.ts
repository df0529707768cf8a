import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ReadOutcome } from '../../actions/executor.js';
import type { ActionResult, ConfigurationUtilities, ConnectorServices } from '../../actions/types.js';
import { validateConfig, validateParams, validateSecrets } from '../../actions/validation.js';
import { installZod3Messages } from '../../common/zod_messages.js';
import { closeServer, listenOnLoopback } from '../lib/simulator_server.js';
import { makeConfigurationUtilities, makeContext, makeServices, runAsAction, thrownMessage } from '../lib/test_context.js';
import { pagerDutyConnectorType as def } from './index.js';
import { secretsSchema, type PagerDutyConfig, type PagerDutyParams, type PagerDutySecrets } from './schema.js';
import { SIMULATOR_RETRY_AFTER_SECONDS, startPagerDutySimulator, type PagerDutySimulator } from './simulator.js';

installZod3Messages();

const ROUTING_KEY = 'R0ut1ngKeyOfThirtyTwoCharacters9';
const utils = makeConfigurationUtilities();
const ctx = { configurationUtilities: utils };
const silent = pino({ level: 'silent' });
const NOT_ALLOWED = (url: string) => `target url "${url}" is not added to the Kibana config xpack.actions.allowedHosts`;

/**
 * What plugboard.serviceUrlOverrides gives. Built by hand: the settings loader splits the
 * dotted type id ('.pagerduty') into nested keys.
 */
function withServiceUrl(url: string, overrides: { allowedHosts?: string[] } = {}): ConfigurationUtilities {
  return { ...makeConfigurationUtilities(overrides), serviceUrl: (typeId, defaultUrl) => (typeId === '.pagerduty' ? url : defaultUrl) };
}

const paramsError = (params: unknown) => thrownMessage(() => validateParams(def, params, ctx));

describe('.pagerduty definition', () => {
  it('has Kibana identity', () => {
    expect(def.id).toBe('.pagerduty');
    expect(def.name).toBe('PagerDuty');
    expect(def.minimumLicenseRequired).toBe('gold');
    expect(def.supportedFeatureIds).toEqual(['alerting', 'uptime', 'siem', 'workflows']);
  });

  it('marks the routing key as secret', () => {
    expect(secretsSchema.shape.routingKey.meta()).toMatchObject({ secret: true });
  });

  it('has valid test params', () => {
    expect(validateParams(def, def.testParams, ctx)).toEqual(def.testParams);
  });
});

describe('.pagerduty config and secrets validation', () => {
  it('defaults apiUrl to null and is strict', () => {
    expect(validateConfig(def, {}, ctx)).toEqual({ apiUrl: null });
    expect(validateConfig(def, { apiUrl: 'https://events.eu.pagerduty.com/v2/enqueue' }, ctx)).toEqual({
      apiUrl: 'https://events.eu.pagerduty.com/v2/enqueue',
    });
    expect(thrownMessage(() => validateConfig(def, { apiUrl: null, routingKey: 'x' }, ctx))).toBe(
      "error validating connector type config: Unrecognized key(s) in object: 'routingKey'",
    );
    expect(thrownMessage(() => validateConfig(def, { apiUrl: 1 }, ctx))).toBe(
      'error validating connector type config: Field "apiUrl": Expected string, received number',
    );
  });

  it('holds the effective URL, the default one included, to allowedHosts', () => {
    const onlyPagerDuty = { configurationUtilities: makeConfigurationUtilities({ allowedHosts: ['events.pagerduty.com'] }) };
    expect(validateConfig(def, {}, onlyPagerDuty)).toEqual({ apiUrl: null });
    expect(thrownMessage(() => validateConfig(def, { apiUrl: 'https://pd.internal.test/v2/enqueue' }, onlyPagerDuty))).toBe(
      `error validating connector type config: error configuring pagerduty action: ${NOT_ALLOWED('https://pd.internal.test/v2/enqueue')}`,
    );
    const elsewhere = { configurationUtilities: makeConfigurationUtilities({ allowedHosts: ['example.com'] }) };
    expect(thrownMessage(() => validateConfig(def, { apiUrl: null }, elsewhere))).toBe(
      `error validating connector type config: error configuring pagerduty action: ${NOT_ALLOWED('https://events.pagerduty.com/v2/enqueue')}`,
    );
  });

  it('checks the overridden default URL when plugboard.serviceUrlOverrides names one', () => {
    const overridden = { configurationUtilities: withServiceUrl('http://127.0.0.1:9/v2/enqueue', { allowedHosts: ['events.pagerduty.com'] }) };
    expect(thrownMessage(() => validateConfig(def, {}, overridden))).toBe(
      `error validating connector type config: error configuring pagerduty action: ${NOT_ALLOWED('http://127.0.0.1:9/v2/enqueue')}`,
    );
  });

  it('requires a routing key and nothing else', () => {
    expect(validateSecrets(def, { routingKey: ROUTING_KEY }, ctx)).toEqual({ routingKey: ROUTING_KEY });
    expect(thrownMessage(() => validateSecrets(def, {}, ctx))).toBe('error validating connector type secrets: Field "routingKey": Required');
    expect(thrownMessage(() => validateSecrets(def, { routingKey: ROUTING_KEY, token: 'x' }, ctx))).toBe(
      "error validating connector type secrets: Unrecognized key(s) in object: 'token'",
    );
  });
});

describe('.pagerduty params validation', () => {
  it('accepts no params at all, and every field', () => {
    expect(validateParams(def, {}, ctx)).toEqual({});
    const full = {
      eventAction: 'trigger',
      dedupKey: 'rule-1:alert-1',
      summary: 'CPU above 90%',
      source: 'web-1',
      severity: 'critical',
      timestamp: '2024-05-01T10:00:00Z',
      component: 'nginx',
      group: 'frontend',
      class: 'cpu',
      links: [{ href: 'https://kibana.example.com/app/rules/1', text: 'Rule' }],
      customDetails: { value: 93, host: { name: 'web-1' } },
    };
    expect(validateParams(def, full, ctx)).toEqual(full);
  });

  it('requires a dedupKey to acknowledge or resolve', () => {
    expect(paramsError({ eventAction: 'resolve' })).toBe('error validating action params: DedupKey is required when eventAction is "resolve"');
    expect(paramsError({ eventAction: 'acknowledge', dedupKey: '' })).toBe(
      'error validating action params: DedupKey is required when eventAction is "acknowledge"',
    );
    expect(validateParams(def, { eventAction: 'resolve', dedupKey: 'k' }, ctx)).toEqual({ eventAction: 'resolve', dedupKey: 'k' });
    expect(validateParams(def, { eventAction: 'trigger' }, ctx)).toEqual({ eventAction: 'trigger' });
  });

  it('limits dedupKey and summary lengths', () => {
    expect(() => validateParams(def, { dedupKey: 'k'.repeat(255), summary: 's'.repeat(1024) }, ctx)).not.toThrow();
    expect(paramsError({ dedupKey: 'k'.repeat(256) })).toBe(
      'error validating action params: Field "dedupKey": String must contain at most 255 character(s)',
    );
    expect(paramsError({ summary: 's'.repeat(1025) })).toBe(
      'error validating action params: Field "summary": String must contain at most 1024 character(s)',
    );
  });

  it('reports enum, type and unknown-field problems in Kibana words', () => {
    expect(paramsError({ eventAction: 'close' })).toBe(
      "error validating action params: Field \"eventAction\": Invalid enum value. Expected 'trigger' | 'resolve' | 'acknowledge', received 'close'",
    );
    expect(paramsError({ severity: 'high' })).toBe(
      "error validating action params: Field \"severity\": Invalid enum value. Expected 'critical' | 'error' | 'warning' | 'info', received 'high'",
    );
    expect(paramsError({ links: [{ href: 'https://x.test' }] })).toBe('error validating action params: Field "links.0.text": Required');
    expect(paramsError({ links: [{ href: 'https://x.test', text: 't', target: '_blank' }] })).toBe(
      "error validating action params: Field \"links.0\": Unrecognized key(s) in object: 'target'",
    );
    expect(paramsError({ message: 'x' })).toBe("error validating action params: Unrecognized key(s) in object: 'message'");
  });

  it('accepts epoch milliseconds and date strings, and refuses what does not parse', () => {
    for (const timestamp of ['1714557600000', '2024-05-01T10:00:00+02:00', '2024-05-01', 'Wed, 01 May 2024 10:00:00 GMT', '  ', '']) {
      expect(() => validateParams(def, { timestamp }, ctx), timestamp).not.toThrow();
    }
    expect(paramsError({ timestamp: 'yesterday at noon' })).toBe('error validating action params: error parsing timestamp "yesterday at noon"');
    expect(paramsError({ timestamp: '2024-13-45' })).toBe('error validating action params: error parsing timestamp "2024-13-45"');
  });

  it('parses customDetails given as JSON text', () => {
    expect(validateParams(def, { customDetails: '{"a":{"b":[1,2]}}' }, ctx)).toEqual({ customDetails: { a: { b: [1, 2] } } });
    expect(paramsError({ customDetails: '{"a":' })).toMatch(/^error validating action params: Field "customDetails": .*JSON/);
    expect(paramsError({ customDetails: '[1]' })).toBe('error validating action params: Field "customDetails": Expected object, received array');
    expect(paramsError({ customDetails: 5 })).toBe('error validating action params: Field "customDetails": Expected object, received number');
  });
});

describe('.pagerduty execution against the simulator', () => {
  let sim: PagerDutySimulator;
  let services: ConnectorServices;
  let logLines: string[];
  const logger = () =>
    pino(
      { level: 'trace' },
      new Writable({
        write(chunk, _enc, cb) {
          logLines.push(String(chunk));
          cb();
        },
      }),
    );

  beforeAll(async () => {
    sim = await startPagerDutySimulator({ routingKeys: [ROUTING_KEY] });
    services = makeServices();
  });
  afterAll(async () => {
    await services.http.close();
    await sim.close();
  });
  beforeEach(() => {
    sim.requests.length = 0;
    logLines = [];
  });

  /** The result clients read and the facts the queue reads, as the action executor answers them. */
  function outcome(
    rawParams: Record<string, unknown>,
    opts: { config?: Record<string, unknown>; routingKey?: string; services?: ConnectorServices; utils?: ConfigurationUtilities } = {},
  ): Promise<ReadOutcome> {
    const configurationUtilities = opts.utils ?? utils;
    const vctx = { configurationUtilities };
    const config = validateConfig(def, opts.config ?? { apiUrl: `${sim.url}/v2/enqueue` }, vctx) as PagerDutyConfig;
    const secrets = validateSecrets(def, { routingKey: opts.routingKey ?? ROUTING_KEY }, vctx) as PagerDutySecrets;
    const params = validateParams(def, rawParams, vctx) as PagerDutyParams;
    const context = makeContext({ config, secrets, params }, { connectorId: 'pd-1', services: opts.services ?? services, configurationUtilities });
    return runAsAction(def, { ...context, logger: logger() });
  }
  const run = async (...args: Parameters<typeof outcome>): Promise<ActionResult> => (await outcome(...args)).result;

  const lastRequest = () => sim.requests[sim.requests.length - 1];
  const lastEvent = () => JSON.parse(lastRequest().body) as Record<string, unknown>;

  it('posts a trigger with the routing key in the X-Routing-Key header only', async () => {
    const result = await run({
      eventAction: 'trigger',
      dedupKey: 'rule-1:alert-1',
      summary: 'CPU above 90%',
      source: 'web-1',
      severity: 'critical',
      timestamp: '2024-05-01T12:00:00+02:00',
      component: 'nginx',
      group: 'frontend',
      class: 'cpu',
      links: [{ href: 'https://kibana.example.com/app/rules/1', text: 'Rule' }],
      customDetails: '{"value":93}',
    });
    expect(result).toEqual({
      status: 'ok',
      actionId: 'pd-1',
      data: { status: 'success', message: 'Event processed', dedup_key: 'rule-1:alert-1' },
    });
    const request = lastRequest();
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/v2/enqueue');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['x-routing-key']).toBe(ROUTING_KEY);
    expect(request.body).not.toContain(ROUTING_KEY);
    expect(lastEvent()).toEqual({
      event_action: 'trigger',
      dedup_key: 'rule-1:alert-1',
      payload: {
        summary: 'CPU above 90%',
        source: 'web-1',
        severity: 'critical',
        timestamp: '2024-05-01T10:00:00.000Z',
        component: 'nginx',
        group: 'frontend',
        class: 'cpu',
        custom_details: { value: 93 },
      },
      links: [{ href: 'https://kibana.example.com/app/rules/1', text: 'Rule' }],
    });
  });

  it('fills in Kibana defaults for a bare trigger, and gets a dedup key back', async () => {
    const result = await run({});
    expect(lastEvent()).toEqual({
      event_action: 'trigger',
      payload: { summary: 'No summary provided.', source: 'Kibana Action pd-1', severity: 'info' },
    });
    expect(result.status).toBe('ok');
    expect((result.data as { dedup_key: string }).dedup_key).toMatch(/^[0-9a-f]{32}$/);
  });

  it('sends an epoch timestamp as an ISO date, and blank optional strings as given', async () => {
    await run({ timestamp: ' 1714557600000 ', summary: '', component: '' });
    expect(lastEvent().payload).toEqual({
      summary: 'No summary provided.',
      source: 'Kibana Action pd-1',
      severity: 'info',
      timestamp: '2024-05-01T10:00:00.000Z',
      component: '',
    });
  });

  it.each(['acknowledge', 'resolve'])('sends only the action and dedup key to %s', async (eventAction) => {
    const result = await run({ eventAction, dedupKey: 'rule-1:alert-1', summary: 'ignored', links: [{ href: 'h', text: 't' }] });
    expect(lastEvent()).toEqual({ event_action: eventAction, dedup_key: 'rule-1:alert-1' });
    expect(result).toMatchObject({ status: 'ok', data: { status: 'success', dedup_key: 'rule-1:alert-1' } });
  });

  it("maps an invalid event (400) to an error without retry (as Kibana), with PagerDuty's reasons; the queue gets the status", async () => {
    expect(await outcome({ summary: 'x' }, { routingKey: 'short-key' })).toEqual({
      result: {
        status: 'error',
        actionId: 'pd-1',
        message: 'error posting pagerduty event: unexpected status 400',
        serviceMessage:
          "[400] Bad Request: Event object is invalid (Length of 'routing_key' is incorrect (should be 32 characters); 'routing_key' cannot contain non-alphanumeric characters.)",
        errorSource: 'user',
      },
      failure: { httpStatus: 400 },
    });
    const unknown = await run({ summary: 'x' }, { routingKey: 'A'.repeat(32) });
    expect(unknown).toMatchObject({ serviceMessage: '[400] Bad Request: Event object is invalid (Invalid routing key)' });
    expect(unknown.retry).toBeUndefined();
  });

  it('maps 429 to retry later, as Kibana (which reads no Retry-After); the queue gets the Retry-After time', async () => {
    expect(await run({ summary: 'respond-with-429' })).toEqual({
      status: 'error',
      actionId: 'pd-1',
      message: 'error posting pagerduty event: http status 429, retry later',
      serviceMessage: '[429] Too Many Requests: Requests for this service are arriving too quickly. Please retry later.',
      retry: true,
      errorSource: 'user',
    });
    const before = Date.now();
    const dated = await outcome({ summary: 'respond-with-429-retry-after' });
    expect(dated.result).toMatchObject({ message: 'error posting pagerduty event: http status 429, retry later', retry: true });
    const at = dated.failure!.retryAt!.getTime();
    expect(at).toBeGreaterThanOrEqual(before + SIMULATOR_RETRY_AFTER_SECONDS * 1000);
    expect(at).toBeLessThanOrEqual(Date.now() + SIMULATOR_RETRY_AFTER_SECONDS * 1000);
  });

  it('maps 5xx to retry later and other statuses to unexpected', async () => {
    expect(await outcome({ summary: 'respond-with-502' })).toEqual({
      result: {
        status: 'error',
        actionId: 'pd-1',
        message: 'error posting pagerduty event: http status 502, retry later',
        serviceMessage: '[502] Bad Gateway',
        retry: true,
        errorSource: 'user',
      },
      failure: { httpStatus: 502 },
    });
    expect(await run({ eventAction: 'resolve', dedupKey: 'respond-with-418' })).toEqual({
      status: 'error',
      actionId: 'pd-1',
      message: 'error posting pagerduty event: unexpected status 418',
      serviceMessage: "[418] I'm a Teapot: I'm a teapot",
      errorSource: 'user',
    });
  });

  it('counts only 202 as success', async () => {
    const server = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"success"}');
    });
    const url = await listenOnLoopback(server);
    try {
      expect(await run({}, { config: { apiUrl: url } })).toMatchObject({
        status: 'error',
        message: 'error posting pagerduty event: unexpected status 200',
      });
    } finally {
      await closeServer(server);
    }
  });

  it('uses the default API URL, which plugboard.serviceUrlOverrides can point elsewhere', async () => {
    const overridden = withServiceUrl(`${sim.url}/v2/enqueue`);
    const result = await run({ summary: 'via the default URL' }, { config: {}, utils: overridden });
    expect(result.status).toBe('ok');
    expect(lastRequest().path).toBe('/v2/enqueue');
  });

  it('is refused by allowedHosts at send time', async () => {
    const restricted = makeServices({ allowedHosts: ['events.pagerduty.com'] });
    try {
      const result = await run({ summary: 'x' }, { services: restricted });
      expect(result).toEqual({
        status: 'error',
        actionId: 'pd-1',
        message: 'error posting pagerduty event',
        serviceMessage: NOT_ALLOWED(`${sim.url}/v2/enqueue`),
        errorSource: 'user',
      });
      expect(sim.requests).toHaveLength(0);
    } finally {
      await restricted.http.close();
    }
  });

  it('reports a refused connection', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(await run({}, { config: { apiUrl: `http://127.0.0.1:${port}/v2/enqueue` } })).toEqual({
      status: 'error',
      actionId: 'pd-1',
      message: 'error posting pagerduty event',
      serviceMessage: `connect ECONNREFUSED 127.0.0.1:${port}`,
      errorSource: 'user',
    });
  });

  it('never logs or returns the routing key', async () => {
    const results = [await run({}), await run({ summary: 'respond-with-502' }), await run({ summary: 'x' }, { routingKey: 'A'.repeat(32) })];
    expect(logLines.length).toBeGreaterThan(0);
    expect(JSON.stringify(results)).not.toContain(ROUTING_KEY);
    expect(JSON.stringify(results)).not.toContain('A'.repeat(32));
    expect(logLines.join('')).not.toContain(ROUTING_KEY);
    expect(logLines.join('')).not.toContain('A'.repeat(32));
  });
});

describe('.pagerduty renderParameterTemplates', () => {
  const hostile = 'He said "hi"\nC:\\temp *bold* _it_ `code` <b>&</b> [x](y)';
  const variables = { context: { text: hostile, value: 93 }, rule: { id: 'r-1', name: 'CPU' }, alert: { id: 'a-1' } };

  it('renders text fields without escaping', () => {
    const rendered = def.renderParameterTemplates!(
      silent,
      {
        eventAction: 'trigger',
        dedupKey: '{{rule.id}}:{{alert.id}}',
        summary: '{{rule.name}}: {{context.text}}',
        source: '{{context.text}}',
        severity: 'critical',
        links: [{ href: 'https://kibana.example.com/rules/{{rule.id}}', text: '{{context.text}}' }],
      },
      variables,
    );
    expect(rendered).toEqual({
      eventAction: 'trigger',
      dedupKey: 'r-1:a-1',
      summary: `CPU: ${hostile}`,
      source: hostile,
      severity: 'critical',
      links: [{ href: 'https://kibana.example.com/rules/r-1', text: hostile }],
    });
  });

  it('JSON-escapes values in customDetails JSON text, so it still parses', () => {
    const rendered = def.renderParameterTemplates!(
      silent,
      { customDetails: '{"reason": "{{context.text}}", "value": {{context.value}}, "rule": {{{rule}}}}' } as unknown as PagerDutyParams,
      variables,
    );
    expect(validateParams(def, rendered, ctx)).toEqual({
      customDetails: { reason: hostile, value: 93, rule: { id: 'r-1', name: 'CPU' } },
    });
  });

  it('renders strings inside a customDetails object as they are', () => {
    const rendered = def.renderParameterTemplates!(
      silent,
      { customDetails: { reason: '{{context.text}}', nested: { list: ['{{rule.name}}', 3] } } },
      variables,
    );
    expect(rendered).toEqual({ customDetails: { reason: hostile, nested: { list: ['CPU', 3] } } });
  });
});
