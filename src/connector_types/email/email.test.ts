import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { ActionResult, ConfigurationUtilities, ExecutionSource } from '../../actions/types.js';
import { validateConfig, validateConnector, validateParams, validateSecrets } from '../../actions/validation.js';
import { installZod3Messages } from '../../common/zod_messages.js';
import { makeConfigurationUtilities, makeContext } from '../lib/test_context.js';
import { invalidAddressesMessage, matchesWildcard, parseAddressList } from './addresses.js';
import { emailConnectorType as def } from './index.js';
import { markdownToHtml } from './markdown.js';
import { secretsSchema, type EmailConfig, type EmailParams, type EmailSecrets } from './schema.js';
import { composeEmail, smtpEndpointFor, smtpTransportOptions, type OutgoingEmail } from './service.js';

installZod3Messages();

const utils = makeConfigurationUtilities();
const ctx = { configurationUtilities: utils };
const withSettings = (settings: Record<string, unknown>, allowedHosts?: string[]) => ({
  configurationUtilities: makeConfigurationUtilities({ settings, allowedHosts }),
});
const silent = pino({ level: 'silent' });

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected a validation failure');
}

const configError = (config: unknown, context = ctx) => errorOf(() => validateConfig(def, config, context));
const paramsError = (params: unknown, context = ctx) => errorOf(() => validateParams(def, params, context));

const smtp = { service: 'other', host: 'smtp.example.com', port: 587, from: 'alerts@example.com' };

function parts(config: Record<string, unknown>, params: Record<string, unknown>, secrets: Record<string, unknown> = {}, context = ctx) {
  return {
    config: validateConfig(def, config, context) as EmailConfig,
    secrets: validateSecrets(def, secrets, context) as EmailSecrets,
    params: validateParams(def, params, context) as EmailParams,
  };
}

function compose(
  config: Record<string, unknown>,
  params: Record<string, unknown>,
  options: { source?: ExecutionSource; utils?: ConfigurationUtilities } = {},
): OutgoingEmail | ActionResult {
  const configurationUtilities = options.utils ?? utils;
  const context = makeContext(parts(config, params, { user: 'u', password: 'p' }, { configurationUtilities }), { configurationUtilities, connectorId: 'mail-1' });
  return composeEmail({ ...context, source: options.source ?? 'background_task' });
}

function composed(...args: Parameters<typeof compose>): OutgoingEmail {
  const result = compose(...args);
  if ('status' in result) throw new Error(`refused: ${result.message}`);
  return result;
}

describe('.email definition', () => {
  it("has Kibana's identity", () => {
    expect(def.id).toBe('.email');
    expect(def.name).toBe('Email');
    expect(def.minimumLicenseRequired).toBe('gold');
    expect(def.supportedFeatureIds).toEqual(['alerting', 'uptime', 'siem', 'workflows', 'agentBuilder']);
  });

  it('marks every secret as secret and has valid test params', () => {
    for (const [name, field] of Object.entries(secretsSchema.shape)) expect(field.meta(), name).toMatchObject({ secret: true });
    expect(() => validateParams(def, def.testParams, ctx)).not.toThrow();
  });
});

describe('.email config', () => {
  it('applies the defaults and coerces the port', () => {
    expect(validateConfig(def, { host: 'smtp.example.com', port: '2525', from: 'a@example.com' }, ctx)).toEqual({
      service: 'other',
      host: 'smtp.example.com',
      port: 2525,
      secure: null,
      from: 'a@example.com',
      hasAuth: true,
      tenantId: null,
      clientId: null,
      oauthTokenUrl: null,
    });
  });

  it('rejects unknown keys, a missing from and ports out of range', () => {
    expect(configError({ ...smtp, extra: 1 })).toBe("error validating connector type config: Unrecognized key(s) in object: 'extra'");
    expect(configError({ service: 'gmail' })).toBe('error validating connector type config: Field "from": Required');
    expect(configError({ ...smtp, port: 70000 })).toBe('error validating connector type config: Field "port": Number must be less than or equal to 65535');
  });

  it('requires host and port for service other, and checks the host against allowedHosts', () => {
    const prefix = 'error validating connector type config: ';
    expect(configError({ from: 'a@example.com' })).toBe(`${prefix}[host]/[port] is required`);
    expect(configError({ from: 'a@example.com', port: 25 })).toBe(`${prefix}[host] is required`);
    expect(configError({ from: 'a@example.com', host: 'h' })).toBe(`${prefix}[port] is required`);
    expect(configError(smtp, withSettings({}, ['other.example']))).toBe(`${prefix}[host] value 'smtp.example.com' is not in the allowedHosts configuration`);
  });

  it('resolves well-known services through nodemailer and checks the host they resolve to', () => {
    expect(() => validateConfig(def, { service: 'gmail', from: 'a@example.com' }, ctx)).not.toThrow();
    expect(() => validateConfig(def, { service: 'Hotmail', from: 'a@example.com' }, ctx)).not.toThrow();
    expect(configError({ service: 'carrier-pigeon', from: 'a@example.com' })).toBe(
      "error validating connector type config: [service] value 'carrier-pigeon' is not valid",
    );
    expect(configError({ service: 'gmail', from: 'a@example.com' }, withSettings({}, ['smtp.office365.com']))).toBe(
      "error validating connector type config: [service] value 'gmail' resolves to host 'smtp.gmail.com' which is not in the allowedHosts configuration",
    );
    expect(configError({ service: 'elastic_cloud', from: 'a@example.com' }, withSettings({}, ['x']))).toBe(
      "error validating connector type config: [service] value 'elastic_cloud' resolves to host 'dockerhost' which is not in the allowedHosts configuration",
    );
  });

  it('requires clientId and tenantId for exchange_server, and the token URL to be allowed', () => {
    const base = { service: 'exchange_server', from: 'a@example.com' };
    expect(configError(base)).toBe('error validating connector type config: [clientId]/[tenantId] is required');
    expect(configError({ ...base, tenantId: 't' })).toBe('error validating connector type config: [clientId] is required');
    expect(configError({ ...base, clientId: 'c' })).toBe('error validating connector type config: [tenantId] is required');
    expect(() => validateConfig(def, { ...base, clientId: 'c', tenantId: 't' }, ctx)).not.toThrow();
    expect(configError({ ...base, clientId: 'c', tenantId: 't', oauthTokenUrl: 'https://login.example/token' }, withSettings({}, ['other']))).toBe(
      "error validating connector type config: [oauthTokenUrl]: host name value for 'https://login.example/token' is not in the allowedHosts configuration",
    );
  });

  it('holds ses to the configured SES server, taking it when host and port are left unset', () => {
    const ses = { service: 'ses', from: 'a@example.com' };
    expect(() => validateConfig(def, ses, ctx)).not.toThrow();
    expect(() => validateConfig(def, { ...ses, host: 'email-smtp.us-east-1.amazonaws.com', port: 465, secure: true }, ctx)).not.toThrow();
    const prefix = 'error validating connector type config: ';
    expect(configError({ ...ses, host: 'smtp.other', port: 25 })).toBe(`${prefix}[ses.host]/[ses.port] does not match with the configured AWS SES host/port combination`);
    expect(configError({ ...ses, host: 'smtp.other' })).toBe(`${prefix}[ses.host] does not match with the configured AWS SES host`);
    expect(configError({ ...ses, port: 587 })).toBe(`${prefix}[ses.port] does not match with the configured AWS SES port`);
    expect(configError({ ...ses, secure: false })).toBe(`${prefix}[ses.secure] must be true for AWS SES`);
    const custom = withSettings({ 'xpack.actions.email.services.ses': { host: 'email-smtp.eu-west-1.amazonaws.com', port: 587 } });
    expect(() => validateConfig(def, ses, custom)).not.toThrow();
    expect(configError({ ...ses, host: 'email-smtp.us-east-1.amazonaws.com', port: 465 }, custom)).toBe(
      `${prefix}[ses.host]/[ses.port] does not match with the configured AWS SES host/port combination`,
    );
  });

  it('enforces xpack.actions.email.services.enabled with the setting names', () => {
    const only = withSettings({ 'xpack.actions.email.services.enabled': ['google-mail', 'other'] });
    expect(() => validateConfig(def, smtp, only)).not.toThrow();
    expect(configError({ service: 'exchange_server', from: 'a@example.com', clientId: 'c', tenantId: 't' }, only)).toBe(
      'error validating connector type config: [service]: "microsoft-exchange" is not in the list of enabled email services: google-mail,other',
    );
    // Services outside Kibana's mapping are not governed by the setting.
    expect(() => validateConfig(def, { service: 'hotmail', from: 'a@example.com' }, only)).not.toThrow();
  });

  it('checks the sender against the domain allowlist but not the recipient allowlist', () => {
    const domains = withSettings({ 'xpack.actions.email.domain_allowlist': ['example.com'] });
    expect(configError({ ...smtp, from: 'alerts@evil.example' }, domains)).toBe('error validating connector type config: [from]: not allowed emails: alerts@evil.example');
    expect(configError({ ...smtp, from: 'not an address' })).toBe('error validating connector type config: [from]: not valid emails: not an address');
    const recipients = withSettings({ 'xpack.actions.email.recipient_allowlist': ['*@corp.example'] });
    expect(() => validateConfig(def, smtp, recipients)).not.toThrow();
  });

  it('refuses allowHtml with elastic_cloud', () => {
    expect(configError({ service: 'elastic_cloud', from: 'a@example.com', allowHtml: true })).toBe(
      'error validating connector type config: [allowHtml]: cannot be true when [service] is "elastic_cloud"',
    );
    expect(validateConfig(def, { ...smtp, allowHtml: true }, ctx)).toMatchObject({ allowHtml: true });
  });
});

describe('.email secrets and connector', () => {
  it('defaults every secret to null and rejects unknown keys', () => {
    expect(validateSecrets(def, {}, ctx)).toEqual({ user: null, password: null, clientSecret: null });
    expect(errorOf(() => validateSecrets(def, { token: 'x' }, ctx))).toBe("error validating connector type secrets: Unrecognized key(s) in object: 'token'");
  });

  it('requires user and password with hasAuth, and the client secret with exchange_server', () => {
    const connectorError = (config: Record<string, unknown>, secrets: Record<string, unknown>) =>
      errorOf(() => validateConnector(def, validateConfig(def, config, ctx), validateSecrets(def, secrets, ctx)));
    expect(connectorError(smtp, {})).toBe('error validating action type connector: [user] is required');
    expect(connectorError(smtp, { user: 'u' })).toBe('error validating action type connector: [password] is required');
    expect(() => validateConnector(def, validateConfig(def, { ...smtp, hasAuth: false }, ctx), validateSecrets(def, {}, ctx))).not.toThrow();
    expect(connectorError({ service: 'exchange_server', from: 'a@example.com', clientId: 'c', tenantId: 't' }, { user: 'u', password: 'p' })).toBe(
      'error validating action type connector: [clientSecret] is required',
    );
  });
});

describe('.email params', () => {
  it('applies the defaults and drops blank recipients', () => {
    expect(validateParams(def, { to: ['a@example.com', '  ', ''], subject: 's', message: 'm' }, ctx)).toEqual({
      to: ['a@example.com'],
      cc: [],
      bcc: [],
      subject: 's',
      message: 'm',
      messageHTML: null,
      kibanaFooterLink: { path: '/' },
    });
  });

  it('needs a recipient, a subject and a message', () => {
    expect(paramsError({ to: [' '], subject: 's', message: 'm' })).toBe('error validating action params: At least one entry in [to], [cc], or [bcc] is required');
    expect(paramsError({ to: ['a@example.com'], message: 'm' })).toBe('error validating action params: Field "subject": Required');
  });

  it('limits the lists and the length of each address', () => {
    const many = Array.from({ length: 101 }, (_, i) => `u${i}@example.com`);
    expect(paramsError({ to: many, subject: 's', message: 'm' })).toBe('error validating action params: Field "to": Array must contain at most 100 element(s)');
    expect(paramsError({ cc: [`${'a'.repeat(510)}@x.io`], subject: 's', message: 'm' })).toBe(
      'error validating action params: Field "cc.0": String must contain at most 512 character(s)',
    );
    expect(paramsError({ to: ['a@example.com'], replyTo: many.slice(0, 11), subject: 's', message: 'm' })).toBe(
      'error validating action params: Field "replyTo": Array must contain at most 10 element(s)',
    );
  });

  it('reports invalid and refused addresses with the lists they were checked in', () => {
    expect(paramsError({ to: ['ok@example.com', 'bad address'], cc: ['also bad@'], subject: 's', message: 'm' })).toBe(
      'error validating action params: [to/cc/bcc]: not valid emails: bad address, also bad@',
    );
    const domains = withSettings({ 'xpack.actions.email.domain_allowlist': ['example.com'] });
    expect(paramsError({ to: ['a@example.com', 'b@elsewhere.org', 'junk'], replyTo: ['r@other.org'], subject: 's', message: 'm' }, domains)).toBe(
      'error validating action params: [to/cc/bcc/replyTo]: not valid emails: junk; not allowed emails: b@elsewhere.org, r@other.org',
    );
  });

  it('leaves addresses with mustache templates to the execution', () => {
    const domains = withSettings({ 'xpack.actions.email.domain_allowlist': ['example.com'] });
    expect(() => validateParams(def, { to: ['{{context.owner}}'], bcc: ['x@example.com'], subject: 's', message: 'm' }, domains)).not.toThrow();
  });
});

describe('email addresses and allowlists', () => {
  it('parses mailboxes, display names, quoted parts, comments and groups', () => {
    expect(parseAddressList('bob@example.com')).toMatchObject([{ type: 'mailbox', name: null, address: 'bob@example.com', local: 'bob', domain: 'example.com' }]);
    expect(parseAddressList('"Dr. Tom, MD" <tom@example.com>, Jürgen Müller <j@müller.de>')?.map((a) => a.type === 'mailbox' && [a.name, a.address])).toEqual([
      ['Dr. Tom, MD', 'tom@example.com'],
      ['Jürgen Müller', 'j@müller.de'],
    ]);
    // email-addresses gives the semantic address: a quoted local part without its quotes.
    expect(parseAddressList('John Q. Public (the boss) <"john q"@[192.0.2.1]>')).toMatchObject([
      { name: 'John Q. Public', address: 'john q@[192.0.2.1]', local: 'john q', domain: '[192.0.2.1]' },
    ]);
    expect(parseAddressList('team: a@x.io, b@y.io;')).toMatchObject([{ type: 'group', name: 'team', addresses: [{ address: 'a@x.io' }, { address: 'b@y.io' }] }]);
    expect(parseAddressList('root@localhost')).toMatchObject([{ domain: 'localhost' }]);
    for (const bad of ['', 'plain', 'a@', '@x.io', 'a@@x.io', 'a b@x.io', '<a@x.io', 'a@x.io,', 'a..b@x.io', 'Name <a@x.io> trailing', 'a@x.io\nBcc: e@vil.io', 'g: a@x.io,,b@y.io;']) {
      expect(parseAddressList(bad), bad).toBeNull();
    }
    // What the parser throws (here, its stack overflowing on nested comments) counts as invalid, as in Kibana.
    expect(parseAddressList(`${'('.repeat(20_000)}a@x.io`)).toBeNull();
    expect(invalidAddressesMessage([`${'('.repeat(20_000)}a@x.io`], {})).toBe(`not valid emails: ${'('.repeat(20_000)}a@x.io`);
  });

  it('matches the recipient allowlist case-insensitively with * wildcards, and the domain allowlist exactly', () => {
    expect(matchesWildcard('admin-*@example.com', 'Admin-Net@Example.com')).toBe(true);
    expect(matchesWildcard('a*ab@x', 'ab@x')).toBe(false);
    expect(matchesWildcard('*@*.corp', 'x@mail.corp')).toBe(true);
    expect(matchesWildcard('exact@x.io', 'exact@x.io.evil')).toBe(false);
    const lists = { recipientAllowlist: ['*@mydomain.com', 'foo.*@test.com'] };
    expect(invalidAddressesMessage(['user@mydomain.com', 'foo.bar@test.com', 'foo.bar@elastic.co', 'nope'], lists)).toBe(
      'not valid emails: nope; not allowed emails: foo.bar@elastic.co',
    );
    // Every member of a group must be allowed.
    expect(invalidAddressesMessage(['g: a@mydomain.com, b@else.org;'], lists)).toBe('not allowed emails: g: a@mydomain.com, b@else.org;');
    expect(invalidAddressesMessage(['a@Example.com'], { domainAllowlist: ['example.com'] })).toBe('not allowed emails: a@Example.com');
    expect(invalidAddressesMessage(['a@x.io'], lists, { isSender: true })).toBeUndefined();
  });
});

describe('.email renderParameterTemplates', () => {
  const hostile = 'O\'Brien "quoted" *bold* _under_ [link](x) <b>tag</b> & \\ back\nnew line';
  const variables = { context: { value: hostile, owner: 'owner@example.com' } };
  const params = validateParams(
    def,
    {
      to: ['{{context.owner}}'],
      subject: 'Alert: {{context.value}}',
      message: 'Value: {{context.value}}',
      messageHTML: '<p>{{context.value}}</p>',
      kibanaFooterLink: { path: '/app/{{context.owner}}', text: 'Open' },
    },
    ctx,
  ) as EmailParams;
  const rendered = def.renderParameterTemplates!(silent, params, variables);

  it('escapes the message as Markdown, messageHTML as HTML and nothing else', () => {
    expect(rendered.to).toEqual(['owner@example.com']);
    expect(rendered.subject).toBe(`Alert: ${hostile}`);
    expect(rendered.message).toBe(
      'Value: O\'Brien "quoted" \\*bold\\* \\_under\\_ \\[link\\]\\(x\\) <b>tag</b> & \\\\ back\nnew line',
    );
    expect(rendered.messageHTML).toBe('<p>O&#39;Brien &quot;quoted&quot; *bold* _under_ [link](x) &lt;b&gt;tag&lt;&#x2F;b&gt; &amp; \\ back\nnew line</p>');
    expect(rendered.kibanaFooterLink).toEqual({ path: '/app/owner@example.com', text: 'Open' });
  });

  it('keeps the escaped Markdown literal when rendered to HTML', () => {
    expect(markdownToHtml(rendered.message)).toBe(
      '<p>Value: O\'Brien &quot;quoted&quot; *bold* _under_ [link](x) &lt;b&gt;tag&lt;/b&gt; &amp; \\ back\nnew line</p>\n',
    );
  });
});

describe('.email content', () => {
  const params = { to: ['a@example.com'], subject: 'Disk full', message: 'Disk **full** on web-1' };

  it('replaces subject and message with the test text for the Test button and _execute', () => {
    const email = composed({ ...smtp, allowHtml: true }, { ...params, messageHTML: '<b>x</b>' }, { source: 'http_request' });
    expect(email.subject).toBe('This is a test email from Plugboard');
    expect(email.text).toBe('This is a test email from Plugboard\n\n---\n\nThis message was sent by Plugboard.');
    expect(email.html).toBe('This is a test email from Plugboard');
  });

  it('keeps the content of other sources, with the footer and the Markdown rendered as HTML', () => {
    const email = composed(smtp, params);
    expect(email.subject).toBe('Disk full');
    expect(email.text).toBe('Disk **full** on web-1\n\n---\n\nThis message was sent by Plugboard.');
    expect(email.html).toBe('<p>Disk <strong>full</strong> on web-1</p>\n<hr>\n<p>This message was sent by Plugboard.</p>\n');
  });

  it('links the footer to server.publicBaseUrl and the footer path, and can leave it out', () => {
    const linked = makeConfigurationUtilities({ settings: { 'server.publicBaseUrl': 'https://kibana.example.com' } });
    expect(composed(smtp, params, { utils: linked }).text).toMatch(/\n\n---\n\nThis message was sent by Plugboard\. \[Go to Plugboard\]\(https:\/\/kibana\.example\.com\)\.$/);
    // The __json service, whose result Kibana's API tests read, keeps Kibana's words.
    expect(composed({ ...smtp, service: '__json' }, params, { utils: linked }).text).toMatch(
      /\n\n---\n\nThis message was sent by Elastic\. \[Go to Elastic\]\(https:\/\/kibana\.example\.com\)\.$/,
    );
    expect(composed(smtp, { ...params, kibanaFooterLink: { path: '/app/rules/1', text: 'View rule' } }, { utils: linked }).text).toMatch(
      /\[View rule\]\(https:\/\/kibana\.example\.com\/app\/rules\/1\)\.$/,
    );
    const noFooter = makeConfigurationUtilities({ settings: { 'xpack.actions.enableFooterInEmail': false } });
    expect(composed(smtp, params, { utils: noFooter }).text).toBe('Disk **full** on web-1');
  });

  it('cuts bodies at maximum_body_length and says so at the top', () => {
    const capped = makeConfigurationUtilities({ settings: { 'xpack.actions.email.maximum_body_length': 10, 'xpack.actions.enableFooterInEmail': false } });
    const email = composed(smtp, { ...params, message: 'x'.repeat(25) }, { utils: capped });
    expect(email.text).toBe(
      `Your message's length of 25 exceeded the 10 bytes limit that is set for the connector "mail-1" and was trimmed. ` +
        `You can modify the limit by increasing the value specified for the xpack.actions.email.maximum_body_length setting.\n\n${'x'.repeat(10)}`,
    );
    // The HTML part is the notice and the cut message, rendered.
    expect(email.html).toMatch(/^<p>Your message's length of 25 exceeded the 10 bytes limit/);
    expect(composed(smtp, { ...params, message: 'x'.repeat(9) }, { utils: capped }).text).toBe('x'.repeat(9));
  });

  it('sends HTML only from notifications or connectors that allow it, and attachments only from notifications', () => {
    const html = { ...params, messageHTML: '<p>hi</p>' };
    // Kibana sets no retry; the queue does not send it again.
    expect(compose(smtp, html)).toEqual({
      status: 'error',
      actionId: 'mail-1',
      message: 'HTML email can only be sent via notifications',
      failure: { permanent: true },
    });
    expect(composed(smtp, html, { source: 'notification' }).html).toBe('<p>hi</p>');
    expect(composed({ ...smtp, allowHtml: true }, html).html).toBe('<p>hi</p>');
    const attached = { ...params, attachments: [{ content: 'aGk=', filename: 'a.txt', encoding: 'base64' }] };
    expect(compose(smtp, attached)).toMatchObject({ status: 'error', message: 'Email attachments can only be sent via notifications' });
    expect(composed(smtp, attached, { source: 'notification' }).attachments).toEqual(attached.attachments);
  });

  it('checks rendered addresses again, without the template exemption', () => {
    const domains = makeConfigurationUtilities({ settings: { 'xpack.actions.email.domain_allowlist': ['example.com'] } });
    const context = makeContext(parts(smtp, { to: ['{{x}}'], subject: 's', message: 'm' }, { user: 'u', password: 'p' }, { configurationUtilities: domains }), {
      configurationUtilities: domains,
    });
    const rendered = { ...context, source: 'background_task', params: { ...context.params, to: ['x@elsewhere.org', ' '] } };
    expect(composeEmail(rendered)).toMatchObject({ status: 'error', message: '[to/cc/bcc]: not allowed emails: x@elsewhere.org', failure: { permanent: true } });
    expect(composeEmail({ ...rendered, params: { ...rendered.params, to: [' '] } })).toMatchObject({
      status: 'error',
      message: 'At least one entry in [to], [cc], or [bcc] is required',
      failure: { permanent: true },
    });
  });
});

describe('.email through the __json test service', () => {
  it('returns the would-be message without sending anything, and without the credentials', async () => {
    const context = makeContext(
      parts({ service: '__json', from: 'Alerts <alerts@example.com>' }, { to: ['a@example.com'], bcc: ['b@example.com'], subject: 'Disk full', message: 'Disk *full*' }, { user: 'u', password: 'pw-secret' }),
    );
    const result = await def.executor({ ...context, source: 'http_request' });
    expect(result).toMatchObject({ status: 'ok', actionId: 'test-connector' });
    const data = result.data as { envelope: unknown; message: Record<string, unknown> };
    expect(data.envelope).toEqual({ from: 'alerts@example.com', to: ['a@example.com', 'b@example.com'] });
    // __json keeps the action's own text even from _execute.
    expect(data.message).toMatchObject({ subject: 'Disk full', text: 'Disk *full*\n\n---\n\nThis message was sent by Elastic.' });
    expect(data.message.html).toBe('<p>Disk <em>full</em></p>\n<hr>\n<p>This message was sent by Elastic.</p>\n');
    expect(JSON.stringify(result)).not.toContain('pw-secret');
  });
});

describe('markdown rendering', () => {
  it('renders blocks like markdown-it', () => {
    expect(markdownToHtml('# Title\n\n- one\n- two\n  - nested\n\n1. a\n2. b')).toBe(
      '<h1>Title</h1>\n<ul>\n<li>one</li>\n<li>two\n<ul>\n<li>nested</li>\n</ul>\n</li>\n</ul>\n<ol>\n<li>a</li>\n<li>b</li>\n</ol>\n',
    );
    expect(markdownToHtml('> quoted\nlazy\n\n```js\nif (a < b) {}\n```\n\nSub\n---')).toBe(
      '<blockquote>\n<p>quoted\nlazy</p>\n</blockquote>\n<pre><code class="language-js">if (a &lt; b) {}\n</code></pre>\n<h2>Sub</h2>\n',
    );
    expect(markdownToHtml('| host | load |\n|---|--:|\n| web-1 | 0.9 |')).toBe(
      '<table>\n<thead>\n<tr>\n<th>host</th>\n<th style="text-align:right">load</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td>web-1</td>\n<td style="text-align:right">0.9</td>\n</tr>\n</tbody>\n</table>\n',
    );
  });

  it('renders inlines, links bare URLs and addresses, and never passes HTML or script links through', () => {
    expect(markdownToHtml('**b** *i* `c<d>` ~~s~~ line  \nbreak')).toBe('<p><strong>b</strong> <em>i</em> <code>c&lt;d&gt;</code> <s>s</s> line<br>\nbreak</p>\n');
    expect(markdownToHtml('See https://example.com/a_b, www.elastic.co and ops@example.com.')).toBe(
      '<p>See <a href="https://example.com/a_b">https://example.com/a_b</a>, <a href="http://www.elastic.co">www.elastic.co</a> and <a href="mailto:ops@example.com">ops@example.com</a>.</p>\n',
    );
    expect(markdownToHtml('<img src=x onerror=alert(1)> [x](javascript:alert(1)) [ok](https://e.com/a b "T")')).toBe(
      '<p>&lt;img src=x onerror=alert(1)&gt; [x](javascript:alert(1)) [ok](<a href="https://e.com/a">https://e.com/a</a> b &quot;T&quot;)</p>\n',
    );
    expect(markdownToHtml('[ok](<https://e.com/a b> "T\\"q")')).toBe('<p><a href="https://e.com/a%20b" title="T&quot;q">ok</a></p>\n');
    // An escape ends the text markdown-it's linkify sees, so the link stops at it.
    expect(markdownToHtml('a_b_c \\*x\\* https://x\\.io/p\\-q')).toBe('<p>a_b_c *x* <a href="https://x">https://x</a>.io/p-q</p>\n');
  });
});

describe('.email SMTP transport options', () => {
  const noCredentials = { user: null, password: null, clientSecret: null };
  const tlsOf = (config: Record<string, unknown>, secrets: EmailSecrets, settings: Record<string, unknown> = {}) => {
    const configurationUtilities = makeConfigurationUtilities({ settings });
    const valid = validateConfig(def, config, { configurationUtilities }) as EmailConfig;
    const server = smtpEndpointFor(valid, configurationUtilities.actionsConfig);
    return { server, options: smtpTransportOptions(configurationUtilities, valid, secrets, server, () => undefined) };
  };

  it('takes host, port and secure from the service', () => {
    expect(tlsOf({ service: 'gmail', from: 'a@example.com' }, noCredentials).server).toEqual({ host: 'smtp.gmail.com', port: 465, secure: true });
    expect(tlsOf({ service: 'outlook365', from: 'a@example.com' }, noCredentials).server).toEqual({ host: 'smtp.office365.com', port: 587, secure: false });
    expect(tlsOf({ service: 'ses', from: 'a@example.com' }, noCredentials).server).toEqual({ host: 'email-smtp.us-east-1.amazonaws.com', port: 465, secure: true });
    expect(tlsOf({ service: 'elastic_cloud', from: 'a@example.com', hasAuth: false }, noCredentials).server).toEqual({ host: 'dockerhost', port: 10025, secure: false });
    expect(tlsOf({ ...smtp, port: 465 }, noCredentials).server.secure).toBe(true);
    expect(tlsOf({ ...smtp, port: 465, secure: false }, noCredentials).server.secure).toBe(false);
  });

  it('logs in only with hasAuth and both credentials', () => {
    expect(tlsOf(smtp, { user: 'u', password: 'p', clientSecret: null }).options.auth).toEqual({ user: 'u', pass: 'p' });
    expect(tlsOf({ ...smtp, hasAuth: false }, { user: 'u', password: 'p', clientSecret: null }).options.auth).toBeUndefined();
  });

  it('relaxes certificate checks only for a plain host/port relay without credentials, proxy or customHostSettings entry', () => {
    expect(tlsOf(smtp, noCredentials).options.tls).toMatchObject({ rejectUnauthorized: false });
    expect(tlsOf(smtp, { user: 'u', password: 'p', clientSecret: null }).options.tls).toMatchObject({ rejectUnauthorized: true });
    expect(tlsOf({ ...smtp, secure: true }, noCredentials).options.tls).toMatchObject({ rejectUnauthorized: true });
    expect(tlsOf({ service: 'outlook365', from: 'a@example.com' }, noCredentials).options.tls).toMatchObject({ rejectUnauthorized: true });
    expect(tlsOf(smtp, noCredentials, { 'xpack.actions.proxyUrl': 'http://proxy.example:3128' }).options.tls).toMatchObject({ rejectUnauthorized: true });
    expect(
      tlsOf(smtp, noCredentials, { 'xpack.actions.proxyUrl': 'http://proxy.example:3128', 'xpack.actions.proxyBypassHosts': ['smtp.example.com'] }).options.tls,
    ).toMatchObject({ rejectUnauthorized: false });
    expect(tlsOf(smtp, noCredentials, { 'xpack.actions.customHostSettings': [{ url: 'smtp://smtp.example.com:587', smtp: { requireTLS: true } }] }).options.tls).toMatchObject({
      rejectUnauthorized: true,
    });
  });
});
