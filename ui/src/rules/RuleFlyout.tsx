import {
  EuiButton,
  EuiButtonEmpty,
  EuiCard,
  EuiComboBox,
  EuiFieldText,
  EuiFlexGrid,
  EuiFlexGroup,
  EuiFlexItem,
  EuiFlyout,
  EuiFlyoutBody,
  EuiFlyoutFooter,
  EuiFlyoutHeader,
  EuiFormRow,
  EuiHorizontalRule,
  EuiIcon,
  EuiSpacer,
  EuiTitle,
  useGeneratedHtmlId,
} from '@elastic/eui';
import { useState } from 'react';
import { IncomingAlertsPreview } from '../alerts/IncomingAlertsPreview.js';
import { createRule, updateRule, type RuleInput } from '../api/endpoints.js';
import type { Connector, ConnectorTypeForm, Rule, RuleTypeForm } from '../api/types.js';
import { useSpace } from '../app/space.js';
import { ServerErrorCallOut } from '../components/ServerErrorCallOut.js';
import { SchemaForm, type FieldOverride } from '../forms/SchemaForm.js';
import { initialValue } from '../forms/schema.js';
import { useSchemaForm } from '../forms/use_schema_form.js';
import { ActionsForm, draftOf, type ActionDraft } from './ActionsForm.js';
import { IntervalInput } from './controls.js';

const TYPE_ICONS: Record<string, string> = { '.index-threshold': 'visLine', '.es-query': 'logoElasticsearch', 'plugboard.connector-health': 'plugs' };
const TYPE_SUMMARIES: Record<string, string> = {
  '.index-threshold': 'Alert when an aggregated query of an index crosses a threshold.',
  '.es-query': 'Alert when an Elasticsearch query matches documents.',
  'plugboard.connector-health': "Alert when the space's connectors fail too often or answer too slowly.",
  'plugboard.incoming-alerts': 'Route the alerts that Prometheus, Alertmanager or Grafana send to your connectors.',
};
export const ruleTypeIcon = (typeId: string) => TYPE_ICONS[typeId] ?? 'bell';

// The query DSL of an Elasticsearch query rule is JSON written as text: a larger box for it. The
// matchers of an incoming-alerts rule: a live preview of the alerts they select, under them.
const PARAM_OVERRIDES: Record<string, Record<string, FieldOverride>> = {
  '.es-query': {
    esQuery: { multiline: true, placeholder: '{"query": {"match_all": {}}}' },
    searchType: {
      alwaysSet: true,
      options: [
        { value: 'esQuery', text: 'Elasticsearch query DSL' },
        { value: 'searchSource', text: 'KQL or Lucene (search source)' },
      ],
    },
  },
  'plugboard.incoming-alerts': { matchers: { after: (matchers) => <IncomingAlertsPreview matchers={matchers} /> } },
};

export interface RuleFlyoutProps {
  ruleTypes: RuleTypeForm[];
  connectors: Connector[];
  connectorForms: Map<string, ConnectorTypeForm>;
  /** The rule to edit; none to create one. */
  rule?: Rule;
  onClose(): void;
  onSaved(rule: Rule): void;
}

/** Create (type cards first) or edit a rule: its params, name, tags, schedule and actions. */
export function RuleFlyout(props: RuleFlyoutProps) {
  const titleId = useGeneratedHtmlId({ prefix: 'ruleFlyoutTitle' });
  const [typeId, setTypeId] = useState(props.rule?.rule_type_id);
  const ruleType = props.ruleTypes.find((t) => t.id === typeId);
  return (
    <EuiFlyout size="m" onClose={props.onClose} aria-labelledby={titleId} data-test-subj="ruleFlyout">
      {ruleType ? (
        <RuleForm key={ruleType.id} {...props} ruleType={ruleType} titleId={titleId} onBack={props.rule ? undefined : () => setTypeId(undefined)} />
      ) : (
        <>
          <EuiFlyoutHeader hasBorder>
            <EuiTitle size="m">
              <h2 id={titleId}>Select a rule type</h2>
            </EuiTitle>
          </EuiFlyoutHeader>
          <EuiFlyoutBody>
            <EuiFlexGrid columns={2} gutterSize="m">
              {props.ruleTypes.map((type) => (
                <EuiFlexItem key={type.id}>
                  <EuiCard
                    layout="vertical"
                    titleSize="xs"
                    titleElement="h3"
                    icon={<EuiIcon type={ruleTypeIcon(type.id)} size="xl" aria-hidden />}
                    title={type.name}
                    description={TYPE_SUMMARIES[type.id] ?? type.category}
                    onClick={() => setTypeId(type.id)}
                    data-test-subj={`ruleTypeCard-${type.id}`}
                    style={{ height: '100%' }}
                  />
                </EuiFlexItem>
              ))}
            </EuiFlexGrid>
          </EuiFlyoutBody>
          <EuiFlyoutFooter>
            <EuiButtonEmpty flush="left" onClick={props.onClose} data-test-subj="cancelRuleButton">
              Cancel
            </EuiButtonEmpty>
          </EuiFlyoutFooter>
        </>
      )}
    </EuiFlyout>
  );
}

function RuleForm({ ruleType, rule, connectors, connectorForms, titleId, onBack, onClose, onSaved }: RuleFlyoutProps & { ruleType: RuleTypeForm; titleId: string; onBack?: () => void }) {
  const { spaceId } = useSpace();
  const params = useSchemaForm('rule', ruleType.params_schema, () => rule?.params ?? initialValue(ruleType.params_schema));
  const [name, setName] = useState(rule?.name ?? '');
  const [tags, setTags] = useState<string[]>(rule?.tags ?? []);
  const [interval, setInterval] = useState(rule?.schedule.interval ?? ruleType.default_schedule_interval ?? '1m');
  const [drafts, setDrafts] = useState<ActionDraft[]>(() => (rule?.actions ?? []).map(draftOf));
  const [revealed, setRevealed] = useState(false);
  const [saving, setSaving] = useState(false);
  const [serverError, setServerError] = useState<string>();

  const nameMissing = name.trim() === '';
  const valid = !nameMissing && params.isValid && drafts.every((d) => d.valid);
  const save = async () => {
    setRevealed(true);
    params.reveal();
    if (!valid) return;
    setSaving(true);
    setServerError(undefined);
    const input: RuleInput = {
      name: name.trim(),
      tags,
      schedule: { interval },
      params: params.submitted,
      actions: drafts.map(({ action: { connector_type_id: _type, ...action } }) => action),
    };
    try {
      onSaved(rule ? await updateRule(spaceId, rule.id, input) : await createRule(spaceId, { ...input, rule_type_id: ruleType.id, consumer: 'alerts', enabled: true }));
    } catch (err) {
      setServerError((err as Error).message);
    } finally {
      setSaving(false);
    }
  };

  return (
    <>
      <EuiFlyoutHeader hasBorder>
        {onBack && (
          <EuiButtonEmpty size="xs" flush="left" iconType="chevronSingleLeft" onClick={onBack} data-test-subj="backToRuleTypes">
            Back
          </EuiButtonEmpty>
        )}
        <EuiFlexGroup gutterSize="m" alignItems="center" responsive={false}>
          <EuiFlexItem grow={false}>
            <EuiIcon type={ruleTypeIcon(ruleType.id)} size="xl" aria-hidden />
          </EuiFlexItem>
          <EuiFlexItem>
            <EuiTitle size="s">
              <h2 id={titleId}>{rule ? `Edit rule: ${rule.name}` : `Create ${ruleType.name} rule`}</h2>
            </EuiTitle>
          </EuiFlexItem>
        </EuiFlexGroup>
      </EuiFlyoutHeader>
      <EuiFlyoutBody>
        <ServerErrorCallOut title="The rule could not be saved" message={serverError} testSubj="ruleFormErrors" />
        <EuiFormRow label="Name" fullWidth isInvalid={revealed && nameMissing} error={revealed && nameMissing ? 'Name is required.' : undefined}>
          <EuiFieldText fullWidth value={name} onChange={(e) => setName(e.target.value)} isInvalid={revealed && nameMissing} data-test-subj="ruleNameInput" />
        </EuiFormRow>
        <EuiFormRow label="Tags" fullWidth labelAppend={<span />}>
          <EuiComboBox
            fullWidth
            noSuggestions
            selectedOptions={tags.map((label) => ({ label }))}
            onCreateOption={(tag) => setTags([...new Set([...tags, tag.trim()])].filter(Boolean))}
            onChange={(options) => setTags(options.map((o) => o.label))}
            data-test-subj="ruleTagsInput"
            aria-label="Tags"
          />
        </EuiFormRow>
        <EuiFormRow label="Check every" fullWidth helpText="How often the rule runs.">
          <IntervalInput value={interval} onChange={setInterval} label="Interval" testSubj="ruleInterval" />
        </EuiFormRow>
        <EuiHorizontalRule margin="m" />
        <EuiTitle size="xs">
          <h3>Conditions</h3>
        </EuiTitle>
        <EuiSpacer size="s" />
        <SchemaForm section="rule" form={params} overrides={PARAM_OVERRIDES[ruleType.id]} emptyText="This rule type has no parameters." />
        <EuiHorizontalRule margin="m" />
        <ActionsForm ruleType={ruleType} connectors={connectors} connectorForms={connectorForms} drafts={drafts} onChange={setDrafts} revealed={revealed} />
      </EuiFlyoutBody>
      <EuiFlyoutFooter>
        <EuiFlexGroup justifyContent="spaceBetween" responsive={false}>
          <EuiFlexItem grow={false}>
            <EuiButtonEmpty flush="left" onClick={onClose} data-test-subj="cancelRuleButton">
              Cancel
            </EuiButtonEmpty>
          </EuiFlexItem>
          <EuiFlexItem grow={false}>
            <EuiButton fill onClick={save} isLoading={saving} isDisabled={saving || (revealed && !valid)} data-test-subj="saveRuleButton">
              {rule ? 'Save' : 'Create rule'}
            </EuiButton>
          </EuiFlexItem>
        </EuiFlexGroup>
      </EuiFlyoutFooter>
    </>
  );
}
