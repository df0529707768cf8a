import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDialects } from './helpers/databases.js';
import { readMessage } from './helpers/mime.js';
import { startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';
import { startTestSmtpServer, type TestSmtpServer } from './helpers/smtp_server.js';
import { startStatusSink, type StatusSink } from './helpers/status_sink.js';
import { eventually } from './helpers/wait.js';

const dialects = await availableDialects();

// The UI's own routes for editing and testing connectors: an update that keeps the secrets the
// user did not touch (Kibana's PUT drops them), the names of the stored secrets, the type's own
// check of a field, and what an email test will send before it is sent.

const basicAuth = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe.each(dialects)('editing and testing connectors from the UI on %s', (dialect) => {
  let pb: TestPlugboard;
  let sink: StatusSink;
  let smtp: TestSmtpServer;
  const READER = { authorization: basicAuth('reader', 'reader-password') };

  beforeAll(async () => {
    sink = await startStatusSink();
    smtp = await startTestSmtpServer({ disabledCommands: ['STARTTLS', 'AUTH'] });
    pb = await startTestPlugboard({ dialect, settings: { 'plugboard.net.deniedAddresses': [] } });
    await pb.api('PUT', '/api/security/role/connectors-read', { kibana: [{ base: [], feature: { actions: ['read'] }, spaces: ['*'] }] });
    await pb.api('PUT', '/api/security/user/reader', { password: 'reader-password', roles: ['connectors-read'] });
  });
  afterAll(async () => {
    await pb?.close();
    await sink?.close();
    await smtp?.close();
  });

  const hookConfig = (path: string) => ({ url: `${sink.url}${path}`, hasAuth: true, authType: 'webhook-authentication-basic' });
  async function createHook(id: string) {
    const res = await pb.api('POST', `/api/actions/connector/${id}`, {
      name: 'Hook',
      connector_type_id: '.webhook',
      config: hookConfig(`/${id}`),
      secrets: { user: 'ops', password: 'first-password' },
    });
    expect(res.status, res.text).toBe(200);
  }
  /** Runs the connector and answers the Authorization header the sink received. */
  async function authorizationSent(id: string) {
    const before = sink.requests.length;
    const run = await pb.api('POST', `/api/actions/connector/${id}/_execute`, { params: { body: '{}' } });
    expect(run.body.status, run.text).toBe('ok');
    expect(sink.requests.length).toBe(before + 1);
    return sink.requests.at(-1)!.headers.authorization;
  }

  it('keeps the stored secrets of a rename, and names them without their values', async () => {
    await createHook('keep-1');
    const configured = await pb.api('GET', '/internal/actions/connector/keep-1/configured_secrets');
    expect(configured.body).toEqual({ configured_secrets: ['user', 'password'] });
    expect(configured.text).not.toContain('first-password');

    const renamed = await pb.api('PUT', '/internal/actions/connector/keep-1', {
      name: 'Hook renamed',
      config: hookConfig('/keep-1'),
      secrets: {},
      keep_secrets: ['user', 'password'],
    });
    expect(renamed.status, renamed.text).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'Hook renamed', is_missing_secrets: false });
    expect(renamed.text).not.toContain('first-password');
    expect(await authorizationSent('keep-1')).toBe(basicAuth('ops', 'first-password'));

    // A change of config re-encrypts the kept secrets bound to the new config.
    const moved = await pb.api('PUT', '/internal/actions/connector/keep-1', { name: 'Hook', config: hookConfig('/moved'), secrets: {}, keep_secrets: ['user', 'password'] });
    expect(moved.status, moved.text).toBe(200);
    expect(await authorizationSent('keep-1')).toBe(basicAuth('ops', 'first-password'));
    expect(sink.requests.at(-1)!.url).toBe('/moved');
  });

  it('takes the new value of a field the user changed, and keeps the others', async () => {
    await createHook('keep-2');
    const res = await pb.api('PUT', '/internal/actions/connector/keep-2', {
      name: 'Hook',
      config: hookConfig('/keep-2'),
      secrets: { password: 'second-password' },
      keep_secrets: ['user'],
    });
    expect(res.status, res.text).toBe(200);
    expect(await authorizationSent('keep-2')).toBe(basicAuth('ops', 'second-password'));
  });

  it('validates the merged secrets as a whole and changes nothing when they are refused', async () => {
    await createHook('keep-3');
    // The password reset and left empty: a user without password is no valid combination.
    const partial = await pb.api('PUT', '/internal/actions/connector/keep-3', { name: 'Broken', config: hookConfig('/keep-3'), secrets: {}, keep_secrets: ['user'] });
    expect(partial.status).toBe(400);
    expect(partial.body.message).toMatch(/^error validating connector type secrets: must specify one of the following schemas: user and password/);

    const both = await pb.api('PUT', '/internal/actions/connector/keep-3', {
      name: 'Broken',
      config: hookConfig('/keep-3'),
      secrets: { user: 'other' },
      keep_secrets: ['user', 'password'],
    });
    expect(both.status).toBe(400);
    expect(both.body.message).toContain('[keep_secrets]: "user" is also given in [secrets]');

    const notAList = await pb.api('PUT', '/internal/actions/connector/keep-3', { name: 'Broken', config: hookConfig('/keep-3'), keep_secrets: 'user' });
    expect(notAList.status).toBe(400);
    expect(notAList.body.message).toContain('keep_secrets');

    expect((await pb.api('GET', '/api/actions/connector/keep-3')).body.name).toBe('Hook');
    expect(await authorizationSent('keep-3')).toBe(basicAuth('ops', 'first-password'));
  });

  it("leaves Kibana's update as it is: secrets not sent are dropped", async () => {
    await createHook('keep-4');
    const res = await pb.api('PUT', '/api/actions/connector/keep-4', { name: 'Hook', config: hookConfig('/keep-4'), secrets: {} });
    expect(res.status, res.text).toBe(200);
    expect((await pb.api('GET', '/internal/actions/connector/keep-4/configured_secrets')).body).toEqual({ configured_secrets: [] });
    expect(await authorizationSent('keep-4')).toBeUndefined();
  });

  it('refuses a user without the update privilege, changes nothing, and audits both', async () => {
    await createHook('keep-5');
    const refused = await pb.api(
      'PUT',
      '/internal/actions/connector/keep-5',
      { name: 'Taken over', config: hookConfig('/keep-5'), secrets: {}, keep_secrets: ['user', 'password'] },
      { headers: READER },
    );
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({ statusCode: 403, error: 'Forbidden', message: 'Unauthorized to update actions' });
    expect((await pb.api('GET', '/api/actions/connector/keep-5')).body.name).toBe('Hook');
    // Reading which secrets are stored only needs the read privilege.
    expect((await pb.api('GET', '/internal/actions/connector/keep-5/configured_secrets', undefined, { headers: READER })).body).toEqual({
      configured_secrets: ['user', 'password'],
    });

    expect((await pb.api('PUT', '/internal/actions/connector/keep-5', { name: 'Hook 5', config: hookConfig('/keep-5'), keep_secrets: ['user', 'password'] })).status).toBe(200);
    type Entry = { event: { action: string; outcome: string }; user?: { name: string }; kibana?: { saved_object?: { id: string } } };
    const onKeep5 = (e: Entry) => e.kibana?.saved_object?.id === 'keep-5';
    const events = await eventually(async () => {
      const page = (await pb.api('GET', '/api/security/audit?per_page=100')).body.events as Entry[];
      return page.some((e) => e.event.action === 'connector_update' && onKeep5(e)) ? page : undefined;
    });
    expect(events.find((e) => e.event.action === 'connector_update' && onKeep5(e))).toMatchObject({ event: { outcome: 'success' }, user: { name: 'elastic' } });
    expect(events.find((e) => e.event.action === 'access_denied' && onKeep5(e))).toMatchObject({ event: { outcome: 'failure' }, user: { name: 'reader' } });
  });

  it("checks a field with the type's own rules, storing nothing", async () => {
    const slack = await pb.api('POST', '/internal/actions/connector/_validate', { connector_type_id: '.slack', secrets: { webhookUrl: 'not a url' } });
    expect(slack.status).toBe(200);
    expect(slack.body).toEqual({ secrets: 'error validating connector type secrets: error configuring slack action: unable to parse host name from webhookUrl' });
    const fine = await pb.api('POST', '/internal/actions/connector/_validate', { connector_type_id: '.slack', secrets: { webhookUrl: `${sink.url}/slack` } });
    expect(fine.body).toEqual({});
    const email = await pb.api('POST', '/internal/actions/connector/_validate', { connector_type_id: '.email', config: { service: 'other', from: 'a@example.com' } });
    expect(email.body).toEqual({ config: 'error validating connector type config: [host]/[port] is required' });
    expect((await pb.api('GET', '/api/actions/connectors')).body.some((c: { connector_type_id: string }) => c.connector_type_id === '.slack')).toBe(false);
  });

  it('says what an email test will send, and that is what arrives', async () => {
    const config = { service: 'other', host: '127.0.0.1', port: smtp.port, secure: false, hasAuth: false, from: 'alerts@example.com' };
    expect((await pb.api('POST', '/api/actions/connector/mail', { name: 'Mail', connector_type_id: '.email', config })).status).toBe(200);
    const params = { to: ['oncall@example.org'], subject: 'Disk full', message: 'Disk **full**' };

    // No recipient: the preview says the run would be refused, with the run's own reason.
    const none = await pb.api('POST', '/internal/actions/connector/mail/_preview_run', { params: { ...params, to: [] } });
    expect(none.status).toBe(200);
    expect(none.body).toEqual({ preview: null, refused: 'At least one entry in [to], [cc], or [bcc] is required' });
    const notAllowed = await pb.api('POST', '/internal/actions/connector/mail/_preview_run', { params: { ...params, to: ['{{x}}'] } });
    expect(notAllowed.body.refused).toBe('[to/cc/bcc]: not valid emails: {{x}}');
    expect((await pb.api('POST', '/internal/actions/connector/mail/_preview_run', { params: 'x' })).status).toBe(400);

    const preview = await pb.api('POST', '/internal/actions/connector/mail/_preview_run', { params });
    expect(preview.status, preview.text).toBe(200);
    expect(preview.body.preview).toMatchObject({
      from: 'alerts@example.com',
      to: ['oncall@example.org'],
      subject: 'This is a test email from Plugboard',
      text: 'This is a test email from Plugboard\n\n---\n\nThis message was sent by Plugboard.',
    });
    expect(smtp.received).toHaveLength(0);
    // The same for settings not saved yet.
    const unsaved = await pb.api('POST', '/internal/actions/connector/_preview_run', { connector_type_id: '.email', config, params });
    expect(unsaved.body).toEqual(preview.body);
    // A type that sends its params as given has nothing to preview.
    expect((await pb.api('POST', '/internal/actions/connector/keep-1/_preview_run', { params: { body: '{}' } })).body).toEqual({ preview: null });

    const run = await pb.api('POST', '/api/actions/connector/mail/_execute', { params });
    expect(run.body.status, run.text).toBe('ok');
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0].rcptTo).toEqual(['oncall@example.org']);
    const message = readMessage(smtp.received[0]);
    expect(message.header('subject')).toBe(preview.body.preview.subject);
    expect(message.text).toBe(preview.body.preview.text);
    expect(message.html).toBe(preview.body.preview.html);
  });
});
