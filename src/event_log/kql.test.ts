import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { up } from '../storage/migrations/002_tasks_and_event_log.js';
import type { Database } from '../storage/schema.js';
import type { EventRow } from './document.js';
import { formatKql, KqlError, parseKql } from '../common/kql.js';
import { escapeLike, kqlFilter, parseDateValue } from './kql.js';

describe('parseKql', () => {
  it.each([
    ['event.outcome:failure', 'event.outcome:failure'],
    ['  event.outcome : failure  ', 'event.outcome:failure'],
    ['"event.outcome":failure', 'event.outcome:failure'],
    ['message:"action executed: x"', 'message:"action executed: x"'],
    ['kibana.action.name:web*', 'kibana.action.name:web*'],
    ['kibana.action.name:*hook*', 'kibana.action.name:*hook*'],
    ['kibana.action.name:"web*"', 'kibana.action.name:"web*"'],
    ['kibana.action.name:web\\*', 'kibana.action.name:web\\*'],
    ['error.message:a\\:b\\(c\\)', 'error.message:a:b(c)'],
    ['error.message:\\u0041bc', 'error.message:Abc'],
    ['error.message:*', 'error.message:*'],
    ['kibana.action.name:my web hook', 'kibana.action.name:my web hook'],
    ['timeout', 'timeout'],
    ['rate limited', 'rate limited'],
    ['"quoted phrase"', '"quoted phrase"'],
    ['*', '*'],
    ['event.duration > 5', 'event.duration>5'],
    ['event.duration>=5', 'event.duration>=5'],
    ['event.duration < 5', 'event.duration<5'],
    ['@timestamp <= now-1h', '@timestamp<=now-1h'],
    ['@timestamp >= "2024-05-01T00:00:00Z"', '@timestamp>=2024-05-01T00:00:00Z'],
    ['android:x', 'android:x'],
    ['notable:x or order:y', '(or notable:x order:y)'],
    ['((a:b))', 'a:b'],
  ])('%s', (input, expected) => {
    expect(formatKql(parseKql(input)!)).toBe(expected);
  });

  it('takes 30 levels of parentheses and "not"', () => {
    expect(formatKql(parseKql(`${'('.repeat(30)}a:1${')'.repeat(30)}`)!)).toBe('a:1');
    expect(formatKql(parseKql(`${'not ('.repeat(15)}a:1${')'.repeat(15)}`)!)).toBe(`${'(not '.repeat(15)}a:1${')'.repeat(15)}`);
    expect(formatKql(parseKql(`a:(${'not '.repeat(29)}1)`)!)).toBe(`${'(not '.repeat(29)}a:1${')'.repeat(29)}`);
    // Siblings do not add up: each group closes before the next opens.
    const siblings = Array.from({ length: 100 }, (_, i) => `${'('.repeat(30)}a:${i}${')'.repeat(30)}`).join(' or ');
    expect((parseKql(siblings) as { children: unknown[] }).children).toHaveLength(100);
  });

  it('gives nothing for a blank filter', () => {
    expect(parseKql('')).toBeUndefined();
    expect(parseKql('  \t ')).toBeUndefined();
  });

  it('keeps the wildcard segments and the quoting', () => {
    expect(parseKql('a:web*srv')).toMatchObject({ type: 'match', field: 'a', value: { segments: ['web', 'srv'], quoted: false } });
    expect(parseKql('a:"web*srv"')).toMatchObject({ type: 'match', field: 'a', value: { segments: ['web*srv'], quoted: true } });
    expect(parseKql('a:*')).toMatchObject({ type: 'exists', field: 'a', position: 0 });
    expect(parseKql('x:1 and b > 2')).toMatchObject({ type: 'and', children: [{ position: 0 }, { type: 'range', field: 'b', operator: '>', value: '2', position: 8 }] });
  });
});

describe('precedence: not > and > or', () => {
  it.each([
    ['a:1 and b:2 or c:3', '(or (and a:1 b:2) c:3)'],
    ['a:1 or b:2 and c:3', '(or a:1 (and b:2 c:3))'],
    ['a:1 or b:2 or c:3', '(or a:1 b:2 c:3)'],
    ['a:1 and b:2 and c:3', '(and a:1 b:2 c:3)'],
    ['not a:1 and b:2', '(and (not a:1) b:2)'],
    ['not a:1 or b:2', '(or (not a:1) b:2)'],
    ['a:1 and not b:2 or c:3', '(or (and a:1 (not b:2)) c:3)'],
    ['not not a:1', '(not (not a:1))'],
    ['not (a:1 or b:2)', '(not (or a:1 b:2))'],
    ['a:1 and (b:2 or c:3)', '(and a:1 (or b:2 c:3))'],
    ['(a:1 or b:2) and c:3', '(and (or a:1 b:2) c:3)'],
    ['a:1 AND b:2 Or NOT c:3', '(or (and a:1 b:2) (not c:3))'],
    ['not(a:1)', '(not a:1)'],
    ['a:(1 or 2)', '(or a:1 a:2)'],
    ['a:(1 or 2 and not 3)', '(or a:1 (and a:2 (not a:3)))'],
    ['a:((1 or 2) and 3*)', '(and (or a:1 a:2) a:3*)'],
    ['x:1 and y:(2 or "3 4")', '(and x:1 (or y:2 y:"3 4"))'],
  ])('%s', (input, expected) => {
    expect(formatKql(parseKql(input)!)).toBe(expected);
  });
});

describe('syntax errors say what and where', () => {
  it.each([
    ['event.outcome:', /^expected a value after "event\.outcome:" at the end of the filter$/],
    ['a:1 and', /^expected a field, a value or "\(" at the end of the filter$/],
    ['a:1 or ', /at the end of the filter/],
    ['(a:1', /^expected "\)" to close the "\(" at position 0 at the end of the filter$/],
    ['(a:1 or b:2 c', /expected "\)" to close the "\(" at position 0/],
    ['a:1)', /^unexpected "\)" without a matching "\(" at position 3 \(near "\)"\)$/],
    ['a:"open', /^unterminated quoted string starting at position 2$/],
    ['a:1 b:2', /^unexpected ":": join conditions with "and" or "or".* at position 5/],
    ['and a:1', /^expected a field or value before "and" at position 0/],
    ['a:1 and or b:2', /expected a field or value before "or" at position 8/],
    ['a:(1 or)', /^unexpected "\)" at position 7/],
    ['a:{b:1}', /nested queries .* at position 2/],
    ['a*:1', /wildcards in field names are not supported/],
    ['a > b*', /wildcards are not allowed in a range/],
    ['a >', /expected a value after "a >" at the end/],
    ['a:1\\', /dangling "\\" at position 3/],
    ['a:\\u00zz', /invalid unicode escape at position 2/],
    ['a:1 not b:2', /expected "and", "or" or the end of the filter at position 4/],
    ['()', /unexpected "\)" at position 1/],
    // Nesting beyond 30 levels, wherever it happens; the position is that of the 31st level.
    [`${'('.repeat(31)}a:1${')'.repeat(31)}`, /^parentheses and "not" nest deeper than the limit of 30 levels at position 30 \(near "\(a:1\)+"\)$/],
    [`${'(('.repeat(1500)}a:1`, /nest deeper than the limit of 30 levels at position 30 /],
    [`${'not '.repeat(31)}a:1`, /^parentheses and "not" nest deeper than the limit of 30 levels at position 120 \(near "not a:1"\)$/],
    [`${'NOT '.repeat(997)}a:1`, /nest deeper than the limit of 30 levels at position 120 /],
    [`${'not ('.repeat(16)}a:1`, /nest deeper than the limit of 30 levels at position 75 /],
    [`a:${'('.repeat(31)}1${')'.repeat(31)}`, /nest deeper than the limit of 30 levels at position 32 /],
    [`a:(${'not '.repeat(30)}1)`, /nest deeper than the limit of 30 levels at position 119 /],
  ])('%s', (input, message) => {
    let error: unknown;
    try {
      parseKql(input);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(KqlError);
    expect((error as KqlError).message).toMatch(message);
  });
});

describe('compile errors', () => {
  it.each([
    ['bogus:1', /^unknown field "bogus" at position 0; known fields: @timestamp, /],
    ['event.outcome:failure and attempt:2', /^unknown field "attempt" at position 26/],
    ['event.outcome > 3', /range ">" needs a numeric or date field; "event.outcome" is neither \(at position 0\)/],
    ['kibana.action.execution.attempt:two', /field "kibana.action.execution.attempt" expects a number, not "two"/],
    ['event.duration:12*', /wildcards need a text field; "event.duration" is a number field/],
    ['@timestamp > yesterday', /field "@timestamp" expects an ISO date or now-<n><s\|m\|h\|d\|w>, not "yesterday"/],
    ['@timestamp > now-3y', /expects an ISO date/],
  ])('%s', (input, message) => {
    expect(() => kqlFilter(input)).toThrow(KqlError);
    expect(() => kqlFilter(input)).toThrow(message);
  });
});

describe('helpers', () => {
  it('escapes LIKE metacharacters', () => {
    expect(escapeLike('50%_off\\now')).toBe('50\\%\\_off\\\\now');
  });

  it.each([
    ['now', 1_000_000_000],
    ['now-30s', 1_000_000_000 - 30_000],
    ['now-15m', 1_000_000_000 - 900_000],
    ['now-24h', 1_000_000_000 - 86_400_000],
    ['now-7d', 1_000_000_000 - 7 * 86_400_000],
    ['now-1w', 1_000_000_000 - 7 * 86_400_000],
    ['now+1h', 1_000_000_000 + 3_600_000],
    ['2024-05-01T10:00:00.000Z', Date.UTC(2024, 4, 1, 10)],
    ['2024-05-01', Date.UTC(2024, 4, 1)],
    ['now-1y', undefined],
    ['yesterday', undefined],
    ['1', undefined],
    ['2024-13-45', undefined],
  ])('date %s', (text, expected) => {
    expect(parseDateValue(text, 1_000_000_000)).toBe(expected);
  });
});

// The compiled filters, run against the real table.
describe('compiled filters select the right rows (SQLite)', () => {
  let db: Kysely<Database>;
  const T0 = Date.UTC(2024, 4, 1, 12);

  // The table as migration 002 made it: no rule columns (migration 014).
  const row = (id: string, fields: Partial<EventRow>): EventRow => ({
    id,
    timestamp: T0,
    provider: 'actions',
    action: 'execute',
    outcome: 'success',
    space_id: 'default',
    connector_id: 'c1',
    connector_type_id: '.webhook',
    connector_name: 'Web Hook 1',
    execution_uuid: `uuid-${id}`,
    source: 'http_request',
    attempt: 1,
    duration_ns: 5_000_000,
    schedule_delay_ns: null,
    message: 'action executed: .webhook:c1: Web Hook 1',
    error_message: null,
    document: '{}',
    ...fields,
  }) as EventRow;

  const ROWS: EventRow[] = [
    row('ok', { source: 'alert', schedule_delay_ns: 1_000_000 }),
    row('fail', {
      outcome: 'failure',
      timestamp: T0 + 60_000,
      duration_ns: 2_000_000_000,
      message: 'action execution failure: .webhook:c1: Web Hook 1',
      error_message: 'Request failed: 100%_done; retry: true',
    }),
    row('retry', {
      outcome: 'failure',
      timestamp: T0 + 120_000,
      attempt: 2,
      connector_id: 'c2',
      connector_type_id: '.slack',
      connector_name: 'Slack ops',
      space_id: 'marketing',
      message: 'action execution failure: .slack:c2: Slack ops',
      error_message: 'Rate limited by the service',
    }),
    row('timeout', {
      action: 'execute-timeout',
      outcome: null,
      duration_ns: null,
      message: `action: .webhook:c1: 'Web Hook 1' execution cancelled due to timeout - exceeded default timeout of "5m"`,
    }),
    row('under', { connector_name: 'web_hook', connector_id: 'c3' }),
    row('x', { connector_name: 'webXhook', connector_id: 'c4' }),
  ];

  beforeAll(async () => {
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: new SQLite(':memory:') }) });
    await up(db as Kysely<unknown>);
    await db.insertInto('event_log').values(ROWS).execute();
  });
  afterAll(async () => db.destroy());

  const all = ROWS.map((r) => r.id);
  const but = (...ids: string[]) => all.filter((id) => !ids.includes(id));
  const selected = async (filter: string) => (await db.selectFrom('event_log').select('id').where(kqlFilter(filter)!).orderBy('id').execute()).map((r) => r.id);

  it.each([
    ['event.outcome:failure', ['fail', 'retry']],
    ['event.outcome:FAILURE', []],
    ['not event.outcome:failure', but('fail', 'retry')],
    ['event.outcome:*', but('timeout')],
    ['not event.outcome:*', ['timeout']],
    ['event.action:execute-timeout', ['timeout']],
    ['kibana.action.name:web*', ['ok', 'fail', 'timeout', 'under', 'x']],
    ['kibana.action.name:WEB*', ['ok', 'fail', 'timeout', 'under', 'x']],
    ['kibana.action.name:web_*', ['under']],
    ['kibana.action.name:*hook', ['under', 'x']],
    ['kibana.action.name:"Slack ops"', ['retry']],
    ['kibana.action.name:Slack ops', ['retry']],
    ['kibana.action.id:c2', ['retry']],
    ['kibana.action.type_id:.slack', ['retry']],
    ['kibana.space_ids:marketing', ['retry']],
    ['kibana.action.execution.uuid:uuid-ok', ['ok']],
    ['kibana.action.execution.source:alert', ['ok']],
    ['kibana.action.execution.attempt >= 2', ['retry']],
    ['kibana.action.execution.attempt:1 and event.outcome:failure', ['fail']],
    ['event.duration > 1000000000', ['fail']],
    ['kibana.task.schedule_delay:*', ['ok']],
    ['message:executed', ['ok', 'under', 'x']],
    ['message:EXECUTED', ['ok', 'under', 'x']],
    ['message:"execution failure"', ['fail', 'retry']],
    ['message:"failure execution"', []],
    ['message:failure execution', ['fail', 'retry']],
    ['error.message:"100%_done"', ['fail']],
    ['error.message:"100%Xdone"', []],
    ['error.message:rate*service', ['retry']],
    ['timeout', ['timeout']],
    ['rate limited', ['retry']],
    ['"retry: true"', ['fail']],
    ['*', all],
    ['event.outcome:(success or failure) and not kibana.action.name:"Slack ops"', ['ok', 'fail', 'under', 'x']],
    ['(event.outcome:failure or event.action:execute-timeout) and kibana.action.id:c1', ['fail', 'timeout']],
    ['event.outcome:failure or event.action:execute-timeout and kibana.action.id:c1', ['fail', 'retry', 'timeout']],
    ['not (kibana.action.id:c1 or kibana.action.id:c2)', ['under', 'x']],
    [`@timestamp > "${new Date(T0 + 30_000).toISOString()}"`, ['fail', 'retry']],
    [`@timestamp:"${new Date(T0 + 60_000).toISOString()}"`, ['fail']],
  ])('%s', async (filter, expected) => {
    expect(await selected(filter)).toEqual([...expected].sort());
  });

  // Far beyond SQLite's expression depth of 1000, were the SQL nested one level per term.
  it.each([
    ['5,000 "or"s', [...Array<string>(5000).fill('kibana.action.id:zz'), 'kibana.action.id:c2'].join(' or '), ['retry']],
    ['5,000 "and"s', [...Array<string>(5000).fill('not kibana.action.id:zz'), 'kibana.action.id:c2'].join(' and '), ['retry']],
    ['5,000 values with "or"', `kibana.action.id:(${'zz or '.repeat(5000)}c2)`, ['retry']],
    ['5,000 values with "and"', `kibana.action.id:(${'not zz and '.repeat(5000)}not c1)`, ['retry', 'under', 'x']],
    ['5,000 bare words', `Slack${' o'.repeat(5000)}`, ['retry']],
    ['5,000 words in a text field', `error.message:rate${' e'.repeat(5000)}`, ['retry']],
    ['30 "not"s', `${'not '.repeat(30)}kibana.action.id:c2`, ['retry']],
    ['30 levels of "not" and parentheses', `${'not ('.repeat(15)}kibana.action.id:c2 or kibana.action.id:c3${')'.repeat(15)}`, but('retry', 'under')],
  ])('%s', async (_label, filter, expected) => {
    expect(await selected(filter)).toEqual([...expected].sort());
  });
});
