import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSentinelOneSimulator, type SentinelOneSimulator } from '../src/connector_types/sentinelone/simulator.js';
import { browserUnavailable, openEmptyConnectorsPage, type TestBrowser } from './helpers/browser.js';
import { startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';

// The SentinelOne (.sentinelone) connector form in Debian's chromium, against a real server and
// the SentinelOne simulator: console URL and API token, saved with the token as a secret; its
// Test tab starts from getAgents (read-only, nothing on a host changes), draws the common agent
// filters only, and lists the agents. Screenshots in .ci/screenshots.

const unavailable = browserUnavailable();
const subj = (name: string) => `[data-test-subj="${name}"]`;
const TOKEN = 'ui-s1-token';

describe.skipIf(unavailable !== undefined)('the SentinelOne connector form in a browser', { timeout: 120_000 }, () => {
  let pb: TestPlugboard;
  let sim: SentinelOneSimulator;
  let ui: TestBrowser;
  let page: Page;

  beforeAll(async () => {
    sim = await startSentinelOneSimulator({ token: TOKEN, agents: 3 });
    pb = await startTestPlugboard();
    ui = await openEmptyConnectorsPage(pb);
    page = ui.page;
  });
  afterAll(async () => {
    await ui?.close();
    await pb?.close();
    await sim?.close();
  });

  it('saves URL and token, and its Test tab runs getAgents with the common filters', async () => {
    await page.click(subj('createFirstConnectorButton'));
    await page.fill(subj('connectorTypeSearch'), 'sentinel');
    await page.click(subj('typeCard-.sentinelone'));
    await page.waitForSelector(subj('connectorNameInput'));
    await page.fill(subj('connectorNameInput'), 'SentinelOne');
    await page.fill(subj('field-config-url'), sim.url);
    await page.fill(subj('field-secrets-token'), TOKEN);
    await ui.screenshot('sentinelone-01-form');
    await page.click(subj('saveConnectorButton'));
    await page.waitForSelector(subj('createConnectorFlyout'), { state: 'detached' });
    await page.locator(subj('connectorLink'), { hasText: 'SentinelOne' }).waitFor();

    const saved = (await pb.api('GET', '/api/actions/connectors')).body.find((c: { name: string }) => c.name === 'SentinelOne');
    expect(saved).toMatchObject({ connector_type_id: '.sentinelone', is_missing_secrets: false, config: { url: sim.url } });
    expect(JSON.stringify(saved)).not.toContain(TOKEN);

    const row = page.locator(subj('connectorRow'), { has: page.locator(subj('connectorLink'), { hasText: 'SentinelOne' }) });
    await row.locator(subj('testConnector')).click();
    await page.waitForSelector(subj('runTestButton'));
    expect(await page.inputValue(subj('field-params-subAction'))).toBe('getAgents');
    // The common filters, not all ~150.
    await page.waitForSelector(subj('field-params-subActionParams.computerName'));
    expect(await page.locator(subj('field-params-subActionParams.K8SVersion__contains')).count()).toBe(0);
    await page.fill(subj('field-params-subActionParams.computerName__contains'), 'host');
    sim.requests.length = 0;
    await page.click(subj('runTestButton'));
    await page.waitForSelector(subj('testResultSuccess'));
    expect(await page.locator(subj('testResultSuccess')).textContent()).toContain('host-3');
    expect(sim.requests.map((r) => `${r.method} ${new URL(r.path, sim.url).pathname}`)).toEqual(['GET /web/api/v2.1/agents']);
    expect(Object.fromEntries(new URL(sim.requests[0].path, sim.url).searchParams)).toEqual({ computerName__contains: 'host', APIToken: TOKEN });
    await page.locator(subj('testResultSuccess')).scrollIntoViewIfNeeded();
    await ui.screenshot('sentinelone-02-test-tab');
    expect(ui.consoleErrors).toEqual([]);
  });
});
