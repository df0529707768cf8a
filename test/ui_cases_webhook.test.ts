import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCasesWebhookSimulator, type CasesWebhookSimulator } from '../src/connector_types/cases_webhook/simulator.js';
import { browserUnavailable, startBrowser, type TestBrowser } from './helpers/browser.js';
import { startTestPlugboard, TEST_PASSWORD, type TestPlugboard } from './helpers/plugboard.js';

// The Webhook - Case Management form in the browser: its five steps (authentication, create,
// get, update, comment) filled in against the Jira-like simulator, saved, and the saved
// connector pushing a case. Screenshots in .ci/screenshots.

const unavailable = browserUnavailable();
const BROWSER_STEP = { timeout: 120_000 };
const subj = (name: string) => `[data-test-subj="${name}"]`;

describe.skipIf(unavailable !== undefined)('the Webhook - Case Management form in a browser', BROWSER_STEP, () => {
  let pb: TestPlugboard;
  let jira: CasesWebhookSimulator;
  let ui: TestBrowser;
  let page: Page;

  beforeAll(async () => {
    jira = await startCasesWebhookSimulator({ user: 'ui-user', password: 'ui-password' });
    pb = await startTestPlugboard({ settings: { 'plugboard.net.deniedAddresses': [] } });
    const url = await pb.plugboard.listen();
    ui = await startBrowser();
    page = ui.page;
    await page.goto(`${url}/connectors`);
    await page.fill(subj('loginUsername'), 'elastic');
    await page.fill(subj('loginPassword'), TEST_PASSWORD);
    await page.click(subj('loginSubmit'));
    await page.waitForSelector(subj('connectorsEmptyPrompt'));
  });
  afterAll(async () => {
    await ui?.close();
    await pb?.close();
    await jira?.close();
  });

  it('fills in the steps, saves, and the connector pushes a case', async () => {
    await page.click(subj('createFirstConnectorButton'));
    await page.waitForSelector(subj('createConnectorFlyout'));
    await page.fill(subj('connectorTypeSearch'), 'case management');
    await page.click(subj('typeCard-.cases-webhook'));
    await page.waitForSelector(subj('connectorNameInput'));
    expect(await page.locator('[data-test-subj^="connectorFormStep-"]').count()).toBe(5);
    // OAuth2 is not offered: Kibana refuses it for this type.
    expect(await page.locator(`${subj('field-config-authType')} option`).allTextContents()).not.toContain('OAuth 2.0 client credentials');

    await page.fill(subj('connectorNameInput'), 'Jira cases');
    // Step 1: authentication (basic by default). Leaving the user alone, the server says a password
    // is needed too; that goes once the password is given.
    await page.fill(subj('field-secrets-user'), 'ui-user');
    await page.press(subj('field-secrets-user'), 'Tab');
    await page.getByText('must specify one of the following schemas', { exact: false }).waitFor();
    await page.fill(subj('field-secrets-password'), 'ui-password');
    await page.press(subj('field-secrets-password'), 'Tab');
    await page.getByText('must specify one of the following schemas', { exact: false }).waitFor({ state: 'detached' });
    // Step 2: create. A template without a variable Kibana's form asks for is pointed out.
    await page.fill(subj('field-config-createIncidentUrl'), `${jira.url}/rest/api/2/issue`);
    await page.fill(subj('field-config-createIncidentJson'), '{"fields":{"summary":{{{case.title}}}}}');
    await page.press(subj('field-config-createIncidentJson'), 'Tab');
    await page.getByText('Missing required variable: {{{case.description}}}').waitFor();
    await page.fill(subj('field-config-createIncidentJson'), '{"fields":{"summary":{{{case.title}}},"description":{{{case.description}}},"project":{"key":"ROC"}}}');
    await page.fill(subj('field-config-createIncidentResponseKey'), 'id');
    // Step 3: get.
    await page.fill(subj('field-config-getIncidentUrl'), `${jira.url}/rest/api/2/issue/{{{external.system.id}}}`);
    await page.fill(subj('field-config-getIncidentResponseExternalTitleKey'), 'key');
    await page.fill(subj('field-config-viewIncidentUrl'), `${jira.url}/browse/{{{external.system.title}}}`);
    // Step 4: update.
    await page.fill(subj('field-config-updateIncidentUrl'), `${jira.url}/rest/api/2/issue/{{{external.system.id}}}`);
    await page.fill(subj('field-config-updateIncidentJson'), '{"fields":{"summary":{{{case.title}}},"description":{{{case.description}}}}}');
    // Step 5: comments.
    await page.selectOption(subj('field-config-createCommentMethod'), 'post');
    await page.fill(subj('field-config-createCommentUrl'), `${jira.url}/rest/api/2/issue/{{{external.system.id}}}/comment`);
    await page.fill(subj('field-config-createCommentJson'), '{"body":{{{case.comment}}}}');
    await ui.screenshot('cases-webhook-01-steps');

    await page.click(subj('saveConnectorButton'));
    await page.waitForSelector(subj('createConnectorFlyout'), { state: 'detached' });
    await page.locator(subj('connectorLink'), { hasText: 'Jira cases' }).waitFor();
    await ui.screenshot('cases-webhook-02-saved');

    const listed = await pb.api('GET', '/api/actions/connectors');
    const saved = (listed.body as Array<{ id: string; name: string; config: Record<string, unknown> }>).find((c) => c.name === 'Jira cases')!;
    expect(saved.config).toMatchObject({ hasAuth: true, authType: 'webhook-authentication-basic', createIncidentMethod: 'post', updateIncidentMethod: 'put', createCommentMethod: 'post', getIncidentMethod: 'get' });
    const run = await pb.api('POST', `/api/actions/connector/${saved.id}/_execute`, {
      params: { subAction: 'pushToService', subActionParams: { incident: { title: 'From the UI', externalId: null }, comments: [{ commentId: 'c1', comment: 'noted' }] } },
    });
    expect(run.body).toMatchObject({ status: 'ok', data: { title: 'ROC-1', url: `${jira.url}/browse/ROC-1`, comments: [{ commentId: 'c1' }] } });
    expect([...jira.issues.values()][0].comments.map((c) => c.body)).toEqual(['noted']);
  });
});
