// Alertmanager's label matchers (`alertname="HighLatency"`, `severity=~"critical|page"`,
// `team!="qa"`, `env!~"dev.*"`), in the classic syntax that amtool, the v2 API's `filter`
// parameter and routing configurations use (Alertmanager pkg/labels, parse.go): a label name,
// an operator, and a value that may be double-quoted with OpenMetrics escapes. A list may be
// wrapped in braces and is split on commas outside quotes. A label the alert lacks matches as
// the empty string, and a regular expression must match the whole value.

import { setFlagsFromString } from 'node:v8';
import { fromGoSyntax, goRegexpError } from './go_regexp.js';

// Matchers come from callers (filters, silences, rules) and run against every alert; V8's
// backtracking engine would let a pattern like `(x+x+)+y` hold the server for minutes, where
// Alertmanager's RE2 is linear. V8 switches a regex that backtracks excessively to its linear
// engine with this flag; that engine lacks backreferences and lookarounds, which Go's syntax
// has not either (go_regexp.ts refuses them), so every accepted matcher can fall back.
setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');

export type MatchType = '=' | '!=' | '=~' | '!~';

export interface Matcher {
  name: string;
  type: MatchType;
  value: string;
}

/** A matcher that cannot be parsed; the message is Alertmanager's. */
export class MatcherSyntaxError extends Error {}

/** Name, operator (`=~` and `!~` before `=`), then the rest, trimmed. */
const MATCHER = /^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(=~|!~|!=|=)\s*([\s\S]*?)\s*$/;

/** Unescapes a matcher value: `\"`, `\\`, `\n`; a lone or unknown escape stays a literal backslash. */
function unescapeValue(raw: string, original: string): string {
  const quoted = raw.startsWith('"');
  const body = quoted ? raw.slice(1) : raw;
  let out = '';
  let closed = !quoted;
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (ch === '\\' && i < body.length - 1) {
      const next = body[++i];
      out += next === 'n' ? '\n' : next === '"' || next === '\\' ? next : `\\${next}`;
    } else if (ch === '"') {
      // Only the closing quote of a quoted value, as its last character.
      if (!quoted || i !== body.length - 1) throw new MatcherSyntaxError(`matcher value contains unescaped double quote: ${original}`);
      closed = true;
    } else {
      out += ch;
    }
  }
  if (!closed) throw new MatcherSyntaxError(`matcher value contains unescaped double quote: ${original}`);
  return out;
}

/** One matcher, e.g. `severity=~"critical|page"`. */
export function parseMatcher(text: string): Matcher {
  const found = MATCHER.exec(text);
  if (!found) throw new MatcherSyntaxError(`bad matcher format: ${text}`);
  const [, name, type, raw] = found;
  const matcher = { name, type: type as MatchType, value: unescapeValue(raw, raw) };
  if (matcher.type === '=~' || matcher.type === '!~') compiled(matcher.value);
  return matcher;
}

/** A comma-separated list, optionally in braces: `{alertname="A", team!="qa"}`. */
export function parseMatchers(text: string): Matcher[] {
  let body = text.trim();
  if (body.startsWith('{')) body = body.slice(1);
  if (body.endsWith('}')) body = body.slice(0, -1);
  const parts: string[] = [];
  let current = '';
  let inQuotes = false;
  let escaped = false;
  for (const ch of body) {
    if (ch === ',' && !inQuotes) {
      parts.push(current);
      current = '';
      continue;
    }
    if (ch === '"' && !escaped) inQuotes = !inQuotes;
    escaped = ch === '\\' ? !escaped : false;
    current += ch;
  }
  if (current.trim() !== '') parts.push(current);
  return parts.map(parseMatcher);
}

const regexCache = new Map<string, RegExp>();
const REGEX_CACHE_SIZE = 1000;

/** The anchored expression of a regex matcher (Go's RE2 syntax and JavaScript's agree on the common subset). */
function compiled(source: string): RegExp {
  let regex = regexCache.get(source);
  if (!regex) {
    const go = fromGoSyntax(source);
    if ('error' in go) throw new MatcherSyntaxError(go.error);
    try {
      regex = new RegExp(`^(?:${go.source})$`, go.flags);
    } catch (err) {
      throw new MatcherSyntaxError(goRegexpError(`^(?:${source})$`, err as Error));
    }
    if (regexCache.size >= REGEX_CACHE_SIZE) regexCache.delete(regexCache.keys().next().value!);
    regexCache.set(source, regex);
  }
  return regex;
}

/** Whether one matcher accepts a label value (a missing label is the empty string). */
export function matchesValue(matcher: Matcher, value: string | undefined): boolean {
  const v = value ?? '';
  switch (matcher.type) {
    case '=':
      return v === matcher.value;
    case '!=':
      return v !== matcher.value;
    case '=~':
      return compiled(matcher.value).test(v);
    case '!~':
      return !compiled(matcher.value).test(v);
  }
}

/** Whether every matcher accepts the label set; an empty list accepts every alert. */
export function matchesLabels(matchers: readonly Matcher[], labels: Readonly<Record<string, string>>): boolean {
  return matchers.every((m) => matchesValue(m, Object.hasOwn(labels, m.name) ? labels[m.name] : undefined));
}

/** A matcher in the classic syntax, value quoted and escaped, e.g. `team!="qa"`. */
export function formatMatcher({ name, type, value }: Matcher): string {
  return `${name}${type}"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}
