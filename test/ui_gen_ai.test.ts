import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBedrockSimulator, type BedrockSimulator } from '../src/connector_types/bedrock/simulator.js';
import { browserUnavailable, openEmptyConnectorsPage, type TestBrowser } from './helpers/browser.js';
import { startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';

// The AI connector forms in Debian's chromium, against a real server. OpenAI (.gen-ai): each
// provider draws its own config fields (the config is a union on apiProvider), OpenAI starts
// from its own URL, and a client certificate is offered for Other only. Amazon Bedrock
// (.bedrock): it starts from the us-east-1 runtime URL and Kibana's default model, asks for the
// AWS access key and secret, and the connector it saves signs requests the Bedrock simulator
// accepts. Screenshots in .ci/screenshots.

const unavailable = browserUnavailable();
const subj = (name: string) => `[data-test-subj="${name}"]`;

const ACCESS_KEY = 'AKIAUIFORMTEST0001';
const SECRET = 'ui-form-test-secret';

describe.skipIf(unavailable !== undefined)('the AI connector forms in a browser', { timeout: 120_000 }, () => {
  let pb: TestPlugboard;
  let bedrock: BedrockSimulator;
  let ui: TestBrowser;
  let page: Page;

  beforeAll(async () => {
    bedrock = await startBedrockSimulator({ accessKey: ACCESS_KEY, secret: SECRET, region: 'eu-west-3' });
    pb = await startTestPlugboard();
    ui = await openEmptyConnectorsPage(pb);
    page = ui.page;
  });
  afterAll(async () => {
    await ui?.close();
    await pb?.close();
    await bedrock?.close();
  });

  const present = (selector: string) => page.locator(selector).count().then((n) => n > 0);

  async function openForm(search: string, typeId: string) {
    await page.locator(`${subj('createFirstConnectorButton')}, ${subj('createConnectorButton')}`).first().click();
    await page.fill(subj('connectorTypeSearch'), search);
    await page.click(subj(`typeCard-${typeId}`));
    await page.waitForSelector(subj('connectorNameInput'));
  }
  /** Saves the form and answers the connector saved under `name`. */
  async function save(name: string) {
    await page.click(subj('saveConnectorButton'));
    await page.waitForSelector(subj('createConnectorFlyout'), { state: 'detached' });
    await page.locator(subj('connectorLink'), { hasText: name }).waitFor();
    return (await pb.api('GET', '/api/actions/connectors')).body.find((c: { name: string }) => c.name === name);
  }
  /** The Test tab draws what a user gives, not the in-process callers' signal or telemetry. */
  async function expectTestParamsOfAUser() {
    expect(await present(subj('field-params-subActionParams.body'))).toBe(true);
    expect(await present(subj('field-params-subActionParams.signal'))).toBe(false);
    expect(await present(subj('field-params-subActionParams.telemetryMetadata.pluginId'))).toBe(false);
  }

  it('OpenAI: draws each provider its fields, offers a certificate to Other only, and saves what was chosen', async () => {
    await openForm('openai', '.gen-ai');

    expect(await page.inputValue(subj('field-config-apiProvider'))).toBe('OpenAI');
    expect(await page.inputValue(subj('field-config-apiUrl'))).toBe('https://api.openai.com/v1/chat/completions');
    expect(await present(subj('field-config-organizationId'))).toBe(true);
    expect(await present(subj('field-config-verificationMode'))).toBe(false);
    expect(await present(`${subj('field-secrets-certificateData')}, ${subj('field-secrets-certificateData-file')}`)).toBe(false);
    await expectTestParamsOfAUser();
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
    const saved = await save('Local LLM');
    expect(saved).toMatchObject({ connector_type_id: '.gen-ai', is_missing_secrets: false });
    expect(saved.config).toMatchObject({ apiProvider: 'Other', apiUrl: 'https://llm.example.com/v1/chat/completions', defaultModel: 'llama3', verificationMode: 'full' });
    expect(ui.consoleErrors).toEqual([]);
  });

  it('Amazon Bedrock: starts from the runtime URL and default model, asks for the AWS credentials, and saves a connector that signs', async () => {
    await openForm('bedrock', '.bedrock');
    expect(await page.inputValue(subj('field-config-apiUrl'))).toBe('https://bedrock-runtime.us-east-1.amazonaws.com');
    expect(await page.inputValue(subj('field-config-defaultModel'))).toBe('us.anthropic.claude-sonnet-4-5-20250929-v1:0');
    expect(await present(subj('field-config-region'))).toBe(true);
    expect(await present(subj('field-secrets-accessKey'))).toBe(true);
    expect(await page.getAttribute(subj('field-secrets-secret'), 'type')).toBe('password');
    await expectTestParamsOfAUser();
    await ui.screenshot('bedrock-01-new');

    await page.fill(subj('connectorNameInput'), 'Claude on Bedrock');
    await page.fill(subj('field-config-apiUrl'), bedrock.url);
    await page.fill(subj('field-config-region'), 'eu-west-3');
    await page.fill(subj('field-config-defaultModel'), 'anthropic.claude-3-5-sonnet-20240620-v1:0');
    await page.fill(subj('field-secrets-accessKey'), ACCESS_KEY);
    await page.fill(subj('field-secrets-secret'), SECRET);
    await ui.screenshot('bedrock-02-filled');
    const saved = await save('Claude on Bedrock');
    expect(saved).toMatchObject({ connector_type_id: '.bedrock', is_missing_secrets: false });
    expect(saved.config).toEqual({ apiUrl: bedrock.url, region: 'eu-west-3', defaultModel: 'anthropic.claude-3-5-sonnet-20240620-v1:0' });
    const run = await pb.api('POST', `/api/actions/connector/${saved.id}/_execute`, { params: { subAction: 'invokeAI', subActionParams: { messages: [{ role: 'user', content: 'hi' }] } } });
    expect(run.body).toMatchObject({ status: 'ok', data: { message: 'Hello there! How may I assist you today?' } });

    // Its Test tab's prompt streams through invokeStream: the event stream decoded, the text shown, then the tokens.
    const row = page.locator(subj('connectorRow'), { has: page.locator(subj('connectorLink'), { hasText: 'Claude on Bedrock' }) });
    await row.locator(subj('testConnector')).click();
    await page.waitForSelector(subj('promptTest'));
    await page.fill(subj('promptInput'), 'Say hello');
    await page.click(subj('promptSendButton'));
    await expect.poll(() => page.locator(subj('promptUsage')).count()).toBe(1);
    expect(await page.locator(subj('promptAnswer')).textContent()).toBe('Hello there! How may I assist you today?');
    expect(bedrock.invocations.at(-1)).toMatchObject({ operation: 'invoke-with-response-stream' });
    await ui.screenshot('bedrock-03-prompt');
    expect(ui.consoleErrors).toEqual([]);
  });
});
