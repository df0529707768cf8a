import { useCallback, useMemo, useState } from 'react';
import type { JsonSchema } from '../api/types.js';
import { validateAgainst, type Issue, type SchemaKind, type ValidationResult } from '../lib/validation.js';

type Value = Record<string, unknown>;

export interface SchemaFormOptions {
  /** Top-level properties not drawn for this value (e.g. webhook OAuth fields without OAuth); they are not sent. */
  hidden?: (value: Value) => string[];
  /** Adjusts a value after each change (e.g. a field that follows another). */
  normalise?: (value: Value) => Value;
}

export interface SchemaFormState {
  kind: SchemaKind;
  schema: JsonSchema;
  /** What the controls show. */
  value: Value;
  setValue(next: Value): void;
  hidden: string[];
  /** What is sent: the value without its hidden fields. */
  submitted: Value;
  /** The check with the server's wording, on `submitted`. */
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
  const { hidden: hiddenOf, normalise } = options;
  const [value, setRawValue] = useState<Value>(() => {
    const start = typeof initial === 'function' ? initial() : initial;
    return normalise ? normalise(start) : start;
  });
  const [touched, setTouched] = useState<ReadonlySet<string>>(new Set());
  const [revealed, setRevealed] = useState(false);
  const [dirty, setDirty] = useState(false);
  const [localErrors, setLocalErrors] = useState<Record<string, string>>({});

  const hidden = hiddenOf ? hiddenOf(value) : [];
  const hiddenKey = hidden.join('\n');
  const submitted = useMemo(() => {
    if (hidden.length === 0) return value;
    const copy = { ...value };
    for (const name of hidden) delete copy[name];
    return copy;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [value, hiddenKey]);
  const validation = useMemo(() => validateAgainst(kind, schema, submitted), [kind, schema, submitted]);
  const issues = validation.issues;

  const setValue = useCallback(
    (next: Value) => {
      setRawValue(normalise ? normalise(next) : next);
      setDirty(true);
    },
    [normalise],
  );
  const touch = useCallback((path: string) => setTouched((t) => (t.has(path) ? t : new Set(t).add(path))), []);
  const setLocalError = useCallback(
    (path: string, message: string | undefined) =>
      setLocalErrors((errors) => {
        if (errors[path] === message) return errors;
        const copy = { ...errors };
        if (message === undefined) delete copy[path];
        else copy[path] = message;
        return copy;
      }),
    [],
  );
  const reset = useCallback(
    (next: Value) => {
      setRawValue(normalise ? normalise(next) : next);
      setTouched(new Set());
      setRevealed(false);
      setDirty(false);
      setLocalErrors({});
    },
    [normalise],
  );

  const visibleLocal = Object.entries(localErrors).filter(([path]) => !hidden.includes(path.split('.')[0]!));
  const errorsFor = (path: string, exact: boolean): string[] => {
    const own = (p: string) => p === path || (!exact && p.startsWith(`${path}.`));
    const shown = revealed || [...touched].some(own);
    if (!shown) return [];
    const messages = issues.filter((i) => own(i.path)).map((i) => (exact || i.path === path ? i.message : `${i.path.slice(path.length + 1)}: ${i.message}`));
    const local = localErrors[path];
    return local ? [local, ...messages] : messages;
  };

  return {
    kind,
    schema,
    value,
    setValue,
    hidden,
    submitted,
    validation,
    issues,
    localErrors,
    setLocalError,
    touch,
    reveal: useCallback(() => setRevealed(true), []),
    revealed,
    errorsFor,
    isValid: !validation.message && visibleLocal.length === 0,
    dirty,
    reset,
  };
}
