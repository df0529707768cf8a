import {
  EuiButton,
  EuiButtonEmpty,
  EuiButtonIcon,
  EuiFlexGroup,
  EuiFlexItem,
  EuiFormRow,
  EuiPanel,
  EuiPopover,
  EuiSelect,
  EuiSpacer,
  EuiText,
  EuiTitle,
} from '@elastic/eui';
import { useEffect, useRef, useState } from 'react';
import type { Connector, ConnectorTypeForm, NotifyWhen, RuleAction, RuleTypeForm } from '../api/types.js';
import { SchemaForm } from '../forms/SchemaForm.js';
import { isObject, withKey } from '../forms/schema.js';
import { useSchemaForm } from '../forms/use_schema_form.js';
import { IntervalInput, PickList } from './controls.js';
import { FollowAlertForm } from './FollowAlertForm.js';
import { actionVariables } from './variables.js';

/** An action being edited: `key` tells the rows apart, `valid` is its params form's check. */
export interface ActionDraft {
  key: number;
  action: RuleAction;
  valid: boolean;
}

const NOTIFY_OPTIONS: Array<{ value: NotifyWhen; text: string }> = [
  { value: 'onActionGroupChange', text: 'On status changes' },
  { value: 'onActiveAlert', text: 'On check intervals (every run)' },
  { value: 'onThrottleInterval', text: 'On custom action intervals' },
];

const FREQUENCY_OPTIONS = [
  { value: 'alert', text: 'For each alert' },
  { value: 'summary', text: 'Summary of alerts' },
];

let nextKey = 0;
export const draftOf = (action: RuleAction): ActionDraft => ({ key: nextKey++, action, valid: true });

interface ActionsFormProps {
  ruleType: RuleTypeForm;
  connectors: Connector[];
  connectorForms: Map<string, ConnectorTypeForm>;
  drafts: ActionDraft[];
  onChange(drafts: ActionDraft[]): void;
  revealed: boolean;
}

/** The rule's actions: each a connector, an action group, a frequency and the connector's params. */
export function ActionsForm({ ruleType, connectors, connectorForms, drafts, onChange, revealed }: ActionsFormProps) {
  const usable = connectors.filter((c) => !c.is_system_action && connectorForms.has(c.connector_type_id));
  const [picking, setPicking] = useState(false);
  const add = (connector: Connector) => {
    setPicking(false);
    const action: RuleAction = {
      id: connector.id,
      group: ruleType.default_action_group_id,
      params: {},
      frequency: { summary: false, notify_when: 'onActionGroupChange', throttle: null },
    };
    onChange([...drafts, draftOf(action)]);
  };
  const update = (key: number, next: Partial<ActionDraft>) => onChange(drafts.map((d) => (d.key === key ? { ...d, ...next } : d)));
  return (
    <>
      <EuiTitle size="xs">
        <h3>Actions</h3>
      </EuiTitle>
      <EuiText size="s" color="subdued">
        <p>What to do when the rule has alerts: each action runs a connector of this space.</p>
      </EuiText>
      <EuiSpacer size="s" />
      {drafts.map((draft) => (
        <ActionItem
          key={draft.key}
          draft={draft}
          ruleType={ruleType}
          connectors={usable}
          connectorForms={connectorForms}
          revealed={revealed}
          onChange={(next) => update(draft.key, next)}
          onRemove={() => onChange(drafts.filter((d) => d.key !== draft.key))}
        />
      ))}
      <EuiPopover
        isOpen={picking}
        closePopover={() => setPicking(false)}
        anchorPosition="downLeft"
        button={
          <EuiButton size="s" iconType="plusCircle" onClick={() => setPicking(!picking)} isDisabled={usable.length === 0} data-test-subj="addActionButton">
            Add action
          </EuiButton>
        }
      >
        <PickList
          ariaLabel="Connectors"
          searchPlaceholder="Search connectors"
          searchTestSubj="actionConnectorSearch"
          options={usable.map((c) => ({ key: c.id, label: c.name, append: connectorForms.get(c.connector_type_id)?.name, testSubj: `addActionConnector-${c.id}` }))}
          onPick={(id) => {
            const connector = usable.find((c) => c.id === id);
            if (connector) add(connector);
          }}
        />
      </EuiPopover>
      {usable.length === 0 && (
        <EuiText size="s" color="subdued" data-test-subj="noConnectorsForActions">
          <p>This space has no connector yet: create one on the Connectors page to add actions.</p>
        </EuiText>
      )}
    </>
  );
}

interface ActionItemProps {
  draft: ActionDraft;
  ruleType: RuleTypeForm;
  connectors: Connector[];
  connectorForms: Map<string, ConnectorTypeForm>;
  revealed: boolean;
  onChange(next: Partial<ActionDraft>): void;
  onRemove(): void;
}

function ActionItem({ draft, ruleType, connectors, connectorForms, revealed, onChange, onRemove }: ActionItemProps) {
  const { action } = draft;
  const connector = connectors.find((c) => c.id === action.id);
  const typeForm = connector ? connectorForms.get(connector.connector_type_id) : undefined;
  const setAction = (next: Partial<RuleAction>) => onChange({ action: { ...action, ...next } });
  const setFrequency = (next: Partial<RuleAction['frequency']>) => {
    const frequency = { ...action.frequency, ...next };
    // A throttle only with a custom interval, as Kibana's API requires.
    if (frequency.notify_when !== 'onThrottleInterval') frequency.throttle = null;
    else frequency.throttle ??= '1h';
    // Only a per-alert action follows its alerts.
    onChange({ action: { ...(frequency.summary ? withoutFollow() : action), frequency } });
  };
  const withoutFollow = (): RuleAction => {
    const { follow_alert: _follow, ...rest } = action;
    return rest;
  };
  const setFollow = (follow: RuleAction['follow_alert']) => onChange({ action: follow ? { ...action, follow_alert: follow } : withoutFollow() });
  return (
    <EuiPanel hasBorder paddingSize="m" style={{ marginBottom: 12 }} data-test-subj="ruleActionItem">
      <EuiFlexGroup alignItems="center" gutterSize="s" responsive={false}>
        <EuiFlexItem>
          <EuiTitle size="xxs">
            <h4>{typeForm?.name ?? 'Connector'}</h4>
          </EuiTitle>
        </EuiFlexItem>
        <EuiFlexItem grow={false}>
          <EuiButtonIcon iconType="trash" color="danger" aria-label="Remove this action" onClick={onRemove} data-test-subj="removeActionButton" />
        </EuiFlexItem>
      </EuiFlexGroup>
      <EuiSpacer size="s" />
      <EuiFlexGroup gutterSize="m" wrap>
        <EuiFlexItem style={{ minWidth: 200 }}>
          <SelectRow
            label="Connector"
            options={connectors.filter((c) => c.connector_type_id === connector?.connector_type_id).map((c) => ({ value: c.id, text: c.name }))}
            value={action.id}
            onChange={(value) => setAction({ id: value })}
            testSubj="actionConnectorSelect"
          />
        </EuiFlexItem>
        <EuiFlexItem style={{ minWidth: 200 }}>
          <SelectRow label="Run when" options={ruleType.action_groups.map((g) => ({ value: g.id, text: g.name }))} value={action.group} onChange={(value) => setAction({ group: value })} testSubj="actionGroupSelect" />
        </EuiFlexItem>
      </EuiFlexGroup>
      <EuiFlexGroup gutterSize="m" wrap>
        <EuiFlexItem style={{ minWidth: 200 }}>
          <SelectRow
            label="Frequency"
            options={FREQUENCY_OPTIONS}
            value={action.frequency.summary ? 'summary' : 'alert'}
            onChange={(value) => setFrequency({ summary: value === 'summary' })}
            testSubj="actionSummarySelect"
          />
        </EuiFlexItem>
        <EuiFlexItem style={{ minWidth: 200 }}>
          <SelectRow label="Notify" options={NOTIFY_OPTIONS} value={action.frequency.notify_when} onChange={(value) => setFrequency({ notify_when: value as NotifyWhen })} testSubj="actionNotifyWhenSelect" />
        </EuiFlexItem>
      </EuiFlexGroup>
      {action.frequency.notify_when === 'onThrottleInterval' && (
        <EuiFormRow label="At most once every" fullWidth>
          <IntervalInput value={action.frequency.throttle ?? '1h'} onChange={(throttle) => setFrequency({ throttle })} label="Throttle" testSubj="actionThrottle" />
        </EuiFormRow>
      )}
      {typeForm?.follows_alerts && !action.frequency.summary && <FollowAlertForm value={action.follow_alert} onChange={setFollow} />}
      <EuiSpacer size="s" />
      {typeForm && (
        <ActionParams
          key={typeForm.id}
          typeForm={typeForm}
          ruleType={ruleType}
          summary={action.frequency.summary}
          params={action.params}
          revealed={revealed}
          onChange={(params, valid) => onChange({ action: { ...action, params }, valid })}
        />
      )}
    </EuiPanel>
  );
}

/** `value` with the string at the dotted `path` replaced. */
function setAt(value: Record<string, unknown>, path: string, next: string): Record<string, unknown> {
  const [head, ...rest] = path.split('.');
  if (rest.length === 0) return withKey(value, head!, next);
  const inner = value[head!];
  return withKey(value, head!, setAt(isObject(inner) ? inner : {}, rest.join('.'), next));
}

const PARAMS_FIELD = 'field-params-';

function ActionParams(props: {
  typeForm: ConnectorTypeForm;
  ruleType: RuleTypeForm;
  summary: boolean;
  params: Record<string, unknown>;
  revealed: boolean;
  onChange(params: Record<string, unknown>, valid: boolean): void;
}) {
  const { typeForm, ruleType, summary, revealed, onChange } = props;
  const form = useSchemaForm('params', typeForm.params_schema, props.params);
  const focused = useRef<{ element: HTMLInputElement | HTMLTextAreaElement; path: string }>();
  const [pickerOpen, setPickerOpen] = useState(false);
  const submitted = JSON.stringify(form.submitted);
  useEffect(() => {
    onChange(form.submitted, form.isValid);
    // The form's value is what changes; onChange is a new function every render.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [submitted, form.isValid]);
  useEffect(() => {
    if (revealed) form.reveal();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [revealed]);

  const rememberField = (e: React.FocusEvent) => {
    const target = e.target;
    const subj = target.getAttribute('data-test-subj') ?? '';
    if ((target instanceof HTMLInputElement && target.type === 'text') || target instanceof HTMLTextAreaElement) {
      if (subj.startsWith(PARAMS_FIELD)) focused.current = { element: target, path: subj.slice(PARAMS_FIELD.length) };
    }
  };
  const insert = (name: string) => {
    setPickerOpen(false);
    const field = focused.current ?? firstTextField();
    if (!field) return;
    const { element, path } = field;
    const text = element.value;
    const start = element.selectionStart ?? text.length;
    const end = element.selectionEnd ?? start;
    const inserted = `{{${name}}}`;
    form.setValue(setAt(form.value, path, `${text.slice(0, start)}${inserted}${text.slice(end)}`));
    requestAnimationFrame(() => {
      element.focus();
      element.setSelectionRange(start + inserted.length, start + inserted.length);
    });
  };
  const container = useRef<HTMLDivElement>(null);
  const firstTextField = () => {
    const element = container.current?.querySelector<HTMLInputElement | HTMLTextAreaElement>(`textarea[data-test-subj^="${PARAMS_FIELD}"], input[type="text"][data-test-subj^="${PARAMS_FIELD}"]`);
    return element ? { element, path: element.getAttribute('data-test-subj')!.slice(PARAMS_FIELD.length) } : undefined;
  };
  const variables = actionVariables(ruleType, summary);
  return (
    <div ref={container} onFocus={rememberField}>
      <EuiFlexGroup alignItems="center" gutterSize="s" responsive={false}>
        <EuiFlexItem>
          <EuiText size="s">
            <strong>Message</strong>
          </EuiText>
        </EuiFlexItem>
        <EuiFlexItem grow={false}>
          <EuiPopover
            isOpen={pickerOpen}
            closePopover={() => setPickerOpen(false)}
            anchorPosition="downRight"
            button={
              <EuiButtonEmpty
                size="xs"
                iconType="indexOpen"
                // Keep the text field focused (and its cursor) while the list opens.
                onMouseDown={(e: React.MouseEvent) => e.preventDefault()}
                onClick={() => setPickerOpen(!pickerOpen)}
                data-test-subj="addVariableButton"
              >
                Add variable
              </EuiButtonEmpty>
            }
          >
            <PickList
              ariaLabel="Variables"
              searchPlaceholder="Search variables"
              searchTestSubj="variableSearch"
              options={variables.map((v) => ({ key: v.name, label: v.name, title: v.description, testSubj: `variable-${v.name}` }))}
              onPick={insert}
            />
          </EuiPopover>
        </EuiFlexItem>
      </EuiFlexGroup>
      <EuiSpacer size="xs" />
      <SchemaForm section="params" form={form} emptyText="This connector needs no parameters." />
    </div>
  );
}

function SelectRow(props: { label: string; options: Array<{ value: string; text: string }>; value: string; onChange(value: string): void; testSubj: string }) {
  return (
    <EuiFormRow label={props.label} fullWidth>
      <EuiSelect fullWidth options={props.options} value={props.value} onChange={(e) => props.onChange(e.target.value)} data-test-subj={props.testSubj} />
    </EuiFormRow>
  );
}
