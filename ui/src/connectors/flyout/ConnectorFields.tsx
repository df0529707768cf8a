import { EuiFieldText, EuiFormRow, EuiSpacer, EuiSteps, EuiText, EuiTitle } from '@elastic/eui';
import { useCallback, useState, type ReactNode, type Ref } from 'react';
import { validateConnectorFields, type ConnectorInput } from '../../api/endpoints.js';
import { useSpace } from '../../app/space.js';
import type { ConnectorTypeForm } from '../../api/types.js';
import { SchemaForm } from '../../forms/SchemaForm.js';
import { discriminatedUnion, hasNoFields, initialValue, propertiesOf } from '../../forms/schema.js';
import { useSchemaForm, type SchemaFormState } from '../../forms/use_schema_form.js';
import { customizationOf, type FormStep } from './type_ui.js';

export interface ConnectorFormState {
  typeForm: ConnectorTypeForm;
  name: string;
  setName(name: string): void;
  /** The name row's error, once touched. */
  nameError?: string;
  config: SchemaFormState;
  secrets: SchemaFormState;
  isValid: boolean;
  dirty: boolean;
  /** Shows every problem (after an attempt to save or run). */
  reveal(): void;
  revealed: boolean;
  /** What createConnector / updateConnectorKeepingSecrets / the unsaved test send (stored secrets are in `secrets.stored`). */
  input(): ConnectorInput;
  /** Starts again from a saved connector: its name and config, its stored secrets kept. */
  reset(name: string, config: Record<string, unknown>): void;
  /** Has the server check a config or secrets field as the user leaves it. */
  checkOnServer(section: 'config' | 'secrets', path: string): void;
}

/** The name, config and secrets of a connector being created or edited. */
export function useConnectorForm(
  typeForm: ConnectorTypeForm,
  start: { name: string; config?: Record<string, unknown> },
  /** On edit: the secret fields that have a stored value. */
  storedSecrets: string[] = [],
): ConnectorFormState {
  const { spaceId } = useSpace();
  const custom = customizationOf(typeForm.id);
  const [name, setRawName] = useState(start.name);
  const [nameDirty, setNameDirty] = useState(false);
  const [nameTouched, setNameTouched] = useState(false);
  const config = useSchemaForm('config', typeForm.config_schema, () => start.config ?? { ...initialValue(typeForm.config_schema), ...custom.newConfig }, {
    hidden: custom.hiddenConfig,
    normalise: custom.normaliseConfig,
    required: custom.requiredConfig,
    problems: custom.configProblems,
  });
  const { hiddenSecrets, requiredSecrets } = custom;
  const secrets = useSchemaForm('secrets', typeForm.secrets_schema, {}, {
    hidden: hiddenSecrets ? () => hiddenSecrets(config.value) : undefined,
    required: requiredSecrets ? () => requiredSecrets(config.value) : undefined,
    stored: storedSecrets,
  });
  const forms = { config, secrets };
  const checkOnServer = useCallback(
    (section: 'config' | 'secrets', path: string) => {
      const form = forms[section];
      // The browser's own check comes first; the server adds what it cannot say (a URL that does not parse…).
      if (form.issues.some((issue) => issue.path === path) || form.submitted[path] === undefined) return;
      const sent = form.submitted;
      validateConnectorFields(spaceId, typeForm.id, { [section]: sent }).then(
        (answer) => {
          const message = answer[section];
          // A section the server now takes clears what it said as other fields were left (user, then password).
          if (!message) for (const field of Object.keys(sent)) form.setRemoteError(field, undefined);
          // Only a message about this field belongs under it; the rest waits for Save.
          form.setRemoteError(path, message && message.toLowerCase().includes(path.toLowerCase()) ? message : undefined);
        },
        () => undefined,
      );
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [spaceId, typeForm.id, config.submitted, secrets.submitted, config.issues, secrets.issues],
  );
  const nameOk = name.trim() !== '';
  return {
    typeForm,
    name,
    setName(next) {
      setRawName(next);
      setNameDirty(true);
      setNameTouched(true);
    },
    nameError: nameTouched && !nameOk ? 'A name is required.' : undefined,
    config,
    secrets,
    isValid: nameOk && config.isValid && secrets.isValid,
    dirty: nameDirty || config.dirty || secrets.dirty,
    reveal() {
      setNameTouched(true);
      config.reveal();
      secrets.reveal();
    },
    revealed: config.revealed,
    input: () => ({ name: name.trim(), config: config.submitted, secrets: secrets.submitted }),
    checkOnServer,
    reset(nextName, nextConfig) {
      setRawName(nextName);
      setNameDirty(false);
      setNameTouched(false);
      config.reset(nextConfig);
      secrets.reset({});
    },
  };
}

/** After a refused save, takes the user to the first field in error (it may be scrolled away). */
export function focusFirstInvalid(container: HTMLElement | null) {
  // The rows show their errors on the next render.
  setTimeout(() => {
    const field = container?.querySelector<HTMLElement>('[aria-invalid="true"], .euiFormRow-isInvalid input, .euiFormRow-isInvalid textarea');
    field?.focus();
    field?.scrollIntoView?.({ block: 'center' });
  }, 0);
}

/** Fields drawn: a union (a config per provider, say) draws at least the select of its variant. */
const visibleFieldCount = (form: SchemaFormState) => {
  if (hasNoFields(form.schema)) return 0;
  if (discriminatedUnion(form.schema)) return 1;
  return Object.keys(propertiesOf(form.schema).properties).filter((f) => !form.hidden.includes(f)).length;
};

/** Name, then the type's config form, then its secrets (with `secretsNotice` above them). */
export function ConnectorFields({
  form,
  secretsNotice,
  nameInputRef,
}: {
  form: ConnectorFormState;
  secretsNotice?: ReactNode;
  nameInputRef?: Ref<HTMLInputElement>;
}) {
  const custom = customizationOf(form.typeForm.id);
  const { nameError } = form;
  return (
    <>
      <EuiFormRow fullWidth label="Connector name" isInvalid={!!nameError} error={nameError}>
        <EuiFieldText
          fullWidth
          value={form.name}
          isInvalid={!!nameError}
          inputRef={nameInputRef}
          onChange={(e) => form.setName(e.target.value)}
          data-test-subj="connectorNameInput"
        />
      </EuiFormRow>
      {custom.steps && (
        <>
          <EuiSpacer size="m" />
          <SteppedFields form={form} steps={custom.steps} secretsNotice={secretsNotice} />
        </>
      )}
      {!custom.steps && visibleFieldCount(form.config) > 0 && (
        <>
          <EuiSpacer size="m" />
          <EuiTitle size="xs">
            <h3>Settings</h3>
          </EuiTitle>
          <EuiSpacer size="s" />
          <SchemaForm section="config" form={form.config} overrides={custom.configOverrides} onLeave={(path) => form.checkOnServer('config', path)} />
        </>
      )}
      {!custom.steps && (visibleFieldCount(form.secrets) > 0 || secretsNotice) && (
        <>
          <EuiSpacer size="m" />
          <EuiTitle size="xs">
            <h3>Secrets</h3>
          </EuiTitle>
          <SecretsFields form={form} secretsNotice={secretsNotice} />
        </>
      )}
    </>
  );
}

/** The secret fields (only those named, in a step), under what happens to them. */
function SecretsFields({ form, secretsNotice, only }: { form: ConnectorFormState; secretsNotice?: ReactNode; only?: string[] }) {
  return (
    <>
      <EuiText size="xs" color="subdued">
        <p>Stored encrypted. They are never shown again, not even to you; a stored one shows as Configured.</p>
      </EuiText>
      <EuiSpacer size="s" />
      {secretsNotice}
      <SchemaForm section="secrets" form={form.secrets} overrides={customizationOf(form.typeForm.id).secretOverrides} only={only} onLeave={(path) => form.checkOnServer('secrets', path)} />
    </>
  );
}

/** A type's form in steps (its customization's): each step draws its own fields, and shows when one of them is in error. */
function SteppedFields({ form, steps, secretsNotice }: { form: ConnectorFormState; steps: FormStep[]; secretsNotice?: ReactNode }) {
  const custom = customizationOf(form.typeForm.id);
  const inError = (step: FormStep) =>
    (step.config ?? []).some((f) => form.config.errorsFor(f, false).length > 0) || (step.secrets ?? []).some((f) => form.secrets.errorsFor(f, false).length > 0);
  return (
    <EuiSteps
      titleSize="xs"
      steps={steps.map((step, i) => ({
        title: step.title,
        status: inError(step) ? 'danger' : undefined,
        'data-test-subj': `connectorFormStep-${i + 1}`,
        children: (
          <>
            {step.description && (
              <EuiText size="s" color="subdued">
                <p>{step.description}</p>
              </EuiText>
            )}
            <EuiSpacer size="s" />
            {step.config && <SchemaForm section="config" form={form.config} only={step.config} overrides={custom.configOverrides} onLeave={(path) => form.checkOnServer('config', path)} />}
            {step.secrets && (
              <>
                <EuiSpacer size="m" />
                <EuiTitle size="xxs">
                  <h4>Secrets</h4>
                </EuiTitle>
                <SecretsFields form={form} secretsNotice={secretsNotice} only={step.secrets} />
              </>
            )}
          </>
        ),
      }))}
    />
  );
}
