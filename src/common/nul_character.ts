// PostgreSQL cannot store a NUL character in text; SQLite can. Input holding one is refused on
// both alike, naming where it is, instead of a 500 from one database only.

export const NUL_MESSAGE = 'must not contain the NUL character (\\u0000)';

/**
 * The path to the first string (value or key) holding a NUL character, if any. The path is
 * built only on the way back from a find: every request body is walked, so the walk allocates
 * nothing.
 */
export function pathToNul(value: unknown): string[] | undefined {
  if (typeof value === 'string') return value.includes('\0') ? [] : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = pathToNul(value[i]);
      if (found) return [String(i), ...found];
    }
  } else if (value && typeof value === 'object') {
    for (const key of Object.keys(value)) {
      if (key.includes('\0')) return [key];
      const found = pathToNul((value as Record<string, unknown>)[key]);
      if (found) return [key, ...found];
    }
  }
  return undefined;
}
