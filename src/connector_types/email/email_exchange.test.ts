import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigurationUtilities, ConnectorServices, ExecutorResult } from '../../actions/types.js';
import { validateConfig, validateParams, validateSecrets } from '../../actions/validation.js';
import { installZod3Messages } from '../../common/zod_messages.js';
import { startOAuthTokenSimulator, type OAuthTokenSimulator } from '../lib/oauth_token_simulator.js';
import { makeConfigurationUtilities, makeContext, makeServices } from '../lib/test_context.js';
import { emailConnectorType as def } from './index.js';
import type { EmailConfig, EmailParams, EmailSecrets } from './schema.js';
import { startGraphSimulator, type GraphSimulator } from './simulator.js';

// service: exchange_server, through Microsoft Graph's sendMail with an OAuth2 client-credentials
// token; the token endpoint and Graph are in-process simulators that the settings point at.

installZod3Messages();

const CLIENT_ID = 'plugboard-app';
const CLIENT_SECRET = 'graph-secret-71c2';
const TENANT = 'tenant-1234';

let tokens: OAuthTokenSimulator;
let graph: GraphSimulator;
let services: ConnectorServices;

beforeAll(async () => {
  tokens = await startOAuthTokenSimulator({ id: CLIENT_ID, secret: CLIENT_SECRET });
  graph = await startGraphSimulator((token) => tokens.issued.includes(token));
});
afterEach(() => {
  tokens.requests.length = 0;
  graph.requests.length = 0;
});
afterAll(async () => {
  await tokens.close();
  await graph.close();
});

/** The token simulator serves `<base>/oauth2/token`; Kibana asks `<microsoftExchangeUrl>/<tenant>/oauth2/v2.0/token`. */
function utilsFor(settings: Record<string, unknown> = {}, allowedHosts?: string[]): ConfigurationUtilities {
  return makeConfigurationUtilities({
    settings: { 'xpack.actions.microsoftGraphApiUrl': graph.url, ...settings },
    allowedHosts,
  });
}

const tokenUrl = () => tokens.url;

async function send(
  options: { config?: Record<string, unknown>; params?: Record<string, unknown>; utils?: ConfigurationUtilities; connectorId?: string; services?: ConnectorServices } = {},
): Promise<ExecutorResult> {
  const utils = options.utils ?? utilsFor();
  const ctx = { configurationUtilities: utils };
  const config = validateConfig(
    def,
    { service: 'exchange_server', from: 'alerts@contoso.example', clientId: CLIENT_ID, tenantId: TENANT, oauthTokenUrl: tokenUrl(), ...options.config },
    ctx,
  ) as EmailConfig;
  const secrets = validateSecrets(def, { clientSecret: CLIENT_SECRET }, ctx) as EmailSecrets;
  const params = validateParams(
    def,
    options.params ?? { to: ['Ops <ops@contoso.example>'], cc: ['lead@contoso.example'], bcc: ['audit@contoso.example'], subject: 'Disk full', message: 'Disk **full**' },
    ctx,
  ) as EmailParams;
  const context = makeContext({ config, secrets, params }, { connectorId: options.connectorId ?? 'exchange-1', services: options.services ?? services, configurationUtilities: utils });
  return def.executor({ ...context, source: 'background_task' });
}

describe('.email with exchange_server', () => {
  beforeAll(() => {
    services = makeServices();
  });
  afterAll(async () => {
    await services.http.close();
  });

  it('fetches a client-credentials token once and posts the message to Graph sendMail', async () => {
    const first = await send({ params: { to: ['Ops <ops@contoso.example>'], cc: ['lead@contoso.example'], bcc: ['audit@contoso.example'], replyTo: ['r@contoso.example'], subject: 'Disk full', message: 'Disk **full**' } });
    expect(first).toEqual({ status: 'ok', actionId: 'exchange-1', data: '' });
    const second = await send();
    expect(second).toMatchObject({ status: 'ok' });

    expect(tokens.requests).toHaveLength(1);
    expect(tokens.requests[0].headers['content-type']).toBe('application/x-www-form-urlencoded; charset=UTF-8');
    expect(tokens.requests[0].form).toEqual({
      grant_type: 'client_credentials',
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      scope: 'https://graph.microsoft.com/.default',
    });

    expect(graph.requests).toHaveLength(2);
    const [request] = graph.requests;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/v1.0/users/alerts@contoso.example/sendMail');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers.authorization).toBe('Bearer token-1');
    expect(graph.requests[1].headers.authorization).toBe('Bearer token-1');
    expect(request.json).toEqual({
      message: {
        subject: 'Disk full',
        body: { contentType: 'HTML', content: '<p>Disk <strong>full</strong></p>\n<hr>\n<p>This message was sent by Plugboard.</p>\n' },
        toRecipients: [{ emailAddress: { address: 'ops@contoso.example', name: 'Ops' } }],
        ccRecipients: [{ emailAddress: { address: 'lead@contoso.example' } }],
        bccRecipients: [{ emailAddress: { address: 'audit@contoso.example' } }],
      },
    });
  });

  it('asks the token of <microsoftExchangeUrl>/<tenantId>/oauth2/v2.0/token with the configured scope', async () => {
    const asked: string[] = [];
    const recording = makeServices();
    const original = recording.http.send.bind(recording.http);
    recording.http.send = async (req) => {
      asked.push(req.url);
      // The simulator answers on its own path: the URL the connector built is what is checked here.
      return original(req.url.endsWith('/oauth2/v2.0/token') ? { ...req, url: tokenUrl() } : req);
    };
    try {
      const utils = utilsFor({ 'xpack.actions.microsoftExchangeUrl': 'http://127.0.0.1:9', 'xpack.actions.microsoftGraphApiScope': 'api://graph/.default' });
      const result = await send({ config: { oauthTokenUrl: null }, utils, services: recording, connectorId: 'exchange-scope' });
      expect(result).toMatchObject({ status: 'ok' });
      expect(asked[0]).toBe(`http://127.0.0.1:9/${TENANT}/oauth2/v2.0/token`);
      expect(tokens.requests[0].form.scope).toBe('api://graph/.default');
    } finally {
      await recording.http.close();
    }
  });

  it('sends notification attachments as file attachments', async () => {
    const utils = utilsFor();
    const ctx = { configurationUtilities: utils };
    const context = makeContext(
      {
        config: validateConfig(def, { service: 'exchange_server', from: 'alerts@contoso.example', clientId: CLIENT_ID, tenantId: TENANT, oauthTokenUrl: tokenUrl() }, ctx) as EmailConfig,
        secrets: validateSecrets(def, { clientSecret: CLIENT_SECRET }, ctx) as EmailSecrets,
        params: validateParams(
          def,
          { to: ['ops@contoso.example'], subject: 'Report', message: 'm', messageHTML: '<p>report</p>', attachments: [{ content: 'aGk=', filename: 'hi.txt', contentType: 'text/plain' }] },
          ctx,
        ) as EmailParams,
      },
      { connectorId: 'exchange-1', services, configurationUtilities: utils },
    );
    expect(await def.executor({ ...context, source: 'notification' })).toMatchObject({ status: 'ok' });
    expect(graph.requests[0].json).toMatchObject({
      message: {
        body: { contentType: 'HTML', content: '<p>report</p>' },
        attachments: [{ '@odata.type': '#microsoft.graph.fileAttachment', name: 'hi.txt', contentType: 'text/plain', contentBytes: 'aGk=' }],
      },
    });
  });

  it('maps Graph errors: the JSON body as serviceMessage, no retry (Kibana), the status for the queue, and a new token after a 4xx', async () => {
    graph.failNext(400, { error: { code: 'ErrorInvalidRecipients', message: 'At least one recipient is not valid.' } });
    const bad = await send({ connectorId: 'exchange-errors' });
    expect(bad).toEqual({
      status: 'error',
      actionId: 'exchange-errors',
      message: 'error sending email',
      serviceMessage: '{"error":{"code":"ErrorInvalidRecipients","message":"At least one recipient is not valid."}}',
      failure: { httpStatus: 400 },
    });
    // The 4xx dropped the token: the next execution fetches a new one.
    expect(await send({ connectorId: 'exchange-errors' })).toMatchObject({ status: 'ok' });
    expect(tokens.requests).toHaveLength(2);
    expect(graph.requests.at(-1)!.headers.authorization).toBe(`Bearer ${tokens.issued.at(-1)}`);

    graph.failNext(429, { error: { code: 'TooManyRequests', message: 'Too many requests' } }, { 'Retry-After': '30' });
    const started = Date.now();
    const throttled = await send({ connectorId: 'exchange-errors' });
    expect(throttled).toMatchObject({ status: 'error', message: 'error sending email', failure: { httpStatus: 429 } });
    expect(throttled.retry).toBeUndefined();
    expect(throttled.failure?.retryAt?.getTime()).toBeGreaterThanOrEqual(started + 29_000);

    graph.failNext(503, { error: { code: 'ServiceNotAvailable', message: 'Service unavailable' } });
    const unavailable = await send({ connectorId: 'exchange-errors' });
    expect(unavailable).toMatchObject({ status: 'error', failure: { httpStatus: 503 } });
    expect(unavailable.retry).toBeUndefined();

    // Graph answers 200 only to requests it did not treat as a send: not a success.
    graph.failNext(200, { value: [] });
    expect(await send({ connectorId: 'exchange-errors' })).toMatchObject({ status: 'error', serviceMessage: '{"value":[]}' });
  });

  it('refuses a token the simulator did not issue, as Graph does', async () => {
    const utils = utilsFor();
    const recording = makeServices();
    try {
      // A cached token that Graph no longer accepts: 401, dropped, fetched again next time.
      await send({ utils, services: recording, connectorId: 'exchange-stale' });
      tokens.issued.splice(0);
      const refused = await send({ utils, services: recording, connectorId: 'exchange-stale' });
      expect(refused).toMatchObject({ status: 'error', failure: { httpStatus: 401 }, serviceMessage: expect.stringContaining('InvalidAuthenticationToken') });
      expect(await send({ utils, services: recording, connectorId: 'exchange-stale' })).toMatchObject({ status: 'ok' });
    } finally {
      await recording.http.close();
    }
  });

  it('reports a token that cannot be had without its details or the secret', async () => {
    tokens.failNext(401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' });
    const result = await send({ connectorId: 'exchange-token' });
    expect(result).toEqual({
      status: 'error',
      actionId: 'exchange-token',
      message: 'error sending email',
      serviceMessage: 'Unable to retrieve access token for connectorId: exchange-token',
    });
    expect(graph.requests).toHaveLength(0);
    expect(JSON.stringify(result)).not.toContain(CLIENT_SECRET);
  });

  it('holds the token and Graph URLs to allowedHosts at send time', async () => {
    // Saved while allowed; the settings changed since.
    const restricted = makeServices({ allowedHosts: ['graph.microsoft.com'] });
    try {
      const noToken = await send({ services: restricted, connectorId: 'exchange-hosts' });
      expect(noToken).toMatchObject({ status: 'error', serviceMessage: 'Unable to retrieve access token for connectorId: exchange-hosts' });
      expect(tokens.requests).toHaveLength(0);
    } finally {
      await restricted.http.close();
    }
    const tokenOnly = makeServices({ allowedHosts: ['127.0.0.1'] });
    try {
      // The token endpoint is allowed, Graph (reached as localhost) is not: nothing is sent to it.
      const utils = utilsFor({ 'xpack.actions.microsoftGraphApiUrl': graph.url.replace('127.0.0.1', 'localhost') });
      const result = await send({ services: tokenOnly, utils, connectorId: 'exchange-hosts' });
      expect(result).toMatchObject({ status: 'error', message: 'error sending email' });
      expect(result.serviceMessage).toMatch(/is not added to the Kibana config xpack\.actions\.allowedHosts/);
      expect(graph.requests).toHaveLength(0);
    } finally {
      await tokenOnly.http.close();
    }
  });
});
