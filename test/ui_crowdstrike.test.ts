import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIM_AGENT_ID, startCrowdstrikeSimulator, type CrowdstrikeSimulator } from '../src/connector_types/crowdstrike/simulator.js';
import { browserUnavailable, openEmptyConnectorsPage, type TestBrowser } from './helpers/browser.js';
import { startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';

// The CrowdStrike (.crowdstrike) connector form in Debian's chromium, against a real server and
// the Falcon simulator: the API URL and the API client's id and secret, saved; its Test tab starts
// from getAgentDetails (it only reads) and answers the host's record through one token.
// Screenshots in .ci/screenshots.

const unavailable = browserUnavailable();
const subj = (name: string) => `[data-test-subj="${name}"]`;
const CLIENT = { clientId: 'ui-cs-client', clientSecret: 'ui-cs-secret' };

describe.skipIf(unavailable !== undefined)('the CrowdStrike connector form in a browser', { timeout: 120_000 }, () => {
  let pb: TestPlugboard;
  let sim: CrowdstrikeSimulator;
  let ui: TestBrowser;
  let page: Page;

  beforeAll(async () => {
    sim = await startCrowdstrikeSimulator(CLIENT);
    pb = await startTestPlugboard();
    ui = await openEmptyConnectorsPage(pb);
    page = ui.page;
  });
  afterAll(async () => {
    await ui?.close();
    await pb?.close();
    await sim?.close();
  });

  it('saves the API client as secrets, and its Test tab reads agent details by default', async () => {
    await page.click(subj('createFirstConnectorButton'));
    await page.fill(subj('connectorTypeSearch'), 'crowdstrike');
    await page.waitForSelector(subj('typeCategory-edr'));
    await page.click(subj('typeCard-.crowdstrike'));
    await page.waitForSelector(subj('connectorNameInput'));

    expect(await page.getAttribute(subj('field-config-url'), 'placeholder')).toBe('https://api.crowdstrike.com');
    await page.fill(subj('connectorNameInput'), 'Falcon');
    await page.fill(subj('field-config-url'), sim.url);
    await page.fill(subj('field-secrets-clientId'), CLIENT.clientId);
    await page.fill(subj('field-secrets-clientSecret'), CLIENT.clientSecret);
    await ui.screenshot('crowdstrike-01-form');
    await page.click(subj('saveConnectorButton'));
    await page.waitForSelector(subj('createConnectorFlyout'), { state: 'detached' });
    await page.locator(subj('connectorLink'), { hasText: 'Falcon' }).waitFor();

    const saved = (await pb.api('GET', '/api/actions/connectors')).body.find((c: { name: string }) => c.name === 'Falcon');
    expect(saved).toMatchObject({ connector_type_id: '.crowdstrike', is_missing_secrets: false, config: { url: sim.url } });
    expect(JSON.stringify(saved)).not.toContain(CLIENT.clientSecret);

    const row = page.locator(subj('connectorRow'), { has: page.locator(subj('connectorLink'), { hasText: 'Falcon' }) });
    await row.locator(subj('testConnector')).click();
    await page.waitForSelector(subj('runTestButton'));
    expect(await page.inputValue(subj('field-params-subAction'))).toBe('getAgentDetails');
    // The placeholder id is replaced by the simulated host's.
    const ids = page.locator(`${subj('field-params-subActionParams.ids')} input`);
    await ids.click();
    await page.keyboard.press('Backspace');
    await ids.fill(SIM_AGENT_ID);
    await page.keyboard.press('Enter');
    await page.click(subj('runTestButton'));
    await page.waitForSelector(subj('testResultSuccess'));
    expect(await page.locator(subj('testResultSuccess')).textContent()).toContain('win-server-01');
    expect(sim.tokenRequests).toHaveLength(1);
    expect(sim.requests.at(-1)!.path).toBe(`/devices/entities/devices/v2?ids=${SIM_AGENT_ID}`);
    await page.locator(subj('testResultSuccess')).scrollIntoViewIfNeeded();
    await ui.screenshot('crowdstrike-02-test-tab');
    expect(ui.consoleErrors).toEqual([]);
  });
});
