import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserUnavailable, logOutAndInAs, startBrowser, type TestBrowser } from './helpers/browser.js';
import { startTestPlugboard, TEST_PASSWORD, type TestPlugboard } from './helpers/plugboard.js';
import { startStatusSink, type StatusSink } from './helpers/status_sink.js';
import { eventually } from './helpers/wait.js';

// The web UI in Debian's chromium, driven by playwright-core, against a real server: log in,
// create connectors of three types through the flyout, test them (one succeeds, one fails),
// edit, delete one and two at once, read the logs filtered to failures. Every step leaves a
// screenshot in .ci/screenshots.

const unavailable = browserUnavailable();
// A step drives several screens; on a loaded machine that can take longer than vitest's 30 s.
const BROWSER_STEP = { timeout: 120_000 };
const subj = (name: string) => `[data-test-subj="${name}"]`;

/**
 * The visible controls without an accessible name (a label, aria-label, aria-labelledby, a
 * title or their own text), described by tag and test subject: a screen reader could not say
 * what they are.
 */
function unlabelledControls(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const controls = document.querySelectorAll<HTMLElement>('button, input:not([type=hidden]), select, textarea, [role=switch], [role=combobox], [role=tab], a[href]');
    const nameOf = (el: HTMLElement): string => {
      const labelledBy = el.getAttribute('aria-labelledby');
      const byIds = labelledBy ? labelledBy.split(/\s+/).map((id) => document.getElementById(id)?.textContent ?? '').join(' ') : '';
      const labels = 'labels' in el ? Array.from((el as HTMLInputElement).labels ?? []).map((l) => l.textContent ?? '').join(' ') : '';
      return [el.getAttribute('aria-label'), byIds, labels, el.getAttribute('title'), el.getAttribute('placeholder'), el.textContent].join(' ').trim();
    };
    return Array.from(controls)
      .filter((el) => el.offsetParent !== null && !el.closest('[aria-hidden=true]'))
      .filter((el) => nameOf(el) === '')
      .map((el) => `${el.tagName.toLowerCase()}[${el.getAttribute('data-test-subj') ?? el.className.slice(0, 40)}]`);
  });
}

describe.skipIf(unavailable !== undefined)('the web UI in a browser', BROWSER_STEP, () => {
  let pb: TestPlugboard;
  let url: string;
  let sink: StatusSink;
  let ui: TestBrowser;
  let page: Page;

  beforeAll(async () => {
    sink = await startStatusSink();
    // Loopback targets (the sink, a closed port) are denied by default; these tests use them.
    pb = await startTestPlugboard({ settings: { 'plugboard.net.deniedAddresses': [] } });
    url = await pb.plugboard.listen();
    ui = await startBrowser();
    page = ui.page;
  });
  afterAll(async () => {
    await ui?.close();
    await pb?.close();
    await sink?.close();
  });

  const rowOf = (name: string) => page.locator(subj('connectorRow'), { has: page.locator(subj('connectorLink'), { hasText: name }) });
  const listedNames = async () => (await page.locator(subj('connectorLink')).allTextContents()).map((t) => t.trim());

  async function openCreateFlyout(typeId: string, search: string) {
    await page.click(subj('createConnectorButton'));
    await page.waitForSelector(subj('createConnectorFlyout'));
    await page.fill(subj('connectorTypeSearch'), search);
    await page.click(subj(`typeCard-${typeId}`));
    await page.waitForSelector(subj('connectorNameInput'));
  }

  async function saveAndWaitForRow(name: string) {
    await page.click(subj('saveConnectorButton'));
    await page.waitForSelector(subj('createConnectorFlyout'), { state: 'detached' });
    await rowOf(name).waitFor();
  }

  it('logs in from the login page it is sent to, and lands on the page it asked for', async () => {
    await page.goto(`${url}/connectors`);
    await page.waitForSelector(subj('loginForm'));
    expect(new URL(page.url()).pathname).toBe('/login');
    await ui.screenshot('01-login');

    await page.fill(subj('loginUsername'), 'elastic');
    await page.fill(subj('loginPassword'), 'wrong-password');
    await page.click(subj('loginSubmit'));
    await expect.poll(() => page.locator(subj('loginError')).textContent()).toContain('incorrect');

    await page.fill(subj('loginPassword'), TEST_PASSWORD);
    await page.click(subj('loginSubmit'));
    await page.waitForSelector(subj('connectorsEmptyPrompt'));
    expect(new URL(page.url()).pathname).toBe('/connectors');
    await ui.screenshot('02-empty-connectors');
  });

  it('creates a server log, a webhook and a Slack connector through the flyout', async () => {
    // The empty state's own button, reached from the keyboard.
    await page.focus(subj('createFirstConnectorButton'));
    await page.keyboard.press('Enter');
    await page.waitForSelector(subj('createConnectorFlyout'));
    for (const category of ['messaging', 'paging', 'soar', 'other']) await page.waitForSelector(subj(`typeCategory-${category}`));
    await ui.screenshot('03-type-cards');
    // The search narrows the cards.
    await page.fill(subj('connectorTypeSearch'), 'pager');
    await expect.poll(() => page.locator('[data-test-subj^="typeCard-"]').count()).toBe(1);
    await page.fill(subj('connectorTypeSearch'), 'server log');
    await page.click(subj('typeCard-.server-log'));
    await page.fill(subj('connectorNameInput'), 'Ops log');
    await saveAndWaitForRow('Ops log');

    await openCreateFlyout('.webhook', 'webhook');
    await page.fill(subj('connectorNameInput'), 'Deploy hook');
    await page.fill(subj('field-config-url'), `${sink.url}/deploy`);
    await page.click(subj('field-config-hasAuth'));
    await ui.screenshot('04-webhook-form');
    expect(await unlabelledControls(page)).toEqual([]);
    await saveAndWaitForRow('Deploy hook');

    await openCreateFlyout('.slack', 'slack');
    await page.fill(subj('connectorNameInput'), 'Team chat');
    // Save with the required secret missing: the browser says what the server would.
    await page.click(subj('saveConnectorButton'));
    await expect.poll(() => page.locator(subj('createConnectorFlyout')).textContent()).toContain('Webhook URL is required.');
    await page.fill(subj('field-secrets-webhookUrl'), `${sink.url}/slack`);
    await saveAndWaitForRow('Team chat');
    await ui.screenshot('05-three-connectors');
    expect(await unlabelledControls(page)).toEqual([]);

    // Search by name or type, and the type filter with its counts.
    await page.fill(subj('connectorsSearch'), 'slack');
    await expect.poll(listedNames).toEqual(['Team chat']);
    await page.fill(subj('connectorsSearch'), '');
    await page.click(subj('typeFilterButton'));
    expect(await page.locator(subj('typeFilterOption-.webhook')).textContent()).toContain('(1)');
    await page.click(subj('typeFilterOption-.webhook'));
    await page.keyboard.press('Escape');
    await expect.poll(listedNames).toEqual(['Deploy hook']);
    await page.click(subj('typeFilterButton'));
    await page.click(subj('typeFilterOption-.webhook'));
    await page.keyboard.press('Escape');
    await expect.poll(listedNames).toHaveLength(3);

    const saved = await pb.api('GET', '/api/actions/connectors');
    const byName = Object.fromEntries(saved.body.map((c: { name: string }) => [c.name, c]));
    expect(byName['Ops log'].connector_type_id).toBe('.server-log');
    expect(byName['Deploy hook']).toMatchObject({ connector_type_id: '.webhook', config: { url: `${sink.url}/deploy`, method: 'post', hasAuth: false } });
    expect(byName['Team chat'].connector_type_id).toBe('.slack');
  });

  it('tests a connector that fails before saving it, and reads the error', async () => {
    await openCreateFlyout('.webhook', 'webhook');
    await page.fill(subj('connectorNameInput'), 'Broken hook');
    await page.fill(subj('field-config-url'), 'http://127.0.0.1:1/nothing-listens-here');
    await page.click(subj('field-config-hasAuth'));
    await page.click(subj('runUnsavedTestButton'));
    await page.waitForSelector(subj('testResultError'));
    expect(await page.locator(subj('testResultMessage')).textContent()).toContain('error calling webhook');
    expect(await page.locator(subj('testResultServiceMessage')).textContent()).toMatch(/ECONNREFUSED|connect/i);
    await page.locator(subj('testResultError')).scrollIntoViewIfNeeded();
    await ui.screenshot('06-unsaved-test-failed');
    await saveAndWaitForRow('Broken hook');
  });

  it('tests a saved connector that succeeds, from the Test tab, with the request reaching the service', async () => {
    const before = sink.requests.length;
    await rowOf('Deploy hook').locator(subj('testConnector')).click();
    await page.waitForSelector(subj('editConnectorFlyout'));
    await page.waitForSelector(subj('runTestButton'));
    await page.click(subj('runTestButton'));
    await page.waitForSelector(subj('testResultSuccess'));
    expect(sink.requests.length).toBe(before + 1);
    expect(sink.requests.at(-1)).toMatchObject({ method: 'POST', url: '/deploy' });
    await page.locator(subj('testResultSuccess')).scrollIntoViewIfNeeded();
    await ui.screenshot('07-test-tab-success');

    // Plugboard's preview: the params with their templates filled in, nothing sent.
    await page.fill(subj('field-params-body'), '{"rule": "{{rule.name}}"}');
    await page.fill(subj('renderVariables'), '{"rule": {"name": "Disk full"}}');
    await page.click(subj('previewRenderButton'));
    await expect.poll(() => page.locator(subj('renderPreview')).textContent()).toContain('Disk full');
    expect(sink.requests.length).toBe(before + 1);

    // The connector's own Logs tab shows the run just made.
    await page.click(subj('logsTab'));
    await page.waitForSelector(`${subj('editConnectorFlyout')} ${subj('executionLogRow')}`, { timeout: 20_000 });
    await ui.screenshot('07b-connector-logs-tab');

    // The saved broken hook fails from its Test tab as well.
    await page.keyboard.press('Escape');
    await page.waitForSelector(subj('editConnectorFlyout'), { state: 'detached' });
    await rowOf('Broken hook').locator(subj('testConnector')).click();
    await page.click(subj('runTestButton'));
    await page.waitForSelector(subj('testResultError'));
    expect(await page.locator(subj('testResultServiceMessage')).textContent()).toMatch(/ECONNREFUSED|connect/i);
    await page.locator(subj('testResultError')).scrollIntoViewIfNeeded();
    await ui.screenshot('08-test-tab-failure');
    expect(await unlabelledControls(page)).toEqual([]);
    await page.keyboard.press('Escape');
    await page.waitForSelector(subj('editConnectorFlyout'), { state: 'detached' });
  });

  it('edits a connector from its deep link', async () => {
    const id = (await pb.api('GET', '/api/actions/connectors')).body.find((c: { name: string }) => c.name === 'Team chat').id;
    await page.goto(`${url}/connectors/${id}`);
    await page.waitForSelector(subj('editConnectorFlyout'));
    await page.waitForSelector(subj('reenterSecretsCallout'));
    await page.fill(subj('connectorNameInput'), 'Team chat (alerts)');
    // The stored URL is kept unless reset; here it is replaced.
    await page.click(subj('resetStoredField-webhookUrl'));
    await page.fill(subj('field-secrets-webhookUrl'), `${sink.url}/slack-alerts`);
    await ui.screenshot('09-edit');
    await page.click(subj('saveConnectorButton'));
    await page.waitForSelector(subj('toast-success'));
    await page.keyboard.press('Escape');
    await rowOf('Team chat (alerts)').waitFor();
    expect((await pb.api('GET', `/api/actions/connector/${id}`)).body.name).toBe('Team chat (alerts)');
  });

  it('deletes one connector, then two at once', async () => {
    await rowOf('Broken hook').locator(subj('deleteConnector')).click();
    await page.waitForSelector(subj('deleteConnectorsConfirm'));
    await ui.screenshot('10-delete-confirm');
    await page.click(subj('confirmModalConfirmButton'));
    await expect.poll(listedNames).not.toContain('Broken hook');

    const ids = Object.fromEntries((await pb.api('GET', '/api/actions/connectors')).body.map((c: { name: string; id: string }) => [c.name, c.id]));
    await page.check(subj(`checkboxSelectRow-${ids['Ops log']}`));
    await page.check(subj(`checkboxSelectRow-${ids['Team chat (alerts)']}`));
    await page.click(subj('bulkDeleteButton'));
    await page.waitForSelector(subj('deleteConnectorsConfirm'));
    expect(await page.locator(subj('deleteConnectorsConfirm')).textContent()).toContain('2 connectors');
    await page.click(subj('confirmModalConfirmButton'));
    await expect.poll(listedNames).toEqual(['Deploy hook']);
    await ui.screenshot('11-after-deletes');
    expect((await pb.api('GET', '/api/actions/connectors')).body.map((c: { name: string }) => c.name)).toEqual(['Deploy hook']);
  });

  it('shows the logs and filters them to failures', async () => {
    // Event-log rows are written in batches: wait until the three runs are readable.
    await eventually(async () => {
      const kpi = await pb.api('POST', '/internal/actions/_global_connector_execution_kpi', { date_start: 'now-1h' });
      return kpi.body.success >= 1 && kpi.body.failure >= 1 ? kpi : undefined;
    });
    await page.click(subj('nav-logs'));
    await page.waitForSelector(subj('logsPage'));
    await page.waitForSelector(subj('executionLogRow'));
    expect(await page.locator(subj('kpiSuccess')).textContent()).toMatch(/1/);
    expect(await page.locator(subj('kpiFailure')).textContent()).toMatch(/1/);
    await ui.screenshot('12-logs');
    expect(await unlabelledControls(page)).toEqual([]);

    await page.click(subj('statusFilter'));
    await page.click(subj('statusFilterOption-failure'));
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator(subj('executionLogRow')).count()).toBe(1);
    const failure = page.locator(subj('executionLogRow')).first();
    expect(await failure.textContent()).toContain('Broken hook');

    await failure.locator(subj('expandExecution')).click();
    await page.waitForSelector(subj('executionEvent'));
    const events = await page.locator(subj('executionEvent')).allTextContents();
    expect(events.some((e) => e.includes('execute-start'))).toBe(true);
    expect(events.some((e) => e.includes('failure'))).toBe(true);
    await ui.screenshot('13-logs-failures');
  });

  it('fits a narrow window', async () => {
    await page.setViewportSize({ width: 420, height: 800 });
    await page.goto(`${url}/connectors`);
    await rowOf('Deploy hook').waitFor();
    // Nothing wider than the window: no sideways scrolling of the page.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await ui.screenshot('14-narrow');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('switches spaces and logs out', async () => {
    await pb.api('POST', '/api/spaces/space', { id: 'marketing', name: 'Marketing' });
    await page.goto(`${url}/connectors`);
    await rowOf('Deploy hook').waitFor();
    await page.click(subj('spaceSwitcher'));
    await page.click(subj('spaceOption-marketing'));
    await page.waitForSelector(subj('connectorsEmptyPrompt'));
    expect(new URL(page.url()).pathname).toBe('/s/marketing/connectors');
    await ui.screenshot('15-other-space');

    await page.click(subj('userMenuButton'));
    await page.click(subj('logoutButton'));
    await page.waitForSelector(subj('loginForm'));
    // The session is over: pages send the browser back to the login page.
    await page.goto(`${url}/connectors`);
    await page.waitForSelector(subj('loginForm'));
  });

  it('wrote nothing to the console', () => {
    // The wrong password's 401 is the one error a browser logs for a failed login.
    const unexpected = ui.consoleErrors.filter((e) => !/status of 401/.test(e));
    expect(unexpected).toEqual([]);
  });
});

describe.skipIf(unavailable !== undefined)('a preconfigured connector in the web UI', BROWSER_STEP, () => {
  let pb: TestPlugboard;
  let ui: TestBrowser;

  beforeAll(async () => {
    pb = await startTestPlugboard({
      settings: {
        'xpack.actions.preconfigured': { 'ops-log': { name: 'Ops log (from the config file)', actionTypeId: '.server-log' } },
        // Email is turned off: its card is there, but cannot be chosen.
        'xpack.actions.enabledActionTypes': ['.server-log', '.webhook'],
      },
    });
    ui = await startBrowser();
  });
  afterAll(async () => {
    await ui?.close();
    await pb?.close();
  });

  it('is marked, cannot be selected or edited, and can be tested', async () => {
    const { page } = ui;
    const url = await pb.plugboard.listen();
    await page.goto(`${url}/connectors`);
    await page.fill(subj('loginUsername'), 'elastic');
    await page.fill(subj('loginPassword'), TEST_PASSWORD);
    await page.click(subj('loginSubmit'));
    const row = page.locator(subj('connectorRow'));
    await row.waitFor();
    expect(await row.locator(subj('preconfiguredBadge')).count()).toBe(1);
    expect(await row.locator(subj('deleteConnector')).count()).toBe(0);
    expect(await page.locator(subj('checkboxSelectRow-ops-log')).isDisabled()).toBe(true);

    await page.click(subj('createConnectorButton'));
    const email = page.locator(subj('typeCard-.email'));
    expect(await email.textContent()).toContain('disabled');
    await email.click({ force: true });
    expect(await page.locator(subj('connectorNameInput')).count()).toBe(0);
    await page.keyboard.press('Escape');
    await page.waitForSelector(subj('createConnectorFlyout'), { state: 'detached' });

    await row.locator(subj('connectorLink')).click();
    await page.waitForSelector(subj('preconfiguredReadOnly'));
    expect(await page.locator(subj('saveConnectorButton')).count()).toBe(0);
    await ui.screenshot('16-preconfigured');
    await page.click(subj('testTab'));
    await page.click(subj('runTestButton'));
    await page.waitForSelector(subj('testResultSuccess'));
    expect(ui.consoleErrors).toEqual([]);
  });

  it('offers a read-only user no way to change connectors, only to view and test them', async () => {
    const { page } = ui;
    await pb.api('PUT', '/api/security/user/vera', { password: 'vera-password', roles: ['viewer'] });
    await logOutAndInAs(page, 'vera', 'vera-password');
    await page.locator(subj('connectorRow')).waitFor();
    expect(await page.locator(subj('createConnectorButton')).isDisabled()).toBe(true);
    expect(await page.locator(subj('importConnectorsButton')).isDisabled()).toBe(true);
    await page.locator(subj('connectorLink')).click();
    await page.waitForSelector(subj('readOnlyCallout'));
    expect(await page.locator(subj('saveConnectorButton')).count()).toBe(0);
    await ui.screenshot('17-read-only-user');
    await page.click(subj('testTab'));
    await page.click(subj('runTestButton'));
    await page.waitForSelector(subj('testResultSuccess'));
    expect(ui.consoleErrors).toEqual([]);
  });
});
