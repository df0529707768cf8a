// Building blocks of the fuzz test (test/fuzz.test.ts): a seeded generator, so that a failure
// is reproduced by its seed, and the hostile values it draws from.

/** A seeded pseudo-random generator (mulberry32): the same seed gives the same run. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** Strings that trip up parsers, databases, loggers and terminals. */
export const ODD_STRINGS: readonly string[] = [
  '\ud800', // lone high surrogate
  'a\udfffb', // lone low surrogate
  '\u202eevil.exe\u202c', // right-to-left override
  `e${'\u0301'.repeat(300)}`, // a pile of combining accents
  '\ufeffbom',
  '\uffff\ufffe',
  '😀👩‍👩‍👧‍👦',
  'ǅ İ ß ﬁ',
  '\t\r\n\v\f',
  '%00%2e%2e%2f',
  '../../etc/passwd',
  "' OR 1=1 --",
  '"; DROP TABLE connectors; --',
  '${jndi:ldap://127.0.0.1/x}',
  '<script>alert(1)</script>',
  '{{constructor.constructor}}',
  '\u001b[31mred\u001b[0m',
  ' ',
  '',
];

/** Values of every JSON type, for a field that expects another. */
export const WRONG_TYPES: readonly unknown[] = [0, -1, 1.5, 1e308, -0, true, false, null, 'x', [], [1, 'a'], {}, { a: 1 }, [[[]]]];

/** Keys meant to reach an object's prototype when a body is merged into another object. */
export const PROTOTYPE_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype'];

/** `[[[…]]]` or `{"a":{"a":…}}` nested `depth` times, as JSON text. */
export function nestedJson(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array' ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

type Path = (string | number)[];

/** Paths to every value in a JSON value, the root (`[]`) included. */
export function valuePaths(value: unknown, at: Path = []): Path[] {
  const here = [at];
  if (Array.isArray(value)) return here.concat(...value.map((v, i) => valuePaths(v, [...at, i])));
  if (value && typeof value === 'object') return here.concat(...Object.entries(value).map(([k, v]) => valuePaths(v, [...at, k])));
  return here;
}

/** A copy of `value` with the value at `path` replaced by `replacement`. */
export function replaceAt(value: unknown, path: Path, replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path;
  const copy: any = Array.isArray(value) ? [...value] : { ...(value as object) };
  copy[head] = replaceAt(copy[head], rest, replacement);
  return copy;
}

/** The value at `path`. */
export function valueAt(value: unknown, path: Path): unknown {
  return path.reduce<any>((v, key) => v?.[key], value);
}

/** An object with `key` as an own property, even `__proto__` (which `{[key]: v}` would not make). */
export function withOwnKey(target: object, key: string, value: unknown): object {
  const copy = { ...target };
  Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
  return copy;
}
