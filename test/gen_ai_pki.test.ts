import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SubActionParams } from '../src/actions/sub_actions.js';
import { validateConfig, validateParams, validateSecrets } from '../src/actions/validation.js';
import { installZod3Messages } from '../src/common/zod_messages.js';
import { genAiConnectorType } from '../src/connector_types/openai/index.js';
import { makeConfigurationUtilities, makeContext, makeServices, runAsAction } from '../src/connector_types/lib/test_context.js';
import { createTlsFixtures, startTlsServer, type TestTlsServer, type TlsFixtures } from './helpers/tls_fixtures.js';

// `.gen-ai` with provider Other and a client certificate (PKI): the certificate, key and CA,
// each stored as the base64 of its PEM file, are presented to a server that requires a client
// certificate from its CA.

installZod3Messages();

const def = genAiConnectorType;
const ctx = { configurationUtilities: makeConfigurationUtilities() };
const b64 = (pem: string) => Buffer.from(pem).toString('base64');
const COMPLETION = { object: 'chat.completion', choices: [{ message: { role: 'assistant', content: 'hi' } }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } };

describe('.gen-ai Other with a client certificate', () => {
  let tls: TlsFixtures;
  let server: TestTlsServer;
  const services = makeServices();

  beforeAll(async () => {
    tls = await createTlsFixtures();
    server = await startTlsServer({
      key: tls.server.key,
      cert: tls.server.cert,
      ca: tls.clientCa.cert,
      requestCert: true,
      handler: (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(COMPLETION)),
    });
  });
  afterAll(async () => {
    await services.http.close();
    await server?.close();
    await tls?.cleanup();
  });

  const run = (secrets: Record<string, unknown>, config: Record<string, unknown> = {}) => {
    const valid = validateConfig(def, { apiProvider: 'Other', apiUrl: `${server.url}/v1/chat/completions`, defaultModel: 'local', ...config }, ctx);
    const context = makeContext(
      { config: valid, secrets: validateSecrets(def, secrets, ctx), params: validateParams(def, { subAction: 'run', subActionParams: { body: '{"messages":[]}' } }, ctx) as SubActionParams },
      { services },
    );
    return runAsAction(def, context);
  };

  it('presents the certificate (even pasted without its line breaks) and trusts the given CA', async () => {
    const flattened = tls.client.cert.replace(/\n(?!-----END)/g, ' ');
    const read = await run({ certificateData: b64(flattened), privateKeyData: b64(tls.client.key), caData: b64(tls.ca.cert) });
    expect(read.result).toMatchObject({ status: 'ok', data: COMPLETION });
    expect(server.requests.at(-1)).toMatchObject({ clientCertSubject: 'plugboard-test-client' });
    // No key under PKI: `Bearer ` with nothing after it, as Kibana sends it.
    expect(server.requests.at(-1)!.headers.authorization).toBe('Bearer');
  });

  it('is refused by the server without a certificate, and by the client for an unknown CA or another host name under full verification, worded as Kibana words them', async () => {
    const withoutCert = await run({ apiKey: 'sk-x-key' }, { verificationMode: 'none' });
    expect(withoutCert.result).toMatchObject({ status: 'error' });
    const untrusted = await run({ certificateData: b64(tls.client.cert), privateKeyData: b64(tls.client.key), caData: b64(tls.otherCa.cert) });
    expect(untrusted.result.serviceMessage).toBe(
      'Status code: undefined. Message: Certificate error: unable to verify the first certificate. Please check if your PKI certificates are valid or adjust SSL verification mode.',
    );
    const misnamed = await startTlsServer({ key: tls.wrongHost.key, cert: tls.wrongHost.cert });
    try {
      const wrongHost = await run({ certificateData: b64(tls.client.cert), privateKeyData: b64(tls.client.key), caData: b64(tls.ca.cert) }, { apiUrl: `${misnamed.url}/v1/chat/completions` });
      expect(wrongHost.result.serviceMessage).toMatch(/^Status code: undefined\. Message: TLS handshake failed: .+\. Verify server certificate hostname and CA configuration\.$/);
    } finally {
      await misnamed.close();
    }
    const unchecked = await run({ certificateData: b64(tls.client.cert), privateKeyData: b64(tls.client.key), caData: b64(tls.otherCa.cert) }, { verificationMode: 'none' });
    expect(unchecked.result.status).toBe('ok');
  });
});
