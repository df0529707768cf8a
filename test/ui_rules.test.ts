import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserUnavailable, logInAsElastic, startBrowser, type TestBrowser } from './helpers/browser.js';
import { startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';

// The Rules page in Debian's chromium, against a real server whose rules run every second: a
// connector-health rule made through the flyout with a server-log action (a variable inserted
// in its message), listed with the status of its first run, filtered, searched, disabled and
// enabled in bulk, edited, shown on its connector, and deleted. Screenshots rules-*.

const unavailable = browserUnavailable();
const subj = (name: string) => `[data-test-subj="${name}"]`;

describe.skipIf(unavailable !== undefined)('the Rules page in a browser', { timeout: 180_000 }, () => {
  let pb: TestPlugboard;
  let ui: TestBrowser;
  let page: Page;
  let url: string;

  beforeAll(async () => {
    pb = await startTestPlugboard({
      settings: { 'plugboard.tasks.pollInterval': '200ms', 'xpack.alerting.rules.minimumScheduleInterval': { value: '1s' } },
    });
    url = await pb.plugboard.listen();
    expect((await pb.api('POST', '/api/actions/connector/ops-log', { name: 'Ops log', connector_type_id: '.server-log', config: {}, secrets: {} })).status).toBe(200);
    ui = await startBrowser();
    page = ui.page;
    await logInAsElastic(page, url);
    await page.waitForSelector(subj('connectorLink'));
  });
  afterAll(async () => {
    await ui?.close();
    await pb?.close();
  });

  const rules = async () => (await pb.api('GET', '/api/alerting/rules/_find?per_page=100')).body.data as Array<Record<string, any>>;
  const row = (name: string) => page.locator(subj(`ruleRow-${name}`));

  it('serves each rule type’s form: params schema, groups with Recovered, variables', async () => {
    const forms = (await pb.api('GET', '/internal/alerting/rule_type_forms')).body as Array<Record<string, any>>;
    const health = forms.find((f) => f.id === 'plugboard.connector-health')!;
    expect(health.params_schema.properties).toHaveProperty('window');
    expect(health.action_groups.map((g: { id: string }) => g.id)).toContain('recovered');
    expect(health.recovery_action_group_id).toBe('recovered');
    expect(health.action_variables.context.length).toBeGreaterThan(0);
    expect(health.default_schedule_interval).toBe('1m');
    expect(forms.map((f) => f.id).sort()).toEqual(['.es-query', '.index-threshold', 'plugboard.connector-health', 'plugboard.incoming-alerts']);
    // The incoming alerts' fields are variables under alert.* too, and their summaries have group.*.
    const incoming = forms.find((f) => f.id === 'plugboard.incoming-alerts')!;
    expect(incoming.action_variables.alert.map((v: { name: string }) => v.name)).toEqual(['labels', 'annotations', 'generatorURL', 'startsAt', 'endsAt', 'fingerprint', 'status']);
    expect(incoming.action_variables.summary.map((v: { name: string }) => v.name)).toContain('group.labels');
    expect(health.action_variables.alert).toEqual([]);
  });

  it('writes the help texts of every rule type’s form in words, at both widths', async () => {
    await page.click(subj('nav-rules'));
    await page.click(subj('createFirstRuleButton'));
    const flyout = page.locator(subj('ruleFlyout'));
    for (const id of ['.index-threshold', '.es-query', 'plugboard.connector-health', 'plugboard.incoming-alerts']) {
      await page.click(subj(`ruleTypeCard-${id}`));
      await page.waitForSelector(subj('ruleNameInput'));
      const text = (await flyout.textContent()) ?? '';
      expect(text, id).not.toMatch(/`|searchType|esQuery|timeWindowSize|thresholdComparator|aggType|maxFailureRate|minExecutions|xpack\./);
      await page.click(subj('backToRuleTypes'));
    }
    await page.click(subj('ruleTypeCard-.es-query'));
    for (const viewport of [{ width: 1280, height: 800 }, { width: 420, height: 800 }]) {
      await page.setViewportSize(viewport);
      await ui.screenshot(`rules-00-es-query-form-${viewport.width}`);
    }
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.click(subj('cancelRuleButton'));
    await page.waitForSelector(subj('ruleFlyout'), { state: 'detached' });
  });

  it('creates a connector-health rule with a server-log action through the flyout', async () => {
    await page.waitForSelector(subj('rulesEmptyPrompt'));
    await ui.screenshot('rules-01-empty');
    await page.click(subj('createFirstRuleButton'));
    await page.click(subj('ruleTypeCard-plugboard.connector-health'));
    await page.fill(subj('ruleNameInput'), 'Connector health');
    await page.fill(subj('ruleIntervalInput'), '1');
    await page.selectOption(subj('ruleIntervalUnitSelect'), 's');
    await page.fill(subj('field-rule-window'), '5m');
    await page.fill(subj('field-rule-maxFailureRate'), '0.5');
    await page.fill(subj('field-rule-minExecutions'), '1');

    await page.click(subj('addActionButton'));
    await page.click(subj('addActionConnector-ops-log'));
    await page.selectOption(subj('actionGroupSelect'), 'recovered');
    await page.selectOption(subj('actionGroupSelect'), 'unhealthy');
    await page.fill(subj('field-params-message'), 'Rule ');
    await page.focus(subj('field-params-message'));
    await page.click(subj('addVariableButton'));
    await page.fill(subj('variableSearch'), 'rule.name');
    await page.click(subj('variable-rule.name'));
    await expect.poll(() => page.inputValue(subj('field-params-message'))).toBe('Rule {{rule.name}}');
    await ui.screenshot('rules-02-create-flyout');
    await page.click(subj('saveRuleButton'));
    await page.waitForSelector(subj('ruleFlyout'), { state: 'detached' });

    const [rule] = await rules();
    expect(rule).toMatchObject({
      name: 'Connector health',
      rule_type_id: 'plugboard.connector-health',
      consumer: 'alerts',
      enabled: true,
      schedule: { interval: '1s' },
      params: { window: '5m', maxFailureRate: 0.5, minExecutions: 1, connectorIds: [] },
    });
    expect(rule!.actions).toMatchObject([
      { id: 'ops-log', group: 'unhealthy', params: { message: 'Rule {{rule.name}}' }, frequency: { summary: false, notify_when: 'onActionGroupChange', throttle: null } },
    ]);
  });

  it('lists the rule with the status of its first run', async () => {
    await expect.poll(async () => (await rules())[0]?.last_run?.outcome, { timeout: 20_000 }).toBe('succeeded');
    await page.reload();
    await row('Connector health').locator(subj('ruleStatus-succeeded')).waitFor();
    expect(await row('Connector health').textContent()).toContain('Connector health');
    await ui.screenshot('rules-03-list');
  });

  it('filters by type and status, and searches', async () => {
    await pb.api('POST', '/api/alerting/rule/es-rule', {
      name: 'Orders query',
      rule_type_id: '.es-query',
      consumer: 'alerts',
      enabled: false,
      schedule: { interval: '1m' },
      params: { searchType: 'esQuery', index: ['orders'], timeField: '@timestamp', esQuery: '{"query":{"match_all":{}}}', size: 10, timeWindowSize: 5, timeWindowUnit: 'm', threshold: [0], thresholdComparator: '>' },
    });
    await page.reload();
    await row('Orders query').waitFor();
    await page.click(subj('ruleTypeFilter'));
    await page.click(subj('ruleTypeFilterOption-.es-query'));
    await row('Connector health').waitFor({ state: 'detached' });
    await page.click(subj('ruleTypeFilterOption-.es-query'));
    await page.keyboard.press('Escape');
    await row('Connector health').waitFor();
    await page.click(subj('ruleStatusFilter'));
    await page.click(subj('ruleStatusFilterOption-disabled'));
    await row('Connector health').waitFor({ state: 'detached' });
    expect(await row('Orders query').count()).toBe(1);
    await ui.screenshot('rules-04-filtered');
    await page.click(subj('ruleStatusFilterOption-disabled'));
    await page.keyboard.press('Escape');
    await page.fill(subj('rulesSearch'), 'health');
    await row('Orders query').waitFor({ state: 'detached' });
    expect(await row('Connector health').count()).toBe(1);
    await page.fill(subj('rulesSearch'), '');
    await row('Orders query').waitFor();
  });

  it('disables and enables rules in bulk, and deletes after a confirmation', async () => {
    await page.click(`${subj('rulesTable')} thead input[type="checkbox"]`);
    await page.click(subj('bulkDisableRules'));
    await expect.poll(async () => (await rules()).map((r) => r.enabled)).toEqual([false, false]);
    await row('Connector health').locator(subj('ruleStatus-disabled')).waitFor();
    await page.click(`${subj('rulesTable')} thead input[type="checkbox"]`);
    await page.click(subj('bulkEnableRules'));
    await expect.poll(async () => (await rules()).map((r) => r.enabled)).toEqual([true, true]);
    await row('Orders query').locator('input[type="checkbox"]').click();
    await page.click(subj('bulkDeleteRules'));
    await page.waitForSelector(subj('deleteRulesModal'));
    await ui.screenshot('rules-05-delete-confirmation');
    await page.click(subj('confirmModalConfirmButton'));
    await row('Orders query').waitFor({ state: 'detached' });
    expect((await rules()).map((r) => r.name)).toEqual(['Connector health']);
  });

  it('edits the rule from its details page, with the update body', async () => {
    await row('Connector health').locator(subj('ruleLink')).click();
    await page.waitForSelector(subj('ruleDetailsTitle'));
    // No connector fails: no alerts; the rule runs every second, so it has runs.
    await page.waitForSelector(subj('ruleAlertsEmpty'));
    await page.locator(subj('ruleRunRow')).first().waitFor();
    await ui.screenshot('rules-06-details');
    await page.click(subj('editRuleButton'));
    await page.fill(subj('ruleNameInput'), 'Connector health (edited)');
    await page.fill(subj('field-rule-minExecutions'), '3');
    await page.click(subj('saveRuleButton'));
    await page.waitForSelector(subj('ruleFlyout'), { state: 'detached' });
    await expect.poll(() => page.textContent(subj('ruleDetailsTitle'))).toBe('Connector health (edited)');
    const [rule] = await rules();
    expect(rule).toMatchObject({ name: 'Connector health (edited)', params: { minExecutions: 3 }, schedule: { interval: '1s' } });
    expect(rule!.actions[0]).toMatchObject({ id: 'ops-log', params: { message: 'Rule {{rule.name}}' } });

    await page.click(subj('muteAllButton'));
    await expect.poll(async () => (await rules())[0]!.mute_all).toBe(true);
    await page.click(subj('toggleRuleButton'));
    await expect.poll(async () => (await rules())[0]!.enabled).toBe(false);
  });

  it('shows on the connector the rules that use it', async () => {
    await page.click(subj('nav-connectors'));
    await page.locator(subj('connectorLink'), { hasText: 'Ops log' }).click();
    await page.waitForSelector(subj('connectorUsedByRules'));
    expect(await page.textContent(subj('connectorUsedByRules'))).toContain('Used by 1 rule');
    await ui.screenshot('rules-07-connector-used-by');
    await page.click(subj('connectorRuleLink'));
    await page.waitForSelector(subj('ruleDetailsTitle'));
  });

  it('deletes the rule from its page', async () => {
    await page.click(subj('deleteRuleButton'));
    await page.click(subj('confirmModalConfirmButton'));
    await page.waitForSelector(subj('rulesEmptyPrompt'));
    expect(await rules()).toEqual([]);
    expect(ui.consoleErrors).toEqual([]);
  });
});
