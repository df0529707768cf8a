import { describe, expect, it } from 'vitest';
import { fromGoSyntax, goRegexpError } from './go_regexp.js';
import { matchesValue, parseMatcher } from './matchers.js';

// Where Go's regexp syntax (Alertmanager's) and JavaScript's part; the messages were recorded
// from Alertmanager 0.25 (test/helpers/alertmanager_silences.ts has them in full).

const jsError = (expr: string): Error => {
  try {
    new RegExp(expr);
  } catch (err) {
    return err as Error;
  }
  throw new Error(`${expr} compiled`);
};

describe('Go regexp syntax', () => {
  it("words JavaScript's refusals as Go does", () => {
    expect(goRegexpError('(', jsError('('))).toBe('error parsing regexp: missing closing ): `(`');
    expect(goRegexpError('a)', jsError('a)'))).toBe('error parsing regexp: unexpected ): `a)`');
    expect(goRegexpError('x[a', jsError('x[a'))).toBe('error parsing regexp: missing closing ]: `[a`');
    expect(goRegexpError('*x', jsError('*x'))).toBe('error parsing regexp: missing argument to repetition operator: `*`');
    expect(goRegexpError('a|*', jsError('a|*'))).toBe('error parsing regexp: missing argument to repetition operator: `*`');
    expect(goRegexpError('a**', jsError('a**'))).toBe('error parsing regexp: invalid nested repetition operator: `**`');
    expect(goRegexpError('a{2,1}', jsError('a{2,1}'))).toBe('error parsing regexp: invalid repeat count: `{2,1}`');
  });

  it('refuses what Go refuses and JavaScript would take', () => {
    expect(fromGoSyntax('a(?=x)')).toEqual({ error: 'error parsing regexp: invalid or unsupported Perl syntax: `(?=`' });
    expect(fromGoSyntax('(?<n>x)')).toEqual({ error: 'error parsing regexp: invalid or unsupported Perl syntax: `(?<`' });
    expect(fromGoSyntax('(a)\\1')).toEqual({ error: 'error parsing regexp: invalid escape sequence: `\\1`' });
    expect(() => parseMatcher('a=~"(?!x)"')).toThrow('error parsing regexp: invalid or unsupported Perl syntax: `(?!`');
  });

  it('takes a leading (?i) or (?s) as a flag, and says so of the flags it cannot take', () => {
    const m = parseMatcher('x=~"(?i)crit|page"');
    expect(matchesValue(m, 'CRIT')).toBe(true);
    expect(matchesValue(m, 'Page')).toBe(true);
    expect(matchesValue(m, 'warn')).toBe(false);
    expect(matchesValue(parseMatcher('x=~"(?s)a.b"'), 'a\nb')).toBe(true);
    expect(() => parseMatcher('x=~"a(?i:b)"')).toThrow('flags (?i: are not supported by Plugboard');
  });

  it('reads a `]` first in a class as a literal, as Go does', () => {
    expect(fromGoSyntax('[]a]')).toEqual({ source: '[\\]a]', flags: '' });
    expect(fromGoSyntax('[^]a]')).toEqual({ source: '[^\\]a]', flags: '' });
    const m = parseMatcher('x=~"[]a]+"');
    expect(matchesValue(m, ']a')).toBe(true);
    expect(matchesValue(m, 'b')).toBe(false);
    expect(fromGoSyntax('[\\1](?:x)')).toEqual({ source: '[\\1](?:x)', flags: '' });
  });
});
