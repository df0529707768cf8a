import { EuiButtonEmpty, EuiFieldText, EuiFormErrorText, EuiFormRow, EuiPanel, EuiSpacer, EuiText, EuiTitle, useGeneratedHtmlId } from '@elastic/eui';
import { createContext, useContext, useCallback, type ReactNode } from 'react';
import type { JsonSchema } from '../api/types.js';
import { JsonControl, KeyValueControl, NumberControl, PemFileControl, SelectControl, StringListControl, SwitchControl, TextControl, type SelectOption } from './controls.js';
import { describeField, discriminatedUnion, hasNoFields, humanise, isObject, propertiesOf, variantOf, withKey, type Section } from './schema.js';
import type { SchemaFormState } from './use_schema_form.js';

/** What a connector type may change about one field of its generated form. */
export interface FieldOverride {
  /** Draws the field as a select of these (a string field whose values are listed in its help, say). */
  options?: SelectOption[];
  /** The text of the "unset" choice of a select. */
  emptyText?: string;
  /** A select that always has a value (the type keeps one set): no "unset" choice, no "Optional". */
  alwaysSet?: boolean;
  placeholder?: string;
  /** A base64-encoded PEM file (a CA certificate): a file picker, and its text to paste. */
  pemFile?: boolean;
  /** A text on several lines (a PEM private key), a secret one too. */
  multiline?: boolean;
  /** Drawn under the field, from its value as edited (a live preview of what it selects). */
  after?: (value: unknown) => ReactNode;
}

interface FormContext {
  section: Section;
  form: SchemaFormState;
  overrides: Record<string, FieldOverride>;
  onLeave?: (path: string) => void;
  only?: string[];
}

const Context = createContext<FormContext | undefined>(undefined);
const useFormContext = () => useContext(Context)!;

const join = (path: string, name: string) => (path ? `${path}.${name}` : name);

export interface SchemaFormProps {
  section: Section;
  form: SchemaFormState;
  /** By dotted field path, e.g. `service` or `subActionParams.text`. */
  overrides?: Record<string, FieldOverride>;
  /** Shown when the schema has no field (e.g. "This connector needs no parameters."). */
  emptyText?: ReactNode;
  /** Called as the user leaves a top-level field (to have the server check it). */
  onLeave?: (path: string) => void;
  /** Draws only these top-level fields (one step of a form in steps). */
  only?: string[];
}

/**
 * A form drawn from a JSON Schema: one row per property (nested objects as groups, a
 * discriminated union as a select then its variant's fields), errors under the rows once the
 * user touched them or tried to submit. Every control has `data-test-subj="field-<section>-<path>"`.
 */
export function SchemaForm({ section, form, overrides = {}, emptyText, onLeave, only }: SchemaFormProps) {
  const rootErrors = form.errorsFor('', true);
  if (hasNoFields(form.schema)) {
    // A free object (no properties listed) is edited as JSON; a closed empty one has nothing to fill.
    if (form.schema.additionalProperties === false || form.schema.type !== 'object') {
      return emptyText ? (
        <EuiText size="s" color="subdued">
          <p>{emptyText}</p>
        </EuiText>
      ) : null;
    }
  }
  return (
    <Context.Provider value={{ section, form, overrides, onLeave, only }}>
      {hasNoFields(form.schema) ? (
        <Field name="" path="" schema={{ ...form.schema, label: 'JSON' }} required value={form.value} onChange={(v) => form.setValue(isObject(v) ? v : {})} />
      ) : (
        <ObjectFields schema={form.schema} path="" value={form.value} onChange={form.setValue} />
      )}
      {rootErrors.length > 0 && (
        <EuiFormErrorText data-test-subj={`field-${section}-errors`}>{rootErrors.join(' ')}</EuiFormErrorText>
      )}
    </Context.Provider>
  );
}

/** The part of `value` that `schema` describes: what survives a change of union variant. */
function keepKnown(schema: JsonSchema, value: unknown): unknown {
  const { properties } = propertiesOf(schema);
  if (!isObject(value) || Object.keys(properties).length === 0) return value;
  const kept: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) if (properties[key]) kept[key] = keepKnown(properties[key], v);
  return kept;
}

interface FieldsProps {
  schema: JsonSchema;
  path: string;
  value: unknown;
  onChange(next: Record<string, unknown>): void;
}

function ObjectFields({ schema, path, value, onChange }: FieldsProps) {
  const { section, form, overrides } = useFormContext();
  const union = discriminatedUnion(schema);
  if (!union) return <PropertyFields schema={schema} path={path} value={value} onChange={onChange} />;

  const variant = variantOf(union, value);
  const tagPath = join(path, union.discriminator);
  const tagSchema = (variant ?? union.variants[0]!.schema).properties[union.discriminator] as JsonSchema;
  const select = (tag: string | undefined) => {
    const next = union.variants.find((v) => v.value === tag);
    if (!next) return onChange(withKey(value, union.discriminator, undefined));
    // Keep what the new variant also has (the channel and text of a Slack post, say).
    onChange({ ...(keepKnown(next.schema, value) as Record<string, unknown>), [union.discriminator]: next.value });
  };
  const errors = form.errorsFor(tagPath, false);
  const tag = isObject(value) ? value[union.discriminator] : undefined;
  return (
    <>
      <EuiFormRow
        fullWidth
        label={typeof tagSchema.label === 'string' ? tagSchema.label : humanise(union.discriminator)}
        helpText={typeof tagSchema.help === 'string' ? tagSchema.help : undefined}
        isInvalid={errors.length > 0}
        error={errors}
      >
        <SelectControl
          testSubj={`field-${section}-${tagPath}`}
          required
          isInvalid={errors.length > 0}
          options={overrides[tagPath]?.options ?? union.variants.map((v) => ({ value: v.value, text: v.value }))}
          value={tag}
          onChange={select}
        />
      </EuiFormRow>
      {variant && <PropertyFields schema={variant} path={path} value={value} onChange={onChange} skip={union.discriminator} />}
    </>
  );
}

function PropertyFields({ schema, path, value, onChange, skip }: FieldsProps & { skip?: string }) {
  const { form, only } = useFormContext();
  const { properties, required } = propertiesOf(schema);
  return (
    <>
      {Object.entries(properties).map(([name, prop]) =>
        name === skip || form.hidden.includes(join(path, name)) || (path === '' && (form.fixed.includes(name) || (only && !only.includes(name)))) ? null : path === '' && form.stored.includes(name) ? (
          <StoredField key={name} name={name} schema={prop} />
        ) : (
          <Field
            key={name}
            name={name}
            path={join(path, name)}
            schema={prop}
            required={required.includes(name) || form.required.includes(join(path, name))}
            value={isObject(value) ? value[name] : undefined}
            onChange={(next) => onChange(withKey(value, name, next))}
          />
        ),
      )}
    </>
  );
}

/** A field with a stored value that is never shown (a secret, on edit): kept unless reset. */
function StoredField({ name, schema }: { name: string; schema: JsonSchema }) {
  const { form } = useFormContext();
  const { label } = describeField(name, schema);
  return (
    <EuiFormRow fullWidth label={label} helpText="Stored, and kept when you save. Reset it to enter another value.">
      <EuiFieldText
        fullWidth
        readOnly
        value="Configured"
        data-test-subj={`storedField-${name}`}
        append={
          <EuiButtonEmpty size="xs" iconType="refresh" onClick={() => form.resetStored(name)} aria-label={`Reset ${label}`} data-test-subj={`resetStoredField-${name}`}>
            Reset
          </EuiButtonEmpty>
        }
      />
    </EuiFormRow>
  );
}

interface FieldProps {
  name: string;
  path: string;
  schema: JsonSchema;
  required: boolean;
  value: unknown;
  onChange(next: unknown): void;
}

const optionalMark = (
  <EuiText size="xs" color="subdued">
    Optional
  </EuiText>
);

function Field({ name, path, schema, required, value, onChange }: FieldProps) {
  const { section, form, overrides, onLeave } = useFormContext();
  const legendId = useGeneratedHtmlId({ prefix: 'fieldset' });
  const info = describeField(name, schema);
  const override = overrides[path];
  const testSubj = `field-${section}-${path || 'json'}`;
  // A field counts as touched once changed, not on blur: an error appearing on blur moves the
  // button being clicked from under the pointer, and the click is lost.
  const { touch: touchPath, setLocalError } = form;
  const touch = useCallback(() => touchPath(path), [touchPath, path]);
  const onError = useCallback(
    (message: string | undefined) => {
      if (message) touch();
      setLocalError(path, message);
    },
    [touch, setLocalError, path],
  );
  const { setRemoteError } = form;
  const change = (next: unknown) => {
    touch();
    // The server's message was about the value before this change.
    setRemoteError(path, undefined);
    onChange(next);
  };

  if (info.kind === 'object' || info.kind === 'union') {
    const errors = form.errorsFor(path, true);
    return (
      <EuiPanel role="group" aria-labelledby={legendId} color="subdued" paddingSize="m" hasShadow={false} hasBorder style={{ marginBottom: 16 }}>
        <EuiTitle size="xxs">
          <h4 id={legendId}>
            {info.label}
            {!required && <span style={{ fontWeight: 'normal' }}> (optional)</span>}
          </h4>
        </EuiTitle>
        {info.help && (
          <EuiText size="xs" color="subdued">
            <p>{info.help}</p>
          </EuiText>
        )}
        <EuiSpacer size="s" />
        <ObjectFields
          schema={info.schema}
          path={path}
          value={value}
          // A group left empty is absent when it may be.
          onChange={(next) => onChange(Object.keys(next).length === 0 && !required ? undefined : next)}
        />
        {errors.length > 0 && <EuiFormErrorText>{errors.join(' ')}</EuiFormErrorText>}
      </EuiPanel>
    );
  }

  const errors = form.errorsFor(path, false);
  const isInvalid = errors.length > 0;
  const row = { fullWidth: true, helpText: info.help, isInvalid, error: errors };
  const base = { testSubj, isInvalid, required };

  if (info.kind === 'boolean') {
    return (
      <EuiFormRow {...row} hasChildLabel={false}>
        <SwitchControl
          testSubj={testSubj}
          label={info.label}
          value={value}
          onChange={change}
        />
      </EuiFormRow>
    );
  }
  if (info.kind === 'record') {
    return (
      <EuiFormRow {...row} label={info.label} labelType="legend" labelAppend={required ? undefined : optionalMark}>
        <KeyValueControl
          testSubj={testSubj}
          label={info.label}
          secret={info.secret}
          required={required}
          value={value}
          onChange={change}
          onError={onError}
        />
      </EuiFormRow>
    );
  }

  let control: ReactNode;
  let optional = !required;
  if (override?.options || info.kind === 'enum') {
    const options = override?.options ?? info.options!.map((v) => ({ value: v, text: v }));
    // An enum with a default is never "unset": the default is what the server would use.
    const alwaysSet = required || typeof info.schema.default === 'string' || !!override?.alwaysSet;
    optional = !alwaysSet;
    control = <SelectControl {...base} required={alwaysSet} options={options} emptyText={override?.emptyText} value={value} onChange={change} />;
  } else if (override?.pemFile) {
    control = <PemFileControl {...base} label={info.label} value={value} onChange={change} onError={onError} />;
  } else if (info.kind === 'text' || info.kind === 'textarea' || info.kind === 'secret') {
    control = (
      <TextControl
        {...base}
        multiline={info.kind === 'textarea' || !!override?.multiline}
        secret={info.kind === 'secret'}
        placeholder={override?.placeholder}
        value={value}
        onChange={change}
      />
    );
  } else if (info.kind === 'number') {
    control = <NumberControl {...base} schema={info.schema} value={value} onChange={change} />;
  } else if (info.kind === 'stringList') {
    control = <StringListControl {...base} schema={info.schema} label={info.label} value={value} onChange={change} />;
  } else {
    control = <JsonControl {...base} placeholder={override?.placeholder} value={value} onChange={change} onError={onError} />;
  }
  return (
    <div onBlur={onLeave && path === name ? () => onLeave(path) : undefined}>
      <EuiFormRow {...row} label={info.label} labelAppend={optional ? optionalMark : undefined}>
        {control as React.ReactElement}
      </EuiFormRow>
      {override?.after?.(value)}
    </div>
  );
}
