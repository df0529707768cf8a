import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserUnavailable, openEmptyConnectorsPage, type TestBrowser } from './helpers/browser.js';
import { startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';

// The Swimlane connector form in Debian's chromium, against a real server: the connector type
// decides which field mappings are drawn and which must be filled (Kibana's form rules), each
// mapping is filled through its own inputs, and what is saved is what the user chose. The
// steps leave screenshots in .ci/screenshots.

const unavailable = browserUnavailable();
const subj = (name: string) => `[data-test-subj="${name}"]`;
const mappingField = (mapping: string, key: string) => subj(`field-config-mappings.${mapping}.${key}`);

describe.skipIf(unavailable !== undefined)('the Swimlane connector form in a browser', { timeout: 120_000 }, () => {
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

  const shown = (mapping: string) => page.locator(mappingField(mapping, 'id')).count().then((n) => n > 0);
  const flyoutText = () => page.locator(subj('createConnectorFlyout')).textContent();
  async function fillMapping(mapping: string, id: string, key: string, name: string) {
    await page.fill(mappingField(mapping, 'id'), id);
    await page.fill(mappingField(mapping, 'key'), key);
    await page.fill(mappingField(mapping, 'name'), name);
  }

  it('draws and requires the mappings of the connector type chosen, and saves what was filled', async () => {
    await page.click(subj('createFirstConnectorButton'));
    await page.fill(subj('connectorTypeSearch'), 'swimlane');
    await page.click(subj('typeCard-.swimlane'));
    await page.waitForSelector(subj('connectorNameInput'));

    // A new connector is for alerts and cases, as in Kibana: every mapping, none required.
    expect(await page.inputValue(subj('field-config-connectorType'))).toBe('all');
    for (const mapping of ['alertIdConfig', 'ruleNameConfig', 'severityConfig', 'caseIdConfig', 'caseNameConfig', 'commentsConfig', 'descriptionConfig']) {
      expect(await shown(mapping), mapping).toBe(true);
    }

    // Cases: the alert mappings go; the four case mappings are required.
    await page.selectOption(subj('field-config-connectorType'), 'cases');
    expect(await shown('alertIdConfig')).toBe(false);
    expect(await shown('ruleNameConfig')).toBe(false);
    expect(await shown('severityConfig')).toBe(false);
    await page.fill(subj('connectorNameInput'), 'SOC cases');
    await page.fill(subj('field-config-apiUrl'), 'https://swimlane.example.com');
    await page.fill(subj('field-config-appId'), 'aGhX6PPE34dfFA7bc');
    await page.fill(subj('field-secrets-apiToken'), 'swimlane-token');
    await fillMapping('caseIdConfig', 'a1b2c', 'case-id', 'Case ID');
    // A mapping being filled gets its field type's default; one half filled says what it lacks.
    expect(await page.inputValue(mappingField('caseIdConfig', 'fieldType'))).toBe('text');
    await page.fill(mappingField('descriptionConfig', 'id'), 'a3d4e');
    await page.click(subj('saveConnectorButton'));
    await expect.poll(flyoutText).toContain('Case name field is required.');
    const text = await flyoutText();
    expect(text).toContain('Comments field is required.');
    expect(text).toContain('Key is required.');
    expect(text).not.toContain('Case ID field is required.');
    expect(text).not.toContain('Rule name field is required.');
    await ui.screenshot('swimlane-01-cases-mappings-required');

    await fillMapping('caseNameConfig', 'a5f6g', 'case-name', 'Case name');
    await fillMapping('descriptionConfig', 'a3d4e', 'description', 'Description');
    await fillMapping('commentsConfig', 'a7h8i', 'comments', 'Comments');
    expect(await page.inputValue(mappingField('commentsConfig', 'fieldType'))).toBe('comments');
    await page.click(subj('saveConnectorButton'));
    await page.waitForSelector(subj('createConnectorFlyout'), { state: 'detached' });
    await page.locator(subj('connectorLink'), { hasText: 'SOC cases' }).waitFor();
    await ui.screenshot('swimlane-02-saved');

    const saved = (await pb.api('GET', '/api/actions/connectors')).body.find((c: { name: string }) => c.name === 'SOC cases');
    expect(saved.config).toEqual({
      apiUrl: 'https://swimlane.example.com',
      appId: 'aGhX6PPE34dfFA7bc',
      connectorType: 'cases',
      mappings: {
        caseIdConfig: { id: 'a1b2c', key: 'case-id', name: 'Case ID', fieldType: 'text' },
        caseNameConfig: { id: 'a5f6g', key: 'case-name', name: 'Case name', fieldType: 'text' },
        descriptionConfig: { id: 'a3d4e', key: 'description', name: 'Description', fieldType: 'text' },
        commentsConfig: { id: 'a7h8i', key: 'comments', name: 'Comments', fieldType: 'comments' },
        alertIdConfig: null,
        ruleNameConfig: null,
        severityConfig: null,
      },
    });
    expect(ui.consoleErrors).toEqual([]);
  });
});
