// PostgreSQL cannot store a NUL character in text; SQLite can. Input holding one is refused on
// both alike, naming where it is, instead of a 500 from one database only.

export const NUL_MESSAGE = 'must not contain the NUL character (\\u0000)';

/** The path to the first string (value or key) holding a NUL character, if any. */
export function pathToNul(value: unknown, path: string[] = []): string[] | undefined {
  if (typeof value === 'string') return value.includes('\0') ? path : undefined;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = pathToNul(item, [...path, String(i)]);
      if (found) return found;
    }
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key.includes('\0')) return [...path, key];
      const found = pathToNul(item, [...path, key]);
      if (found) return found;
    }
  }
  return undefined;
}
