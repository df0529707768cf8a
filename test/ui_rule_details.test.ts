import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserUnavailable, logInAsElastic, logOutAndInAs, startBrowser, type TestBrowser } from './helpers/browser.js';
import { startJiraSimulator } from '../src/connector_types/jira/simulator.js';
import { startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';
import { DrivenAlerts, RuleRuns, webhookConfig } from './helpers/rule_runs.js';
import { startStatusSink, type StatusSink } from './helpers/status_sink.js';

// A rule's details page in Debian's chromium, over runs driven by `_run_soon`: its alerts with
// status and duration, one of them muted from the table, its execution history with each run's
// action counts and, expanded, the connector executions the run queued; the Rules list and the
// page following runs without a reload; a read-only user offered no changes. Screenshots
// rules-08 and after.

const unavailable = browserUnavailable();
const subj = (name: string) => `[data-test-subj="${name}"]`;

describe.skipIf(unavailable !== undefined)('a rule’s details in a browser', { timeout: 180_000 }, () => {
  let pb: TestPlugboard;
  let ok: StatusSink;
  let broken: StatusSink;
  let runs: RuleRuns;
  let ui: TestBrowser;
  let page: Page;
  let url: string;
  const driven = new DrivenAlerts();

  beforeAll(async () => {
    ok = await startStatusSink();
    broken = await startStatusSink();
    broken.respondWith({ status: 400, body: '{"error":"bad request"}' });
    pb = await startTestPlugboard({
      extraRuleTypes: [driven.ruleType],
      settings: { 'plugboard.net.deniedAddresses': [], 'plugboard.tasks.pollInterval': '200ms' },
    });
    url = await pb.plugboard.listen();
    runs = new RuleRuns(pb);
    for (const [id, name, sink] of [['pager', 'Pager hook', ok], ['broken', 'Broken hook', broken]] as const) {
      const created = await pb.api('POST', `/api/actions/connector/${id}`, { name, connector_type_id: '.webhook', config: webhookConfig(`${sink.url}/${id}`), secrets: {} });
      expect(created.status, created.text).toBe(200);
    }
    const frequency = { summary: false, notify_when: 'onActiveAlert', throttle: null };
    driven.set('watch', [{ id: 'disk-full' }, { id: 'cpu-high' }]);
    await runs.create('watch', {
      name: 'Watch hosts',
      rule_type_id: 'test.driven',
      actions: ['pager', 'broken'].map((id) => ({ group: 'firing', id, params: { body: '{"alert":"{{alert.id}}"}' }, frequency })),
    });
    // cpu-high recovers in the second run.
    driven.set('watch', [{ id: 'disk-full' }]);
    await runs.runSoon('watch');
    ui = await startBrowser();
    page = ui.page;
    await logInAsElastic(page, url);
    await page.waitForSelector(subj('nav-rules'));
  });
  afterAll(async () => {
    await ui?.close();
    await pb?.close();
    await ok?.close();
    await broken?.close();
  });

  /** The whole page from its top (the header is fixed: scrolled, it would sit in the middle). */
  const shot = async (name: string) => {
    await page.evaluate(() => window.scrollTo(0, 0));
    await ui.screenshot(name);
  };
  const alertRow = (id: string) => page.locator(subj(`alertRow-${id}`));
  const runRows = () => page.locator(subj('ruleRunRow'));
  const executionLog = async () => (await pb.api('GET', '/internal/alerting/rule/watch/_execution_log?date_start=now-1h')).body.data as Array<Record<string, any>>;

  it('lists the alerts with their status, start and duration', async () => {
    await page.goto(`${url}/rules/watch`);
    await alertRow('disk-full').locator(subj('alertStatus-active')).waitFor();
    await alertRow('cpu-high').locator(subj('alertStatus-recovered')).waitFor();
    // Active first; an active alert has a start and a duration, a recovered one neither.
    expect(await page.locator(`${subj('ruleAlertsTable')} tbody tr`).first().getAttribute('data-test-subj')).toBe('alertRow-disk-full');
    const cells = async (id: string) => alertRow(id).locator('td').allTextContents();
    const [, , activeStart, activeDuration] = await cells('disk-full');
    expect(activeStart).not.toMatch(/—/);
    expect(activeDuration).toMatch(/\d+(\.\d+)? (ms|s)|\d+m \d+s/);
    const [, , recoveredStart, recoveredDuration] = await cells('cpu-high');
    expect(recoveredStart).toContain('—');
    expect(recoveredDuration).toContain('—');
    await shot('rules-08-details-alerts');
  });

  it('mutes one alert from the table: its next run queues no actions for it', async () => {
    const muteSwitch = alertRow('disk-full').locator(subj('alertMuteSwitch'));
    expect(await muteSwitch.getAttribute('aria-checked')).toBe('false');
    await muteSwitch.click();
    await expect.poll(async () => (await runs.rule('watch')).muted_alert_ids).toEqual(['disk-full']);
    await expect.poll(() => muteSwitch.getAttribute('aria-checked')).toBe('true');
    // The settings panel follows (the rule is loaded again after the change).
    await expect.poll(() => page.textContent(subj('ruleSettings'))).toContain('disk-full');

    // A run while the page is open: the history picks it up without a reload.
    expect(await runRows().count()).toBe(2);
    await runs.runSoon('watch');
    await expect.poll(() => runRows().count(), { timeout: 15_000 }).toBe(3);
    const [newest] = await executionLog();
    expect(newest).toMatchObject({ num_active_alerts: 1, num_triggered_actions: 0 });
    await shot('rules-09-details-alert-muted');

    await muteSwitch.click();
    await expect.poll(async () => (await runs.rule('watch')).muted_alert_ids).toEqual([]);
    await expect.poll(() => muteSwitch.getAttribute('aria-checked')).toBe('false');
  });

  it('lists the runs with their action counts, and a run expanded lists the actions it queued', async () => {
    const log = await executionLog();
    const first = log.at(-1)!;
    expect(first).toMatchObject({ status: 'success', num_new_alerts: 2, num_triggered_actions: 4, num_succeeded_actions: 2, num_errored_actions: 2 });
    // Newest first: the first run is the last row.
    const row = runRows().last();
    expect(await row.getAttribute('data-run-id')).toBe(first.id);
    const text = (await row.locator('td').allTextContents()).map((t) => t.trim());
    // Expander, timestamp, response, message, duration, then the counts: active, new, recovered, triggered, succeeded, errored.
    expect(text[2]).toContain('Success');
    expect(text.slice(5, 11).map((t) => t.replace(/\D/g, ''))).toEqual(['2', '2', '0', '4', '2', '2']);
    expect(await page.textContent(subj('ruleKpiTriggeredActions'))).toContain('6');
    expect(await page.textContent(subj('ruleKpiErroredActions'))).toContain('3');

    await row.locator(subj('expandRun')).click();
    const actions = page.locator(subj('runActionRow'));
    await expect.poll(() => actions.count()).toBe(4);
    const rows = (await actions.allTextContents()).sort();
    expect(rows.filter((r) => r.includes('Broken hook') && r.includes('Failure'))).toHaveLength(2);
    expect(rows.filter((r) => r.includes('Pager hook') && r.includes('Success'))).toHaveLength(2);
    expect(rows.find((r) => r.includes('Broken hook'))).toMatch(/400/);

    // A run that queued nothing says so.
    await runRows().first().locator(subj('expandRun')).click();
    await page.waitForSelector(subj('runActionsNone'));
    await shot('rules-10-details-history-expanded');
  });

  it('shows the rule list following runs without a reload', async () => {
    await runs.create('flaky', { name: 'Flaky source', rule_type_id: 'test.driven', actions: [] });
    await page.click(subj('nav-rules'));
    const row = page.locator(subj('ruleRow-Flaky source'));
    await row.locator(subj('ruleStatus-succeeded')).waitFor();
    driven.fail('flaky', 'the source is gone');
    await runs.runSoon('flaky');
    await row.locator(subj('ruleStatus-failed')).waitFor({ timeout: 15_000 });
    await shot('rules-11-list-after-failed-run');
    driven.fail('flaky', undefined);
  });

  it('shows a ticketing action that follows its alerts, and edits its option through the flyout switch', async () => {
    const jira = await startJiraSimulator({ email: 'ui@example.com', apiToken: 'ui-jira-token', projectKey: 'OPS' });
    try {
      const connector = await pb.api('POST', '/api/actions/connector/tracker', { name: 'Tracker', connector_type_id: '.jira', config: { apiUrl: jira.url, projectKey: 'OPS' }, secrets: { email: 'ui@example.com', apiToken: 'ui-jira-token' } });
      expect(connector.status, connector.text).toBe(200);
      driven.set('tickets', [{ id: 'disk-full' }]);
      const push = { subAction: 'pushToService', subActionParams: { incident: { summary: 'Disk full on {{alert.id}}', issueType: '10001', externalId: null }, comments: null } };
      await runs.create('tickets', {
        name: 'Ticketed hosts',
        rule_type_id: 'test.driven',
        actions: [{ group: 'firing', id: 'tracker', params: push, frequency: { summary: false, notify_when: 'onActionGroupChange', throttle: null }, follow_alert: { reopen_within: '1h' } }],
      });
      expect(jira.issues.size).toBe(1);
      await page.goto(`${url}/rules/tickets`);
      await expect.poll(() => page.textContent(subj('ruleDetailsAction'))).toContain('follows the alert (close on resolve, reopen within 1h)');
      // The alert's ticket, linked to the service's page.
      const issue = [...jira.issues.values()][0];
      const link = alertRow('disk-full').locator(`${subj('alertTicket')} a`);
      await expect.poll(() => link.textContent()).toContain(issue.key);
      expect(await link.getAttribute('href')).toBe(`${jira.url}/browse/${issue.key}`);
      await shot('rules-14-follow-alert-details');

      await page.click(subj('editRuleButton'));
      expect(await page.isChecked(subj('followAlertSwitch'))).toBe(true);
      await page.selectOption(subj('followAlertResolveSelect'), 'comment');
      await page.selectOption(subj('followAlertAfterCloseSelect'), 'new');
      await page.fill(subj('followAlertResolveComment'), 'Back to normal: {{alert.id}}');
      await ui.screenshot('rules-15-follow-alert-flyout');
      await page.click(subj('saveRuleButton'));
      await page.waitForSelector(subj('ruleFlyout'), { state: 'detached' });
      const saved = (await pb.api('GET', '/api/alerting/rule/tickets')).body;
      expect(saved.actions[0].follow_alert).toEqual({ reopen_within: null, resolve: 'comment', resolve_comment: 'Back to normal: {{alert.id}}' });
      await expect.poll(() => page.textContent(subj('ruleDetailsAction'))).toContain('follows the alert (comment on resolve, a new ticket after a close)');

      // Switched off: the action no longer follows its alerts.
      await page.click(subj('editRuleButton'));
      await page.click(subj('followAlertSwitch'));
      expect(await page.locator(subj('followAlertResolveSelect')).count()).toBe(0);
      await page.click(subj('saveRuleButton'));
      await page.waitForSelector(subj('ruleFlyout'), { state: 'detached' });
      expect((await pb.api('GET', '/api/alerting/rule/tickets')).body.actions[0].follow_alert).toBeUndefined();
      expect(ui.consoleErrors).toEqual([]);
    } finally {
      await pb.api('DELETE', '/api/alerting/rule/tickets');
      await pb.api('DELETE', '/api/actions/connector/tracker');
      await jira.close();
    }
  });

  it('offers a read-only user no changes: the server refuses them, the pages disable them', async () => {
    const role = { kibana: [{ base: [], feature: { stackAlerts: ['read'], actions: ['read'] }, spaces: ['*'] }] };
    expect((await pb.api('PUT', '/api/security/role/rules-viewer', role)).status).toBe(204);
    expect((await pb.api('PUT', '/api/security/user/rita', { password: 'rita-password', roles: ['rules-viewer'] })).status).toBe(200);
    const rita = { authorization: `Basic ${Buffer.from('rita:rita-password').toString('base64')}` };
    const capabilities = await pb.api('POST', '/api/core/capabilities', { applications: [] }, { headers: rita });
    expect(capabilities.body.rules).toEqual({ show: true, save: false });
    expect((await pb.api('GET', '/internal/alerting/rule/watch/_alert_summary', undefined, { headers: rita })).status).toBe(200);
    expect((await pb.api('GET', '/internal/alerting/rule/watch/_execution_log?date_start=now-1h', undefined, { headers: rita })).status).toBe(200);
    const mute = await pb.api('POST', '/api/alerting/rule/watch/alert/disk-full/_mute', undefined, { headers: rita });
    expect(mute.body).toMatchObject({ statusCode: 403, message: 'Unauthorized by "alerts" to muteAlert "test.driven" rule' });

    await logOutAndInAs(page, 'rita', 'rita-password');
    await page.click(subj('nav-rules'));
    const row = page.locator(subj('ruleRow-Watch hosts'));
    await row.waitFor();
    await expect.poll(() => page.locator(subj('createRuleButton')).isDisabled()).toBe(true);
    expect(await page.locator(`${subj('rulesTable')} input[type="checkbox"]`).count()).toBe(0);
    expect(await row.locator(subj('ruleEnabledSwitch')).isDisabled()).toBe(true);
    await shot('rules-12-read-only-list');

    await row.locator(subj('ruleLink')).click();
    await alertRow('disk-full').waitFor();
    for (const button of ['deleteRuleButton', 'editRuleButton', 'muteAllButton', 'toggleRuleButton']) {
      expect(await page.locator(subj(button)).isDisabled(), button).toBe(true);
    }
    expect(await alertRow('disk-full').locator(subj('alertMuteSwitch')).isDisabled()).toBe(true);
    // Reading the history, its actions included, is open to readers.
    await runRows().last().locator(subj('expandRun')).click();
    await expect.poll(() => page.locator(subj('runActionRow')).count()).toBe(4);
    await shot('rules-13-read-only-details');
    expect(ui.consoleErrors).toEqual([]);
  });
});
