import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserUnavailable, openEmptyConnectorsPage, type TestBrowser } from './helpers/browser.js';
import { startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';

// The OpenAI (.gen-ai) connector form in Debian's chromium, against a real server: each provider
// draws its own config fields (the config is a union on apiProvider), OpenAI starts from its own
// URL, and a client certificate is offered for Other only. Screenshots in .ci/screenshots.

const unavailable = browserUnavailable();
const subj = (name: string) => `[data-test-subj="${name}"]`;

describe.skipIf(unavailable !== undefined)('the OpenAI connector form in a browser', { timeout: 120_000 }, () => {
  let pb: TestPlugboard;
  let ui: TestBrowser;
  let page: Page;

  beforeAll(async () => {
    pb = await startTestPlugboard();
    ui = await openEmptyConnectorsPage(pb);
    page = ui.page;
  });
  afterAll(async () => {
    await ui?.close();
    await pb?.close();
  });

  const present = (selector: string) => page.locator(selector).count().then((n) => n > 0);

  it('draws each provider its fields, offers a certificate to Other only, and saves what was chosen', async () => {
    await page.click(subj('createFirstConnectorButton'));
    await page.fill(subj('connectorTypeSearch'), 'openai');
    await page.click(subj('typeCard-.gen-ai'));
    await page.waitForSelector(subj('connectorNameInput'));

    expect(await page.inputValue(subj('field-config-apiProvider'))).toBe('OpenAI');
    expect(await page.inputValue(subj('field-config-apiUrl'))).toBe('https://api.openai.com/v1/chat/completions');
    expect(await present(subj('field-config-organizationId'))).toBe(true);
    expect(await present(subj('field-config-verificationMode'))).toBe(false);
    expect(await present(`${subj('field-secrets-certificateData')}, ${subj('field-secrets-certificateData-file')}`)).toBe(false);
    // The Test tab draws what a user gives, not the in-process callers' signal or telemetry.
    expect(await present(subj('field-params-subActionParams.body'))).toBe(true);
    expect(await present(subj('field-params-subActionParams.signal'))).toBe(false);
    expect(await present(subj('field-params-subActionParams.telemetryMetadata.pluginId'))).toBe(false);
    await ui.screenshot('gen-ai-01-openai');

    await page.selectOption(subj('field-config-apiProvider'), 'Other');
    expect(await page.inputValue(subj('field-config-apiUrl'))).toBe('');
    expect(await present(subj('field-config-organizationId'))).toBe(false);
    expect(await present(subj('field-config-verificationMode'))).toBe(true);
    expect(await present(subj('field-secrets-certificateData-file'))).toBe(true);
    await ui.screenshot('gen-ai-02-other');

    await page.fill(subj('connectorNameInput'), 'Local LLM');
    await page.fill(subj('field-config-apiUrl'), 'https://llm.example.com/v1/chat/completions');
    await page.fill(subj('field-config-defaultModel'), 'llama3');
    await page.fill(subj('field-secrets-apiKey'), 'sk-local-key');
    await page.click(subj('saveConnectorButton'));
    await page.waitForSelector(subj('createConnectorFlyout'), { state: 'detached' });
    await page.locator(subj('connectorLink'), { hasText: 'Local LLM' }).waitFor();

    const saved = (await pb.api('GET', '/api/actions/connectors')).body.find((c: { name: string }) => c.name === 'Local LLM');
    expect(saved).toMatchObject({ connector_type_id: '.gen-ai', is_missing_secrets: false });
    expect(saved.config).toMatchObject({ apiProvider: 'Other', apiUrl: 'https://llm.example.com/v1/chat/completions', defaultModel: 'llama3', verificationMode: 'full' });
    expect(ui.consoleErrors).toEqual([]);
  });
});
