import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserUnavailable, startBrowser, type TestBrowser } from './helpers/browser.js';
import { availableDialects } from './helpers/databases.js';
import { startTestPlugboard, TEST_PASSWORD, type TestPlugboard } from './helpers/plugboard.js';
import { importRequest } from './helpers/valid_requests.js';

// A connector of a type Plugboard does not have, imported from an installation that has it, on
// the Connectors page in Debian's chromium: listed under its type id and greyed out, with no Fix
// (there is no form to enter its secrets in), readable, refused when tested, and deletable.
// Screenshots are named unknown-type-* (unknown-type-postgres-* on PostgreSQL).

const unavailable = browserUnavailable();
const dialects = await availableDialects();
const subj = (name: string) => `[data-test-subj="${name}"]`;

describe.skipIf(unavailable !== undefined).each(dialects)('a connector of an unknown type in the web UI on %s', { timeout: 120_000 }, (dialect) => {
  let pb: TestPlugboard;
  let url: string;
  let ui: TestBrowser;
  let page: Page;

  beforeAll(async () => {
    pb = await startTestPlugboard({ dialect });
    url = await pb.plugboard.listen();
    const lines = [
      { id: 'legacy-pager', type: 'action', attributes: { actionTypeId: '.invalid-type', name: 'Legacy pager', config: { routing: 'ops' }, secrets: {}, isMissingSecrets: true }, references: [] },
      { id: 'ops-log', type: 'action', attributes: { actionTypeId: '.server-log', name: 'Ops log', config: {}, secrets: {}, isMissingSecrets: true }, references: [] },
    ];
    const { raw, headers } = importRequest(lines.map((l) => JSON.stringify(l)).join('\n'));
    const imported = await pb.api('POST', '/api/saved_objects/_import', undefined, { raw, headers });
    expect(imported.body).toMatchObject({ success: true, successCount: 2 });
    ui = await startBrowser();
    page = ui.page;
  });
  afterAll(async () => {
    await ui?.close();
    await pb?.close();
  });

  const screenshot = (name: string) => ui.screenshot(`unknown-type-${dialect === 'sqlite' ? '' : `${dialect}-`}${name}`);
  const rowOf = (name: string) => page.locator(subj('connectorRow'), { has: page.locator(subj('connectorLink'), { hasText: name }) });

  it('lists it under its type id, greyed out, flagged without a Fix button', async () => {
    await page.goto(`${url}/connectors`);
    await page.fill(subj('loginUsername'), 'elastic');
    await page.fill(subj('loginPassword'), TEST_PASSWORD);
    await page.click(subj('loginSubmit'));
    const row = rowOf('Legacy pager');
    await row.waitFor();
    await rowOf('Ops log').waitFor();
    expect(await row.textContent()).toContain('.invalid-type');
    expect(await row.evaluate((el) => getComputedStyle(el).opacity)).toBe('0.6');
    expect(await row.locator(subj('missingSecretsBadge')).count()).toBe(1);
    // Fix opens a form to enter the secrets in: there is none for a type Plugboard lacks.
    await expect.poll(() => row.locator(subj('fixConnector')).count()).toBe(0);
    expect(await rowOf('Ops log').locator(subj('fixConnector')).count()).toBe(1);
    await row.locator(subj('connectorLink')).hover();
    await expect.poll(() => page.locator('.euiToolTipPopover').textContent()).toContain('This connector type is not available in Plugboard.');
    await screenshot('01-list');
  });

  it('shows it read-only, and its test answers that the type is not registered', async () => {
    await rowOf('Legacy pager').locator(subj('connectorLink')).click();
    await page.waitForSelector(subj('editConnectorFlyout'));
    expect(await page.locator(subj('readOnlyCallout')).textContent()).toContain('This connector type is not available');
    expect(await page.locator(subj('readOnlyConfig')).textContent()).toContain('ops');
    expect(await page.locator(subj('saveConnectorButton')).count()).toBe(0);
    await screenshot('02-read-only');
    await page.keyboard.press('Escape');
    await page.waitForSelector(subj('editConnectorFlyout'), { state: 'detached' });

    await rowOf('Legacy pager').locator(subj('testConnector')).click();
    await page.waitForSelector(subj('runTestButton'));
    await page.click(subj('runTestButton'));
    await page.waitForSelector(subj('testResultError'));
    expect(await page.locator(subj('testResultError')).textContent()).toContain('Action type ".invalid-type" is not registered.');
    await screenshot('03-test-refused');
    await page.keyboard.press('Escape');
    await page.waitForSelector(subj('editConnectorFlyout'), { state: 'detached' });
  });

  it('deletes it', async () => {
    await rowOf('Legacy pager').locator(subj('deleteConnector')).click();
    await page.waitForSelector(subj('deleteConnectorsConfirm'));
    await page.click(`${subj('deleteConnectorsConfirm')} ${subj('confirmModalConfirmButton')}`);
    await expect.poll(() => rowOf('Legacy pager').count()).toBe(0);
    expect((await pb.api('GET', '/api/actions/connector/legacy-pager')).status).toBe(404);
    await screenshot('04-deleted');
    // The refused test run is the only failed request.
    expect(ui.consoleErrors.filter((e) => !/status of 400/.test(e))).toEqual([]);
  });
});
