import {
  EuiButtonEmpty,
  EuiButtonIcon,
  EuiComboBox,
  EuiFieldNumber,
  EuiFieldPassword,
  EuiFieldText,
  EuiFilePicker,
  EuiFlexGroup,
  EuiFlexItem,
  EuiSelect,
  EuiSpacer,
  EuiSwitch,
  EuiTextArea,
  useEuiTheme,
  type EuiComboBoxOptionOption,
} from '@elastic/eui';
import { useEffect, useRef, useState } from 'react';
import type { JsonSchema } from '../api/types.js';
import { isObject } from './schema.js';

// The leaf controls of the generated forms. Each gets its `data-test-subj` on the element the
// user types into (or on the combo box / switch), and reports changes as values: `undefined`
// means "absent" (the key is dropped).

interface Base {
  /** Set by EuiFormRow (it clones its child with the label's target id and the help text's id). */
  id?: string;
  'aria-describedby'?: string;
  testSubj: string;
  isInvalid: boolean;
  required: boolean;
}

/** What every EUI field of a row takes: the row's ids, full width, invalid state and test subject. */
function fieldProps(props: Base) {
  return { id: props.id, 'aria-describedby': props['aria-describedby'], fullWidth: true, isInvalid: props.isInvalid, 'data-test-subj': props.testSubj };
}

export function TextControl(props: Base & { value: unknown; onChange(v: string | undefined): void; multiline?: boolean; secret?: boolean; placeholder?: string }) {
  const { required, value, onChange, multiline, secret, placeholder } = props;
  const text = typeof value === 'string' ? value : '';
  // An empty optional field is absent: the server refuses empty strings in config and secrets.
  const change = (next: string) => onChange(next === '' && !required ? undefined : next);
  if (multiline) {
    return (
      <EuiTextArea
        {...fieldProps(props)}
        rows={4}
        resize="vertical"
        value={text}
        placeholder={placeholder}
        onChange={(e) => change(e.target.value)}
      />
    );
  }
  if (secret) {
    return (
      <EuiFieldPassword
        {...fieldProps(props)}
        type="dual"
        autoComplete="new-password"
        value={text}
        placeholder={placeholder}
        onChange={(e) => change(e.target.value)}
      />
    );
  }
  return (
    <EuiFieldText
      {...fieldProps(props)}
      value={text}
      placeholder={placeholder}
      onChange={(e) => change(e.target.value)}
    />
  );
}

export function NumberControl(props: Base & { schema: JsonSchema; value: unknown; onChange(v: number | undefined): void }) {
  const { schema, value, onChange } = props;
  return (
    <EuiFieldNumber
      {...fieldProps(props)}
      value={typeof value === 'number' ? value : ''}
      min={typeof schema.minimum === 'number' ? schema.minimum : undefined}
      max={typeof schema.maximum === 'number' ? schema.maximum : undefined}
      step={schema.type === 'integer' ? 1 : 'any'}
      onChange={(e) => onChange(e.target.value === '' ? undefined : Number(e.target.value))}
    />
  );
}

export function SwitchControl(props: { id?: string; 'aria-describedby'?: string; testSubj: string; label: string; value: unknown; onChange(v: boolean): void }) {
  return (
    <EuiSwitch
      label={props.label}
      checked={props.value === true}
      onChange={(e) => props.onChange(e.target.checked)}
      id={props.id}
      aria-describedby={props['aria-describedby']}
      data-test-subj={props.testSubj}
    />
  );
}

export interface SelectOption {
  value: string;
  text: string;
}

export function SelectControl(props: Base & { options: SelectOption[]; value: unknown; onChange(v: string | undefined): void; emptyText?: string }) {
  const { required, value, onChange } = props;
  const current = typeof value === 'string' ? value : '';
  const options = [...props.options];
  // A value the list does not know (an older or custom one) stays selectable.
  if (current && !options.some((o) => o.value === current)) options.push({ value: current, text: current });
  // Optional fields can be left unset; a required one shows a prompt until chosen.
  if (!required || current === '') options.unshift({ value: '', text: props.emptyText ?? (required ? 'Select an option' : 'Not set') });
  return (
    <EuiSelect
      {...fieldProps(props)}
      options={options}
      value={current}
      onChange={(e) => onChange(e.target.value === '' ? undefined : e.target.value)}
    />
  );
}

/** Free strings (addresses, channel names): typed, then added with Enter. */
export function StringListControl(props: Base & { schema: JsonSchema; label: string; value: unknown; onChange(v: string[] | undefined): void }) {
  const { required, schema, label, value, onChange } = props;
  const items = Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  const single = schema.maxItems === 1;
  const emit = (next: string[]) => onChange(next.length === 0 && !required ? undefined : next);
  return (
    <EuiComboBox<string>
      {...fieldProps(props)}
      noSuggestions
      aria-label={label}
      placeholder={single ? 'Type a value and press Enter' : 'Type a value and press Enter to add it'}
      singleSelection={single ? { asPlainText: true } : false}
      selectedOptions={items.map((label) => ({ label }))}
      onCreateOption={(text) => {
        const trimmed = text.trim();
        if (!trimmed) return false;
        emit(single ? [trimmed] : items.includes(trimmed) ? items : [...items, trimmed]);
      }}
      onChange={(options: Array<EuiComboBoxOptionOption<string>>) => emit(options.map((o) => o.label))}
    />
  );
}

const MAX_ROWS = 20;
let nextRowId = 0;

interface Row {
  id: number;
  key: string;
  value: string;
}

const rowsOf = (value: unknown): Row[] =>
  isObject(value) ? Object.entries(value).map(([key, v]) => ({ id: nextRowId++, key, value: typeof v === 'string' ? v : JSON.stringify(v) })) : [];

function objectOf(rows: Row[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const row of rows) if (row.key.trim() !== '') out[row.key.trim()] = row.value;
  return out;
}

/** Rows of name and value (e.g. HTTP headers), at most 20; rows without a name are not sent. */
export function KeyValueControl(props: {
  testSubj: string;
  label: string;
  secret: boolean;
  required: boolean;
  value: unknown;
  onChange(v: Record<string, string> | undefined): void;
  onError(message: string | undefined): void;
}) {
  const { testSubj, label, secret, required, value, onChange, onError } = props;
  const [rows, setRows] = useState<Row[]>(() => rowsOf(value));
  // A value set from outside (a reset) replaces the rows; our own changes round-trip unchanged.
  const incoming = JSON.stringify(isObject(value) ? value : {});
  const [seen, setSeen] = useState(incoming);
  if (incoming !== seen) {
    setSeen(incoming);
    if (incoming !== JSON.stringify(objectOf(rows))) setRows(rowsOf(value));
  }
  useClearOnUnmount(onError);

  const update = (next: Row[]) => {
    setRows(next);
    const object = objectOf(next);
    const names = next.map((r) => r.key.trim()).filter((k) => k !== '');
    const duplicate = names.find((k, i) => names.indexOf(k) !== i);
    onError(
      duplicate !== undefined
        ? `"${duplicate}" is there twice.`
        : next.some((r) => r.key.trim() === '' && r.value !== '')
          ? 'Each value needs a name.'
          : undefined,
    );
    onChange(Object.keys(object).length === 0 && !required ? undefined : object);
  };

  const ValueField = secret ? EuiFieldPassword : EuiFieldText;
  return (
    <div data-test-subj={testSubj}>
      {rows.map((row, i) => (
        <EuiFlexGroup key={row.id} gutterSize="s" responsive={false} alignItems="center" style={{ marginBottom: 4 }}>
          <EuiFlexItem>
            <EuiFieldText
              compressed
              aria-label={`${label}: name ${i + 1}`}
              placeholder="Name"
              value={row.key}
              onChange={(e) => update(rows.map((r) => (r.id === row.id ? { ...r, key: e.target.value } : r)))}
              data-test-subj={`${testSubj}-key-${i}`}
            />
          </EuiFlexItem>
          <EuiFlexItem>
            <ValueField
              compressed
              aria-label={`${label}: value ${i + 1}`}
              placeholder="Value"
              value={row.value}
              {...(secret ? { type: 'dual' as const, autoComplete: 'new-password' } : {})}
              onChange={(e: React.ChangeEvent<HTMLInputElement>) => update(rows.map((r) => (r.id === row.id ? { ...r, value: e.target.value } : r)))}
              data-test-subj={`${testSubj}-value-${i}`}
            />
          </EuiFlexItem>
          <EuiFlexItem grow={false}>
            <EuiButtonIcon
              iconType="trash"
              color="danger"
              aria-label={`Remove ${label.toLowerCase()} ${row.key || i + 1}`}
              onClick={() => update(rows.filter((r) => r.id !== row.id))}
              data-test-subj={`${testSubj}-remove-${i}`}
            />
          </EuiFlexItem>
        </EuiFlexGroup>
      ))}
      {rows.length > 0 && <EuiSpacer size="xs" />}
      <EuiButtonEmpty
        size="xs"
        iconType="plusCircle"
        flush="left"
        isDisabled={rows.length >= MAX_ROWS}
        onClick={() => update([...rows, { id: nextRowId++, key: '', value: '' }])}
        data-test-subj={`${testSubj}-add`}
      >
        {rows.length >= MAX_ROWS ? `At most ${MAX_ROWS}` : 'Add'}
      </EuiButtonEmpty>
    </div>
  );
}

function canonical(text: string): string | undefined {
  if (text.trim() === '') return 'null';
  try {
    return JSON.stringify(JSON.parse(text));
  } catch {
    return undefined;
  }
}

/** A control's own error (bad JSON…) must not outlive it: hidden fields do not block a save. */
function useClearOnUnmount(onError: (message: string | undefined) => void) {
  const latest = useRef(onError);
  useEffect(() => {
    latest.current = onError;
  });
  useEffect(() => () => latest.current(undefined), []);
}

/** Anything without a better control: its JSON, checked as it is typed. */
export function JsonControl(props: Base & { value: unknown; placeholder?: string; onChange(v: unknown): void; onError(message: string | undefined): void }) {
  const { required, value, onChange, onError } = props;
  const { euiTheme } = useEuiTheme();
  const show = (v: unknown) => (v === undefined || v === null ? '' : JSON.stringify(v, null, 2));
  const [text, setText] = useState(() => show(value));
  // A value set from outside (a reset, another variant) replaces the text; our own edits do not.
  const incoming = JSON.stringify(value ?? null);
  const [seen, setSeen] = useState(incoming);
  if (incoming !== seen) {
    setSeen(incoming);
    if (incoming !== canonical(text)) setText(show(value));
  }
  useClearOnUnmount(onError);

  const change = (next: string) => {
    setText(next);
    if (next.trim() === '') {
      onError(undefined);
      onChange(required ? null : undefined);
      return;
    }
    try {
      const parsed: unknown = JSON.parse(next);
      onError(undefined);
      onChange(parsed);
    } catch (err) {
      onError(`Invalid JSON: ${(err as Error).message}`);
    }
  };
  return (
    <EuiTextArea
      {...fieldProps(props)}
      rows={Math.min(12, Math.max(3, text.split('\n').length))}
      resize="vertical"
      value={text}
      placeholder={props.placeholder ?? 'JSON'}
      style={{ fontFamily: euiTheme.font.familyCode, fontSize: euiTheme.size.m }}
      onChange={(e) => change(e.target.value)}
    />
  );
}

const PEM_BEGIN = '-----BEGIN ';

/** Text ↔ the base64 of its UTF-8 bytes, as the server reads a PEM field. */
const toBase64 = (text: string) => btoa(Array.from(new TextEncoder().encode(text), (byte) => String.fromCharCode(byte)).join(''));
function fromBase64(value: string): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(atob(value), (c) => c.charCodeAt(0)));
  } catch {
    return undefined;
  }
}

/**
 * A PEM file (a CA certificate) that the server takes base64-encoded: chosen with a file picker,
 * or its text pasted. The text area shows what is set, decoded, so it can be checked or edited.
 */
export function PemFileControl(props: Base & { label: string; value: unknown; onChange(v: string | undefined): void; onError(message: string | undefined): void }) {
  const { testSubj, label, required, value, onChange, onError } = props;
  const { euiTheme } = useEuiTheme();
  const encoded = typeof value === 'string' ? value : '';
  // A value that is not base64 text (set through the API) is shown as it is.
  const text = encoded ? (fromBase64(encoded) ?? encoded) : '';
  useClearOnUnmount(onError);

  const setText = (next: string) => {
    onError(next.trim() && !next.includes(PEM_BEGIN) ? `Not a PEM file: it must contain a "${PEM_BEGIN}…" line.` : undefined);
    onChange(next === '' && !required ? undefined : toBase64(next));
  };
  const pick = async (files: FileList | null) => {
    const file = files?.[0];
    if (file) setText(await file.text());
  };
  return (
    <>
      <EuiFilePicker
        fullWidth
        display="default"
        accept=".pem,.crt,.cer,.cert"
        initialPromptText="Select or drag and drop a PEM file"
        aria-label={`${label}: choose a PEM file`}
        isInvalid={props.isInvalid}
        onChange={(files) => void pick(files)}
        data-test-subj={`${testSubj}-file`}
      />
      <EuiSpacer size="s" />
      <EuiTextArea
        {...fieldProps(props)}
        rows={text ? 6 : 2}
        resize="vertical"
        value={text}
        placeholder="Or paste the PEM text: -----BEGIN CERTIFICATE-----…"
        style={{ fontFamily: euiTheme.font.familyCode, fontSize: euiTheme.size.m }}
        onChange={(e) => setText(e.target.value)}
      />
    </>
  );
}
