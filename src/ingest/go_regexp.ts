// Go's regexp error messages (regexp/syntax), for regular expressions that JavaScript refuses:
// Alertmanager answers `error parsing regexp: <code>: `<expr>``, and amtool users read those
// words. JavaScript's messages are mapped onto Go's for the common mistakes; the offending part
// of the expression is the one Go quotes. Anything else keeps JavaScript's own words.

const REPEAT = /[*+?]/;

/**
 * An expression in Go's syntax made ready for JavaScript's RegExp, or Go's complaint about it,
 * where the two syntaxes part: Go refuses lookarounds, named groups in the `(?<name>` form (Go
 * 1.19, as Debian's Alertmanager 0.25 is built) and backreferences, which JavaScript would take;
 * and a `]` first in a character class is a literal to Go (JavaScript reads `[]` as an empty
 * class), so it is escaped.
 */
export function fromGoSyntax(expr: string): { source: string; flags: string } | { error: string } {
  // A leading `(?i)` or `(?s)` (or both) becomes RegExp's flag; Go's flags elsewhere, in a group
  // (`(?i:…)`) or `m`/`U`, have no JavaScript form: refused, saying so.
  const leading = /^\(\?([is]+)\)/.exec(expr);
  const flags = leading ? [...new Set(leading[1])].sort().join('') : '';
  if (leading) expr = expr.slice(leading[0].length);
  let source = '';
  let inClass = false;
  for (let i = 0; i < expr.length; i++) {
    const ch = expr[i];
    if (ch === '\\') {
      const next = expr[i + 1] ?? '';
      if (!inClass && /[1-9]/.test(next)) return { error: `error parsing regexp: invalid escape sequence: \`\\${next}\`` };
      source += ch + next;
      i++;
      continue;
    }
    if (inClass) {
      if (ch === ']') inClass = false;
      source += ch;
      continue;
    }
    if (ch === '[') {
      inClass = true;
      source += ch;
      if (expr[i + 1] === '^') source += expr[++i];
      if (expr[i + 1] === ']') {
        source += '\\]';
        i++;
      }
      continue;
    }
    if (ch === '(' && expr[i + 1] === '?') {
      const perl = /^\(\?(?:[=!]|<)/.exec(expr.slice(i));
      if (perl) return { error: `error parsing regexp: invalid or unsupported Perl syntax: \`${perl[0]}\`` };
      const flagged = /^\(\?[imsU-]+[:)]/.exec(expr.slice(i));
      if (flagged) return { error: `error parsing regexp: flags ${flagged[0]} are not supported by Plugboard (only a leading (?i) or (?s)): \`${expr}\`` };
    }
    source += ch;
  }
  return { source, flags };
}

/** Go's `error parsing regexp: …` message for `expr`, which `new RegExp` refused with `err`. */
export function goRegexpError(expr: string, err: Error): string {
  const js = err.message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
  return `error parsing regexp: ${goCode(expr, js)}`;
}

function goCode(expr: string, js: string): string {
  if (js === 'Unterminated group') return `missing closing ): \`${expr}\``;
  if (js === "Unmatched ')'") return `unexpected ): \`${expr}\``;
  if (js === 'Unterminated character class') return `missing closing ]: \`${expr.slice(unclosedBracket(expr))}\``;
  if (js === 'numbers out of order in {} quantifier') {
    const found = /\{\d+,\d*\}/.exec(expr);
    if (found) return `invalid repeat count: \`${found[0]}\``;
  }
  if (js === 'Nothing to repeat') return nothingToRepeat(expr) ?? js;
  return js;
}

/** Where the character class that is never closed opens. */
function unclosedBracket(expr: string): number {
  let open = -1;
  for (let i = 0; i < expr.length; i++) {
    if (expr[i] === '\\') i++;
    else if (open < 0 && expr[i] === '[') open = i;
    else if (open >= 0 && expr[i] === ']' && i > open + 1) open = -1;
  }
  return Math.max(open, 0);
}

/** A repetition operator with nothing before it (`*x`, `a|*`) or after another one (`a**`). */
function nothingToRepeat(expr: string): string | undefined {
  let previous = '';
  let inClass = false;
  for (let i = 0; i < expr.length; i++) {
    const ch = expr[i];
    if (ch === '\\') {
      previous = expr.slice(i, i + 2);
      i++;
      continue;
    }
    if (inClass) {
      if (ch === ']') inClass = false;
      continue;
    }
    if (ch === '[') inClass = true;
    if (REPEAT.test(ch)) {
      if (previous === '' || previous === '(' || previous === '|' || previous === '(?:') return `missing argument to repetition operator: \`${ch}\``;
      if (REPEAT.test(previous.slice(-1)) && !(ch === '?' && previous.length === 1)) return `invalid nested repetition operator: \`${previous}${ch}\``;
      previous = REPEAT.test(previous.slice(-1)) ? previous + ch : ch;
      continue;
    }
    if (ch === '(' && expr.startsWith('(?:', i)) {
      previous = '(?:';
      i += 2;
      continue;
    }
    previous = ch;
  }
  return undefined;
}
