import { readFile } from 'node:fs/promises';
import type { Download, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserUnavailable, startBrowser, type TestBrowser } from './helpers/browser.js';
import { availableDialects } from './helpers/databases.js';
import { startTestPlugboard, TEST_PASSWORD, type TestPlugboard } from './helpers/plugboard.js';
import { startStatusSink, type StatusSink } from './helpers/status_sink.js';

// Moving connectors between spaces through the web UI, in Debian's chromium: export from the
// default space with the Export button, import the file into another space through the import
// flyout, read what it says about the secrets that did not travel, then Fix the webhook by
// entering its password and run it against a local sink. Screenshots are named import-*
// (import-postgres-* for the run on PostgreSQL).

const unavailable = browserUnavailable();
const dialects = await availableDialects();
const subj = (name: string) => `[data-test-subj="${name}"]`;

const HOOK_USER = 'deployer';
const HOOK_PASSWORD = 'hook-password-not-exported';

/** A multipart body with `content` as the file `name` in the field `file`, for pb.api. */
function multipartFile(name: string, content: string) {
  const boundary = 'plugboard-test-boundary';
  const raw = [`--${boundary}`, `Content-Disposition: form-data; name="file"; filename="${name}"`, 'Content-Type: application/ndjson', '', content, `--${boundary}--`, ''].join('\r\n');
  return { raw, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

describe.skipIf(unavailable !== undefined).each(dialects)('exporting and importing connectors in the web UI on %s', { timeout: 120_000 }, (dialect) => {
  let pb: TestPlugboard;
  let url: string;
  let sink: StatusSink;
  let ui: TestBrowser;
  let page: Page;
  let exportFile: string;
  let hookId: string;
  let logId: string;
  /** The ids the first import gave them in space `other` (ids are unique across spaces, so new ones). */
  let otherIds: Record<string, string>;
  /** The addresses of the failed requests the browser logged as console errors. */
  const failedLoads: string[] = [];

  beforeAll(async () => {
    sink = await startStatusSink();
    // The webhook sends to the sink on loopback, which is denied by default.
    pb = await startTestPlugboard({ dialect, settings: { 'plugboard.net.deniedAddresses': [] } });
    url = await pb.plugboard.listen();
    const hook = await pb.api('POST', '/api/actions/connector', {
      name: 'Deploy hook',
      connector_type_id: '.webhook',
      config: { url: `${sink.url}/deploy`, method: 'post', hasAuth: true, authType: 'webhook-authentication-basic' },
      secrets: { user: HOOK_USER, password: HOOK_PASSWORD },
    });
    const log = await pb.api('POST', '/api/actions/connector', { name: 'Ops log', connector_type_id: '.server-log', config: {}, secrets: {} });
    expect([hook.status, log.status]).toEqual([200, 200]);
    hookId = hook.body.id;
    logId = log.body.id;
    ui = await startBrowser();
    page = ui.page;
    page.on('console', (message) => {
      if (message.type() === 'error' && /Failed to load resource/.test(message.text())) failedLoads.push(message.location().url);
    });
  });
  afterAll(async () => {
    await ui?.close();
    await pb?.close();
    await sink?.close();
  });

  const screenshot = (name: string) => ui.screenshot(`import-${dialect === 'sqlite' ? '' : `${dialect}-`}${name}`);
  const rowOf = (name: string) => page.locator(subj('connectorRow'), { has: page.locator(subj('connectorLink'), { hasText: name }) });
  const listedNames = async () => (await page.locator(subj('connectorLink')).allTextContents()).map((t) => t.trim()).sort();
  const linesOf = (text: string) =>
    text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as Record<string, any>);

  async function downloadExport(): Promise<{ download: Download; text: string }> {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click(subj('exportConnectorsButton'))]);
    const file = await download.path();
    return { download, text: await readFile(file, 'utf8') };
  }

  async function openImportFlyout() {
    await page.click(subj('importConnectorsButton'));
    await page.waitForSelector(subj('importConnectorsFlyout'));
  }

  async function importFile(name: string, content: string, mode?: 'importModeCreateNewCopies' | 'importModeOverwrite' | 'importModeKeep') {
    await page.setInputFiles(subj('importFilePicker'), { name, mimeType: 'application/ndjson', buffer: Buffer.from(content) });
    if (mode) await page.check(`${subj(mode)} input`);
    await page.click(subj('importSubmitButton'));
  }

  it('exports every connector, then only the selected ones, with the Export button', async () => {
    await page.goto(`${url}/connectors`);
    await page.fill(subj('loginUsername'), 'elastic');
    await page.fill(subj('loginPassword'), TEST_PASSWORD);
    await page.click(subj('loginSubmit'));
    await rowOf('Deploy hook').waitFor();
    await rowOf('Ops log').waitFor();
    expect(await page.locator(subj('missingSecretsBadge')).count()).toBe(0);
    await screenshot('01-connectors');

    expect((await page.locator(subj('exportConnectorsButton')).textContent())?.trim()).toBe('Export all');
    const all = await downloadExport();
    expect(all.download.suggestedFilename()).toBe('connectors.ndjson');
    exportFile = all.text;
    // Secrets never leave: not in the file, in any form.
    expect(exportFile).not.toContain(HOOK_PASSWORD);
    const lines = linesOf(exportFile);
    expect(lines).toHaveLength(3);
    const objects = lines.slice(0, 2);
    expect(objects.map((o) => o.id)).toEqual([hookId, logId].sort());
    const byName = Object.fromEntries(objects.map((o) => [o.attributes.name, o]));
    expect(byName['Deploy hook']).toMatchObject({
      type: 'action',
      attributes: { actionTypeId: '.webhook', isMissingSecrets: true, secrets: {}, config: { url: `${sink.url}/deploy`, hasAuth: true } },
    });
    expect(byName['Ops log']).toMatchObject({ type: 'action', attributes: { actionTypeId: '.server-log', isMissingSecrets: false, secrets: {} } });
    expect(lines[2]).toMatchObject({ exportedCount: 2, missingRefCount: 0, excludedObjectsCount: 0 });
    await page.waitForSelector(subj('toast-success'));
    expect(await page.locator(subj('toast-success')).last().textContent()).toContain('Exported 2 connectors');
    await screenshot('02-exported');

    await page.check(subj(`checkboxSelectRow-${logId}`));
    expect((await page.locator(subj('exportConnectorsButton')).textContent())?.trim()).toBe('Export 1 connector');
    const selected = linesOf((await downloadExport()).text);
    expect(selected.map((o) => o.id ?? o.exportedCount)).toEqual([logId, 1]);
    await page.uncheck(subj(`checkboxSelectRow-${logId}`));
  });

  it('refuses a malformed file with the server’s message, and imports nothing', async () => {
    expect((await pb.api('POST', '/api/spaces/space', { id: 'other', name: 'Other' })).status).toBe(200);
    await page.goto(`${url}/s/other/connectors`);
    await page.waitForSelector(subj('connectorsEmptyPrompt'));
    // Nothing to export in an empty space.
    expect(await page.locator(subj('exportConnectorsButton')).isDisabled()).toBe(true);

    await openImportFlyout();
    expect(await page.locator(subj('importSubmitButton')).isDisabled()).toBe(true);
    expect(await page.locator(`${subj('importModeKeep')} input`).isChecked()).toBe(true);
    await screenshot('03-flyout');
    const broken = '{"type":"action","id":"x",\nnot json at all\n';
    await importFile('broken.ndjson', broken);
    await page.waitForSelector(subj('importError'));
    // The callout shows the server's own message for this file.
    const refusal = await pb.api('POST', '/s/other/api/saved_objects/_import', undefined, multipartFile('broken.ndjson', broken));
    expect(refusal.status).toBe(400);
    expect(await page.locator(subj('importError')).textContent()).toBe(`The file could not be imported${refusal.body.message}`);
    await screenshot('04-malformed');
    expect((await pb.api('GET', '/s/other/api/actions/connectors')).body).toEqual([]);
  });

  it('imports the export into another space and says which connectors need their secrets', async () => {
    await importFile('connectors.ndjson', exportFile);
    await page.waitForSelector(subj('importResult'));
    expect(await page.locator(subj('importError')).count()).toBe(0);
    expect(await page.locator(subj('importResultSummary')).textContent()).toContain('2 connectors imported');
    expect(await page.locator(subj('importErrors')).count()).toBe(0);
    const warning = page.locator(subj('importSecretsWarning'));
    // The server's action_required warning, as its title.
    expect(await warning.textContent()).toMatch(/^1 connector\S* ha\w+ sensitive information that require updates\./);
    expect((await page.locator(subj('importNeedsSecrets')).allTextContents()).map((t) => t.replace(/\s*Fix$/, '').trim())).toEqual(['Deploy hook']);
    await screenshot('05-result');

    // The list behind the flyout has reloaded: both connectors, the webhook marked.
    const imported = (await pb.api('GET', '/s/other/api/actions/connectors')).body;
    expect(Object.fromEntries(imported.map((c: any) => [c.name, c.is_missing_secrets]))).toEqual({ 'Deploy hook': true, 'Ops log': false });
    otherIds = Object.fromEntries(imported.map((c: any) => [c.name, c.id]));
    expect(await page.locator(subj('importNeedsSecrets')).getAttribute('data-connector-id')).toBe(otherIds['Deploy hook']);
    await page.click(subj('importDoneButton'));
    await page.waitForSelector(subj('importConnectorsFlyout'), { state: 'detached' });
    await expect.poll(listedNames).toEqual(['Deploy hook', 'Ops log']);
    expect(await rowOf('Deploy hook').locator(subj('missingSecretsBadge')).count()).toBe(1);
    expect(await rowOf('Ops log').locator(subj('missingSecretsBadge')).count()).toBe(0);
    expect(await rowOf('Ops log').locator(subj('fixConnector')).count()).toBe(0);
    await screenshot('06-badge');
  });

  it('reports conflicts when the same file is imported again, keeping the existing connectors', async () => {
    await openImportFlyout();
    await importFile('connectors.ndjson', exportFile, 'importModeKeep');
    await page.waitForSelector(subj('importErrors'));
    const items = page.locator(subj('importErrorItem'));
    expect(await items.count()).toBe(2);
    expect(await items.evaluateAll((els) => els.map((el) => el.getAttribute('data-error-type')))).toEqual(['conflict', 'conflict']);
    expect((await items.allTextContents()).join('\n')).toMatch(/Deploy hook[\s\S]*Conflict/);
    expect(await page.locator(subj('importSecretsWarning')).count()).toBe(0);
    await screenshot('07-conflicts');
    await page.keyboard.press('Escape');
    await page.waitForSelector(subj('importConnectorsFlyout'), { state: 'detached' });
  });

  it('opens the connector from the import result’s Fix link', async () => {
    // New copies get new ids: the Fix link follows the copy, not the file's id.
    await openImportFlyout();
    await importFile('connectors.ndjson', exportFile, 'importModeCreateNewCopies');
    await page.waitForSelector(subj('importResult'));
    const fixLink = page.locator(subj('importFixConnector'));
    expect(await fixLink.count()).toBe(1);
    const copyId = await page.locator(subj('importNeedsSecrets')).getAttribute('data-connector-id');
    expect(copyId).not.toBe(otherIds['Deploy hook']);
    await fixLink.click();
    await page.waitForSelector(subj('importConnectorsFlyout'), { state: 'detached' });
    await page.waitForSelector(subj('editConnectorFlyout'));
    expect(new URL(page.url()).pathname).toBe(`/s/other/connectors/${copyId}`);
    expect(await page.locator(subj('reenterSecretsCallout')).textContent()).toContain('Sensitive information was not imported');
    await page.keyboard.press('Escape');
    await page.waitForSelector(subj('editConnectorFlyout'), { state: 'detached' });
    // Clean up the copies, so the list has the two connectors of the first import again.
    const firstImport = new Set(Object.values(otherIds));
    const copies = (await pb.api('GET', '/s/other/api/actions/connectors')).body.filter((c: any) => !firstImport.has(c.id));
    expect(copies).toHaveLength(2);
    for (const copy of copies) expect((await pb.api('DELETE', `/s/other/api/actions/connector/${copy.id}`)).status).toBe(204);
    await page.reload();
    await expect.poll(listedNames).toEqual(['Deploy hook', 'Ops log']);
  });

  it('fixes the webhook from its row: the password entered, the badge gone, the test reaching the sink with it', async () => {
    await rowOf('Deploy hook').locator(subj('fixConnector')).click();
    await page.waitForSelector(subj('editConnectorFlyout'));
    const callout = page.locator(subj('reenterSecretsCallout'));
    expect(await callout.textContent()).toContain('Sensitive information was not imported');
    await page.fill(subj('field-secrets-user'), HOOK_USER);
    await page.fill(subj('field-secrets-password'), HOOK_PASSWORD);
    await screenshot('08-fix');
    await page.click(subj('saveConnectorButton'));
    await page.waitForSelector(subj('toast-success'));
    // Saved with its secrets: the callout is the usual reminder, no longer the warning.
    await expect.poll(() => callout.textContent()).toContain('Sensitive information is not shown');
    await page.keyboard.press('Escape');
    await page.waitForSelector(subj('editConnectorFlyout'), { state: 'detached' });
    await expect.poll(() => page.locator(subj('missingSecretsBadge')).count()).toBe(0);
    expect(await page.locator(subj('fixConnector')).count()).toBe(0);
    await screenshot('09-fixed');
    expect((await pb.api('GET', `/s/other/api/actions/connector/${otherIds['Deploy hook']}`)).body.is_missing_secrets).toBe(false);

    const before = sink.requests.length;
    await rowOf('Deploy hook').locator(subj('testConnector')).click();
    await page.waitForSelector(subj('runTestButton'));
    await page.click(subj('runTestButton'));
    await page.waitForSelector(subj('testResultSuccess'));
    expect(sink.requests.length).toBe(before + 1);
    expect(sink.requests.at(-1)).toMatchObject({ method: 'POST', url: '/deploy' });
    expect(sink.requests.at(-1)!.headers.authorization).toBe(`Basic ${Buffer.from(`${HOOK_USER}:${HOOK_PASSWORD}`).toString('base64')}`);
    await page.locator(subj('testResultSuccess')).scrollIntoViewIfNeeded();
    await screenshot('10-test-success');
    await page.keyboard.press('Escape');
  });

  it('wrote nothing to the console but the refused import', () => {
    // Chromium logs the malformed file's 400 as a failed resource load; nothing else may fail.
    expect(failedLoads).toEqual([`${url}/s/other/api/saved_objects/_import`]);
    expect(ui.consoleErrors.filter((e) => !/status of 400/.test(e))).toEqual([]);
  });
});
