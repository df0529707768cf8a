/**
 * How many levels of arrays and objects a JSON document from a client may nest. `JSON.parse`
 * copes with any depth, but validation, storage and rendering walk values recursively and
 * overflow the stack on a few kilobytes of brackets. Real bodies nest a handful of levels.
 */
export const MAX_JSON_DEPTH = 100;

export const TOO_DEEP = `nested more than ${MAX_JSON_DEPTH} levels deep`;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/**
 * Whether JSON text nests deeper than MAX_JSON_DEPTH. Reads the text once, without building
 * anything or recursing, so a hostile document is refused before anything walks it. Brackets
 * inside strings do not count. Text that is not JSON gives no reliable answer; parsing it fails.
 */
export function nestsTooDeep(text: string): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > MAX_JSON_DEPTH) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}
