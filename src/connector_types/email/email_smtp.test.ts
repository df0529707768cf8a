import type { SMTPServerOptions } from 'smtp-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ActionResult, ConfigurationUtilities, ExecutionSource } from '../../actions/types.js';
import { validateConfig, validateParams, validateSecrets } from '../../actions/validation.js';
import { installZod3Messages } from '../../common/zod_messages.js';
import { readMessage } from '../../../test/helpers/mime.js';
import { startTestSmtpServer, type TestSmtpServer } from '../../../test/helpers/smtp_server.js';
import { createTlsFixtures, type TlsFixtures } from '../../../test/helpers/tls_fixtures.js';
import { makeConfigurationUtilities, makeContext } from '../lib/test_context.js';
import { emailConnectorType as def } from './index.js';
import type { EmailConfig, EmailParams, EmailSecrets } from './schema.js';

// The email connector against a real SMTP server (smtp-server, in this process) with STARTTLS
// or implicit TLS, certificates made for the test run, and password logins checked by the
// server; every message is read back from the raw MIME the server received.

installZod3Messages();

const USER = 'mailer';
const PASSWORD = 'smtp-pass-3f9a';

let tls: TlsFixtures;
const servers: TestSmtpServer[] = [];

beforeAll(async () => {
  tls = await createTlsFixtures();
});
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});
afterAll(async () => {
  await tls.cleanup();
});

/**
 * A server that takes PLAIN and LOGIN for USER/PASSWORD only (its sessions' `user` is the
 * username and the method), refuses recipients at bounce@ with 550, and presents `tls.server`.
 */
async function startSmtp(options: Partial<SMTPServerOptions> = {}): Promise<TestSmtpServer> {
  const server = await startTestSmtpServer({
    key: tls.server.key,
    cert: tls.server.cert,
    authMethods: ['PLAIN', 'LOGIN'],
    onAuth(auth, _session, callback) {
      if (auth.username === USER && auth.password === PASSWORD) return callback(null, { user: { username: auth.username, method: auth.method } });
      callback(new Error('Invalid username or password'));
    },
    onRcptTo(address, _session, callback) {
      if (address.address.startsWith('bounce@')) return callback(Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 }));
      callback();
    },
    ...options,
  });
  servers.push(server);
  return server;
}

// --- running the connector --------------------------------------------------------------------

const trust = (server: TestSmtpServer, smtp?: Record<string, boolean>) => ({
  url: `smtp://127.0.0.1:${server.port}`,
  ssl: { certificateAuthoritiesData: tls.ca.cert },
  ...(smtp ? { smtp } : {}),
});

const trusting = (server: TestSmtpServer, extra: Record<string, unknown> = {}) => makeConfigurationUtilities({ settings: { 'xpack.actions.customHostSettings': [trust(server)], ...extra } });

async function send(
  server: TestSmtpServer,
  options: {
    config?: Record<string, unknown>;
    secrets?: Record<string, unknown>;
    params?: Record<string, unknown>;
    utils?: ConfigurationUtilities;
    source?: ExecutionSource;
    signal?: AbortSignal;
  } = {},
): Promise<ActionResult> {
  const utils = options.utils ?? trusting(server);
  const ctx = { configurationUtilities: utils };
  const config = validateConfig(def, { service: 'other', host: '127.0.0.1', port: server.port, from: 'Alerts <alerts@example.com>', ...options.config }, ctx) as EmailConfig;
  const secrets = validateSecrets(def, options.secrets ?? { user: USER, password: PASSWORD }, ctx) as EmailSecrets;
  // Params as they arrive at execution: validated when saved, rendered since, so the settings
  // under test (allowlists) are applied by the executor.
  const params = validateParams(
    def,
    options.params ?? { to: ['Ops Team <ops@example.com>'], cc: ['lead@example.com'], bcc: ['audit@example.com'], subject: 'Disk full on web-1', message: 'Disk **full**' },
    { configurationUtilities: makeConfigurationUtilities() },
  ) as EmailParams;
  const context = makeContext({ config, secrets, params }, { connectorId: 'smtp-connector', configurationUtilities: utils });
  return def.executor({ ...context, source: options.source ?? 'background_task', ...(options.signal ? { signal: options.signal } : {}) });
}

describe('.email over SMTP', () => {
  it('upgrades with STARTTLS, logs in, and delivers headers, envelope, text, HTML and footer', async () => {
    const server = await startSmtp();
    const result = await send(server, {
      utils: trusting(server, { 'server.publicBaseUrl': 'https://kibana.example.com' }),
      params: {
        to: ['Ops Team <ops@example.com>', 'second@example.com'],
        cc: ['lead@example.com'],
        bcc: ['audit@example.com'],
        replyTo: ['noreply@example.com'],
        subject: 'Disk full on web-1 — ünïcode',
        message: 'Disk **full** on `web-1`:\n\n- /var at 99%\n- see https://status.example.com',
        kibanaFooterLink: { path: '/app/rules/r-1', text: 'View rule' },
      },
    });
    expect(result).toMatchObject({ status: 'ok', actionId: 'smtp-connector' });
    expect(result.data).toMatchObject({ accepted: ['ops@example.com', 'second@example.com', 'lead@example.com', 'audit@example.com'], rejected: [] });

    expect(server.received).toHaveLength(1);
    const [received] = server.received;
    expect(received).toMatchObject({ secure: true, user: { username: USER, method: 'PLAIN' }, mailFrom: 'alerts@example.com' });
    expect(received.rcptTo).toEqual(['ops@example.com', 'second@example.com', 'lead@example.com', 'audit@example.com']);

    const message = readMessage(received);
    expect(message.header('From')).toBe('Alerts <alerts@example.com>');
    expect(message.header('To')).toBe('Ops Team <ops@example.com>, second@example.com');
    expect(message.header('Cc')).toBe('lead@example.com');
    expect(message.header('Bcc')).toBeUndefined();
    expect(message.header('Reply-To')).toBe('noreply@example.com');
    expect(message.header('Subject')).toBe('Disk full on web-1 — ünïcode');
    expect(message.text).toBe(
      'Disk **full** on `web-1`:\n\n- /var at 99%\n- see https://status.example.com\n\n---\n\n' +
        'This message was sent by Plugboard. [View rule](https://kibana.example.com/app/rules/r-1).',
    );
    expect(message.html).toBe(
      '<p>Disk <strong>full</strong> on <code>web-1</code>:</p>\n<ul>\n<li>/var at 99%</li>\n' +
        '<li>see <a href="https://status.example.com">https://status.example.com</a></li>\n</ul>\n<hr>\n' +
        '<p>This message was sent by Plugboard. <a href="https://kibana.example.com/app/rules/r-1">View rule</a>.</p>\n',
    );
    expect(received.raw).not.toContain(PASSWORD);
  });

  it('logs in with LOGIN when that is what the server offers', async () => {
    const server = await startSmtp({ authMethods: ['LOGIN'] });
    expect(await send(server)).toMatchObject({ status: 'ok' });
    expect(server.received[0]).toMatchObject({ user: { username: USER, method: 'LOGIN' }, secure: true });
  });

  it('sends the test text from _execute and the Test button', async () => {
    const server = await startSmtp();
    expect(await send(server, { source: 'http_request' })).toMatchObject({ status: 'ok' });
    const message = readMessage(server.received[0]);
    expect(message.header('Subject')).toBe('This is a test email from Plugboard');
    expect(message.text).toBe('This is a test email from Plugboard\n\n---\n\nThis message was sent by Plugboard.');
  });

  it('sends HTML bodies and attachments given by notifications', async () => {
    const server = await startSmtp();
    const result = await send(server, {
      source: 'notification',
      params: {
        to: ['ops@example.com'],
        subject: 'Report',
        message: 'See the report',
        messageHTML: '<h1>Report</h1><p>All good</p>',
        attachments: [{ content: Buffer.from('host,load\nweb-1,0.9\n').toString('base64'), filename: 'load.csv', contentType: 'text/csv', encoding: 'base64' }],
      },
    });
    expect(result).toMatchObject({ status: 'ok' });
    const message = readMessage(server.received[0]);
    expect(message.html).toBe('<h1>Report</h1><p>All good</p>');
    expect(message.text).toBe('See the report\n\n---\n\nThis message was sent by Plugboard.');
    expect(message.attachments).toHaveLength(1);
    expect(message.attachments[0].headers.get('content-disposition')).toContain('filename=load.csv');
    expect(message.attachments[0].body).toBe('host,load\nweb-1,0.9');
  });

  it('speaks TLS from the first byte with secure:true', async () => {
    const server = await startSmtp({ secure: true });
    expect(await send(server, { config: { secure: true } })).toMatchObject({ status: 'ok' });
    expect(server.received[0].secure).toBe(true);
  });

  it('refuses a server certificate the policy does not trust when it logs in', async () => {
    const server = await startSmtp();
    const result = await send(server, { utils: makeConfigurationUtilities() });
    expect(result).toMatchObject({ status: 'error', actionId: 'smtp-connector', message: 'error sending email' });
    expect(result.serviceMessage).toMatch(/self-signed|unable to verify|certificate/i);
    expect(result.retry).toBeUndefined();
    expect(server.received).toHaveLength(0);
  });

  it("as Kibana, skips certificate checks for a plain-text relay reached without credentials, unless it has a customHostSettings entry", async () => {
    const server = await startSmtp({ key: tls.untrusted.key, cert: tls.untrusted.cert });
    const relay = { config: { hasAuth: false }, secrets: {} };
    expect(await send(server, { ...relay, utils: makeConfigurationUtilities() })).toMatchObject({ status: 'ok' });
    expect(server.received[0].secure).toBe(true);
    // Its own entry means its TLS settings are meant: the unknown CA is refused.
    const failed = await send(server, { ...relay, utils: trusting(server) });
    expect(failed).toMatchObject({ status: 'error', message: 'error sending email' });
    expect(server.received).toHaveLength(1);
  });

  it('follows smtp.requireTLS and smtp.ignoreTLS of the server entry', async () => {
    const noStartTls = await startSmtp({ disabledCommands: ['STARTTLS'], allowInsecureAuth: true });
    const required = await send(noStartTls, { utils: makeConfigurationUtilities({ settings: { 'xpack.actions.customHostSettings': [trust(noStartTls, { requireTLS: true })] } }) });
    expect(required).toMatchObject({ status: 'error', message: 'error sending email' });
    expect(required.serviceMessage).toMatch(/STARTTLS/);
    const ignoring = await startSmtp({ allowInsecureAuth: true });
    const plain = await send(ignoring, { utils: makeConfigurationUtilities({ settings: { 'xpack.actions.customHostSettings': [{ url: `smtp://127.0.0.1:${ignoring.port}`, smtp: { ignoreTLS: true } }] } }) });
    expect(plain).toMatchObject({ status: 'ok' });
    expect(ignoring.received[0]).toMatchObject({ secure: false, user: { username: USER } });
  });

  it('maps a refused login, a refused recipient and an unreachable server to "error sending email"', async () => {
    const server = await startSmtp();
    const badLogin = await send(server, { secrets: { user: USER, password: 'wrong' } });
    expect(badLogin).toMatchObject({ status: 'error', message: 'error sending email' });
    expect(badLogin.serviceMessage).toMatch(/Invalid login: 535/);
    expect(JSON.stringify(badLogin)).not.toContain('wrong');

    const bounced = await send(server, { params: { to: ['bounce@example.com'], subject: 's', message: 'm' } });
    expect(bounced).toMatchObject({ status: 'error', message: 'error sending email' });
    expect(bounced.serviceMessage).toMatch(/550/);

    await server.close();
    const down = await send(server);
    expect(down).toMatchObject({ status: 'error', message: 'error sending email' });
    expect(down.serviceMessage).toMatch(/ECONNREFUSED/);
  });

  it('refuses recipients outside the allowlists before connecting', async () => {
    const server = await startSmtp();
    const domains = await send(server, {
      utils: trusting(server, { 'xpack.actions.email.domain_allowlist': ['example.com'] }),
      params: { to: ['ops@example.com'], bcc: ['leak@evil.example'], subject: 's', message: 'm' },
    });
    expect(domains).toEqual({
      status: 'error',
      actionId: 'smtp-connector',
      message: '[to/cc/bcc]: not allowed emails: leak@evil.example',
      failure: { permanent: true },
    });
    const recipients = await send(server, {
      utils: trusting(server, { 'xpack.actions.email.recipient_allowlist': ['*@example.com'] }),
      params: { to: ['ops@example.com', 'x@other.org'], subject: 's', message: 'm' },
    });
    expect(recipients).toMatchObject({ status: 'error', message: '[to/cc/bcc]: not allowed emails: x@other.org' });
    expect(server.connections).toBe(0);
  });

  it('cuts a body at maximum_body_length', async () => {
    const server = await startSmtp();
    const result = await send(server, {
      utils: trusting(server, { 'xpack.actions.email.maximum_body_length': 100, 'xpack.actions.enableFooterInEmail': false }),
      params: { to: ['ops@example.com'], subject: 'Long', message: 'y'.repeat(250) },
    });
    expect(result).toMatchObject({ status: 'ok' });
    const { text } = readMessage(server.received[0]);
    expect(text).toMatch(/^Your message's length of 250 exceeded the 100 bytes limit that is set for the connector "smtp-connector" and was trimmed\./);
    expect(text!.endsWith(`\n\n${'y'.repeat(100)}`)).toBe(true);
  });

  it('is refused by the SSRF guard before connecting, and by allowedHosts at validation', async () => {
    const server = await startSmtp();
    const denied = await send(server, { utils: trusting(server, { 'plugboard.net.deniedAddresses': ['127.0.0.0/8'] }) });
    expect(denied).toMatchObject({ status: 'error', message: 'error sending email' });
    expect(denied.serviceMessage).toContain('plugboard.net.deniedAddresses');
    expect(server.connections).toBe(0);
    await expect(send(server, { utils: makeConfigurationUtilities({ settings: { 'xpack.actions.allowedHosts': ['smtp.example.com'] } }) })).rejects.toThrow(
      "error validating connector type config: [host] value '127.0.0.1' is not in the allowedHosts configuration",
    );
  });

  it('closes the connection when the execution is aborted', async () => {
    // A server that never finishes the greeting.
    const server = await startSmtp({ onConnect: () => undefined });
    const controller = new AbortController();
    const pending = send(server, { signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 200));
    controller.abort();
    const result = await pending;
    expect(result).toMatchObject({ status: 'error', message: 'error sending email' });
    expect(result.serviceMessage).toMatch(/aborted/);
  });
});
