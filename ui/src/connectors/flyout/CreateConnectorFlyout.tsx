import {
  EuiButton,
  EuiButtonEmpty,
  EuiCallOut,
  EuiFlexGroup,
  EuiFlexItem,
  EuiFlyout,
  EuiFlyoutBody,
  EuiFlyoutFooter,
  EuiFlyoutHeader,
  EuiHorizontalRule,
  EuiIcon,
  EuiSpacer,
  EuiText,
  EuiTitle,
  useGeneratedHtmlId,
} from '@elastic/eui';
import { useEffect, useRef, useState } from 'react';
import { createConnector } from '../../api/endpoints.js';
import type { ConnectorType, ConnectorTypeForm } from '../../api/types.js';
import { useSpace } from '../../app/space.js';
import type { CreateConnectorFlyoutProps } from '../flyouts.js';
import { ConnectorFields, focusFirstInvalid, useConnectorForm } from './ConnectorFields.js';
import { UnsavedTest } from './TestPanel.js';
import { TypePicker } from './TypePicker.js';
import { iconOf } from './type_ui.js';
import { ServerErrorCallOut } from '../../components/ServerErrorCallOut.js';

/** Kibana's create flyout: pick a type from the cards, then fill its form (and test it) and save. */
export function CreateConnectorFlyout({ catalog, onClose, onCreated }: CreateConnectorFlyoutProps) {
  const titleId = useGeneratedHtmlId({ prefix: 'createConnectorTitle' });
  const [typeId, setTypeId] = useState<string>();
  const [cameBack, setCameBack] = useState(false);
  const typeForm = typeId ? catalog.forms.get(typeId) : undefined;
  return (
    <EuiFlyout size="m" onClose={onClose} aria-labelledby={titleId} data-test-subj="createConnectorFlyout">
      {typeForm ? (
        <CreateForm
          key={typeForm.id}
          typeForm={typeForm}
          type={catalog.types.find((t) => t.id === typeForm.id)}
          titleId={titleId}
          onBack={() => {
            setCameBack(true);
            setTypeId(undefined);
          }}
          onClose={onClose}
          onCreated={onCreated}
        />
      ) : (
        <>
          <EuiFlyoutHeader hasBorder>
            <EuiTitle size="m">
              <h2 id={titleId}>Select a connector</h2>
            </EuiTitle>
          </EuiFlyoutHeader>
          <EuiFlyoutBody>
            <TypePicker catalog={catalog} onSelect={setTypeId} autoFocus={cameBack} />
          </EuiFlyoutBody>
          <EuiFlyoutFooter>
            <EuiButtonEmpty flush="left" onClick={onClose} data-test-subj="cancelCreateButton">
              Cancel
            </EuiButtonEmpty>
          </EuiFlyoutFooter>
        </>
      )}
    </EuiFlyout>
  );
}

interface CreateFormProps extends Pick<CreateConnectorFlyoutProps, 'onClose' | 'onCreated'> {
  typeForm: ConnectorTypeForm;
  type?: ConnectorType;
  titleId: string;
  onBack(): void;
}

function CreateForm({ typeForm, type, titleId, onBack, onClose, onCreated }: CreateFormProps) {
  const { spaceId } = useSpace();
  const form = useConnectorForm(typeForm, { name: '' });
  const [saving, setSaving] = useState<'save' | 'test'>();
  const [serverError, setServerError] = useState<string>();
  const body = useRef<HTMLDivElement>(null);
  const nameInput = useRef<HTMLInputElement>(null);
  const errorCallout = useRef<HTMLDivElement>(null);

  // The card the user clicked is gone: focus moves to the first thing to fill.
  useEffect(() => nameInput.current?.focus(), []);
  useEffect(() => {
    if (serverError) errorCallout.current?.scrollIntoView?.({ block: 'nearest' });
  }, [serverError]);

  const save = async (thenTest: boolean) => {
    if (!form.isValid) {
      form.reveal();
      focusFirstInvalid(body.current);
      return;
    }
    setSaving(thenTest ? 'test' : 'save');
    setServerError(undefined);
    try {
      const connector = await createConnector(spaceId, typeForm.id, form.input());
      onCreated(connector, thenTest);
    } catch (err) {
      // Checks the schema cannot express (allowed hosts, URL syntax…) come back as a 400.
      setServerError((err as Error).message);
    } finally {
      setSaving(undefined);
    }
  };
  const blocked = form.revealed && !form.isValid;

  return (
    <>
      <EuiFlyoutHeader hasBorder>
        <EuiButtonEmpty size="xs" flush="left" iconType="chevronSingleLeft" onClick={onBack} data-test-subj="backToConnectorTypes">
          Back
        </EuiButtonEmpty>
        <EuiSpacer size="xs" />
        <EuiFlexGroup gutterSize="m" alignItems="center" responsive={false}>
          <EuiFlexItem grow={false}>
            <EuiIcon type={iconOf(typeForm.id)} size="xl" aria-hidden />
          </EuiFlexItem>
          <EuiFlexItem>
            <EuiTitle size="s">
              <h2 id={titleId}>{typeForm.name} connector</h2>
            </EuiTitle>
            <EuiText size="s" color="subdued">
              <p>{typeForm.summary}</p>
            </EuiText>
          </EuiFlexItem>
        </EuiFlexGroup>
      </EuiFlyoutHeader>
      <EuiFlyoutBody>
        <div ref={body}>
          {type?.is_deprecated && (
            <>
              <EuiCallOut size="s" color="warning" iconType="warning" title="This connector type is deprecated." data-test-subj="deprecatedTypeCallout" />
              <EuiSpacer size="m" />
            </>
          )}
          {serverError && (
            <div ref={errorCallout}>
              <ServerErrorCallOut title="The connector could not be saved" message={serverError} testSubj="formErrors" />
            </div>
          )}
          <ConnectorFields form={form} nameInputRef={nameInput} />
          <EuiHorizontalRule margin="l" />
          <UnsavedTest form={form} />
        </div>
      </EuiFlyoutBody>
      <EuiFlyoutFooter>
        <EuiFlexGroup justifyContent="spaceBetween" alignItems="center" gutterSize="s" responsive={false} wrap>
          <EuiFlexItem grow={false}>
            <EuiButtonEmpty flush="left" onClick={onClose} data-test-subj="cancelCreateButton">
              Cancel
            </EuiButtonEmpty>
          </EuiFlexItem>
          <EuiFlexItem grow={false}>
            <EuiFlexGroup gutterSize="s" responsive={false}>
              <EuiFlexItem grow={false}>
                <EuiButton
                  onClick={() => save(true)}
                  isLoading={saving === 'test'}
                  isDisabled={!!saving || blocked}
                  data-test-subj="saveAndTestConnectorButton"
                >
                  Save &amp; test
                </EuiButton>
              </EuiFlexItem>
              <EuiFlexItem grow={false}>
                <EuiButton fill onClick={() => save(false)} isLoading={saving === 'save'} isDisabled={!!saving || blocked} data-test-subj="saveConnectorButton">
                  Save
                </EuiButton>
              </EuiFlexItem>
            </EuiFlexGroup>
          </EuiFlexItem>
        </EuiFlexGroup>
      </EuiFlyoutFooter>
    </>
  );
}
