import { describe, expect, it } from 'vitest';
import { apiKeyName, elasticsearchName, MAX_NATIVE_NAME_LENGTH, roleDescription } from './names.js';

const messages = (result: { success: boolean; error?: { issues: Array<{ message: string }> } }) => result.error?.issues.map((i) => i.message) ?? [];

describe('elasticsearchName', () => {
  const role = elasticsearchName('Role', MAX_NATIVE_NAME_LENGTH);
  const refusal = `Role names must be at least 1 and no more than 507 characters. They can contain alphanumeric characters (a-z, A-Z, 0-9), spaces, punctuation, and printable symbols in the Basic Latin (ASCII) block. Leading or trailing whitespace is not allowed.`;

  it('takes 1 to 507 printable ASCII characters with no space at either end', () => {
    for (const name of ['a', 'r'.repeat(507), 'a b', ' !"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'.trim(), 'Z9']) expect(role.safeParse(name).success, name).toBe(true);
  });

  it("refuses the rest in Elasticsearch's words", () => {
    for (const name of ['', 'r'.repeat(508), ' a', 'a ', 'a\tb', 'a\nb', 'a\r\nb', 'a\u0000b', 'a\u007fb', 'café', 'a\u00a0b', '😀']) {
      expect(messages(role.safeParse(name)), JSON.stringify(name)).toEqual([refusal]);
    }
    expect(messages(elasticsearchName('User', 10).safeParse('u'.repeat(11)))[0]).toMatch(/^User names must be at least 1 and no more than 10 characters\./);
  });
});

describe('roleDescription', () => {
  it('takes up to 1000 characters of any kind', () => {
    expect(roleDescription.safeParse('é'.repeat(1000)).success).toBe(true);
    expect(messages(roleDescription.safeParse('d'.repeat(1001)))).toEqual(['Role description must be less than 1000 characters.']);
  });
});

describe('apiKeyName', () => {
  it("applies Elasticsearch's rules, where whitespace is anything up to U+0020, and refuses control characters inside", () => {
    for (const name of ['k', 'clé de test', 'a\u00a0b', 'k'.repeat(256)]) expect(apiKeyName.safeParse(name).success, name).toBe(true);
    const cases: Array<[string, string]> = [
      [' k', 'api key name may not begin or end with whitespace'],
      ['k\n', 'api key name may not begin or end with whitespace'],
      ['\u0001k', 'api key name may not begin or end with whitespace'],
      ['a\tb', 'api key name may not contain control characters'],
      ['a\r\nb', 'api key name may not contain control characters'],
      ['a\u007fb', 'api key name may not contain control characters'],
      ['_k', 'api key name may not begin with an underscore'],
    ];
    for (const [name, message] of cases) expect(messages(apiKeyName.safeParse(name)), JSON.stringify(name)).toEqual([message]);
    expect(apiKeyName.safeParse('k'.repeat(257)).success).toBe(false);
  });
});
