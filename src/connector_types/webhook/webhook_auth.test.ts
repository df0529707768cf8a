import { createServer, type IncomingHttpHeaders } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ActionResult, ConnectorServices } from '../../actions/types.js';
import { validateConfig, validateParams, validateSecrets } from '../../actions/validation.js';
import { installZod3Messages } from '../../common/zod_messages.js';
import { CLIENT_PFX_PASSPHRASE, createTlsFixtures, startTlsServer, type TestTlsServer, type TlsFixtures } from '../../../test/helpers/tls_fixtures.js';
import { startOAuthTokenSimulator, type OAuthTokenSimulator } from '../lib/oauth_token_simulator.js';
import { closeServer, listenOnLoopback } from '../lib/simulator_server.js';
import { makeConfigurationUtilities, makeContext, makeServices } from '../lib/test_context.js';
import { webhookConnectorType as def } from './index.js';
import type { WebhookConfig, WebhookParams, WebhookSecrets } from './schema.js';

installZod3Messages();
const b64 = (value: string | Buffer) => Buffer.from(value).toString('base64');

async function run(config: Record<string, unknown>, secrets: Record<string, unknown>, services: ConnectorServices, connectorId = 'webhook-auth'): Promise<ActionResult> {
  const ctx = { configurationUtilities: makeConfigurationUtilities() };
  return def.executor(
    makeContext(
      {
        config: validateConfig(def, config, ctx) as WebhookConfig,
        secrets: validateSecrets(def, secrets, ctx) as WebhookSecrets,
        params: validateParams(def, { body: '{"x":1}' }, ctx) as WebhookParams,
      },
      { connectorId, services },
    ),
  );
}

describe('.webhook with a TLS client certificate (webhook-authentication-ssl)', () => {
  let tls: TlsFixtures;
  let server: TestTlsServer;
  const services = makeServices();

  beforeAll(async () => {
    tls = await createTlsFixtures();
    server = await startTlsServer({ ...tls.server, requestCert: true, ca: tls.clientCa.cert });
  });
  afterAll(async () => {
    await server.close();
    await services.http.close();
    await tls.cleanup();
  });

  // The server's CA comes from the connector's own `ca` (base64 PEM), as in Kibana's UI.
  const base = () => ({ url: `${server.url}/hook`, authType: 'webhook-authentication-ssl', ca: b64(tls.ca.cert), verificationMode: 'full' });

  it('presents a CRT and key, an encrypted key with its password, or a PFX with its password', async () => {
    const crtKey = await run({ ...base(), certType: 'ssl-crt-key' }, { crt: b64(tls.client.cert), key: b64(tls.client.key) }, services);
    expect(crtKey).toMatchObject({ status: 'ok' });
    const encrypted = await run(
      { ...base(), certType: 'ssl-crt-key' },
      { crt: b64(tls.client.cert), key: b64(tls.clientEncryptedKey), password: CLIENT_PFX_PASSPHRASE },
      services,
    );
    expect(encrypted).toMatchObject({ status: 'ok' });
    const pfx = await run({ ...base(), certType: 'ssl-pfx' }, { pfx: b64(tls.clientPfx), password: CLIENT_PFX_PASSPHRASE }, services);
    expect(pfx).toMatchObject({ status: 'ok' });
    expect(server.requests.map((r) => [r.method, r.url, r.body, r.clientCertSubject])).toEqual([
      ['POST', '/hook', '{"x":1}', 'plugboard-test-client'],
      ['POST', '/hook', '{"x":1}', 'plugboard-test-client'],
      ['POST', '/hook', '{"x":1}', 'plugboard-test-client'],
    ]);
  });

  it('fails the action when the server refuses the connection for want of a certificate', async () => {
    const before = server.requests.length;
    const result = await run({ ...base(), hasAuth: false, authType: null }, {}, services);
    expect(result).toMatchObject({ status: 'error', message: 'error calling webhook, request failed' });
    // TLS 1.3: the server's alert may arrive as such, or as the connection closing.
    expect(result.serviceMessage).toMatch(/certificate required|other side closed|socket hang up|ECONNRESET/i);
    expect(server.requests.length).toBe(before);
  });

  it("applies the connector's own verification mode and CA", async () => {
    // Without the connector's CA the server is unknown: refused under full, accepted under none.
    const unknown = await run({ url: `${server.url}/hook`, authType: 'webhook-authentication-ssl', certType: 'ssl-crt-key' }, { crt: b64(tls.client.cert), key: b64(tls.client.key) }, services);
    expect(unknown).toMatchObject({ status: 'error', message: 'error calling webhook, request failed' });
    expect(unknown.serviceMessage).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|unable to verify/);
    const none = await run(
      { url: `${server.url}/hook`, authType: 'webhook-authentication-ssl', certType: 'ssl-crt-key', verificationMode: 'none' },
      { crt: b64(tls.client.cert), key: b64(tls.client.key) },
      services,
    );
    expect(none).toMatchObject({ status: 'ok' });
  });
});

describe('.webhook with OAuth2 client credentials', () => {
  let tokens: OAuthTokenSimulator;
  let target: { url: string; seen: IncomingHttpHeaders[]; status: number; close(): Promise<void> };
  let services: ConnectorServices;

  beforeAll(async () => {
    tokens = await startOAuthTokenSimulator({ id: 'plugboard', secret: 's3cret-value' });
    const seen: IncomingHttpHeaders[] = [];
    const state = { status: 200 };
    const server = createServer((req, res) => {
      seen.push(req.headers);
      req.resume();
      req.on('end', () => res.writeHead(state.status).end(state.status === 200 ? 'ok' : '{"message":"bad token"}'));
    });
    const url = await listenOnLoopback(server);
    target = {
      url,
      seen,
      get status() {
        return state.status;
      },
      set status(value: number) {
        state.status = value;
      },
      close: () => closeServer(server),
    };
  });
  afterEach(async () => {
    target.status = 200;
    await services?.http.close();
  });
  afterAll(async () => {
    await tokens.close();
    await target.close();
  });

  const config = () => ({
    url: `${target.url}/hook`,
    authType: 'webhook-oauth2-client-credentials',
    accessTokenUrl: tokens.url,
    clientId: 'plugboard',
    scope: 'alerts.write',
    additionalFields: '{"audience":"https://api.example"}',
    headers: { 'X-From-Config': 'a' },
  });
  const secrets = { clientSecret: 's3cret-value', secretHeaders: { 'X-Secret': 'b' } };

  it('fetches a token with the client-credentials form, sends it, and reuses it until it expires', async () => {
    services = makeServices();
    const first = await run(config(), secrets, services, 'oauth-a');
    const second = await run(config(), secrets, services, 'oauth-a');
    expect([first.status, second.status]).toEqual(['ok', 'ok']);
    expect(tokens.requests).toHaveLength(1);
    expect(tokens.requests[0].headers['content-type']).toBe('application/x-www-form-urlencoded; charset=UTF-8');
    expect(tokens.requests[0].form).toEqual({
      grant_type: 'client_credentials',
      client_id: 'plugboard',
      client_secret: 's3cret-value',
      scope: 'alerts.write',
      audience: 'https://api.example',
    });
    expect(target.seen.slice(-2).map((h) => [h.authorization, h['x-from-config'], h['x-secret']])).toEqual([
      ['Bearer token-1', 'a', 'b'],
      ['Bearer token-1', 'a', 'b'],
    ]);
  });

  it('drops the token when the service answers 4xx, and fetches a new one next time', async () => {
    services = makeServices();
    tokens.requests.length = 0;
    await run(config(), secrets, services, 'oauth-b');
    target.status = 401;
    const refused = await run(config(), secrets, services, 'oauth-b');
    expect(refused).toMatchObject({ status: 'error', message: 'error calling webhook, invalid response', serviceMessage: '[401] Unauthorized: bad token' });
    target.status = 200;
    await run(config(), secrets, services, 'oauth-b');
    expect(tokens.requests).toHaveLength(2);
    expect(target.seen.at(-1)!.authorization).toBe(`Bearer ${tokens.issued.at(-1)}`);
    expect(target.seen.at(-2)!.authorization).not.toBe(target.seen.at(-1)!.authorization);
  });

  it('fails the action, sending nothing, when no token can be had', async () => {
    services = makeServices();
    const before = target.seen.length;
    const wrong = await run(config(), { clientSecret: 'wrong' }, services, 'oauth-c');
    expect(wrong).toEqual({
      status: 'error',
      actionId: 'oauth-c',
      message: 'error calling webhook, request failed',
      serviceMessage: 'Unable to retrieve/refresh the access token: {"error":"invalid_client"}',
    });
    const noSecret = await run(config(), {}, services, 'oauth-c');
    expect(noSecret).toMatchObject({ message: 'error calling webhook, request failed', serviceMessage: 'Unable to retrieve new access token' });
    expect(target.seen.length).toBe(before);
  });

  it('keeps the token URL under allowedHosts when the token is fetched', async () => {
    // Allowed when the connector was saved; the setting has since been narrowed to the target only.
    services = makeServices({ allowedHosts: ['localhost'] });
    const result = await run({ ...config(), url: target.url.replace('127.0.0.1', 'localhost') }, secrets, services, 'oauth-d');
    expect(result).toMatchObject({
      status: 'error',
      serviceMessage: `Unable to retrieve/refresh the access token: target url "${tokens.url}" is not added to the Kibana config xpack.actions.allowedHosts`,
    });
  });
});
