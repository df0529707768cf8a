import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encode } from 'gpt-tokenizer';
import { SIMULATOR_REPLY, startGenAiSimulator, type GenAiSimulator } from '../src/connector_types/openai/simulator.js';
import { browserUnavailable, openEmptyConnectorsPage, type TestBrowser } from './helpers/browser.js';
import { startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';

// A .gen-ai connector in Debian's chromium against a real server and the OpenAI simulator: its
// Test tab sends a prompt and shows the answer as it streams in (the simulator releasing one
// chunk at a time), then its tokens, and Stop closes the stream; its Logs tab draws the tokens
// per hour with their totals, and an execution's detail shows its own. Screenshots gen-ai-tokens-*.
// A new one's test before saving does the same through the unsaved `_test` route, saving
// nothing. Screenshots gen-ai-unsaved-*.

const unavailable = browserUnavailable();
const subj = (name: string) => `[data-test-subj="${name}"]`;
const KEY = 'sk-ui-tokens-key';
const HELLO = [{ role: 'user', content: 'Say hello' }];
const WORDS = SIMULATOR_REPLY.match(/\S+\s*/g)!;
const PROMPT = 'Who are you?';

describe.skipIf(unavailable !== undefined)('gen-ai token usage in the browser', { timeout: 120_000 }, () => {
  let sim: GenAiSimulator;
  let pb: TestPlugboard;
  let ui: TestBrowser;
  let page: Page;

  beforeAll(async () => {
    sim = await startGenAiSimulator({ apiKey: KEY, models: ['llama3'] });
    // The simulator is on loopback, which is denied by default.
    pb = await startTestPlugboard({ settings: { 'plugboard.net.deniedAddresses': [] } });
    ui = await openEmptyConnectorsPage(pb);
    page = ui.page;
    const config = { apiProvider: 'Other', apiUrl: `${sim.url}/v1/chat/completions`, defaultModel: 'llama3' };
    const created = await pb.api('POST', '/api/actions/connector/local-llm', { name: 'Local LLM', connector_type_id: '.gen-ai', config, secrets: { apiKey: KEY } });
    expect(created.status, created.text).toBe(200);
    await page.reload();
  });
  afterAll(async () => {
    expect(ui?.consoleErrors ?? []).toEqual([]);
    await ui?.close();
    await pb?.close();
    await sim?.close();
  });

  it("the connector's Logs tab charts its tokens per hour; an execution's detail shows its own", async () => {
    for (let i = 0; i < 2; i++) {
      const res = await pb.api('POST', '/api/actions/connector/local-llm/_execute', { params: { subAction: 'invokeAI', subActionParams: { messages: HELLO } } });
      expect(res.body.status, res.text).toBe('ok');
    }
    const used = sim.completions.map((c) => c.usage);
    const total = used.reduce((sum, u) => sum + u.total_tokens, 0);
    const prompt = used.reduce((sum, u) => sum + u.prompt_tokens, 0);
    await pb.plugboard.flushWrites();

    await page.locator(subj('connectorLink'), { hasText: 'Local LLM' }).click();
    await page.waitForSelector(subj('editConnectorFlyout'));
    await page.click(subj('logsTab'));
    await page.waitForSelector(`${subj('editConnectorFlyout')} ${subj('executionLogRow')}`, { timeout: 20_000 });
    await expect.poll(() => page.locator(subj('tokenUsageTotals')).textContent()).toBe(`${total} tokens (${prompt} prompt, ${total - prompt} completion) in 2 runs`);
    expect(await page.locator(subj('tokenUsageBar')).count()).toBe(1);
    expect(await page.locator(`${subj('tokenUsageBar')} title`).textContent()).toContain(`${total} tokens`);

    await page.locator(subj('expandExecution')).first().click();
    const last = used.at(-1)!;
    await expect
      .poll(() => page.locator(subj('executionEventTokens')).textContent())
      .toBe(`${last.total_tokens} (${last.prompt_tokens} prompt, ${last.completion_tokens} completion)`);
    await ui.screenshot('gen-ai-tokens-01-logs-tab');
    await page.locator(subj('executionEventTokens')).scrollIntoViewIfNeeded();
    await ui.screenshot('gen-ai-tokens-02-execution-detail');
  });

  /**
   * Sends PROMPT from the prompt panel on the page while the simulator releases its chunks one at
   * a time: the answer shows them as they come, then the whole answer and its tokens.
   */
  async function sendPacedPrompt(screenshots: [streaming: string, answered: string]) {
    await page.fill(subj('promptInput'), PROMPT);
    const paced = sim.paceStreamNext();
    await page.click(subj('promptSendButton'));
    // The opening chunk (no text) and two words: the answer shows them before the rest is sent.
    for (let i = 0; i < 3; i++) paced.release();
    await expect.poll(() => page.locator(subj('promptAnswer')).textContent()).toBe(WORDS[0] + WORDS[1]);
    expect(await page.locator(subj('promptStopButton')).isVisible()).toBe(true);
    await page.locator(subj('promptAnswerPanel')).scrollIntoViewIfNeeded();
    await ui.screenshot(screenshots[0]);
    for (let i = 2; i < WORDS.length + 3; i++) paced.release();
    const prompt = encode(`<|start|>user\n${PROMPT}<|end|>`).length;
    const completion = encode(SIMULATOR_REPLY).length;
    await expect.poll(() => page.locator(subj('promptUsage')).textContent()).toBe(`Tokens: ${prompt + completion} (${prompt} prompt, ${completion} completion)`);
    expect(await page.locator(subj('promptAnswer')).textContent()).toBe(SIMULATOR_REPLY);
    expect(await paced.closed).toEqual({ complete: true });
    await ui.screenshot(screenshots[1]);
  }

  it('the Test tab streams the answer to a prompt in as it arrives, then its tokens; Stop closes the stream', async () => {
    await page.click(subj('testTab'));
    await page.waitForSelector(subj('promptTest'));
    await sendPacedPrompt(['gen-ai-tokens-03-prompt-streaming', 'gen-ai-tokens-04-prompt-answered']);

    const stopped = sim.paceStreamNext();
    await page.click(subj('promptSendButton'));
    for (let i = 0; i < 2; i++) stopped.release();
    await expect.poll(() => page.locator(subj('promptAnswer')).textContent()).toBe(WORDS[0]);
    await page.click(subj('promptStopButton'));
    expect(await stopped.closed).toEqual({ complete: false });
    await page.waitForSelector(subj('promptStopped'));
    expect(await page.locator(subj('promptAnswer')).textContent()).toBe(WORDS[0]);
  });

  it('a new connector, before it is saved, streams the answer to a prompt sent with the settings of its form, then its tokens or the refusal; nothing is saved', async () => {
    await page.keyboard.press('Escape');
    await page.waitForSelector(subj('editConnectorFlyout'), { state: 'detached' });
    await page.click(subj('createConnectorButton'));
    await page.fill(subj('connectorTypeSearch'), 'openai');
    await page.click(subj('typeCard-.gen-ai'));
    await page.waitForSelector(subj('promptTest'));
    // An OpenAI-compatible service (Plugboard, as Kibana, asks OpenAI itself for a stream only at its own URL).
    await page.selectOption(subj('field-config-apiProvider'), 'Other');
    await page.fill(subj('field-config-apiUrl'), `${sim.url}/v1/chat/completions`);
    await page.fill(subj('field-config-defaultModel'), 'llama3');
    await page.fill(subj('field-secrets-apiKey'), KEY);
    await sendPacedPrompt(['gen-ai-unsaved-01-prompt-streaming', 'gen-ai-unsaved-02-prompt-answered']);
    // What went to the service: the prompt, streamed, with the form's model.
    expect(sim.completions.at(-1)?.body).toMatchObject({ model: 'llama3', stream: true, messages: [{ role: 'user', content: PROMPT }] });

    // A key the service refuses: the error as the saved connector's Test tab shows it.
    await page.fill(subj('field-secrets-apiKey'), 'sk-another-key');
    await page.click(subj('promptSendButton'));
    await page.waitForSelector(subj('promptError'));
    expect(await page.locator(subj('promptError')).textContent()).toContain('Incorrect API key provided');
    await page.locator(subj('promptError')).scrollIntoViewIfNeeded();
    await ui.screenshot('gen-ai-unsaved-03-prompt-refused');

    expect((await pb.api('GET', '/api/actions/connectors')).body.map((c: { id: string }) => c.id)).toEqual(['local-llm']);
    expect(await page.locator(subj('createConnectorFlyout')).count()).toBe(1);
  });
});
