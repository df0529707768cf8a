// Kibana's KQL, parsed to a tree that each user compiles for itself (SQL over the event log,
// Elasticsearch query DSL, a test of one document).
//
// Grammar (precedence: not > and > or; keywords case-insensitive):
//   query      := or
//   or         := and ("or" and)*
//   and        := not ("and" not)*
//   not        := "not" not | primary
//   primary    := "(" or ")" | field ":" values | field rangeOp literal | value
//   values     := "(" valueOr ")" | value          (valueOr/And/Not mirror or/and/not)
//   value      := quoted phrase | unquoted literal (may contain `*` wildcards and spaces)
// As in KQL, an unquoted literal runs over spaces until a keyword, a special character or the
// end, so `name:my connector` is one value; `a:b c:d` (no `and`) is a syntax error.
//
// Parentheses and `not` may nest at most KQL_MAX_DEPTH levels: each level is a recursion here and
// a level of SQL, and SQLite refuses expressions deeper than 1000. Elasticsearch bounds the bool
// queries Kibana makes of KQL alike (indices.query.bool.max_nested_depth, 20 or 30 by version).

/** How deeply parentheses and `not` may nest, counted together: `not (a or not b)` is 3. */
const KQL_MAX_DEPTH = 30;

/** A value: the text between wildcards. No wildcard means one segment; `*` alone is ['', '']. */
export interface KqlValue {
  segments: string[];
  quoted: boolean;
}

export type RangeOperator = '<' | '<=' | '>' | '>=';

export type KqlNode =
  | { type: 'or'; children: KqlNode[] }
  | { type: 'and'; children: KqlNode[] }
  | { type: 'not'; child: KqlNode }
  /** `field:value`, or a bare term (`field` undefined) that searches the message fields. */
  | { type: 'match'; field?: string; value: KqlValue; position: number }
  | { type: 'exists'; field: string; position: number }
  | { type: 'range'; field: string; operator: RangeOperator; value: string; position: number };

/** A filter that cannot be used: the message says what is wrong and where. */
export class KqlError extends Error {
  override name = 'KqlError';
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
  }
}

const SPECIAL = new Set(['\\', '(', ')', ':', '<', '>', '"', '{', '}']);
const isSpace = (c: string | undefined) => c !== undefined && /\s/.test(c);

class Parser {
  private pos = 0;
  /** Open parentheses and `not`s around the current position. */
  private depth = 0;
  constructor(private readonly input: string) {}

  parse(): KqlNode | undefined {
    this.skipSpace();
    if (this.atEnd()) return undefined;
    const node = this.parseOr();
    this.skipSpace();
    if (!this.atEnd()) {
      const c = this.input[this.pos];
      if (c === ')') throw this.error('unexpected ")" without a matching "("');
      // `a:b c:d` reads the value "b c", then stops at the second ":".
      if (c === ':' || c === '<' || c === '>') throw this.error(`unexpected "${c}": join conditions with "and" or "or", and quote values that contain spaces`);
      throw this.error('expected "and", "or" or the end of the filter');
    }
    return node;
  }

  // Boolean structure, shared by queries and value lists (`field:(a or b)`).
  // In a value list, `field` is set and `fieldPos` (where the field was named) tags its nodes.
  private parseOr(field?: string, fieldPos = 0): KqlNode {
    const children = [this.parseAnd(field, fieldPos)];
    while (this.keyword('or')) children.push(this.parseAnd(field, fieldPos));
    return children.length === 1 ? children[0] : { type: 'or', children };
  }

  private parseAnd(field?: string, fieldPos = 0): KqlNode {
    const children = [this.parseNot(field, fieldPos)];
    while (this.keyword('and')) children.push(this.parseNot(field, fieldPos));
    return children.length === 1 ? children[0] : { type: 'and', children };
  }

  private parseNot(field?: string, fieldPos = 0): KqlNode {
    this.skipSpace();
    if (!this.peekKeyword('not')) return this.parsePrimary(field, fieldPos);
    this.enterLevel();
    this.pos += 'not'.length;
    const child = this.parseNot(field, fieldPos);
    this.depth--;
    return { type: 'not', child };
  }

  /** Counts a level of nesting that starts at the current position; fails beyond the limit. */
  private enterLevel(): void {
    if (this.depth === KQL_MAX_DEPTH) throw this.error(`parentheses and "not" nest deeper than the limit of ${KQL_MAX_DEPTH} levels`);
    this.depth++;
  }

  private parsePrimary(field?: string, fieldPos = 0): KqlNode {
    this.skipSpace();
    if (this.atEnd()) throw this.error(field === undefined ? 'expected a field, a value or "("' : `expected a value for "${field}"`);
    if (this.input[this.pos] === '(') {
      this.enterLevel();
      const open = this.pos++;
      const node = this.parseOr(field, fieldPos);
      this.skipSpace();
      if (this.input[this.pos] !== ')') throw this.error(`expected ")" to close the "(" at position ${open}`);
      this.pos++;
      this.depth--;
      return node;
    }
    const start = this.pos;
    for (const word of ['and', 'or']) {
      if (this.peekKeyword(word)) throw this.error(`expected a ${field === undefined ? 'field or value' : 'value'} before "${word}"`);
    }
    const literal = this.literal();
    if (field !== undefined) return this.valueNode(field, literal, fieldPos);

    this.skipSpace();
    const c = this.input[this.pos];
    if (c === ':') {
      const name = this.fieldName(literal, start);
      this.pos++;
      this.skipSpace();
      if (this.atEnd()) throw this.error(`expected a value after "${name}:"`);
      if (this.input[this.pos] === '{') throw this.error('nested queries ("{ }") are not supported');
      if (this.input[this.pos] === '(') return this.parsePrimary(name, start);
      if (this.peekKeyword('and') || this.peekKeyword('or') || this.peekKeyword('not')) {
        throw this.error(`expected a value after "${name}:"`);
      }
      return this.valueNode(name, this.literal(), start);
    }
    if (c === '<' || c === '>') {
      const name = this.fieldName(literal, start);
      const operator: RangeOperator = this.input[this.pos + 1] === '=' ? (`${c}=` as RangeOperator) : c;
      this.pos += operator.length;
      this.skipSpace();
      if (this.atEnd() || this.input[this.pos] === '(' || this.input[this.pos] === ')') {
        throw this.error(`expected a value after "${name} ${operator}"`);
      }
      const value = this.literal();
      if (value.segments.length > 1) throw new KqlError(`wildcards are not allowed in a range ("${name} ${operator}")`, start);
      return { type: 'range', field: name, operator, value: value.segments[0], position: start };
    }
    if (literal.segments.length === 1 && literal.segments[0] === '' && !literal.quoted) {
      throw this.error('expected a field, a value or "("');
    }
    return { type: 'match', value: literal, position: start };
  }

  private valueNode(field: string, value: KqlValue, position: number): KqlNode {
    if (!value.quoted && value.segments.length === 2 && value.segments.every((s) => s === '')) return { type: 'exists', field, position };
    return { type: 'match', field, value, position };
  }

  private fieldName(literal: KqlValue, start: number): string {
    if (literal.segments.length > 1) throw new KqlError('wildcards in field names are not supported', start);
    const name = literal.segments[0];
    if (name === '') throw new KqlError('expected a field name', start);
    return name;
  }

  /** A quoted phrase or an unquoted literal, escapes resolved; fails if there is none. */
  private literal(): KqlValue {
    if (this.input[this.pos] === '"') return this.quoted();
    const segments = [''];
    let sawAny = false;
    while (!this.atEnd()) {
      const c = this.input[this.pos];
      if (c === '\\') {
        segments[segments.length - 1] += this.escape();
        sawAny = true;
        continue;
      }
      if (c === '*') {
        segments.push('');
        this.pos++;
        sawAny = true;
        continue;
      }
      if (SPECIAL.has(c)) break;
      // Spaces belong to the literal unless a keyword follows them.
      if (isSpace(c)) {
        let next = this.pos;
        while (isSpace(this.input[next])) next++;
        if (next >= this.input.length || this.keywordAt(next, 'and') || this.keywordAt(next, 'or') || this.keywordAt(next, 'not')) break;
        if (SPECIAL.has(this.input[next])) break;
      }
      segments[segments.length - 1] += c;
      sawAny = true;
      this.pos++;
    }
    if (!sawAny) {
      const c = this.input[this.pos];
      throw this.error(c === undefined ? 'expected a value' : `unexpected "${c}"`);
    }
    segments[0] = segments[0].trimStart();
    segments[segments.length - 1] = segments[segments.length - 1].trimEnd();
    return { segments, quoted: false };
  }

  private quoted(): KqlValue {
    const open = this.pos++;
    let text = '';
    while (!this.atEnd()) {
      const c = this.input[this.pos];
      if (c === '"') {
        this.pos++;
        return { segments: [text], quoted: true };
      }
      if (c === '\\') text += this.escape();
      else {
        text += c;
        this.pos++;
      }
    }
    throw new KqlError(`unterminated quoted string starting at position ${open}`, open);
  }

  private escape(): string {
    const at = this.pos;
    const c = this.input[this.pos + 1];
    if (c === undefined) throw new KqlError(`dangling "\\" at position ${at}`, at);
    this.pos += 2;
    switch (c) {
      case 't':
        return '\t';
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 'u': {
        const hex = this.input.slice(this.pos, this.pos + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new KqlError(`invalid unicode escape at position ${at}`, at);
        this.pos += 4;
        return String.fromCharCode(parseInt(hex, 16));
      }
      default:
        return c;
    }
  }

  /** Consumes `word` (with surrounding spaces) when it stands as a keyword here. */
  private keyword(word: string): boolean {
    const save = this.pos;
    this.skipSpace();
    if (this.keywordAt(this.pos, word)) {
      this.pos += word.length;
      return true;
    }
    this.pos = save;
    return false;
  }

  private peekKeyword(word: string): boolean {
    return this.keywordAt(this.pos, word);
  }

  private keywordAt(at: number, word: string): boolean {
    if (this.input.slice(at, at + word.length).toLowerCase() !== word) return false;
    const before = this.input[at - 1];
    const after = this.input[at + word.length];
    const boundaryBefore = at === 0 || isSpace(before) || before === '(' || before === ')';
    // A keyword at the very end is still one, so `a and` fails instead of matching "a and".
    return boundaryBefore && (after === undefined || isSpace(after) || after === '(' || after === ')' || after === '"');
  }

  private skipSpace(): void {
    while (isSpace(this.input[this.pos])) this.pos++;
  }

  private atEnd(): boolean {
    return this.pos >= this.input.length;
  }

  private error(what: string): KqlError {
    if (this.atEnd()) return new KqlError(`${what} at the end of the filter`, this.input.length);
    const near = this.input.slice(this.pos, this.pos + 20);
    return new KqlError(`${what} at position ${this.pos} (near "${near}")`, this.pos);
  }
}

/** Parses a KQL filter; an empty or blank filter gives undefined (no condition). */
export function parseKql(input: string): KqlNode | undefined {
  return new Parser(input).parse();
}

const describeValue = (v: KqlValue) => (v.quoted ? JSON.stringify(v.segments[0]) : v.segments.map((s) => s.replace(/[*\\]/g, '\\$&')).join('*'));

/** A compact rendering of the tree, for tests and logs: `(and a:b (not c))`. */
export function formatKql(node: KqlNode): string {
  switch (node.type) {
    case 'or':
    case 'and':
      return `(${node.type} ${node.children.map(formatKql).join(' ')})`;
    case 'not':
      return `(not ${formatKql(node.child)})`;
    case 'exists':
      return `${node.field}:*`;
    case 'range':
      return `${node.field}${node.operator}${node.value}`;
    case 'match':
      return node.field === undefined ? describeValue(node.value) : `${node.field}:${describeValue(node.value)}`;
  }
}
