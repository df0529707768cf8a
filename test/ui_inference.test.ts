import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startElasticsearchSimulator, type ElasticsearchSimulator } from '../src/connector_types/es_index/simulator.js';
import { browserUnavailable, openEmptyConnectorsPage, type TestBrowser } from './helpers/browser.js';
import { startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';

// The AI Connector (.inference) form in Debian's chromium, against a real server and the
// Elasticsearch simulator: provider and task type chosen from Kibana's lists, the provider's
// settings and secrets as JSON; saving creates the inference endpoint (a refusal of
// Elasticsearch's is shown on the form), and the Test tab chats through it. Screenshots in
// .ci/screenshots.

const unavailable = browserUnavailable();
const subj = (name: string) => `[data-test-subj="${name}"]`;

describe.skipIf(unavailable !== undefined)('the AI Connector form in a browser', { timeout: 120_000 }, () => {
  let pb: TestPlugboard;
  let es: ElasticsearchSimulator;
  let ui: TestBrowser;
  let page: Page;

  beforeAll(async () => {
    es = await startElasticsearchSimulator();
    pb = await startTestPlugboard({ settings: { 'elasticsearch.hosts': [es.url] } });
    ui = await openEmptyConnectorsPage(pb);
    page = ui.page;
  });
  afterAll(async () => {
    await ui?.close();
    await pb?.close();
    await es?.close();
  });

  it("chooses the provider and task type, takes settings and secrets as JSON, shows Elasticsearch's refusal, then saves, runs its test and streams a prompt", async () => {
    await page.click(subj('createFirstConnectorButton'));
    await page.fill(subj('connectorTypeSearch'), 'AI Connector');
    await page.click(subj('typeCard-.inference'));
    await page.waitForSelector(subj('connectorNameInput'));

    expect(await page.inputValue(subj('field-config-taskType'))).toBe('chat_completion');
    await page.fill(subj('connectorNameInput'), 'AI chat');
    await page.selectOption(subj('field-config-provider'), 'openai');
    await page.fill(subj('field-config-inferenceId'), 'ui-chat');
    await page.fill(subj('field-config-providerConfig'), '{"model_id": "gpt-4o"}');
    // No api_key: Elasticsearch refuses the endpoint, and the form says why.
    await page.fill(subj('field-secrets-providerSecrets'), '{}');
    await page.click(subj('saveConnectorButton'));
    await page.getByText('does not contain the required setting [api_key]').waitFor();
    await ui.screenshot('inference-01-refused');

    await page.fill(subj('field-secrets-providerSecrets'), '{"api_key": "sk-ui-secret"}');
    await page.click(subj('saveConnectorButton'));
    await page.waitForSelector(subj('createConnectorFlyout'), { state: 'detached' });
    await page.locator(subj('connectorLink'), { hasText: 'AI chat' }).waitFor();
    expect(es.inferenceEndpoints().find((e) => e.inference_id === 'ui-chat')).toMatchObject({ service: 'openai', service_settings: { model_id: 'gpt-4o', api_key: 'sk-ui-secret' } });
    const saved = (await pb.api('GET', '/api/actions/connectors')).body.find((c: { name: string }) => c.name === 'AI chat');
    expect(saved).toMatchObject({ connector_type_id: '.inference', config: { provider: 'openai', taskType: 'chat_completion', inferenceId: 'ui-chat' } });
    expect(JSON.stringify(saved)).not.toContain('sk-ui-secret');

    const row = page.locator(subj('connectorRow'), { has: page.locator(subj('connectorLink'), { hasText: 'AI chat' }) });
    await row.locator(subj('testConnector')).click();
    await page.waitForSelector(subj('runTestButton'));
    expect(await page.locator(subj('field-params-subActionParams.signal')).count()).toBe(0);
    await page.click(subj('runTestButton'));
    await page.waitForSelector(subj('testResultSuccess'));
    expect(await page.locator(subj('testResultSuccess')).textContent()).toContain('You said: Hello world');
    await page.locator(subj('testResultSuccess')).scrollIntoViewIfNeeded();
    await ui.screenshot('inference-02-test-tab');

    // The prompt streams through unified_completion_stream; the tokens are Elasticsearch's count.
    await page.fill(subj('promptInput'), 'hello from the browser');
    await page.click(subj('promptSendButton'));
    await expect.poll(() => page.locator(subj('promptUsage')).textContent()).toBe('Tokens: 10 (4 prompt, 6 completion)');
    expect(await page.locator(subj('promptAnswer')).textContent()).toBe('You said: hello from the browser');
    await page.locator(subj('promptAnswerPanel')).scrollIntoViewIfNeeded();
    await ui.screenshot('inference-03-prompt');
    // The browser's own line for the refused save's 400; nothing else.
    expect(ui.consoleErrors).toEqual(['Failed to load resource: the server responded with a status of 400 (Bad Request)']);
  });
});
