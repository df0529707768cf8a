import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGenAiSimulator, type GenAiSimulator } from '../src/connector_types/openai/simulator.js';
import { browserUnavailable, openEmptyConnectorsPage, type TestBrowser } from './helpers/browser.js';
import { startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';

// The tokens a .gen-ai connector used, in Debian's chromium against a real server and the OpenAI
// simulator: the connector's Logs tab draws them per hour with their totals, and an execution's
// detail shows its own. Screenshots gen-ai-tokens-*.

const unavailable = browserUnavailable();
const subj = (name: string) => `[data-test-subj="${name}"]`;
const KEY = 'sk-ui-tokens-key';
const HELLO = [{ role: 'user', content: 'Say hello' }];

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
});
