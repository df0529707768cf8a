import { describe, expect, it } from 'vitest';
import { formatMatcher, matchesLabels, MatcherSyntaxError, parseMatcher, parseMatchers } from './matchers.js';

describe('Alertmanager matchers', () => {
  it('parses the four operators, quoted or not, with whitespace around the tokens', () => {
    expect(parseMatcher('alertname="HighLatency"')).toEqual({ name: 'alertname', type: '=', value: 'HighLatency' });
    expect(parseMatcher(' severity =~ "critical|page" ')).toEqual({ name: 'severity', type: '=~', value: 'critical|page' });
    expect(parseMatcher('team!=qa')).toEqual({ name: 'team', type: '!=', value: 'qa' });
    expect(parseMatcher('env!~dev.*')).toEqual({ name: 'env', type: '!~', value: 'dev.*' });
    expect(parseMatcher('job=')).toEqual({ name: 'job', type: '=', value: '' });
  });

  it('unescapes quoted values as OpenMetrics does and keeps a spurious backslash', () => {
    expect(parseMatcher('quote="She said: \\"Hi, ladies!\\""').value).toBe('She said: "Hi, ladies!"');
    expect(parseMatcher('v="a\\nb\\\\c"').value).toBe('a\nb\\c');
    expect(parseMatcher('v="a\\db"').value).toBe('a\\db');
  });

  it("refuses what Alertmanager refuses, with its messages", () => {
    expect(() => parseMatcher('no operator')).toThrow(new MatcherSyntaxError('bad matcher format: no operator'));
    expect(() => parseMatcher('1abc="x"')).toThrow('bad matcher format: 1abc="x"');
    expect(() => parseMatcher('a="x"y"')).toThrow('matcher value contains unescaped double quote: "x"y"');
    expect(() => parseMatcher('a="open')).toThrow('matcher value contains unescaped double quote: "open');
    expect(() => parseMatcher('a=~"(unclosed"')).toThrow(/^error parsing regexp/);
  });

  it('splits lists on commas outside quotes, with or without braces and a trailing comma', () => {
    expect(parseMatchers('{foo = "bar", dings != "bums", }')).toEqual([
      { name: 'foo', type: '=', value: 'bar' },
      { name: 'dings', type: '!=', value: 'bums' },
    ]);
    expect(parseMatchers('foo=bar,dings!=bums')).toHaveLength(2);
    expect(parseMatchers('{msg="a, b",x=~"1|2"}')).toEqual([
      { name: 'msg', type: '=', value: 'a, b' },
      { name: 'x', type: '=~', value: '1|2' },
    ]);
    expect(parseMatchers('{}')).toEqual([]);
  });

  it('matches whole values, a missing label as the empty string, and every matcher of a list', () => {
    const labels = { alertname: 'HighLatency', severity: 'page', env: 'development' };
    expect(matchesLabels(parseMatchers('alertname="HighLatency",severity=~"critical|page"'), labels)).toBe(true);
    expect(matchesLabels(parseMatchers('severity=~"pag"'), labels)).toBe(false);
    expect(matchesLabels(parseMatchers('env!~"dev.*"'), labels)).toBe(false);
    expect(matchesLabels(parseMatchers('team!="qa"'), labels)).toBe(true);
    expect(matchesLabels(parseMatchers('team=""'), labels)).toBe(true);
    expect(matchesLabels(parseMatchers('team=~".+"'), labels)).toBe(false);
    expect(matchesLabels([], labels)).toBe(true);
  });

  it('formats a matcher back into a string that parses to the same matcher', () => {
    for (const text of ['a="x"', 'b!~"q\\"uo\\\\te"', 'c=~"line\\nbreak"']) {
      const m = parseMatcher(text);
      expect(parseMatcher(formatMatcher(m))).toEqual(m);
    }
  });

  it('matches a catastrophically backtracking pattern in linear time, as RE2 does (it would run for minutes)', () => {
    const evil = parseMatcher('host=~"(x+x+)+y"');
    expect(matchesLabels([evil], { host: 'x'.repeat(40) })).toBe(false);
    expect(matchesLabels([evil], { host: 'xxy' })).toBe(true);
  });
});
