import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { UI_DIST_DIR } from '../../src/http/ui_assets.js';
import { REQUIRE_SERVICES } from './databases.js';
import { TEST_PASSWORD, type TestPlugboard } from './plugboard.js';

/** Debian's chromium (`apt-get install chromium`; .ci/run installs it). */
export const CHROMIUM_PATH = process.env.PLUGBOARD_CHROMIUM ?? '/usr/bin/chromium';

/** Where the browser tests leave their screenshots (CI keeps the folder as an artifact). */
export const SCREENSHOT_DIR = path.resolve(import.meta.dirname, '../../.ci/screenshots');

/**
 * Why the browser tests cannot run here, or undefined when they can. With
 * PLUGBOARD_REQUIRE_SERVICES=1 (CI) a missing browser or UI build is a failure, not a skip.
 */
export function browserUnavailable(): string | undefined {
  const problem = !existsSync(CHROMIUM_PATH)
    ? `no chromium at ${CHROMIUM_PATH}`
    : !existsSync(path.join(UI_DIST_DIR, 'index.html'))
      ? 'the UI is not built (npm run build:ui)'
      : undefined;
  if (problem && REQUIRE_SERVICES) throw new Error(`browser tests need ${problem}`);
  return problem;
}

export interface TestBrowser {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Errors the page wrote to its console or threw: a test expects none. */
  consoleErrors: string[];
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

/** A headless chromium (playwright gives it a fresh profile), one page at `viewport`, console errors collected. */
export async function startBrowser(viewport = { width: 1280, height: 800 }): Promise<TestBrowser> {
  // The closed network here refuses chromium's background connections; these flags stop them.
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  // Reduced motion: EUI skips its flyout and toast animations, so screenshots show the end state.
  const context = await browser.newContext({ viewport, reducedMotion: 'reduce' });
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (err) => consoleErrors.push(`${err.name}: ${err.message}`));
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return {
    browser,
    context,
    page,
    consoleErrors,
    async screenshot(name) {
      const file = path.join(SCREENSHOT_DIR, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    async close() {
      await browser.close();
    },
  };
}

/** Opens the connectors page of the Plugboard at `baseUrl` and logs in there as `elastic`. */
export async function logInAsElastic(page: Page, baseUrl: string): Promise<void> {
  await page.goto(`${baseUrl}/connectors`);
  await page.fill('[data-test-subj="loginUsername"]', 'elastic');
  await page.fill('[data-test-subj="loginPassword"]', TEST_PASSWORD);
  await page.click('[data-test-subj="loginSubmit"]');
}

/** A browser logged in as `elastic` on the (empty) connectors page of `pb`, which starts listening. */
export async function openEmptyConnectorsPage(pb: TestPlugboard): Promise<TestBrowser> {
  const url = await pb.plugboard.listen();
  const ui = await startBrowser();
  await logInAsElastic(ui.page, url);
  await ui.page.waitForSelector('[data-test-subj="connectorsEmptyPrompt"]');
  return ui;
}

/** Logs out through the user menu, then logs in as `username`. */
export async function logOutAndInAs(page: Page, username: string, password: string): Promise<void> {
  await page.click('[data-test-subj="userMenuButton"]');
  await page.click('[data-test-subj="logoutButton"]');
  await page.waitForSelector('[data-test-subj="loginForm"]');
  await page.fill('[data-test-subj="loginUsername"]', username);
  await page.fill('[data-test-subj="loginPassword"]', password);
  await page.click('[data-test-subj="loginSubmit"]');
}

/** From the empty connectors page: the create flyout's form of `typeId`, found by searching `search`. */
export async function openNewConnectorForm(page: Page, search: string, typeId: string): Promise<void> {
  await page.click('[data-test-subj="createFirstConnectorButton"]');
  await page.fill('[data-test-subj="connectorTypeSearch"]', search);
  await page.click(`[data-test-subj="typeCard-${typeId}"]`);
  await page.waitForSelector('[data-test-subj="connectorNameInput"]');
}

/** Saves the create flyout's connector and waits until the list shows it by `name`. */
export async function saveNewConnector(page: Page, name: string): Promise<void> {
  await page.click('[data-test-subj="saveConnectorButton"]');
  await page.waitForSelector('[data-test-subj="createConnectorFlyout"]', { state: 'detached' });
  await page.locator('[data-test-subj="connectorLink"]', { hasText: name }).waitFor();
}

/** The Test tab of the listed connector `name`, opened from its row. */
export async function openTestTabOfRow(page: Page, name: string): Promise<void> {
  const row = page.locator('[data-test-subj="connectorRow"]', { has: page.locator('[data-test-subj="connectorLink"]', { hasText: name }) });
  await row.locator('[data-test-subj="testConnector"]').click();
  await page.waitForSelector('[data-test-subj="runTestButton"]');
}
