import {
  EuiBadge,
  EuiBasicTable,
  EuiButton,
  EuiConfirmModal,
  EuiEmptyPrompt,
  EuiFieldSearch,
  EuiFlexGroup,
  EuiFlexItem,
  EuiLink,
  EuiPageTemplate,
  EuiSpacer,
  EuiSwitch,
  EuiToolTip,
  type EuiBasicTableColumn,
} from '@elastic/eui';
import { useMemo, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { deleteRule, findRules, ruleAction } from '../api/endpoints.js';
import type { Rule } from '../api/types.js';
import { useSpace } from '../app/space.js';
import { useToasts } from '../app/toasts.js';
import { LoadErrorCallOut } from '../components/LoadErrorCallOut.js';
import { MultiSelectFilter } from '../components/MultiSelectFilter.js';
import { ServerErrorCallOut } from '../components/ServerErrorCallOut.js';
import { WhyDisabled } from '../components/WhyDisabled.js';
import { useAsync } from '../lib/use_async.js';
import { usePoll } from '../lib/use_poll.js';
import { RuleFlyout } from './RuleFlyout.js';
import { formatDate, ruleStatus, statusMessage, STATUS_COLORS, STATUS_LABELS, type RuleStatus } from './status.js';
import { useRuleCatalog } from './use_rule_catalog.js';

const rulesNoun = (n: number) => `${n} ${n === 1 ? 'rule' : 'rules'}`;

/** Stack Management > Rules: the space's rules, their status, and what can be done to several at once. */
export function RulesPage() {
  const { spaceId, href, rules: permissions } = useSpace();
  const navigate = useNavigate();
  const toasts = useToasts();
  const catalog = useRuleCatalog();
  const rules = useAsync(() => findRules(spaceId).then((r) => r.data), [spaceId]);
  usePoll(rules);
  const [search, setSearch] = useState('');
  const [typeFilter, setTypeFilter] = useState<string[]>([]);
  const [statusFilter, setStatusFilter] = useState<string[]>([]);
  const [selected, setSelected] = useState<Rule[]>([]);
  const [toDelete, setToDelete] = useState<Rule[]>();
  const [creating, setCreating] = useState(false);
  const [busy, setBusy] = useState(false);

  const typeName = (id: string) => catalog.data?.ruleTypes.find((t) => t.id === id)?.name ?? id;
  const all = rules.data ?? [];
  const shown = useMemo(() => {
    const words = search.toLowerCase().split(/\s+/).filter(Boolean);
    return all.filter(
      (rule) =>
        (typeFilter.length === 0 || typeFilter.includes(rule.rule_type_id)) &&
        (statusFilter.length === 0 || statusFilter.includes(ruleStatus(rule))) &&
        words.every((w) => `${rule.name} ${rule.tags.join(' ')}`.toLowerCase().includes(w)),
    );
  }, [all, search, typeFilter, statusFilter]);

  /** Runs `change` on each rule, then says how many failed and why. */
  const bulk = async (targets: Rule[], change: (rule: Rule) => Promise<void>, done: string) => {
    setBusy(true);
    const failures: string[] = [];
    for (const rule of targets) {
      try {
        await change(rule);
      } catch (err) {
        failures.push(`${rule.name}: ${(err as Error).message}`);
      }
    }
    setBusy(false);
    setSelected([]);
    rules.reload();
    if (failures.length > 0) toasts.danger(`${rulesNoun(failures.length)} could not be changed`, failures.join('\n'));
    else toasts.success(`${done} ${rulesNoun(targets.length)}`);
  };
  const setEnabled = (targets: Rule[], enabled: boolean) =>
    bulk(targets.filter((r) => r.enabled !== enabled), (r) => ruleAction(spaceId, r.id, enabled ? '_enable' : '_disable'), enabled ? 'Enabled' : 'Disabled');

  const ruleHref = (id: string) => href(`/rules/${encodeURIComponent(id)}`);
  const columns: Array<EuiBasicTableColumn<Rule>> = [
    {
      field: 'name',
      name: 'Name',
      render: (_: string, rule: Rule) => (
        <EuiLink href={ruleHref(rule.id)} onClick={(e: React.MouseEvent) => (e.preventDefault(), navigate(ruleHref(rule.id)))} data-test-subj="ruleLink">
          {rule.name}
        </EuiLink>
      ),
    },
    { field: 'rule_type_id', name: 'Type', render: (id: string) => typeName(id) },
    {
      name: 'Last response',
      render: (rule: Rule) => {
        const status = ruleStatus(rule);
        const badge = (
          <EuiBadge color={STATUS_COLORS[status]} data-test-subj={`ruleStatus-${status}`}>
            {STATUS_LABELS[status]}
          </EuiBadge>
        );
        const message = statusMessage(rule);
        return message ? <EuiToolTip content={message}>{badge}</EuiToolTip> : badge;
      },
    },
    { name: 'Last run', render: (rule: Rule) => formatDate(rule.execution_status.status === 'pending' ? null : rule.execution_status.last_execution_date) },
    { name: 'Next run', render: (rule: Rule) => (rule.enabled ? formatDate(rule.next_run) : '—') },
    {
      name: 'Enabled',
      render: (rule: Rule) => (
        <WhyDisabled reason={permissions.readOnlyReason}>
          <EuiSwitch
            showLabel={false}
            label={`${rule.enabled ? 'Disable' : 'Enable'} ${rule.name}`}
            checked={rule.enabled}
            disabled={busy || !permissions.save}
            onChange={() => setEnabled([rule], !rule.enabled)}
            data-test-subj="ruleEnabledSwitch"
          />
        </WhyDisabled>
      ),
    },
  ];

  const loaded = rules.data !== undefined && catalog.data !== undefined;
  const openCreate = () => setCreating(true);
  return (
    <>
      <EuiPageTemplate.Header
        pageTitle="Rules"
        description="Rules check a condition on a schedule and run their actions when they find alerts."
        rightSideItems={
          loaded && all.length > 0
            ? [
                <WhyDisabled key="create" reason={permissions.readOnlyReason}>
                  <EuiButton fill iconType="plusCircle" isDisabled={!permissions.save} onClick={openCreate} data-test-subj="createRuleButton">
                    Create rule
                  </EuiButton>
                </WhyDisabled>,
              ]
            : []
        }
      />
      <EuiPageTemplate.Section>
        <LoadErrorCallOut title="The rules could not be loaded" state={rules} testSubj="rulesLoadError" />
        <ServerErrorCallOut title="The rule types or connectors could not be loaded" message={catalog.error?.message} testSubj="ruleTypesLoadError" />
        {loaded && all.length === 0 ? (
          <EuiEmptyPrompt
            iconType="bell"
            title={<h2>{permissions.readOnlyReason ? 'No rules in this space yet' : 'Create your first rule'}</h2>}
            body={<p>A rule checks a condition on a schedule (an index crossing a threshold, connectors failing) and notifies you through your connectors.</p>}
            actions={
              <WhyDisabled reason={permissions.readOnlyReason}>
                <EuiButton fill iconType="plusCircle" isDisabled={!permissions.save} onClick={openCreate} data-test-subj="createFirstRuleButton">
                  Create rule
                </EuiButton>
              </WhyDisabled>
            }
            data-test-subj="rulesEmptyPrompt"
          />
        ) : (
          <>
            <EuiFlexGroup gutterSize="s" alignItems="center" wrap>
              <EuiFlexItem style={{ minWidth: 240 }}>
                <EuiFieldSearch fullWidth placeholder="Search rules by name or tag" value={search} onChange={(e) => setSearch(e.target.value)} incremental data-test-subj="rulesSearch" />
              </EuiFlexItem>
              <EuiFlexItem grow={false}>
                <MultiSelectFilter
                  label="Type"
                  ariaLabel="Filter by rule type"
                  options={(catalog.data?.ruleTypes ?? []).map((t) => ({ key: t.id, label: `${t.name} (${all.filter((r) => r.rule_type_id === t.id).length})` }))}
                  selected={typeFilter}
                  onChange={setTypeFilter}
                  testSubj="ruleTypeFilter"
                  optionTestSubj="ruleTypeFilterOption"
                />
              </EuiFlexItem>
              <EuiFlexItem grow={false}>
                <MultiSelectFilter
                  label="Last response"
                  ariaLabel="Filter by last response"
                  options={(Object.keys(STATUS_LABELS) as RuleStatus[]).map((s) => ({ key: s, label: STATUS_LABELS[s] }))}
                  selected={statusFilter}
                  onChange={setStatusFilter}
                  testSubj="ruleStatusFilter"
                  optionTestSubj="ruleStatusFilterOption"
                />
              </EuiFlexItem>
            </EuiFlexGroup>
            {selected.length > 0 && (
              <>
                <EuiSpacer size="s" />
                <EuiFlexGroup gutterSize="s" responsive={false} wrap>
                  <EuiFlexItem grow={false}>
                    <EuiButton size="s" isDisabled={busy} onClick={() => setEnabled(selected, true)} data-test-subj="bulkEnableRules">
                      Enable {rulesNoun(selected.length)}
                    </EuiButton>
                  </EuiFlexItem>
                  <EuiFlexItem grow={false}>
                    <EuiButton size="s" isDisabled={busy} onClick={() => setEnabled(selected, false)} data-test-subj="bulkDisableRules">
                      Disable {rulesNoun(selected.length)}
                    </EuiButton>
                  </EuiFlexItem>
                  <EuiFlexItem grow={false}>
                    <EuiButton size="s" color="danger" isDisabled={busy} onClick={() => setToDelete(selected)} data-test-subj="bulkDeleteRules">
                      Delete {rulesNoun(selected.length)}
                    </EuiButton>
                  </EuiFlexItem>
                </EuiFlexGroup>
              </>
            )}
            <EuiSpacer size="m" />
            <EuiBasicTable
              tableCaption="Rules"
              items={shown}
              itemId="id"
              columns={columns}
              loading={rules.loading}
              noItemsMessage={rules.loading ? 'Loading rules…' : 'No rule matches the search and filters.'}
              selection={permissions.save ? { selected, onSelectionChange: setSelected } : undefined}
              rowProps={(rule: Rule) => ({ 'data-test-subj': `ruleRow-${rule.name}` })}
              data-test-subj="rulesTable"
            />
          </>
        )}
      </EuiPageTemplate.Section>
      {toDelete && (
        <DeleteRulesModal
          rules={toDelete}
          onCancel={() => setToDelete(undefined)}
          onConfirm={() => {
            const targets = toDelete;
            setToDelete(undefined);
            void bulk(targets, (r) => deleteRule(spaceId, r.id), 'Deleted');
          }}
        />
      )}
      {creating && catalog.data && (
        <RuleFlyout
          {...catalog.data}
          onClose={() => setCreating(false)}
          onSaved={(rule) => {
            setCreating(false);
            toasts.success(`Created rule "${rule.name}"`);
            rules.reload();
          }}
        />
      )}
    </>
  );
}

export function DeleteRulesModal({ rules, onCancel, onConfirm }: { rules: Rule[]; onCancel(): void; onConfirm(): void }) {
  return (
    <EuiConfirmModal
      title={`Delete ${rulesNoun(rules.length)}?`}
      onCancel={onCancel}
      onConfirm={onConfirm}
      cancelButtonText="Cancel"
      confirmButtonText="Delete"
      buttonColor="danger"
      defaultFocusedButton="cancel"
      data-test-subj="deleteRulesModal"
    >
      <p>
        {rules.length === 1 ? `"${rules[0]!.name}" and its schedule are` : 'These rules and their schedules are'} deleted; their actions stop. This cannot be undone.
      </p>
    </EuiConfirmModal>
  );
}
