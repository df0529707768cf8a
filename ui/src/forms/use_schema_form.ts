import { useCallback, useMemo, useState } from 'react';
import type { JsonSchema } from '../api/types.js';
import { validateAgainst, type Issue, type SchemaKind, type ValidationResult } from '../lib/validation.js';
import { describeField, propertiesOf, schemaAt, valueAt, withoutPath } from './schema.js';

type Value = Record<string, unknown>;

export interface SchemaFormOptions {
  /** Properties not drawn for this value (e.g. webhook OAuth fields without OAuth); they are not sent. Nested ones by dotted path. */
  hidden?: (value: Value) => string[];
  /** Adjusts a value after each change (e.g. a field that follows another). */
  normalise?: (value: Value, previous?: Value) => Value;
  /** Fields this value needs beyond what the schema says (email host and port with service other…); nested ones by dotted path. */
  required?: (value: Value) => string[];
  /** Top-level fields with a stored value (secrets on edit): it stands, and counts as filled, until the user resets the field. */
  stored?: string[];
  /** Top-level fields not drawn but sent as they are (params a run replaces anyway). */
  fixed?: string[];
  /** Problems of this value the schema cannot say (a template without a variable it needs…). */
  problems?: (value: Value) => Issue[];
}

export interface SchemaFormState {
  kind: SchemaKind;
  schema: JsonSchema;
  /** What the controls show. */
  value: Value;
  setValue(next: Value): void;
  hidden: string[];
  fixed: string[];
  /** Top-level fields to fill for this value (the schema's and the conditional ones). */
  required: string[];
  /** Stored fields the user has not reset: kept as they are, not sent. */
  stored: string[];
  /** Drops the stored value of a field: the user enters a new one (or none). */
  resetStored(name: string): void;
  /** The server's message about a field, from a check as the user left it; shown until the field changes. */
  setRemoteError(path: string, message: string | undefined): void;
  /** What is sent: the value without its hidden fields. */
  submitted: Value;
  /** The check with the server's wording, on `submitted` (stored fields count as given). */
  validation: ValidationResult;
  issues: Issue[];
  /** Problems a control finds before there is a value to check (JSON that does not parse…), by path. */
  localErrors: Record<string, string>;
  setLocalError(path: string, message: string | undefined): void;
  touch(path: string): void;
  /** Shows every problem at once, after an attempt to save or run. */
  reveal(): void;
  revealed: boolean;
  /** The problems a row shows: its own (exact) or also its children's. */
  errorsFor(path: string, exact: boolean): string[];
  isValid: boolean;
  /** Whether the user changed something since the start (or the last reset). */
  dirty: boolean;
  reset(value: Value): void;
}

/** The state of one generated form (config, secrets or params): value, touched fields, checks. */
export function useSchemaForm(kind: SchemaKind, schema: JsonSchema, initial: Value | (() => Value), options: SchemaFormOptions = {}): SchemaFormState {
  const { hidden: hiddenOf, normalise, required: requiredOf, stored = [], fixed = [], problems } = options;
  const [value, setRawValue] = useState<Value>(() => {
    const start = typeof initial === 'function' ? initial() : initial;
    return normalise ? normalise(start) : start;
  });
  const [touched, setTouched] = useState<ReadonlySet<string>>(new Set());
  const [revealed, setRevealed] = useState(false);
  const [dirty, setDirty] = useState(false);
  const [localErrors, setLocalErrors] = useState<Record<string, string>>({});
  const [remoteErrors, setRemoteErrors] = useState<Record<string, string>>({});
  const [resetNames, setResetNames] = useState<ReadonlySet<string>>(new Set());

  const hidden = hiddenOf ? hiddenOf(value) : [];
  const hiddenKey = hidden.join('\n');
  const submitted = useMemo(() => {
    return hidden.reduce(withoutPath, value);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [value, hiddenKey]);
  const storedNow = stored.filter((name) => !resetNames.has(name) && !hidden.includes(name));
  const storedKey = storedNow.join('\n');
  const schemaRequired = propertiesOf(schema).required;
  const required = [...new Set([...schemaRequired, ...(requiredOf ? requiredOf(value) : [])])].filter((name) => !hidden.includes(name));
  // A stored field is not sent, yet it is there: the schema must not ask for it.
  const checked = useMemo(
    () => (storedNow.length === 0 ? schema : { ...schema, required: schemaRequired.filter((name) => !storedNow.includes(name)) }),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [schema, storedKey],
  );
  const validation = useMemo(() => validateAgainst(kind, checked, submitted), [kind, checked, submitted]);
  // Config and secrets refuse empty strings on the server; an empty required field is missing.
  const missing = required.filter((name) => !storedNow.includes(name) && isBlank(valueAt(submitted, name), kind !== 'params'));
  const issues: Issue[] = [
    ...validation.issues.filter((issue) => !missing.includes(issue.path)),
    ...missing.map((name) => ({ path: name, message: `${describeField(name.split('.').pop()!, schemaAt(schema, name) ?? {}).label} is required.` })),
    ...(problems ? problems(submitted).filter((issue) => !missing.includes(issue.path)) : []),
  ];

  const setValue = useCallback(
    (next: Value) => {
      setRawValue((previous) => (normalise ? normalise(next, previous) : next));
      setDirty(true);
    },
    [normalise],
  );
  const touch = useCallback((path: string) => setTouched((t) => (t.has(path) ? t : new Set(t).add(path))), []);
  const setLocalError = useCallback((path: string, message: string | undefined) => setLocalErrors((errors) => withMessage(errors, path, message)), []);
  const setRemoteError = useCallback((path: string, message: string | undefined) => setRemoteErrors((errors) => withMessage(errors, path, message)), []);
  const resetStored = useCallback((name: string) => {
    setResetNames((names) => new Set(names).add(name));
    setDirty(true);
  }, []);
  const reset = useCallback(
    (next: Value) => {
      setRawValue(normalise ? normalise(next) : next);
      setTouched(new Set());
      setRevealed(false);
      setDirty(false);
      setLocalErrors({});
      setRemoteErrors({});
      setResetNames(new Set());
    },
    [normalise],
  );

  const visibleLocal = Object.entries(localErrors).filter(([path]) => !hidden.some((name) => path === name || path.startsWith(`${name}.`)));
  const errorsFor = (path: string, exact: boolean): string[] => {
    const own = (p: string) => p === path || (!exact && p.startsWith(`${path}.`));
    const shown = revealed || [...touched].some(own);
    const remote = remoteErrors[path];
    if (!shown) return remote ? [remote] : [];
    const messages = issues.filter((i) => own(i.path)).map((i) => (exact || i.path === path ? i.message : `${i.path.slice(path.length + 1)}: ${i.message}`));
    return [localErrors[path], remote, ...messages].filter((m): m is string => m !== undefined);
  };

  return {
    kind,
    schema,
    value,
    setValue,
    hidden,
    fixed,
    required,
    stored: storedNow,
    resetStored,
    setRemoteError,
    submitted,
    validation,
    issues,
    localErrors,
    setLocalError,
    touch,
    reveal: useCallback(() => setRevealed(true), []),
    revealed,
    errorsFor,
    isValid: issues.length === 0 && visibleLocal.length === 0,
    dirty,
    reset,
  };
}

/** Nothing given: absent or null, and also an empty string where the server refuses them. */
function isBlank(value: unknown, emptyStringIsBlank: boolean): boolean {
  return value === undefined || value === null || (emptyStringIsBlank && value === '');
}

/** The messages by path with one set or (undefined) removed; the same object when nothing changes. */
function withMessage(errors: Record<string, string>, path: string, message: string | undefined): Record<string, string> {
  if (errors[path] === message) return errors;
  const copy = { ...errors };
  if (message === undefined) delete copy[path];
  else copy[path] = message;
  return copy;
}
