import { readFile } from 'node:fs/promises';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserUnavailable, startBrowser, type TestBrowser } from './helpers/browser.js';
import { startTestPlugboard, TEST_PASSWORD, type TestPlugboard } from './helpers/plugboard.js';
import { createTlsFixtures, startTlsServer, type TestTlsServer, type TlsFixtures } from './helpers/tls_fixtures.js';

// What a new user trips over, in Debian's chromium against one real server: the type cards
// without empty categories, whole space names, features Plugboard has, help texts in words, the
// webhook's CA chosen as a file and its verification modes in words, a test result brought into
// view, tabs that keep their own scroll, a connector's Logs tab that fits its flyout, and a user
// who may only read connectors in one space. Screenshots are named polish-*.

const unavailable = browserUnavailable();
const BROWSER_STEP = { timeout: 120_000 };
const subj = (name: string) => `[data-test-subj="${name}"]`;
const READER_PASSWORD = 'reader-password';
const WIDE = { width: 1280, height: 800 };
const NARROW = { width: 420, height: 800 };

/** Whether the whole of the element is within the window (nothing to scroll to see it). */
function inViewport(locator: Locator): Promise<boolean> {
  return locator.evaluate((el) => {
    const box = el.getBoundingClientRect();
    return box.top >= 0 && box.bottom <= window.innerHeight && box.height > 0;
  });
}

/** The texts under `selector` that are cut or broken over several lines. */
function notOnOneLine(page: Page, selector: string): Promise<string[]> {
  return page.evaluate(
    (sel) =>
      Array.from(document.querySelectorAll<HTMLElement>(sel))
        .filter((el) => {
          const range = document.createRange();
          range.selectNodeContents(el);
          const lineTops = new Set(Array.from(range.getClientRects(), (r) => Math.round(r.top)));
          return lineTops.size > 1 || el.scrollWidth > el.clientWidth + 1;
        })
        .map((el) => el.textContent ?? ''),
    selector,
  );
}

describe.skipIf(unavailable !== undefined)('what a new user trips over, in the web UI', BROWSER_STEP, () => {
  let pb: TestPlugboard;
  let url: string;
  let tls: TlsFixtures;
  let server: TestTlsServer;
  let ui: TestBrowser;
  let page: Page;
  let opsLogId: string;

  beforeAll(async () => {
    tls = await createTlsFixtures();
    server = await startTlsServer({ key: tls.server.key, cert: tls.server.cert });
    // The TLS server is on loopback, which is denied by default.
    pb = await startTestPlugboard({ settings: { 'plugboard.net.deniedAddresses': [] } });
    url = await pb.plugboard.listen();
    expect((await pb.api('POST', '/api/spaces/space', { id: 'ops', name: 'Operations', initials: 'OP' })).status).toBe(200);
    const opsLog = await pb.api('POST', '/s/ops/api/actions/connector', { name: 'Ops log', connector_type_id: '.server-log', config: {}, secrets: {} });
    opsLogId = opsLog.body.id;
    const role = { elasticsearch: {}, kibana: [{ base: [], feature: { actions: ['read'] }, spaces: ['ops'] }] };
    expect((await pb.api('PUT', '/api/security/role/ops-reader', role)).status).toBe(204);
    expect((await pb.api('PUT', '/api/security/user/rita', { password: READER_PASSWORD, roles: ['ops-reader'], full_name: 'Rita Reader' })).status).toBe(200);
    ui = await startBrowser(WIDE);
    page = ui.page;
  });
  afterAll(async () => {
    await ui?.close();
    await pb?.close();
    await server?.close();
    await tls?.cleanup();
  });

  async function logIn(username: string, password: string, path = '/connectors') {
    await page.goto(`${url}${path}`);
    await page.fill(subj('loginUsername'), username);
    await page.fill(subj('loginPassword'), password);
    await page.click(subj('loginSubmit'));
  }

  async function logOut() {
    await page.click(subj('userMenuButton'));
    await page.click(subj('logoutButton'));
    await page.waitForSelector(subj('loginForm'));
  }

  it('shows only the connector categories that have types', async () => {
    await logIn('elastic', TEST_PASSWORD);
    await page.click(subj('createFirstConnectorButton'));
    await page.waitForSelector(subj('typeCategory-messaging'));
    const categories = await page.locator('[data-test-subj^="typeCategory-"]').evaluateAll((els) => els.map((el) => el.getAttribute('data-test-subj')));
    const forms: Array<{ id: string; category: string }> = (await pb.api('GET', '/internal/actions/connector_type_forms')).body;
    const withTypes = new Set(forms.map((f) => `typeCategory-${f.category}`));
    expect(new Set(categories)).toEqual(withTypes);
    // The endpoint-security category has CrowdStrike and Defender; the AI category has .gen-ai.
    expect(categories).toContain('typeCategory-edr');
    expect(categories).toContain('typeCategory-ai');
    for (const category of categories) {
      expect(await page.locator(`section:has(${subj(category!)}) [data-test-subj^="typeCard-"]`).count()).toBeGreaterThan(0);
    }
    await ui.screenshot('polish-01-type-categories');
  });

  it('writes help texts in words: no backticks, library names or raw field ids in any form', async () => {
    const forms: Array<{ id: string }> = (await pb.api('GET', '/internal/actions/connector_type_forms')).body;
    const flyout = page.locator(subj('createConnectorFlyout'));
    for (const { id } of forms) {
      await page.click(subj(`typeCard-${id}`));
      await page.waitForSelector(subj('connectorNameInput'));
      const text = (await flyout.textContent()) ?? '';
      expect(text, id).not.toMatch(/`|nodemailer|usesBasic|channelIds|x-user-|exchange_server|elastic_cloud|allowHtml|messageHTML|xpack\./);
      await page.click(subj('backToConnectorTypes'));
      await page.waitForSelector(subj('connectorTypeSearch'));
    }
  });

  it('takes the webhook CA as a PEM file, names the verification modes, and brings the test result into view', async () => {
    await page.click(subj('typeCard-.webhook'));
    await page.fill(subj('connectorNameInput'), 'Internal TLS hook');
    await page.fill(subj('field-config-url'), `${server.url}/hook`);
    await page.click(subj('field-config-hasAuth'));
    // The CA is a file to pick (its text shows, and could be pasted instead).
    await page.setInputFiles(`${subj('field-config-ca-file')}`, tls.ca.certPath);
    await expect.poll(() => page.inputValue(subj('field-config-ca'))).toBe(tls.ca.cert);
    // The verification modes in words; the values sent stay Kibana's.
    const modes = await page.locator(`${subj('field-config-verificationMode')} option`).evaluateAll((options) =>
      options.map((o) => [(o as HTMLOptionElement).value, o.textContent]),
    );
    expect(modes).toEqual([
      ['', 'The Plugboard default (full unless configured)'],
      ['full', 'Full: the certificate and the host name'],
      ['certificate', 'Certificate only: any host name'],
      ['none', 'None: any certificate (unsafe)'],
    ]);
    await page.selectOption(subj('field-config-verificationMode'), 'full');
    await ui.screenshot('polish-02-webhook-ca-file');

    // The result of a test before saving is below the form: it is scrolled into view.
    await page.click(subj('runUnsavedTestButton'));
    const success = page.locator(subj('testResultSuccess'));
    await success.waitFor();
    // Trusting the CA of the file, the request reached the TLS server.
    expect(server.requests.at(-1)).toMatchObject({ method: 'POST', url: '/hook' });
    await expect.poll(() => inViewport(success)).toBe(true);
    await ui.screenshot('polish-03-test-result-in-view');

    await page.click(subj('saveConnectorButton'));
    await page.waitForSelector(subj('createConnectorFlyout'), { state: 'detached' });
    const saved = (await pb.api('GET', '/api/actions/connectors')).body.find((c: { name: string }) => c.name === 'Internal TLS hook');
    expect(saved.config).toMatchObject({ ca: Buffer.from(await readFile(tls.ca.certPath)).toString('base64'), verificationMode: 'full', hasAuth: false });
  });

  it('refuses a file that is not PEM, and keeps the pasted text', async () => {
    await page.click(subj('createConnectorButton'));
    await page.click(subj('typeCard-.webhook'));
    await page.fill(subj('field-config-ca'), 'not a certificate');
    await expect.poll(() => page.locator(subj('createConnectorFlyout')).textContent()).toContain('Not a PEM file');
    await page.fill(subj('field-config-ca'), tls.otherCa.cert);
    await expect.poll(() => page.locator(subj('createConnectorFlyout')).textContent()).not.toContain('Not a PEM file');
    // In a narrow window the picker and the text fit the flyout.
    await page.setViewportSize(NARROW);
    await page.locator(subj('field-config-ca')).scrollIntoViewIfNeeded();
    const overflow = await page.locator(`${subj('createConnectorFlyout')} .euiFlyoutBody__overflow`).evaluate((el) => el.scrollWidth - el.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await ui.screenshot('polish-04-webhook-ca-narrow');
    await page.setViewportSize(WIDE);
    await page.click(subj('cancelCreateButton'));
    await page.waitForSelector(subj('createConnectorFlyout'), { state: 'detached' });
  });

  it('names only the features Plugboard has in the Compatibility column', async () => {
    const row = page.locator(subj('connectorRow'), { hasText: 'Internal TLS hook' });
    await row.waitFor();
    const badges = (await row.locator(subj('featureBadge')).allTextContents()).map((t) => t.trim());
    expect(badges).toEqual(['Alerting rules']);
    // The API keeps Kibana's list for Kibana's clients.
    const types: Array<{ id: string; supported_feature_ids: string[] }> = (await pb.api('GET', '/api/actions/connector_types')).body;
    expect(types.find((t) => t.id === '.webhook')!.supported_feature_ids).toEqual(['alerting', 'uptime', 'siem']);
    await ui.screenshot('polish-05-compatibility');
  });

  it("opens each tab of a connector at its own scroll position, and fits the connector's logs in the flyout", async () => {
    await page.locator(subj('connectorLink'), { hasText: 'Internal TLS hook' }).click();
    await page.waitForSelector(subj('editConnectorFlyout'));
    const body = page.locator(`${subj('editConnectorFlyout')} .euiFlyoutBody__overflow`);
    const scrollTop = () => body.evaluate((el) => el.scrollTop);
    await body.evaluate((el) => (el.scrollTop = el.scrollHeight));
    const configurationScroll = await scrollTop();
    expect(configurationScroll).toBeGreaterThan(0);
    await page.click(subj('testTab'));
    await page.waitForSelector(subj('runTestButton'));
    expect(await scrollTop()).toBe(0);
    await ui.screenshot('polish-06-test-tab-at-top');
    await page.click(subj('configurationTab'));
    await expect.poll(scrollTop).toBe(configurationScroll);
    // A run of the saved connector, for its log.
    await page.click(subj('testTab'));
    await page.click(subj('runTestButton'));
    await page.waitForSelector(subj('testResultSuccess'));

    // The Logs tab: the run is listed, every column within the flyout.
    await page.click(subj('logsTab'));
    await page.waitForSelector(`${subj('editConnectorFlyout')} ${subj('executionLogRow')}`, { timeout: 20_000 });
    expect(await scrollTop()).toBe(0);
    const table = page.locator(`${subj('editConnectorFlyout')} ${subj('executionLogTable')} .euiTable`);
    const container = page.locator(`${subj('editConnectorFlyout')} ${subj('executionLogs')}`);
    const [tableWidth, containerWidth] = [await table.evaluate((el) => el.scrollWidth), await container.evaluate((el) => el.clientWidth)];
    expect(tableWidth).toBeLessThanOrEqual(containerWidth);
    // What the narrow table leaves out is in the row's details.
    await page.locator(subj('expandExecution')).first().click();
    const summary = page.locator(subj('executionSummary'));
    await summary.waitFor();
    const summaryText = await summary.textContent();
    for (const part of ['Schedule delay', 'Timed out', 'Source', 'http_request', 'Attempts']) expect(summaryText).toContain(part);
    await ui.screenshot('polish-07-connector-logs-tab');
    await page.keyboard.press('Escape');
    await page.waitForSelector(subj('editConnectorFlyout'), { state: 'detached' });
  });

  for (const viewport of [WIDE, NARROW]) {
    it(`shows whole space names in the switcher at ${viewport.width} px`, async () => {
      await page.setViewportSize(viewport);
      await page.goto(`${url}/connectors`);
      await page.waitForSelector(subj('connectorRow'));
      const switcher = page.locator(subj('spaceSwitcher'));
      // The avatar's initial, then the name.
      expect((await switcher.textContent())?.trim()).toBe('DDefault');
      expect(await notOnOneLine(page, `${subj('spaceSwitcher')} ${subj('spaceName')}`)).toEqual([]);
      await switcher.click();
      await page.waitForSelector(subj('spaceOption-ops'));
      const options = page.locator('[data-test-subj^="spaceOption-"]');
      expect((await options.allTextContents()).map((t) => t.trim())).toEqual(['DDefault', 'OPOperations']);
      expect(await notOnOneLine(page, `[data-test-subj^="spaceOption-"] ${subj('spaceName')}`)).toEqual([]);
      // The list stays within the window.
      const box = await page.locator('.euiSuperSelect__listbox').boundingBox();
      expect(box!.x).toBeGreaterThanOrEqual(0);
      expect(box!.x + box!.width).toBeLessThanOrEqual(viewport.width);
      await ui.screenshot(`polish-08-space-switcher-${viewport.width}`);
      await page.keyboard.press('Escape');
    });
  }

  it('lands a user who may only read connectors in one space there, with what they may not do disabled and why', async () => {
    await page.setViewportSize(WIDE);
    await logOut();
    await logIn('rita', READER_PASSWORD);
    // Not the default space's refusal: the space she may read, named in the switcher.
    await page.waitForSelector(subj('connectorRow'));
    expect(new URL(page.url()).pathname).toBe('/s/ops/connectors');
    expect((await page.locator(subj('spaceSwitcher')).textContent())?.trim()).toBe('OPOperations');
    expect(await page.locator(subj('connectorsLoadError')).count()).toBe(0);

    expect(await page.locator(subj('createConnectorButton')).isDisabled()).toBe(true);
    expect(await page.locator(subj('importConnectorsButton')).isDisabled()).toBe(true);
    expect(await page.locator(subj('deleteConnector')).isDisabled()).toBe(true);
    await page.hover(subj('createConnectorButtonTip'));
    await expect.poll(() => page.locator('[role="tooltip"]').textContent()).toContain('view and test the connectors of this space, not change them');
    await ui.screenshot('polish-09-read-only-list');
    // Selecting is still possible (for Export); deleting the selection is not.
    await page.check(subj(`checkboxSelectRow-${opsLogId}`));
    expect(await page.locator(subj('bulkDeleteButton')).isDisabled()).toBe(true);
    expect(await page.locator(subj('exportConnectorsButton')).isDisabled()).toBe(false);
    await page.uncheck(subj(`checkboxSelectRow-${opsLogId}`));

    // The connector: read-only, and Test (allowed to readers) runs it.
    await page.locator(subj('connectorLink')).click();
    await page.waitForSelector(subj('readOnlyCallout'));
    expect(await page.locator(subj('readOnlyCallout')).textContent()).toContain('You can view this connector');
    expect(await page.locator(subj('saveConnectorButton')).count()).toBe(0);
    await ui.screenshot('polish-10-read-only-connector');
    await page.click(subj('testTab'));
    await page.click(subj('runTestButton'));
    await page.waitForSelector(subj('testResultSuccess'));
    await page.keyboard.press('Escape');

    await page.setViewportSize(NARROW);
    await page.goto(`${url}/connectors`);
    await page.waitForSelector(subj('connectorRow'));
    expect(new URL(page.url()).pathname).toBe('/s/ops/connectors');
    await ui.screenshot('polish-11-read-only-narrow');
    await page.setViewportSize(WIDE);
  });

  it('sends an address in a space the user cannot open to one they can, and says so', async () => {
    await page.goto(`${url}/s/no-such-space/logs`);
    await page.waitForSelector(subj('logsPage'));
    expect(new URL(page.url()).pathname).toBe('/s/ops/logs');
    await expect.poll(() => page.locator(subj('toast-danger')).textContent()).toContain('You cannot open the space "no-such-space"');
  });

  it('wrote nothing to the console', () => {
    // The reader never loads anything in the default space: no refusal to log.
    expect(ui.consoleErrors).toEqual([]);
  });
});
