import { EuiBadge, EuiButton, EuiDescriptionList, EuiEmptyPrompt, EuiLoadingSpinner, EuiPageTemplate, EuiPanel, EuiSpacer } from '@elastic/eui';
import { useState } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import { deleteRule, getRule, ruleAction } from '../api/endpoints.js';
import type { Rule } from '../api/types.js';
import { useSpace } from '../app/space.js';
import { useToasts } from '../app/toasts.js';
import { LoadErrorCallOut } from '../components/LoadErrorCallOut.js';
import { WhyDisabled } from '../components/WhyDisabled.js';
import { useAsync } from '../lib/use_async.js';
import { usePoll } from '../lib/use_poll.js';
import { RuleAlerts } from './RuleAlerts.js';
import { RuleExecutionHistory } from './RuleExecutionHistory.js';
import { RuleFlyout } from './RuleFlyout.js';
import { DeleteRulesModal } from './RulesPage.js';
import { formatDate, ruleStatus, statusMessage, STATUS_COLORS, STATUS_LABELS } from './status.js';
import { useRuleCatalog } from './use_rule_catalog.js';
import { describeFollowAlert } from './FollowAlertForm.js';

/** One rule (`/rules/:ruleId`): its settings and actions, what can be done to it, its alerts and runs. */
export function RuleDetailsPage() {
  const { ruleId = '' } = useParams();
  const { spaceId, href, rules: permissions } = useSpace();
  const navigate = useNavigate();
  const toasts = useToasts();
  const catalog = useRuleCatalog();
  const rule = useAsync(() => getRule(spaceId, ruleId), [spaceId, ruleId]);
  usePoll(rule);
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [busy, setBusy] = useState(false);

  const change = async (action: '_enable' | '_disable' | '_mute_all' | '_unmute_all') => {
    setBusy(true);
    try {
      await ruleAction(spaceId, ruleId, action);
      rule.reload();
    } catch (err) {
      toasts.danger('The rule could not be changed', (err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const remove = async (current: Rule) => {
    setDeleting(false);
    try {
      await deleteRule(spaceId, current.id);
      toasts.success(`Deleted rule "${current.name}"`);
      navigate(href('/rules'));
    } catch (err) {
      toasts.danger('The rule could not be deleted', (err as Error).message);
    }
  };

  const current = rule.data;
  if (!current) {
    return (
      <EuiPageTemplate.Section>
        <LoadErrorCallOut title="The rule could not be loaded" state={rule} testSubj="ruleLoadError" />
        {!rule.error && <EuiEmptyPrompt icon={<EuiLoadingSpinner size="xl" />} title={<h2>Loading the rule</h2>} />}
      </EuiPageTemplate.Section>
    );
  }
  const type = catalog.data?.ruleTypes.find((t) => t.id === current.rule_type_id);
  const status = ruleStatus(current);
  const connectorName = (id: string) => catalog.data?.connectors.find((c) => c.id === id)?.name ?? id;
  const groupName = (id: string) => type?.action_groups.find((g) => g.id === id)?.name ?? id;
  return (
    <>
      <EuiPageTemplate.Header
        pageTitle={<span data-test-subj="ruleDetailsTitle">{current.name}</span>}
        breadcrumbs={[{ text: 'Rules', href: href('/rules'), onClick: (e) => (e.preventDefault(), navigate(href('/rules'))) }, { text: current.name }]}
        description={type?.name ?? current.rule_type_id}
        rightSideItems={[
          <WhyDisabled key="delete" reason={permissions.readOnlyReason}>
            <EuiButton color="danger" iconType="trash" isDisabled={!permissions.save} onClick={() => setDeleting(true)} data-test-subj="deleteRuleButton">
              Delete
            </EuiButton>
          </WhyDisabled>,
          <WhyDisabled key="edit" reason={permissions.readOnlyReason}>
            <EuiButton iconType="pencil" isDisabled={!catalog.data || !permissions.save} onClick={() => setEditing(true)} data-test-subj="editRuleButton">
              Edit
            </EuiButton>
          </WhyDisabled>,
          <WhyDisabled key="mute" reason={permissions.readOnlyReason}>
            <EuiButton isDisabled={busy || !permissions.save} onClick={() => change(current.mute_all ? '_unmute_all' : '_mute_all')} data-test-subj="muteAllButton">
              {current.mute_all ? 'Unmute' : 'Mute all'}
            </EuiButton>
          </WhyDisabled>,
          <WhyDisabled key="enable" reason={permissions.readOnlyReason}>
            <EuiButton fill isDisabled={busy || !permissions.save} onClick={() => change(current.enabled ? '_disable' : '_enable')} data-test-subj="toggleRuleButton">
              {current.enabled ? 'Disable' : 'Enable'}
            </EuiButton>
          </WhyDisabled>,
        ]}
      />
      <EuiPageTemplate.Section>
        <EuiPanel hasBorder data-test-subj="ruleSettings">
          <EuiDescriptionList
            type="column"
            compressed
            listItems={[
              { title: 'Last response', description: <EuiBadge color={STATUS_COLORS[status]} data-test-subj={`ruleStatus-${status}`}>{STATUS_LABELS[status]}</EuiBadge> },
              ...(statusMessage(current) ? [{ title: 'Message', description: statusMessage(current)! }] : []),
              { title: 'Muted', description: current.mute_all ? 'All alerts' : current.muted_alert_ids.length > 0 ? current.muted_alert_ids.join(', ') : 'No' },
              { title: 'Runs every', description: current.schedule.interval },
              { title: 'Last run', description: formatDate(current.execution_status.status === 'pending' ? null : current.execution_status.last_execution_date) },
              { title: 'Next run', description: current.enabled ? formatDate(current.next_run) : '—' },
              { title: 'Tags', description: current.tags.length > 0 ? current.tags.map((t) => <EuiBadge key={t}>{t}</EuiBadge>) : 'None' },
              { title: 'Conditions', description: <code style={{ whiteSpace: 'pre-wrap' }}>{JSON.stringify(current.params, null, 2)}</code> },
              {
                title: 'Actions',
                description:
                  current.actions.length === 0
                    ? 'None'
                    : current.actions.map((a, i) => (
                        <div key={a.uuid ?? i} data-test-subj="ruleDetailsAction">
                          {connectorName(a.id)} — {groupName(a.group)}, {a.frequency?.summary ? 'summary' : 'for each alert'}
                          {a.follow_alert && `, ${describeFollowAlert(a.follow_alert)}`}
                        </div>
                      )),
              },
              { title: 'Created', description: `${formatDate(current.created_at)}${current.created_by ? ` by ${current.created_by}` : ''}` },
              { title: 'Updated', description: `${formatDate(current.updated_at)}${current.updated_by ? ` by ${current.updated_by}` : ''}` },
            ]}
          />
        </EuiPanel>
        <EuiSpacer />
        <RuleAlerts rule={current} onChanged={rule.reload} />
        <EuiSpacer />
        <RuleExecutionHistory ruleId={current.id} />
      </EuiPageTemplate.Section>
      {editing && catalog.data && (
        <RuleFlyout
          {...catalog.data}
          rule={current}
          onClose={() => setEditing(false)}
          onSaved={(saved) => {
            setEditing(false);
            toasts.success(`Saved rule "${saved.name}"`);
            rule.reload();
          }}
        />
      )}
      {deleting && <DeleteRulesModal rules={[current]} onCancel={() => setDeleting(false)} onConfirm={() => void remove(current)} />}
    </>
  );
}
