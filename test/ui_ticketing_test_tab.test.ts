import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJiraSimulator, type JiraSimulator } from '../src/connector_types/jira/simulator.js';
import { startServiceNowSimulator, type ServiceNowSimulator } from '../src/connector_types/servicenow/simulator.js';
import { startXsoarSimulator, type XsoarSimulator } from '../src/connector_types/xsoar/simulator.js';
import { browserUnavailable, startBrowser, type TestBrowser } from './helpers/browser.js';
import { startTestPlugboard, TEST_PASSWORD, type TestPlugboard } from './helpers/plugboard.js';

// The Test tab of a saved ticketing connector: each sub-action with its own fields and test
// params, and the choices the service lists, loaded through the connector's own sub-actions (as
// Kibana's params forms do); in Debian's chromium against one real server and the services'
// simulators. Screenshots are named choices-* and subactions-*.

const unavailable = browserUnavailable();
const BROWSER_STEP = { timeout: 120_000 };
const subj = (name: string) => `[data-test-subj="${name}"]`;
const JIRA = { email: 'ops@example.com', apiToken: 'jira-token-secret', projectKey: 'OPS' };
const XSOAR_KEY = 'xsoar-key-secret';
const SERVICENOW = { username: 'ops', password: 'servicenow-password-secret' };
const INCIDENT = (field: string) => subj(`field-params-subActionParams.incident.${field}`);
const SUB_ACTION = subj('field-params-subAction');
const ISSUE_TYPE = subj('field-params-subActionParams.incident.issueType');
const PRIORITY = subj('field-params-subActionParams.incident.priority');

/** The values of a select's choices, the "unset" one left out. */
const optionsOf = (page: Page, selector: string) =>
  page.locator(`${selector} option`).evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value).filter((v) => v !== ''));

describe.skipIf(unavailable !== undefined)('the Test tab of ticketing connectors', BROWSER_STEP, () => {
  let pb: TestPlugboard;
  let url: string;
  let jira: JiraSimulator;
  let xsoar: XsoarSimulator;
  let serviceNow: ServiceNowSimulator;
  let ui: TestBrowser;
  let page: Page;

  beforeAll(async () => {
    jira = await startJiraSimulator(JIRA);
    xsoar = await startXsoarSimulator({ apiKey: XSOAR_KEY });
    serviceNow = await startServiceNowSimulator(SERVICENOW);
    // Sub-tasks get priorities of their own, so a change of issue type shows in the choices.
    const subTask = jira.issueTypes.find((t) => t.name === 'Sub-task')!;
    subTask.fields = subTask.fields.map((f) => (f.fieldId === 'priority' ? { ...f, allowedValues: [{ id: '9', name: 'Blocker' }] } : f));
    // The simulators are on loopback, which is denied by default.
    pb = await startTestPlugboard({ settings: { 'plugboard.net.deniedAddresses': [] } });
    url = await pb.plugboard.listen();
    const config = { apiUrl: jira.url, projectKey: JIRA.projectKey };
    const created = await pb.api('POST', '/api/actions/connector', { name: 'Ops Jira', connector_type_id: '.jira', config, secrets: { email: JIRA.email, apiToken: JIRA.apiToken } });
    expect(created.status).toBe(200);
    const xsoarConnector = { name: 'Ops XSOAR', connector_type_id: '.xsoar', config: { url: xsoar.url }, secrets: { apiKey: XSOAR_KEY } };
    expect((await pb.api('POST', '/api/actions/connector', xsoarConnector)).status).toBe(200);
    const itsm = { name: 'Ops ServiceNow', connector_type_id: '.servicenow', config: { apiUrl: serviceNow.url, usesTableApi: true }, secrets: SERVICENOW };
    expect((await pb.api('POST', '/api/actions/connector', itsm)).status).toBe(200);
    const wrongToken = { email: JIRA.email, apiToken: 'not-the-token' };
    expect((await pb.api('POST', '/api/actions/connector', { name: 'Jira with a wrong token', connector_type_id: '.jira', config, secrets: wrongToken })).status).toBe(200);
    ui = await startBrowser();
    page = ui.page;
    await page.goto(`${url}/connectors`);
    await page.fill(subj('loginUsername'), 'elastic');
    await page.fill(subj('loginPassword'), TEST_PASSWORD);
    await page.click(subj('loginSubmit'));
  });
  afterAll(async () => {
    expect(ui?.consoleErrors ?? []).toEqual([]);
    await ui?.close();
    await pb?.close();
    await jira?.close();
    await xsoar?.close();
    await serviceNow?.close();
  });

  async function openTestTab(name: string) {
    await page.locator(subj('connectorLink'), { hasText: name }).click();
    await page.waitForSelector(subj('editConnectorFlyout'));
    await page.click(subj('testTab'));
    await page.waitForSelector(subj('runTestButton'));
  }

  async function closeFlyout() {
    await page.click(subj('closeEditFlyoutButton'));
    await page.waitForSelector(subj('editConnectorFlyout'), { state: 'detached' });
  }

  it("offers Jira's issue types, and the priorities of the issue type chosen, then creates the issue with them", async () => {
    await openTestTab('Ops Jira');
    await expect.poll(() => optionsOf(page, ISSUE_TYPE)).toEqual(['10001', '10002']);
    expect(await page.locator(`${ISSUE_TYPE} option[value="10001"]`).textContent()).toBe('Task');
    // No issue type chosen yet: the priorities are those of the first one listed.
    await expect.poll(() => optionsOf(page, PRIORITY)).toEqual(['Highest', 'High', 'Medium', 'Low', 'Lowest']);
    await page.locator(PRIORITY).scrollIntoViewIfNeeded();
    await ui.screenshot('choices-01-jira-issue-types');

    await page.selectOption(ISSUE_TYPE, '10002');
    await expect.poll(() => optionsOf(page, PRIORITY)).toEqual(['Blocker']);
    expect(jira.requests.some((r) => r.method === 'GET' && r.path.endsWith(`/createmeta/${JIRA.projectKey}/issuetypes/10002`))).toBe(true);

    await page.selectOption(ISSUE_TYPE, '10001');
    await expect.poll(() => optionsOf(page, PRIORITY)).toContain('High');
    await page.selectOption(PRIORITY, 'High');
    await ui.screenshot('choices-02-jira-priority-chosen');
    await page.click(subj('runTestButton'));
    await page.waitForSelector(subj('testResultSuccess'));
    const created = [...jira.issues.values()].at(-1)!;
    expect(created.fields).toMatchObject({ issuetype: { id: '10001' }, priority: { name: 'High' }, summary: 'Test issue from Plugboard' });
    await closeFlyout();
  });

  it('says why the choices could not be loaded, and lets the values be typed instead', async () => {
    await openTestTab('Jira with a wrong token');
    await page.waitForSelector(subj('serviceChoicesError'));
    expect(await page.locator(subj('serviceChoicesError')).textContent()).toMatch(/Unable to get issue types/);
    // No choices: the fields are typed.
    expect(await page.locator(ISSUE_TYPE).evaluate((el) => el.tagName)).toBe('INPUT');
    expect(await page.locator(subj('serviceChoicesError')).textContent()).not.toContain('not-the-token');
    await ui.screenshot('choices-03-jira-choices-unavailable');
    await closeFlyout();
  });

  it("lists a sub-action type's operations, each starting from its own test params, and runs the one chosen", async () => {
    await openTestTab('Ops XSOAR');
    await expect.poll(() => optionsOf(page, SUB_ACTION)).toEqual(['getPlaybooks', 'run']);
    expect(await page.inputValue(SUB_ACTION)).toBe('getPlaybooks');
    await page.selectOption(SUB_ACTION, 'run');
    // The run's own fields, filled from its test params, where free JSON was before.
    expect(await page.inputValue(subj('field-params-subActionParams.name'))).toBe('Test incident from Plugboard');
    await page.fill(subj('field-params-subActionParams.name'), 'Incident from the Test tab');
    await ui.screenshot('subactions-01-xsoar-run');
    await page.click(subj('runTestButton'));
    await page.waitForSelector(subj('testResultSuccess'));
    expect(xsoar.incidents.at(-1)!.fields).toMatchObject({ name: 'Incident from the Test tab', severity: 1 });
    // Back to the listing: nothing of the run is kept, and the listing runs.
    await page.selectOption(SUB_ACTION, 'getPlaybooks');
    await expect.poll(() => page.locator(subj('field-params-subActionParams.name')).count()).toBe(0);
    await page.click(subj('runTestButton'));
    await page.waitForSelector(subj('testResultSuccess'));
    await closeFlyout();
  });

  it("starts another Jira sub-action from that sub-action's test params", async () => {
    await openTestTab('Ops Jira');
    await page.selectOption(SUB_ACTION, 'issues');
    expect(await page.inputValue(subj('field-params-subActionParams.title'))).toBe('Test issue from Plugboard');
    await page.click(subj('runTestButton'));
    await page.waitForSelector(subj('testResultSuccess'));
    expect(jira.requests.at(-1)!.path).toContain('/rest/api/2/search/jql');
    await ui.screenshot('subactions-02-jira-issues');
    await closeFlyout();
  });

  it("offers ServiceNow's choices for the incident, subcategories under the category chosen, and closes the test incident", async () => {
    await openTestTab('Ops ServiceNow');
    await page.selectOption(SUB_ACTION, 'pushToService');
    await expect.poll(() => optionsOf(page, INCIDENT('urgency'))).toEqual(['1', '2', '3']);
    expect(await page.locator(`${INCIDENT('urgency')} option[value="2"]`).textContent()).toBe('2 - Medium');
    expect(await optionsOf(page, INCIDENT('impact'))).toEqual(['1', '2', '3']);
    expect(await optionsOf(page, INCIDENT('category'))).toEqual(['software', 'network']);
    // No category yet: no subcategory to offer.
    expect(await optionsOf(page, INCIDENT('subcategory'))).toEqual([]);
    await page.selectOption(INCIDENT('category'), 'network');
    await expect.poll(() => optionsOf(page, INCIDENT('subcategory'))).toEqual(['dns']);
    await page.selectOption(INCIDENT('subcategory'), 'dns');
    await page.selectOption(INCIDENT('urgency'), '2');
    await page.locator(INCIDENT('subcategory')).scrollIntoViewIfNeeded();
    await ui.screenshot('choices-04-servicenow-incident');
    await page.click(subj('runTestButton'));
    await page.waitForSelector(subj('testResultSuccess'));
    const incident = [...serviceNow.tables.get('incident')!.values()].at(-1)!;
    expect(incident).toMatchObject({ short_description: 'Test incident from Plugboard', urgency: '2', category: 'network', subcategory: 'dns', correlation_id: 'plugboard-test' });

    // Closing starts from the test incident's correlation id.
    await page.selectOption(SUB_ACTION, 'closeIncident');
    expect(await page.inputValue(INCIDENT('correlation_id'))).toBe('plugboard-test');
    await page.click(subj('runTestButton'));
    await page.waitForSelector(subj('testResultSuccess'));
    await expect.poll(() => serviceNow.tables.get('incident')!.get(String(incident.sys_id))?.state).toBe('7');
    await closeFlyout();
  });
});
