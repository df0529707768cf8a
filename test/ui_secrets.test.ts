import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserUnavailable, openEmptyConnectorsPage, type TestBrowser } from './helpers/browser.js';
import { readMessage } from './helpers/mime.js';
import { startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';
import { startTestSmtpServer, type TestSmtpServer } from './helpers/smtp_server.js';
import { startStatusSink, type StatusSink } from './helpers/status_sink.js';

// What a new user trips over in the connector flyouts, in chromium against a real server, a
// webhook sink and a real SMTP server: an edit keeps the stored secrets it did not touch,
// required fields say so (also when the config makes them so), the server's own check runs as a
// field is left, and the email Test tab says what it will send before sending it.

const unavailable = browserUnavailable();
const BROWSER_STEP = { timeout: 120_000 };
const subj = (name: string) => `[data-test-subj="${name}"]`;
const basicAuth = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe.skipIf(unavailable !== undefined)('secrets and required fields in the web UI', BROWSER_STEP, () => {
  let pb: TestPlugboard;
  let sink: StatusSink;
  let smtp: TestSmtpServer;
  let ui: TestBrowser;
  let page: Page;

  beforeAll(async () => {
    sink = await startStatusSink();
    smtp = await startTestSmtpServer({ disabledCommands: ['STARTTLS', 'AUTH'] });
    pb = await startTestPlugboard({ settings: { 'plugboard.net.deniedAddresses': [] } });
    ui = await openEmptyConnectorsPage(pb);
    page = ui.page;
  });
  afterAll(async () => {
    await ui?.close();
    await pb?.close();
    await sink?.close();
    await smtp?.close();
  });

  const flyout = (name: string) => page.locator(subj(name));
  /** The text of the form row of a control (label, "Optional", help and errors). */
  const rowText = (testSubj: string) => page.locator('.euiFormRow', { has: page.locator(subj(testSubj)) }).textContent();

  async function openCreateFlyout(typeId: string, search: string) {
    await page.click(subj('createConnectorButton'));
    await page.fill(subj('connectorTypeSearch'), search);
    await page.click(subj(`typeCard-${typeId}`));
    await page.waitForSelector(subj('connectorNameInput'));
  }
  async function openConnector(name: string) {
    await page.locator(subj('connectorLink'), { hasText: name }).click();
    await page.waitForSelector(subj('editConnectorFlyout'));
  }
  async function closeEditFlyout() {
    await page.click(subj('closeEditFlyoutButton'));
    await page.waitForSelector(subj('editConnectorFlyout'), { state: 'detached' });
  }

  it('keeps the Basic credentials of a webhook renamed in the edit flyout', async () => {
    await openCreateFlyout('.webhook', 'webhook');
    await page.fill(subj('connectorNameInput'), 'Deploy hook');
    await page.fill(subj('field-config-url'), `${sink.url}/deploy`);
    // Basic authentication is the default: user and password are required, not optional.
    expect(await rowText('field-secrets-user')).not.toContain('Optional');
    await page.click(subj('saveConnectorButton'));
    await expect.poll(() => rowText('field-secrets-user')).toContain('Username is required.');
    expect(await rowText('field-secrets-password')).toContain('Password is required.');
    expect((await pb.api('GET', '/api/actions/connectors')).body).toHaveLength(0);
    await ui.screenshot('secrets-01-webhook-required');
    await page.fill(subj('field-secrets-user'), 'deployer');
    await page.fill(subj('field-secrets-password'), 's3cret-pass');
    await page.click(subj('saveConnectorButton'));
    await page.waitForSelector(subj('createConnectorFlyout'), { state: 'detached' });

    // Opened again: the stored secrets read Configured, with a reset control, no value.
    await openConnector('Deploy hook');
    await page.waitForSelector(subj('storedField-user'));
    expect(await page.inputValue(subj('storedField-password'))).toBe('Configured');
    expect(await page.locator(subj('resetStoredField-password')).count()).toBe(1);
    expect(await flyout('editConnectorFlyout').textContent()).not.toContain('s3cret-pass');
    await page.fill(subj('connectorNameInput'), 'Deploy hook (prod)');
    await ui.screenshot('secrets-02-webhook-configured');
    await page.click(subj('saveConnectorButton'));
    await page.waitForSelector(subj('toast-success'));
    await expect.poll(() => page.locator('h2', { hasText: 'Deploy hook (prod)' }).count()).toBe(1);

    const before = sink.requests.length;
    await page.click(subj('testTab'));
    await page.click(subj('runTestButton'));
    await page.waitForSelector(subj('testResultSuccess'));
    expect(sink.requests.length).toBe(before + 1);
    expect(sink.requests.at(-1)!.headers.authorization).toBe(basicAuth('deployer', 's3cret-pass'));
    const [saved] = (await pb.api('GET', '/api/actions/connectors')).body;
    expect(saved).toMatchObject({ name: 'Deploy hook (prod)', is_missing_secrets: false });

    // Reset and left empty: the save is refused with a clear message, and nothing changes.
    await page.click(subj('configurationTab'));
    await page.click(subj('resetStoredField-password'));
    expect(await page.inputValue(subj('field-secrets-password'))).toBe('');
    expect(await page.locator(subj('storedField-user')).count()).toBe(1);
    await page.click(subj('saveConnectorButton'));
    await expect.poll(() => rowText('field-secrets-password')).toContain('Password is required.');
    await ui.screenshot('secrets-03-webhook-reset-refused');
    expect(await pb.api('GET', '/internal/actions/connector/' + saved.id + '/configured_secrets').then((r) => r.body)).toEqual({
      configured_secrets: ['user', 'password'],
    });
    // A new password replaces the stored one; the user name is kept.
    await page.fill(subj('field-secrets-password'), 'n3w-pass');
    await page.click(subj('saveConnectorButton'));
    await expect.poll(() => page.locator(subj('storedField-password')).count()).toBe(1);
    await page.click(subj('testTab'));
    await page.click(subj('runTestButton'));
    await expect.poll(() => sink.requests.at(-1)!.headers.authorization).toBe(basicAuth('deployer', 'n3w-pass'));
    await closeEditFlyout();
  });

  it("checks a Slack URL as the field is left, with the server's message", async () => {
    await openCreateFlyout('.slack', 'slack');
    await page.fill(subj('connectorNameInput'), 'Team chat');
    await page.fill(subj('field-secrets-webhookUrl'), 'not a url');
    await page.locator(subj('field-secrets-webhookUrl')).blur();
    await expect.poll(() => rowText('field-secrets-webhookUrl')).toContain('unable to parse host name from webhookUrl');
    await ui.screenshot('secrets-04-slack-url-on-blur');
    await page.fill(subj('field-secrets-webhookUrl'), `${sink.url}/slack`);
    await expect.poll(() => rowText('field-secrets-webhookUrl')).not.toContain('unable to parse');
    await page.click(subj('saveConnectorButton'));
    await page.waitForSelector(subj('createConnectorFlyout'), { state: 'detached' });
  });

  it('marks email host and port required for service other, and its Test tab sends what it shows', async () => {
    await openCreateFlyout('.email', 'email');
    await page.fill(subj('connectorNameInput'), 'Mail');
    expect(await rowText('field-config-host')).not.toContain('Optional');
    expect(await rowText('field-config-port')).not.toContain('Optional');
    await page.fill(subj('field-config-from'), 'alerts@example.com');
    await page.click(subj('field-config-hasAuth'));
    await page.click(subj('saveConnectorButton'));
    await expect.poll(() => rowText('field-config-host')).toContain('Host is required.');
    expect(await rowText('field-config-port')).toContain('Port is required.');
    await page.fill(subj('field-config-host'), '127.0.0.1');
    await page.fill(subj('field-config-port'), String(smtp.port));
    await page.click(subj('saveConnectorButton'));
    await page.waitForSelector(subj('createConnectorFlyout'), { state: 'detached' });

    await openConnector('Mail');
    await page.click(subj('testTab'));
    // No recipient the user did not choose; no subject or message field that would not be sent.
    expect(await page.locator(`${subj('field-params-to')} .euiComboBoxPill`).count()).toBe(0);
    expect(await page.locator(subj('field-params-subject')).count()).toBe(0);
    await expect.poll(() => page.locator(subj('runPreviewRefused')).textContent()).toContain('At least one entry in [to], [cc], or [bcc] is required');
    await page.locator(`${subj('field-params-to')} input`).fill('oncall@example.org');
    await page.keyboard.press('Enter');
    await page.waitForSelector(subj('runPreview-subject'));
    const subject = await page.locator(subj('runPreview-subject')).textContent();
    const text = await page.locator(subj('runPreview-text')).textContent();
    expect(subject).toBe('This is a test email from Plugboard');
    expect(text).toContain('This message was sent by Plugboard.');
    expect(await page.locator(subj('runPreview-to')).textContent()).toBe('oncall@example.org');
    await page.locator(subj('runPreview')).scrollIntoViewIfNeeded();
    await ui.screenshot('secrets-05-email-test-preview');
    expect(smtp.received).toHaveLength(0);

    await page.click(subj('runTestButton'));
    await page.waitForSelector(subj('testResultSuccess'));
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0].rcptTo).toEqual(['oncall@example.org']);
    const message = readMessage(smtp.received[0]);
    expect(message.header('subject')).toBe(subject);
    expect(message.text).toBe(text);
    await closeEditFlyout();
    expect(ui.consoleErrors).toEqual([]);
  });
});
