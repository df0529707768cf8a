import {
  EuiBadge,
  EuiButton,
  EuiButtonEmpty,
  EuiCallOut,
  EuiCode,
  EuiDescriptionList,
  EuiFlexGroup,
  EuiFlexItem,
  EuiFlyout,
  EuiFlyoutBody,
  EuiFlyoutFooter,
  EuiFlyoutHeader,
  EuiIcon,
  EuiSpacer,
  EuiTab,
  EuiTabs,
  EuiText,
  EuiTitle,
  useGeneratedHtmlId,
} from '@elastic/eui';
import { useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import { getConfiguredSecrets, updateConnectorKeepingSecrets } from '../../api/endpoints.js';
import type { Connector, ConnectorTypeForm } from '../../api/types.js';
import { useSpace } from '../../app/space.js';
import { useToasts } from '../../app/toasts.js';
import { describeField, propertiesOf } from '../../forms/schema.js';
import { useAsync } from '../../lib/use_async.js';
import { ExecutionLogs } from '../../logs/ExecutionLogs.js';
import type { EditConnectorFlyoutProps, EditTab } from '../flyouts.js';
import { ConnectorFields, focusFirstInvalid, useConnectorForm, type ConnectorFormState } from './ConnectorFields.js';
import { TestPanel } from './TestPanel.js';
import { iconOf } from './type_ui.js';
import { ServerErrorCallOut } from '../../components/ServerErrorCallOut.js';
import { UsedByRules } from './UsedByRules.js';
import { LoadErrorCallOut } from '../../components/LoadErrorCallOut.js';

const TABS: Array<{ id: EditTab; name: string; testSubj: string }> = [
  { id: 'configuration', name: 'Configuration', testSubj: 'configurationTab' },
  { id: 'test', name: 'Test', testSubj: 'testTab' },
  { id: 'logs', name: 'Logs', testSubj: 'logsTab' },
];

// A connector of a type the catalog does not list (disabled since, say) can still be looked at.
const unknownTypeForm = (typeId: string): ConnectorTypeForm => ({
  id: typeId,
  name: typeId,
  category: 'other',
  summary: '',
  config_schema: { type: 'object', additionalProperties: {} },
  secrets_schema: { type: 'object', additionalProperties: {} },
  params_schema: { type: 'object', additionalProperties: {} },
  test_params: null,
  test_sub_action_params: null,
  sub_actions: null,
  run_preview: false,
  follows_alerts: false,
});

/** Kibana's edit flyout: Configuration (or a read-only view), Test and Logs tabs. */
export function EditConnectorFlyout({ catalog, connector: given, initialTab = 'configuration', onClose, onUpdated }: EditConnectorFlyoutProps) {
  const { spaceId, permissions } = useSpace();
  const toasts = useToasts();
  const titleId = useGeneratedHtmlId({ prefix: 'editConnectorTitle' });
  const tabsId = useGeneratedHtmlId({ prefix: 'editConnectorTabs' });
  const [connector, setConnector] = useState(given);
  const [tab, setTab] = useState<EditTab>(initialTab);
  const [saving, setSaving] = useState(false);
  const [serverError, setServerError] = useState<string>();
  const body = useRef<HTMLDivElement>(null);
  // Each tab keeps its own scroll position: a tab opened for the first time starts at its top.
  const scroller = useRef<HTMLDivElement>(null);
  const scrollTops = useRef<Partial<Record<EditTab, number>>>({});
  const showTab = (next: EditTab) => {
    if (scroller.current) scrollTops.current[tab] = scroller.current.scrollTop;
    setTab(next);
  };
  useLayoutEffect(() => {
    if (scroller.current) scroller.current.scrollTop = scrollTops.current[tab] ?? 0;
  }, [tab]);

  const knownForm = catalog.forms.get(connector.connector_type_id);
  const typeForm = knownForm ?? unknownTypeForm(connector.connector_type_id);
  const typeName = catalog.types.find((t) => t.id === connector.connector_type_id)?.name ?? typeForm.name;
  const editable = !connector.is_preconfigured && !!knownForm && !permissions.readOnlyReason;
  // Which secrets are stored (never their values): they show as Configured and are kept on save.
  const stored = useAsync(
    () => (editable ? getConfiguredSecrets(spaceId, connector.id).then((a) => a.configured_secrets) : Promise.resolve([])),
    [spaceId, connector.id, editable],
  );
  const form = useConnectorForm(typeForm, { name: connector.name, config: connector.config ?? {} }, stored.data);

  // The page may open the same flyout on another tab (Save & test, a Test link).
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(() => showTab(initialTab), [initialTab]);
  // A fresher copy from the page (its list reloaded) replaces ours, unless the user is editing.
  const { dirty, reset } = form;
  useEffect(() => {
    if (given === connector) return;
    if (given.id !== connector.id || !dirty) {
      setConnector(given);
      reset(given.name, given.config ?? {});
    }
    // Only a new `given` matters; `connector` and `dirty` are read as they are then.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [given]);

  const save = async () => {
    if (!form.isValid) {
      form.reveal();
      focusFirstInvalid(body.current);
      return;
    }
    setSaving(true);
    setServerError(undefined);
    try {
      const updated = await updateConnectorKeepingSecrets(spaceId, connector.id, { ...form.input(), keep_secrets: form.secrets.stored });
      toasts.success(`Updated '${updated.name}'`);
      setConnector(updated);
      form.reset(updated.name, updated.config ?? {});
      stored.reload();
      onUpdated(updated);
    } catch (err) {
      setServerError((err as Error).message);
    } finally {
      setSaving(false);
    }
  };

  // Arrow keys move between tabs, as in any tab list.
  const onTabKey = (event: KeyboardEvent) => {
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (!step) return;
    event.preventDefault();
    const next = (TABS.findIndex((t) => t.id === tab) + step + TABS.length) % TABS.length;
    showTab(TABS[next]!.id);
    document.getElementById(`${tabsId}-${TABS[next]!.id}`)?.focus();
  };
  const panelProps = (id: EditTab) => ({
    role: 'tabpanel',
    id: `${tabsId}-${id}-panel`,
    'aria-labelledby': `${tabsId}-${id}`,
    hidden: tab !== id,
  });

  return (
    <EuiFlyout size="m" onClose={onClose} aria-labelledby={titleId} data-test-subj="editConnectorFlyout">
      <EuiFlyoutHeader hasBorder>
        <EuiFlexGroup gutterSize="m" alignItems="center" responsive={false}>
          <EuiFlexItem grow={false}>
            <EuiIcon type={iconOf(connector.connector_type_id)} size="xl" aria-hidden />
          </EuiFlexItem>
          <EuiFlexItem style={{ minWidth: 0 }}>
            <EuiFlexGroup gutterSize="s" alignItems="center" responsive={false} wrap>
              <EuiFlexItem grow={false} style={{ minWidth: 0 }}>
                <EuiTitle size="s">
                  <h2 id={titleId} style={{ overflowWrap: 'anywhere' }}>
                    {connector.name}
                  </h2>
                </EuiTitle>
              </EuiFlexItem>
              {connector.is_preconfigured && (
                <EuiFlexItem grow={false}>
                  <EuiBadge color="hollow" title="Defined in the configuration file: cannot be edited" data-test-subj="preconfiguredBadge">
                    Preconfigured
                  </EuiBadge>
                </EuiFlexItem>
              )}
            </EuiFlexGroup>
            <EuiText size="s" color="subdued">
              <p>{typeName}</p>
            </EuiText>
          </EuiFlexItem>
        </EuiFlexGroup>
        <EuiSpacer size="s" />
        <EuiTabs size="s" bottomBorder={false} onKeyDown={onTabKey} style={{ marginBottom: -17 }}>
          {TABS.map((t) => (
            <EuiTab
              key={t.id}
              id={`${tabsId}-${t.id}`}
              aria-controls={`${tabsId}-${t.id}-panel`}
              isSelected={tab === t.id}
              tabIndex={tab === t.id ? 0 : -1}
              onClick={() => showTab(t.id)}
              data-test-subj={t.testSubj}
            >
              {t.name}
            </EuiTab>
          ))}
        </EuiTabs>
      </EuiFlyoutHeader>
      <EuiFlyoutBody scrollContainerRef={scroller}>
        <div ref={body} {...panelProps('configuration')}>
          <UsedByRules connectorId={connector.id} />
          {editable ? (
            <>
              <ServerErrorCallOut title="The connector could not be saved" message={serverError} testSubj="formErrors" />
              <LoadErrorCallOut title="Could not tell which secrets are stored" state={stored} testSubj="storedSecretsLoadError" />
              <ConnectorFields form={form} secretsNotice={<SecretsCallout connector={connector} form={form} />} />
            </>
          ) : (
            <ReadOnlyConfiguration connector={connector} typeForm={knownForm} typeName={typeName} readOnlyReason={permissions.readOnlyReason} />
          )}
        </div>
        <div {...panelProps('test')}>
          <TestPanel key={connector.id} connector={connector} typeForm={knownForm} unsavedChanges={editable && form.dirty} />
        </div>
        {tab === 'logs' && (
          <div {...panelProps('logs')}>
            <ExecutionLogs connectorId={connector.id} showTokens={knownForm?.category === 'ai'} />
          </div>
        )}
      </EuiFlyoutBody>
      <EuiFlyoutFooter>
        <EuiFlexGroup justifyContent="spaceBetween" alignItems="center" gutterSize="s" responsive={false}>
          <EuiFlexItem grow={false}>
            <EuiButtonEmpty flush="left" onClick={onClose} data-test-subj="closeEditFlyoutButton">
              Close
            </EuiButtonEmpty>
          </EuiFlexItem>
          {tab === 'configuration' && editable && (
            <EuiFlexItem grow={false}>
              <EuiButton
                fill
                onClick={save}
                isLoading={saving}
                // Until the stored secrets are known, a save could not keep them.
                isDisabled={saving || !form.dirty || stored.data === undefined || (form.revealed && !form.isValid)}
                data-test-subj="saveConnectorButton"
              >
                Save
              </EuiButton>
            </EuiFlexItem>
          )}
        </EuiFlexGroup>
      </EuiFlyoutFooter>
    </EuiFlyout>
  );
}

/** Kibana's encrypted-fields callout: secrets are never sent back, so a save needs them again. */
function SecretsCallout({ connector, form }: { connector: Connector; form: ConnectorFormState }) {
  const hasSecretFields = Object.keys(propertiesOf(form.secrets.schema).properties).length > 0;
  const place = useRef<HTMLDivElement>(null);
  // The Fix flow: a connector missing its secrets opens where they are asked for.
  useEffect(() => {
    if (connector.is_missing_secrets) place.current?.scrollIntoView({ block: 'start' });
  }, [connector.is_missing_secrets]);
  if (!hasSecretFields && !connector.is_missing_secrets) return null;
  return (
    <div ref={place}>
      <EuiCallOut
        size="s"
        color={connector.is_missing_secrets ? 'warning' : 'primary'}
        iconType={connector.is_missing_secrets ? 'warning' : 'lock'}
        title={connector.is_missing_secrets ? 'Sensitive information was not imported' : 'Sensitive information is not shown'}
        data-test-subj="reenterSecretsCallout"
      >
        <p>
          {connector.is_missing_secrets
            ? 'Sensitive information is not imported: enter the values of the secret fields again, then save.'
            : 'Secret values are never shown. A stored one reads Configured and is kept when you save; reset it to enter another value.'}
        </p>
      </EuiCallOut>
      <EuiSpacer size="m" />
    </div>
  );
}

function displayValue(value: unknown) {
  if (value === null || value === undefined || value === '') return <EuiText size="s" color="subdued">Not set</EuiText>;
  if (typeof value === 'string') return <span style={{ overflowWrap: 'anywhere' }}>{value}</span>;
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  return <EuiCode style={{ overflowWrap: 'anywhere' }}>{JSON.stringify(value)}</EuiCode>;
}

interface ReadOnlyConfigurationProps {
  connector: Connector;
  typeForm?: ConnectorTypeForm;
  typeName: string;
  /** Why the user may not change connectors here, when that is why nothing can be edited. */
  readOnlyReason?: string;
}

/** A preconfigured connector, one of an unknown type, or any for a read-only user: what it is, nothing to edit. */
function ReadOnlyConfiguration({ connector, typeForm, typeName, readOnlyReason }: ReadOnlyConfigurationProps) {
  const properties = typeForm ? propertiesOf(typeForm.config_schema).properties : {};
  const entries = Object.entries(connector.config ?? {});
  return (
    <div data-test-subj="preconfiguredReadOnly">
      <EuiCallOut
        iconType="lock"
        title={
          connector.is_preconfigured ? 'This connector is preconfigured' : readOnlyReason ? 'You can view this connector' : 'This connector type is not available'
        }
        data-test-subj="readOnlyCallout"
      >
        <p>
          {connector.is_preconfigured
            ? 'It is defined in the Plugboard configuration file and cannot be edited here. You can still test it.'
            : (readOnlyReason ?? `Plugboard does not offer the ${connector.connector_type_id} type here, so this connector cannot be edited.`)}
        </p>
      </EuiCallOut>
      <EuiSpacer size="m" />
      <EuiDescriptionList
        type="responsiveColumn"
        compressed
        listItems={[
          { title: 'Name', description: connector.name },
          { title: 'Type', description: typeName },
          ...entries.map(([key, value]) => ({
            title: properties[key] ? describeField(key, properties[key]).label : key,
            description: displayValue(value),
          })),
        ]}
        data-test-subj="readOnlyConfig"
      />
      {entries.length === 0 && (
        <EuiText size="s" color="subdued">
          <p>It has no settings.</p>
        </EuiText>
      )}
    </div>
  );
}
