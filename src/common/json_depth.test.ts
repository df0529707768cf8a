import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, nestsTooDeep } from './json_depth.js';

const arrays = (levels: number, inner = '1') => `${'['.repeat(levels)}${inner}${']'.repeat(levels)}`;

describe('nestsTooDeep', () => {
  it('allows exactly MAX_JSON_DEPTH levels of arrays and objects, and refuses one more', () => {
    expect(nestsTooDeep(arrays(MAX_JSON_DEPTH))).toBe(false);
    expect(nestsTooDeep(arrays(MAX_JSON_DEPTH + 1))).toBe(true);
    expect(nestsTooDeep(arrays(MAX_JSON_DEPTH - 1, '{"a":{}}'))).toBe(true);
  });

  it('counts depth, not the number of containers side by side', () => {
    expect(nestsTooDeep(`[${Array(10_000).fill(arrays(MAX_JSON_DEPTH - 1)).join(',')}]`)).toBe(false);
  });

  it('ignores brackets inside strings, escaped quotes and escaped backslashes included', () => {
    expect(nestsTooDeep(JSON.stringify({ s: '['.repeat(5000) }))).toBe(false);
    expect(nestsTooDeep(JSON.stringify({ s: `\\"${'{'.repeat(5000)}` }))).toBe(false);
    // The string ends after an escaped backslash: the brackets after it count again.
    expect(nestsTooDeep(`["\\\\",${arrays(MAX_JSON_DEPTH)}]`)).toBe(true);
    expect(nestsTooDeep(`["\\\\",${arrays(MAX_JSON_DEPTH - 1)}]`)).toBe(false);
  });
});
