// A last line of defence: whatever an executor returns or throws, no secret value leaves the
// process through a result. Short values are skipped: they would redact ordinary words.
const MIN_SECRET_LENGTH = 4;
export const REDACTED = '[REDACTED]';

export function secretValues(secrets: unknown, out: string[] = []): string[] {
  if (typeof secrets === 'string') {
    if (secrets.length >= MIN_SECRET_LENGTH) out.push(secrets);
  } else if (Array.isArray(secrets)) {
    for (const v of secrets) secretValues(v, out);
  } else if (secrets && typeof secrets === 'object') {
    for (const v of Object.values(secrets)) secretValues(v, out);
  }
  return out;
}

export function redactString(text: string, values: string[]): string {
  let out = text;
  for (const value of values) if (out.includes(value)) out = out.split(value).join(REDACTED);
  return out;
}

/**
 * Deep copy of `value` with every occurrence of a secret value replaced. Only plain objects and
 * arrays are copied: anything else (a date, a stream handed to an in-process caller) is passed
 * on as it is.
 */
export function redactDeep<T>(value: T, values: string[]): T {
  if (values.length === 0) return value;
  if (typeof value === 'string') return redactString(value, values) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, values)) as T;
  if (value && typeof value === 'object' && isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v, values)])) as T;
  }
  return value;
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
