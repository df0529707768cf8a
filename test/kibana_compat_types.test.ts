import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookSimulator, type WebhookSimulator } from '../src/connector_types/webhook/simulator.js';
import { availableDialects } from './helpers/databases.js';
import { captureLogger } from './helpers/logs.js';
import { startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';
import { startTestSmtpServer, type TestSmtpServer } from './helpers/smtp_server.js';
import { eventually } from './helpers/wait.js';

// Connector-type behaviour that Kibana's own API tests read (x-pack/platform/test/
// alerting_api_integration/.../connector_types/{webhook,slack_webhook,email}.ts): the webhook
// config as given, Kibana's messages for Slack's allowedHosts refusal and for email, and an email
// run requested without any recipient refused at the route.

const dialects = await availableDialects();

const NO_RECIPIENTS = 'At least one entry in [to], [cc], or [bcc] is required';
const notAllowed = (prefix: string, url: string) =>
  `error validating connector type secrets: ${prefix}: target url "${url}" is not added to the Kibana config xpack.actions.allowedHosts`;

describe.each(dialects)('Kibana compatibility of connector types on %s', (dialect) => {
  let pb: TestPlugboard;
  let hook: WebhookSimulator;
  let smtp: TestSmtpServer;
  const logs = captureLogger();

  beforeAll(async () => {
    hook = await startWebhookSimulator();
    smtp = await startTestSmtpServer({ disabledCommands: ['STARTTLS', 'AUTH'] });
    pb = await startTestPlugboard({
      dialect,
      logger: logs.logger,
      settings: {
        // The simulators listen on loopback; every other host is refused.
        'xpack.actions.allowedHosts': ['127.0.0.1'],
        'xpack.actions.email.maximum_body_length': 10000,
        'server.publicBaseUrl': 'https://localhost:5601',
      },
    });
  });
  afterAll(async () => {
    await pb?.close();
    await hook?.close();
    await smtp?.close();
  });

  describe('webhook config', () => {
    const create = (id: string, config: Record<string, unknown>) =>
      pb.api('POST', `/api/actions/connector/${id}`, {
        name: 'A generic Webhook action',
        connector_type_id: '.webhook',
        config,
        secrets: { user: 'elastic', password: 'changeme' },
      });

    it('is returned and stored as given, with only the defaults Kibana fills in', async () => {
      const url = `${hook.url}/hook`;
      const created = await create(`${dialect}-hook-default`, { url });
      expect(created.status, created.text).toBe(200);
      expect(created.body).toEqual({
        id: `${dialect}-hook-default`,
        name: 'A generic Webhook action',
        connector_type_id: '.webhook',
        config: { url, method: 'post', headers: null, hasAuth: true },
        is_preconfigured: false,
        is_system_action: false,
        is_deprecated: false,
        is_missing_secrets: false,
        is_connector_type_deprecated: false,
      });
      // The single-connector get adds Kibana's `auth_mode`.
      expect((await pb.api('GET', `/api/actions/connector/${dialect}-hook-default`)).body).toEqual({ ...created.body, auth_mode: 'shared' });
      const listed = (await pb.api('GET', '/api/actions/connectors')).body.find((c: { id: string }) => c.id === `${dialect}-hook-default`);
      expect(listed.config).toEqual({ url, method: 'post', headers: null, hasAuth: true });

      for (const method of ['put', 'get', 'delete']) {
        const res = await create(`${dialect}-hook-${method}`, { url, method });
        expect(res.body.config).toEqual({ url, method, headers: null, hasAuth: true });
      }
      const noAuth = await create(`${dialect}-hook-noauth`, { url, hasAuth: false });
      expect(noAuth.body.config).toEqual({ url, method: 'post', headers: null, hasAuth: false });
    });

    it('keeps an authType that was given, null included, and drops it when an update leaves it out', async () => {
      const url = `${hook.url}/hook`;
      const basic = await create(`${dialect}-hook-basic`, { url, authType: 'webhook-authentication-basic' });
      expect(basic.body.config).toEqual({ url, method: 'post', headers: null, hasAuth: true, authType: 'webhook-authentication-basic' });
      const nulled = await create(`${dialect}-hook-null`, { url, authType: null });
      expect(nulled.body.config).toEqual({ url, method: 'post', headers: null, hasAuth: true, authType: null });

      const updated = await pb.api('PUT', `/api/actions/connector/${dialect}-hook-basic`, {
        name: 'A generic Webhook action',
        config: { url, headers: { someOtherHeader: '456' } },
        secrets: { user: 'elastic', password: 'changeme' },
      });
      expect(updated.status, updated.text).toBe(200);
      expect((await pb.api('GET', `/api/actions/connector/${dialect}-hook-basic`)).body.config).toEqual({
        url,
        method: 'post',
        headers: { someOtherHeader: '456' },
        hasAuth: true,
      });
    });

    it('runs a connector without authType with basic authentication', async () => {
      const url = `${hook.url}/hook`;
      expect((await create(`${dialect}-run-basic`, { url })).status).toBe(200);
      expect((await create(`${dialect}-run-noauth`, { url, hasAuth: false })).status).toBe(200);
      const res = await pb.api('POST', `/api/actions/connector/${dialect}-run-basic/_execute`, { params: { body: 'authenticate' } });
      expect(res.status, res.text).toBe(200);
      expect(res.body).toEqual({ status: 'ok', connector_id: `${dialect}-run-basic`, data: 'authenticate' });
      const sent = hook.requests[hook.requests.length - 1];
      expect(sent.headers.authorization).toBe(`Basic ${Buffer.from('elastic:changeme').toString('base64')}`);

      // Without authentication nothing is added, and the simulator refuses.
      const without = await pb.api('POST', `/api/actions/connector/${dialect}-run-noauth/_execute`, { params: { body: 'authenticate' } });
      expect(without.body).toMatchObject({ status: 'error', service_message: '[403] Forbidden' });
      expect(hook.requests[hook.requests.length - 1].headers.authorization).toBeUndefined();
    });
  });

  describe('allowedHosts refusal of a webhook URL held in secrets', () => {
    it.each([
      ['.slack', 'error configuring slack action'],
      ['.teams', 'error configuring teams action'],
    ])('%s quotes the whole URL to whoever sent it, and to no log', async (typeId, prefix) => {
      const webhookUrl = 'http://slack.mynonexistent.com/other/stuff/in/the/path';
      const res = await pb.api('POST', '/api/actions/connector', { name: 'A slack action', connector_type_id: typeId, secrets: { webhookUrl } });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ statusCode: 400, error: 'Bad Request', message: notAllowed(prefix, webhookUrl) });
      expect(logs.lines.join('')).not.toContain('other/stuff/in/the/path');
    });
  });

  describe('email', () => {
    const json = `${dialect}-mail-json`;
    const relay = `${dialect}-mail-smtp`;
    beforeAll(async () => {
      const created = await pb.api('POST', `/api/actions/connector/${json}`, {
        name: 'An email action',
        connector_type_id: '.email',
        config: { service: '__json', from: 'bob@example.com', hasAuth: true },
        secrets: { user: 'bob', password: 'supersecret' },
      });
      expect(created.status, created.text).toBe(200);
      const smtpCreated = await pb.api('POST', `/api/actions/connector/${relay}`, {
        name: 'A relay',
        connector_type_id: '.email',
        config: { service: 'other', host: '127.0.0.1', port: smtp.port, secure: false, hasAuth: false, from: 'bob@example.com' },
      });
      expect(smtpCreated.status, smtpCreated.text).toBe(200);
    });

    it('refuses HTML through _execute in the words of Kibana', async () => {
      const res = await pb.api('POST', `/api/actions/connector/${json}/_execute`, {
        params: {
          to: ['kibana-action-test@elastic.co'],
          subject: 'HTML message check',
          message: '_italic_ **bold** https://elastic.co link',
          messageHTML: '<html><body><a href="https://elastic.co">View at Elastic</a></body></html>',
        },
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'error', message: 'HTML email can only be sent via notifications' });
    });

    it('trims a message over the limit with the notice of Kibana', async () => {
      const res = await pb.api('POST', `/api/actions/connector/${json}/_execute`, {
        params: { to: ['kibana-action-test@elastic.co'], subject: 'email-subject', message: 'x'.repeat(20000) },
      });
      expect(res.status, res.text).toBe(200);
      const { text, html } = res.body.data.message;
      const notice =
        `Your message's length of 20000 exceeded the 10000 bytes limit that is set for the connector "${json}" and was trimmed. ` +
        'You can modify the limit by increasing the value specified for the xpack.actions.email.maximum_body_length setting.';
      expect(text.startsWith(`${notice}\n\n${'x'.repeat(10000)}\n\n---\n\n`)).toBe(true);
      expect(text.length).toBeLessThan(20000);
      // The HTML part is the trimmed text rendered from Markdown.
      expect(html).toMatch(/^<p>Your message's length of 20000 exceeded the 10000 bytes limit that is set for the connector /);
    });

    it('answers 400 at the route to _execute and to the unsaved test without any recipient, before connecting', async () => {
      const bare = { subject: 'email-subject', message: 'email-message' };
      for (const recipients of [{}, { to: [] }, { to: ['  ', ''], cc: [' '] }]) {
        const res = await pb.api('POST', `/api/actions/connector/${relay}/_execute`, { params: { ...bare, ...recipients } });
        expect(res.status, JSON.stringify(recipients)).toBe(400);
        expect(res.body).toEqual({ statusCode: 400, error: 'Bad Request', message: NO_RECIPIENTS });
      }
      const unsaved = await pb.api('POST', '/api/actions/connector/_test', {
        name: 'Unsaved',
        connector_type_id: '.email',
        config: { service: '__json', from: 'bob@example.com', hasAuth: false },
        params: { ...bare, bcc: [''] },
      });
      expect(unsaved.status).toBe(400);
      expect(unsaved.body.message).toBe(NO_RECIPIENTS);
      expect(smtp.connections).toBe(0);

      // Any one recipient is enough; other params problems stay error results of the run.
      const cc = await pb.api('POST', `/api/actions/connector/${json}/_execute`, { params: { ...bare, cc: ['a@example.com'] } });
      expect(cc.body).toMatchObject({ status: 'ok' });
      const noSubject = await pb.api('POST', `/api/actions/connector/${json}/_execute`, { params: { to: [], message: 'm' } });
      expect(noSubject.status).toBe(200);
      expect(noSubject.body).toMatchObject({ status: 'error', message: 'error validating action params: Field "subject": Required' });
    });

    it('queues an action without recipients, as Kibana does, and fails it when it runs', async () => {
      const queued = await pb.api('POST', `/api/actions/connector/${relay}/_enqueue`, { params: { to: [' '], subject: 's', message: 'm' } });
      expect(queued.status, queued.text).toBe(202);
      const done = await eventually(
        async () => {
          const res = await pb.api('GET', `/api/actions/execution/${queued.body.execution_id}`);
          return ['ok', 'error', 'timeout'].includes(res.body.status) ? res.body : undefined;
        },
        15_000,
        'the queued email to finish',
      );
      expect(done).toMatchObject({ status: 'error', attempts: 1 });
      expect(done.result).toMatchObject({ status: 'error', message: `error validating action params: ${NO_RECIPIENTS}` });
      expect(smtp.connections).toBe(0);
    });
  });
});
