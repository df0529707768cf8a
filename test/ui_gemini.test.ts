import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIMULATOR_REPLY, startGeminiSimulator, type GeminiSimulator } from '../src/connector_types/gemini/simulator.js';
import { browserUnavailable, openEmptyConnectorsPage, openNewConnectorForm, openTestTabOfRow, saveNewConnector, type TestBrowser } from './helpers/browser.js';
import { startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';

// The Google Gemini (.gemini) connector form in Debian's chromium, against a real server and the
// Vertex AI simulator: it starts from Kibana's endpoint and region, takes the service account's
// key file as a secret text, saves, and its Test tab gets an answer through a token of that
// account. Screenshots in .ci/screenshots.

const unavailable = browserUnavailable();
const subj = (name: string) => `[data-test-subj="${name}"]`;

describe.skipIf(unavailable !== undefined)('the Google Gemini connector form in a browser', { timeout: 120_000 }, () => {
  let pb: TestPlugboard;
  let sim: GeminiSimulator;
  let ui: TestBrowser;
  let page: Page;

  beforeAll(async () => {
    sim = await startGeminiSimulator({ projectId: 'ui-project' });
    pb = await startTestPlugboard();
    ui = await openEmptyConnectorsPage(pb);
    page = ui.page;
  });
  afterAll(async () => {
    await ui?.close();
    await pb?.close();
    await sim?.close();
  });

  it("starts from Vertex AI's defaults, saves the key file as a secret, and its Test tab answers through the account's token", async () => {
    await openNewConnectorForm(page, 'gemini', '.gemini');

    expect(await page.inputValue(subj('field-config-apiUrl'))).toBe('https://us-central1-aiplatform.googleapis.com');
    expect(await page.inputValue(subj('field-config-gcpRegion'))).toBe('us-central1');
    expect(await page.inputValue(subj('field-config-defaultModel'))).toBe('gemini-2.5-pro');
    await page.fill(subj('connectorNameInput'), 'Gemini');
    await page.fill(subj('field-config-apiUrl'), sim.url);
    await page.fill(subj('field-config-gcpProjectID'), 'ui-project');
    const credentials = sim.credentials();
    await page.fill(subj('field-secrets-credentialsJson'), credentials);
    await ui.screenshot('gemini-01-form');
    await saveNewConnector(page, 'Gemini');

    const saved = (await pb.api('GET', '/api/actions/connectors')).body.find((c: { name: string }) => c.name === 'Gemini');
    expect(saved).toMatchObject({ connector_type_id: '.gemini', is_missing_secrets: false, config: { apiUrl: sim.url, gcpRegion: 'us-central1', gcpProjectID: 'ui-project' } });
    expect(JSON.stringify(saved)).not.toContain('PRIVATE KEY');

    await openTestTabOfRow(page, 'Gemini');
    expect(await page.locator(subj('field-params-subActionParams.signal')).count()).toBe(0);
    await page.click(subj('runTestButton'));
    await page.waitForSelector(subj('testResultSuccess'));
    expect(await page.locator(subj('testResultSuccess')).textContent()).toContain(SIMULATOR_REPLY);
    expect(sim.tokensIssued).toHaveLength(1);
    await page.locator(subj('testResultSuccess')).scrollIntoViewIfNeeded();
    await ui.screenshot('gemini-02-test-tab');

    // A prompt streams through invokeStream: the answer's text, then its tokens.
    await page.fill(subj('promptInput'), 'Say hello');
    await page.click(subj('promptSendButton'));
    await expect.poll(() => page.locator(subj('promptUsage')).count()).toBe(1);
    expect(await page.locator(subj('promptAnswer')).textContent()).toBe(SIMULATOR_REPLY);
    expect(await page.locator(subj('promptUsage')).textContent()).toMatch(/^Tokens: \d+ \(\d+ prompt, \d+ completion\)$/);
    expect(sim.generations.at(-1)).toMatchObject({ stream: true });
    await ui.screenshot('gemini-03-prompt');
    expect(ui.consoleErrors).toEqual([]);
  });
});
