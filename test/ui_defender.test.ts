import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDefenderSimulator, type DefenderSimulator } from '../src/connector_types/microsoft_defender_endpoint/simulator.js';
import { browserUnavailable, openEmptyConnectorsPage, openNewConnectorForm, openTestTabOfRow, saveNewConnector, type TestBrowser } from './helpers/browser.js';
import { startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';

// The Microsoft Defender for Endpoint (.microsoft_defender_endpoint) connector form in Debian's
// chromium, against a real server and the Entra ID and Defender simulator: it starts from
// Kibana's addresses and scope, saves the client secret as a secret, and its Test tab runs the
// read-only testConnector by default, which changes no machine. Screenshots in .ci/screenshots.

const unavailable = browserUnavailable();
const subj = (name: string) => `[data-test-subj="${name}"]`;
const TENANT = 'ui-tenant';
const CLIENT_ID = 'ui-client-id';
const SECRET = 'ui-mde-client-secret';

describe.skipIf(unavailable !== undefined)('the Microsoft Defender for Endpoint connector form in a browser', { timeout: 120_000 }, () => {
  let pb: TestPlugboard;
  let sim: DefenderSimulator;
  let ui: TestBrowser;
  let page: Page;

  beforeAll(async () => {
    sim = await startDefenderSimulator({ tenantId: TENANT, clientId: CLIENT_ID, clientSecret: SECRET });
    pb = await startTestPlugboard();
    ui = await openEmptyConnectorsPage(pb);
    page = ui.page;
  });
  afterAll(async () => {
    await ui?.close();
    await pb?.close();
    await sim?.close();
  });

  it("starts from Kibana's addresses, saves the secret, and its Test tab tests the connector without changing a machine", async () => {
    await openNewConnectorForm(page, 'defender', '.microsoft_defender_endpoint');

    expect(await page.inputValue(subj('field-config-oAuthServerUrl'))).toBe('https://login.microsoftonline.com');
    expect(await page.inputValue(subj('field-config-apiUrl'))).toBe('https://api.securitycenter.microsoft.com');
    expect(await page.inputValue(subj('field-config-oAuthScope'))).toBe('https://securitycenter.onmicrosoft.com/windowsatpservice/.default');
    await page.fill(subj('connectorNameInput'), 'Defender');
    await page.fill(subj('field-config-clientId'), CLIENT_ID);
    await page.fill(subj('field-config-tenantId'), TENANT);
    await page.fill(subj('field-config-oAuthServerUrl'), sim.url);
    await page.fill(subj('field-config-apiUrl'), sim.url);
    await page.fill(subj('field-secrets-clientSecret'), SECRET);
    await ui.screenshot('defender-01-form');
    await saveNewConnector(page, 'Defender');

    const saved = (await pb.api('GET', '/api/actions/connectors')).body.find((c: { name: string }) => c.name === 'Defender');
    expect(saved).toMatchObject({ connector_type_id: '.microsoft_defender_endpoint', is_missing_secrets: false, config: { clientId: CLIENT_ID, tenantId: TENANT, apiUrl: sim.url } });
    expect(JSON.stringify(saved)).not.toContain(SECRET);

    await openTestTabOfRow(page, 'Defender');
    expect(await page.inputValue(subj('field-params-subAction'))).toBe('testConnector');
    await page.click(subj('runTestButton'));
    await page.waitForSelector(subj('testResultSuccess'));
    expect(await page.locator(subj('testResultSuccess')).textContent()).toContain('API call to Machine RunScript was successful');
    // Every call named the test machine, which does not exist: no machine action was created.
    expect(sim.actions.size).toBe(0);
    expect(sim.tokenRequests).toHaveLength(1);
    await page.locator(subj('testResultSuccess')).scrollIntoViewIfNeeded();
    await ui.screenshot('defender-02-test-tab');
    expect(ui.consoleErrors).toEqual([]);
  });
});
