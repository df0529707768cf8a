import { generateKeyPairSync } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServiceNowSimulator, type ServiceNowSimulator } from '../src/connector_types/servicenow/simulator.js';
import { browserUnavailable, startBrowser, type TestBrowser } from './helpers/browser.js';
import { startTestPlugboard, TEST_PASSWORD, type TestPlugboard } from './helpers/plugboard.js';

// The ServiceNow form's OAuth switch, in chromium against a real server: off, the form asks for
// a user name and password; on, for the client, user identifier, key id, client secret and
// private key instead; a connector saved with it on stores the OAuth fields and no basic ones,
// and its Test tab reaches a simulated instance with a token of the JWT grant. Every step leaves
// a screenshot in .ci/screenshots.

const unavailable = browserUnavailable();
const BROWSER_STEP = { timeout: 120_000 };
const subj = (name: string) => `[data-test-subj="${name}"]`;

const BASIC = ['field-secrets-username', 'field-secrets-password'];
const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const SN_OAUTH = {
  clientId: 'sn-client',
  clientSecret: 'sn-client-secret',
  jwtKeyId: 'sn-kid',
  userIdentifierValue: 'elastic@example.com',
  publicKey: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
};
const OAUTH = ['field-config-clientId', 'field-config-userIdentifierValue', 'field-config-jwtKeyId', 'field-secrets-clientSecret', 'field-secrets-privateKey', 'field-secrets-privateKeyPassword'];

describe.skipIf(unavailable !== undefined)('the ServiceNow OAuth switch in the web UI', BROWSER_STEP, () => {
  let pb: TestPlugboard;
  let sn: ServiceNowSimulator;
  let ui: TestBrowser;
  let page: Page;

  beforeAll(async () => {
    sn = await startServiceNowSimulator({ username: 'unused', password: 'unused', oauth: SN_OAUTH });
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
    await sn?.close();
  });

  const visible = (testSubjs: string[]) => Promise.all(testSubjs.map((s) => page.locator(subj(s)).isVisible()));

  it('shows the basic fields with the switch off, the OAuth ones with it on, saves what the switch chose, and tests it', async () => {
    await page.click(subj('createConnectorButton'));
    await page.fill(subj('connectorTypeSearch'), 'servicenow');
    await page.click(subj('typeCard-.servicenow'));
    await page.waitForSelector(subj('connectorNameInput'));
    await page.fill(subj('connectorNameInput'), 'ServiceNow OAuth');
    await page.fill(subj('field-config-apiUrl'), sn.url);
    expect(await visible(BASIC)).toEqual([true, true]);
    expect(await visible(OAUTH)).toEqual(OAUTH.map(() => false));
    await ui.screenshot('servicenow-01-basic');

    await page.click(subj('field-config-isOAuth'));
    await expect.poll(() => visible(OAUTH)).toEqual(OAUTH.map(() => true));
    expect(await visible(BASIC)).toEqual([false, false]);
    await page.fill(subj('field-config-clientId'), SN_OAUTH.clientId);
    await page.fill(subj('field-config-userIdentifierValue'), SN_OAUTH.userIdentifierValue);
    await page.fill(subj('field-config-jwtKeyId'), SN_OAUTH.jwtKeyId);
    await page.fill(subj('field-secrets-clientSecret'), SN_OAUTH.clientSecret);
    // The key keeps its line breaks: a text area, not a one-line field.
    expect(await page.locator(subj('field-secrets-privateKey')).evaluate((el) => el.tagName)).toBe('TEXTAREA');
    await page.fill(subj('field-secrets-privateKey'), keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    await ui.screenshot('servicenow-02-oauth');

    // Back off and on again: the switch alone decides which fields are drawn.
    await page.click(subj('field-config-isOAuth'));
    await expect.poll(() => visible(BASIC)).toEqual([true, true]);
    await page.click(subj('field-config-isOAuth'));
    await expect.poll(() => visible(OAUTH)).toEqual(OAUTH.map(() => true));

    await page.click(subj('saveConnectorButton'));
    await page.waitForSelector(subj('createConnectorFlyout'), { state: 'detached' });
    await page.locator(subj('connectorLink'), { hasText: 'ServiceNow OAuth' }).waitFor();
    await ui.screenshot('servicenow-03-saved');

    const listed = (await pb.api('GET', '/api/actions/connectors')).body as Array<{ name: string; config: Record<string, unknown> }>;
    expect(listed.find((c) => c.name === 'ServiceNow OAuth')?.config).toEqual({
      apiUrl: sn.url,
      isOAuth: true,
      clientId: SN_OAUTH.clientId,
      userIdentifierValue: SN_OAUTH.userIdentifierValue,
      jwtKeyId: SN_OAUTH.jwtKeyId,
      usesTableApi: false,
    });

    // The Test tab's default run lists choices, with a token the JWT grant got.
    const row = page.locator(subj('connectorRow'), { has: page.locator(subj('connectorLink'), { hasText: 'ServiceNow OAuth' }) });
    await row.locator(subj('testConnector')).click();
    await page.waitForSelector(subj('runTestButton'));
    await page.click(subj('runTestButton'));
    await page.waitForSelector(subj('testResultSuccess'));
    expect(sn.requests.map((r) => `${r.method} ${r.path.split('?')[0]}`)).toEqual(['POST /oauth_token.do', 'GET /api/now/table/sys_choice']);
    expect(sn.requests[1].headers.authorization).toBe(`Bearer ${sn.issuedTokens[0]}`);
    await page.locator(subj('testResultSuccess')).scrollIntoViewIfNeeded();
    await ui.screenshot('servicenow-04-test-tab');
    expect(ui.consoleErrors).toEqual([]);
  });
});
