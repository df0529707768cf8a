import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toEventRow, type EventAction, type EventDocument } from '../src/event_log/document.js';
import { availableDialects } from './helpers/databases.js';
import { BASIC_AUTH, startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';

const dialects = await availableDialects();

const LOGS = '/internal/actions/_global_connector_execution_logs';
const KPI = '/internal/actions/_global_connector_execution_kpi';
const VERSION = '9.1.0';
const MINUTE = 60_000;
const NOW = Date.now();
const ago = (minutes: number) => new Date(NOW - minutes * MINUTE).toISOString();

interface Connector {
  id: string;
  name: string;
  typeId: string;
}
const WEBHOOK: Connector = { id: 'c1', name: 'Web Hook', typeId: '.webhook' };
const SLACK: Connector = { id: 'c2', name: 'Slack Ops', typeId: '.slack' };
const UNDERSCORE: Connector = { id: 'c3', name: 'web_hook', typeId: '.webhook' };
const MARKETING: Connector = { id: 'c9', name: 'Marketing hook', typeId: '.webhook' };

interface EventSpec {
  uuid: string;
  action: EventAction;
  at: string;
  connector: Connector;
  attempt?: number;
  outcome?: 'success' | 'failure';
  durationMs?: number;
  delayMs?: number;
  error?: string;
  space?: string;
  source?: string;
}

/** An event document as the action executor writes it (reference §5.1). */
function event(spec: EventSpec): EventDocument {
  const { connector: c, space = 'default' } = spec;
  const ref = `${c.typeId}:${c.id}: ${c.name}`;
  const message =
    spec.action === 'execute-start'
      ? `action started: ${ref}`
      : spec.action === 'execute-timeout'
        ? `action: ${c.typeId}:${c.id}: '${c.name}' execution cancelled due to timeout - exceeded default timeout of "5m"`
        : spec.outcome === 'failure'
          ? `action execution failure: ${ref}`
          : `action executed: ${ref}`;
  const end = spec.durationMs !== undefined ? new Date(Date.parse(spec.at) + spec.durationMs).toISOString() : undefined;
  return {
    '@timestamp': spec.at,
    event: {
      provider: 'actions',
      action: spec.action,
      kind: 'action',
      ...(spec.action === 'execute' ? { start: spec.at, end, duration: String((spec.durationMs ?? 0) * 1_000_000), outcome: spec.outcome ?? 'success' } : {}),
    },
    kibana: {
      saved_objects: [{ rel: 'primary', type: 'action', id: c.id, type_id: c.typeId, ...(space !== 'default' ? { namespace: space } : {}) }],
      space_ids: [space],
      ...(spec.delayMs !== undefined ? { task: { scheduled: spec.at, schedule_delay: spec.delayMs * 1_000_000 } } : {}),
      action: { name: c.name, id: c.id, type_id: c.typeId, execution: { uuid: spec.uuid, source: spec.source ?? 'alert', attempt: spec.attempt ?? 1 } },
      version: VERSION,
    },
    message,
    ...(spec.error ? { error: { message: spec.error } } : {}),
    ...(spec.action === 'execute' ? { user: { name: 'elastic' } } : {}),
  };
}

/** Start + execute events for one attempt. */
const attempt = (spec: Omit<EventSpec, 'action'>): EventDocument[] => [
  event({ ...spec, action: 'execute-start', outcome: undefined, durationMs: undefined, error: undefined }),
  event({ ...spec, action: 'execute' }),
];

// Executions, newest first in the default space within the last 24 hours: E7, E4, E3, E2, E1.
const E1 = 'e1-ok';
const E2 = 'e2-retried';
const E3 = 'e3-failed';
const E4 = 'e4-timeout';
const E5 = 'e5-marketing';
const E6 = 'e6-old';
const E7 = 'e7-http';

const DOCUMENTS: EventDocument[] = [
  ...attempt({ uuid: E1, at: ago(60), connector: WEBHOOK, durationMs: 120, delayMs: 50 }),
  ...attempt({ uuid: E2, at: ago(50), connector: WEBHOOK, outcome: 'failure', durationMs: 300, delayMs: 10, error: 'Request failed with status 503; retry: true' }),
  ...attempt({ uuid: E2, at: ago(49), connector: WEBHOOK, attempt: 2, durationMs: 80, delayMs: 30_040 }),
  ...attempt({ uuid: E3, at: ago(45), connector: SLACK, outcome: 'failure', durationMs: 1000, delayMs: 20, error: 'Rate limited: 429; retry: true' }),
  ...attempt({ uuid: E3, at: ago(44), connector: SLACK, attempt: 2, outcome: 'failure', durationMs: 1500, delayMs: 30_020, error: 'Rate limited: 429; retry: true' }),
  ...attempt({ uuid: E3, at: ago(40), connector: SLACK, attempt: 3, outcome: 'failure', durationMs: 900, delayMs: 60_100, error: 'Rate limited: 429; retry: false' }),
  // Ran for six minutes: the timeout was logged at five, the execute event when it finished.
  ...attempt({ uuid: E4, at: ago(36), connector: WEBHOOK, durationMs: 6 * MINUTE, delayMs: 5 }),
  event({ uuid: E4, action: 'execute-timeout', at: ago(31), connector: WEBHOOK }),
  ...attempt({ uuid: E5, at: ago(20), connector: MARKETING, durationMs: 40, delayMs: 50, space: 'marketing' }),
  ...attempt({ uuid: E6, at: ago(3 * 24 * 60), connector: WEBHOOK, durationMs: 70, delayMs: 25 }),
  // Run over HTTP: no task, so no schedule delay.
  ...attempt({ uuid: E7, at: ago(10), connector: UNDERSCORE, durationMs: 10, source: 'http_request' }),
];

describe.each(dialects)('connector execution log API on %s', (dialect) => {
  let pb: TestPlugboard;

  beforeAll(async () => {
    pb = await startTestPlugboard({ dialect });
    const db = pb.plugboard.database.db;
    expect((await pb.api('POST', '/api/spaces/space', { id: 'marketing', name: 'Marketing' })).status).toBe(200);
    await db
      .insertInto('event_log')
      .values(DOCUMENTS.map((doc, i) => toEventRow(`event-${String(i).padStart(3, '0')}`, doc)))
      .execute();
  });
  afterAll(async () => {
    await pb?.close();
  });

  async function post(url: string, body: unknown, headers: Record<string, string> = { authorization: BASIC_AUTH, 'kbn-xsrf': 'true' }) {
    const res = await pb.plugboard.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...headers }, payload: JSON.stringify(body) });
    return { status: res.statusCode, body: res.json() };
  }
  const logs = async (body: Record<string, unknown>, url = LOGS) => {
    const res = await post(url, { date_start: 'now-24h', ...body });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as { total: number; data: Array<Record<string, any>> };
  };
  const ids = async (body: Record<string, unknown>, url = LOGS) => (await logs(body, url)).data.map((d) => d.id);
  const kpi = async (body: Record<string, unknown>) => {
    const res = await post(KPI, { date_start: 'now-24h', ...body });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body;
  };

  it('lists executions of the request space, newest first, one entry per execution', async () => {
    const res = await logs({});
    expect(res.total).toBe(5);
    expect(res.data.map((d) => d.id)).toEqual([E7, E4, E3, E2, E1]);
    const [e7, e4, e3, e2, e1] = res.data;
    expect(e1).toEqual({
      id: E1,
      timestamp: ago(60),
      duration_ms: 120,
      status: 'success',
      message: 'action executed: .webhook:c1: Web Hook',
      version: VERSION,
      schedule_delay_ms: 50,
      space_ids: ['default'],
      connector_name: 'Web Hook',
      connector_id: 'c1',
      timed_out: false,
      source: 'alert',
      attempts: 1,
    });
    // Retried then succeeded: the first attempt's time and schedule delay (not a retry's), the
    // longest run, the last outcome.
    expect(e2).toMatchObject({ timestamp: ago(50), duration_ms: 300, schedule_delay_ms: 10, status: 'success', attempts: 2, message: 'action executed: .webhook:c1: Web Hook' });
    // Failures carry the error message of the last attempt.
    expect(e3).toMatchObject({
      status: 'failure',
      attempts: 3,
      message: 'action execution failure: .slack:c2: Slack Ops - Rate limited: 429; retry: false',
      connector_name: 'Slack Ops',
      connector_id: 'c2',
      duration_ms: 1500,
      timestamp: ago(45),
      schedule_delay_ms: 20,
      timed_out: false,
    });
    expect(e4).toMatchObject({ timestamp: ago(36), duration_ms: 360_000, status: 'success', timed_out: true, attempts: 1 });
    expect(e7).toMatchObject({ source: 'http_request', schedule_delay_ms: 0, connector_name: 'web_hook', timed_out: false });
  });

  it('pages', async () => {
    const page = (n: number) => logs({ per_page: 2, page: n });
    expect(await page(1)).toMatchObject({ total: 5, data: [{ id: E7 }, { id: E4 }] });
    expect((await page(2)).data.map((d) => d.id)).toEqual([E3, E2]);
    expect((await page(3)).data.map((d) => d.id)).toEqual([E1]);
    expect(await page(4)).toEqual({ total: 5, data: [] });
    expect((await logs({})).data).toHaveLength(5);
    expect((await logs({ per_page: 1 })).data.map((d) => d.id)).toEqual([E7]);
    // Only the first 1000 executions can be reached, as in Kibana.
    expect(await logs({ per_page: 100, page: 11 })).toEqual({ total: 5, data: [] });
  });

  it('sorts by each field, missing values last', async () => {
    const sorted = (field: string, order: string) => ids({ sort: [{ [field]: { order } }] });
    expect(await sorted('timestamp', 'asc')).toEqual([E1, E2, E3, E4, E7]);
    expect(await sorted('timestamp', 'desc')).toEqual([E7, E4, E3, E2, E1]);
    expect(await sorted('execution_duration', 'desc')).toEqual([E4, E3, E2, E1, E7]);
    expect(await sorted('execution_duration', 'asc')).toEqual([E7, E1, E2, E3, E4]);
    expect(await sorted('schedule_delay', 'desc')).toEqual([E1, E3, E2, E4, E7]);
    expect(await sorted('schedule_delay', 'asc')).toEqual([E4, E2, E3, E1, E7]);
    // Later keys break ties: E1 and E5 (another space) waited 50 ms each.
    const both = { namespaces: ['default', 'marketing'] };
    expect(await ids({ ...both, sort: [{ schedule_delay: { order: 'asc' } }, { timestamp: { order: 'desc' } }] })).toEqual([E4, E2, E3, E5, E1, E7]);
    expect(await ids({ ...both, sort: [{ schedule_delay: { order: 'asc' } }, { timestamp: { order: 'asc' } }] })).toEqual([E4, E2, E3, E1, E5, E7]);
    expect(await ids({ sort: [{ timestamp: { order: 'asc' }, execution_duration: { order: 'desc' } }] })).toEqual([E1, E2, E3, E4, E7]);
    expect(await ids({ sort: [], per_page: 2 })).toEqual([E7, E4]);
  });

  it('reads the spaces asked for', async () => {
    expect(await ids({ namespaces: ['marketing'] })).toEqual([E5]);
    expect(await ids({}, `/s/marketing${LOGS}`)).toEqual([E5]);
    expect(await ids({ namespaces: ['default', 'marketing'] })).toEqual([E7, E5, E4, E3, E2, E1]);
    expect(await ids({ namespaces: ['*'] })).toEqual([E7, E5, E4, E3, E2, E1]);
    expect(await ids({ namespaces: [] })).toEqual([E7, E4, E3, E2, E1]);
    expect(await ids({ namespaces: ['nowhere'] })).toEqual([]);
    const [e5] = (await logs({ namespaces: ['marketing'] })).data;
    expect(e5).toMatchObject({ space_ids: ['marketing'], connector_name: 'Marketing hook', connector_id: 'c9' });
  });

  it('limits events to the date range', async () => {
    expect(await ids({ date_start: 'now-7d' })).toEqual([E7, E4, E3, E2, E1, E6]);
    expect(await ids({ date_start: 'now-1w', namespaces: ['*'], per_page: 100 })).toHaveLength(7);
    expect(await ids({ date_start: 'now-15m' })).toEqual([E7]);
    expect(await ids({ date_start: 'now-2d', date_end: 'now-1d' })).toEqual([]);
    expect(await ids({ date_start: 'now', date_end: 'now+1h' })).toEqual([]);
    // Bounds are inclusive; events, not executions, are selected: two of E3's three attempts fall in.
    const res = await logs({ date_start: ago(50), date_end: ago(44) });
    expect(res.data.map((d) => d.id)).toEqual([E3, E2]);
    expect(res.data[0]).toMatchObject({ attempts: 2, status: 'failure', message: 'action execution failure: .slack:c2: Slack Ops - Rate limited: 429; retry: true' });
    expect(res.data[1]).toMatchObject({ attempts: 2, status: 'success' });
    // The time and schedule delay are those of the first attempt that matches: with the first
    // attempts filtered out, the second ones'.
    const retries = await logs({ filter: 'kibana.action.execution.attempt >= 2' });
    expect(retries.data.map((d) => [d.id, d.timestamp, d.schedule_delay_ms])).toEqual([
      [E3, ago(44), 30_020],
      [E2, ago(49), 30_040],
    ]);
  });

  it('applies KQL filters', async () => {
    // A field. Events are filtered, so E2 shows its failed attempt only.
    const failures = await logs({ filter: 'event.outcome:failure' });
    expect(failures.data.map((d) => d.id)).toEqual([E3, E2]);
    expect(failures.data[1]).toMatchObject({ status: 'failure', attempts: 1, message: 'action execution failure: .webhook:c1: Web Hook - Request failed with status 503; retry: true' });
    expect(failures.total).toBe(2);
    // Wildcards: case-insensitive, `_` is literal.
    expect(await ids({ filter: 'kibana.action.name:slack*' })).toEqual([E3]);
    expect(await ids({ filter: 'kibana.action.name:web_*' })).toEqual([E7]);
    expect(await ids({ filter: 'kibana.action.name:web*' })).toEqual([E7, E4, E2, E1]);
    expect(await ids({ filter: 'kibana.action.execution.uuid:e*-o*' })).toEqual([E1]);
    // Phrases.
    expect(await ids({ filter: 'error.message:"retry: false"' })).toEqual([E3]);
    expect(await ids({ filter: 'kibana.action.name:"Slack Ops"' })).toEqual([E3]);
    expect(await ids({ filter: 'message:"executed: .webhook"' })).toEqual([E7, E4, E2, E1]);
    // and / or / not / parentheses.
    expect(await ids({ filter: '(kibana.action.id:c1 or kibana.action.id:c3) and not event.outcome:failure' })).toEqual([E7, E4, E2, E1]);
    expect(await ids({ filter: 'kibana.action.id:c1 and event.outcome:failure or kibana.action.id:c2' })).toEqual([E3, E2]);
    expect(await ids({ filter: 'kibana.action.id:c1 and (event.outcome:failure or kibana.action.id:c2)' })).toEqual([E2]);
    expect(await ids({ filter: 'NOT kibana.action.id:(c1 OR c3)' })).toEqual([E3]);
    expect(await ids({ filter: 'kibana.action.execution.source:http_request' })).toEqual([E7]);
    // Ranges on numbers and dates.
    expect(await ids({ filter: 'kibana.action.execution.attempt >= 3' })).toEqual([E3]);
    expect(await ids({ filter: 'event.duration > 60000000000' })).toEqual([E4]);
    expect(await ids({ filter: '@timestamp >= now-15m' })).toEqual([E7]);
    expect(await ids({ filter: `@timestamp < "${ago(55)}"` })).toEqual([E1]);
    // A bare term searches the messages; here it finds only E4's timeout event.
    const timeouts = await logs({ filter: 'timeout' });
    expect(timeouts.data).toEqual([
      expect.objectContaining({ id: E4, status: 'unknown', timed_out: true, attempts: 0, message: expect.stringContaining('execution cancelled due to timeout') }),
    ]);
    expect(await ids({ filter: 'rate limited' })).toEqual([E3]);
    expect(await ids({ filter: 'event.outcome:*' })).toEqual([E7, E4, E3, E2, E1]);
    expect(await ids({ filter: '   ' })).toEqual([E7, E4, E3, E2, E1]);
  });

  // Hostile filters within the 8,192 characters allowed: too deep is a 400, long is fine.
  it.each([
    ['1,500 nested parentheses', `${'('.repeat(1500)}kibana.action.id:c2${')'.repeat(1500)}`, 30],
    ['997 "not"s', `${'not '.repeat(997)}kibana.action.id:c2`, 120],
    ['31 levels in a value list', `kibana.action.id:(${'not '.repeat(30)}c2)`, 134],
  ])('answers 400 to %s on both routes', async (_label, filter, position) => {
    const message = expect.stringMatching(new RegExp(`^Invalid KQL filter: parentheses and "not" nest deeper than the limit of 30 levels at position ${position} \\(near "`));
    for (const url of [LOGS, KPI]) {
      expect(await post(url, { date_start: 'now-24h', filter })).toEqual({ status: 400, body: { statusCode: 400, error: 'Bad Request', message } });
    }
  });

  it.each([
    ['30 nested parentheses', `${'('.repeat(30)}kibana.action.id:c2${')'.repeat(30)}`, [E3], { failure: 1 }],
    ['30 "not"s', `${'not '.repeat(30)}kibana.action.id:c2`, [E3], { failure: 1 }],
    ['30 levels of "not" and parentheses', `${'not ('.repeat(15)}kibana.action.id:c1${')'.repeat(15)}`, [E7, E3], { success: 1, failure: 1 }],
    // The longest chains that fit: SQLite would refuse them were each term a level deeper.
    ['1,637 "or"s', `${'z or '.repeat(1637)}slack`, [E3], { failure: 1 }],
    ['1,364 "and"s', `${'e and '.repeat(1364)}timeout`, [E4], { unknown: 1 }],
    ['1,634 values', `kibana.action.id:(${'x or '.repeat(1634)}c2)`, [E3], { failure: 1 }],
    ['4,092 words', `timeout${' e'.repeat(4092)}`, [E4], { unknown: 1 }],
  ])('takes %s on both routes', async (_label, filter, expected, counts) => {
    expect(filter.length).toBeLessThanOrEqual(8192);
    expect(await ids({ filter })).toEqual(expected);
    expect(await kpi({ filter })).toEqual({ success: 0, unknown: 0, failure: 0, warning: 0, ...counts });
  });

  it('counts executions by outcome', async () => {
    expect(await kpi({})).toEqual({ success: 4, unknown: 0, failure: 1, warning: 0 });
    expect(await kpi({ namespaces: ['*'], date_start: 'now-7d' })).toEqual({ success: 6, unknown: 0, failure: 1, warning: 0 });
    expect(await kpi({ namespaces: ['marketing'] })).toEqual({ success: 1, unknown: 0, failure: 0, warning: 0 });
    expect(await kpi({ filter: 'event.outcome:failure' })).toEqual({ success: 0, unknown: 0, failure: 2, warning: 0 });
    expect(await kpi({ filter: 'timeout' })).toEqual({ success: 0, unknown: 1, failure: 0, warning: 0 });
    expect(await kpi({ date_start: ago(50), date_end: ago(44) })).toEqual({ success: 1, unknown: 0, failure: 1, warning: 0 });
    const inMarketing = await post(`/s/marketing${KPI}`, { date_start: 'now-24h' });
    expect(inMarketing.body).toEqual({ success: 1, unknown: 0, failure: 0, warning: 0 });
  });

  it.each([
    [{ sort: [{ duration: { order: 'asc' } }] }, 'Invalid sort field "duration" - must be one of [timestamp,execution_duration,schedule_delay]'],
    [{ sort: [{ timestamp: { order: 'up' } }] }, '[request body.sort.0.timestamp.order]: expected value to equal [asc | desc]'],
    [{ sort: Array.from({ length: 11 }, () => ({ timestamp: { order: 'asc' } })) }, '[request body.sort]: array size is [11], but cannot be greater than [10]'],
    [{ per_page: 0 }, '[request body.per_page]: Value must be equal to or greater than [1].'],
    [{ per_page: 101 }, '[request body.per_page]: Value must be equal to or lower than [100].'],
    [{ page: 0 }, '[request body.page]: Value must be equal to or greater than [1].'],
    [{ page: 1001 }, '[request body.page]: Value must be equal to or lower than [1000].'],
    [{ page: 1.5 }, '[request body.page]: expected an integer but got [1.5]'],
    [{ page: '2' }, '[request body.page]: expected value of type [number] but got [string]'],
    [{ date_start: undefined }, '[request body.date_start]: expected value of type [string] but got [undefined]'],
    [{ date_start: 'x'.repeat(101) }, '[request body.date_start]: value has length [101] but it must have a maximum length of [100].'],
    [{ date_start: 'yesterday' }, 'Invalid date for parameter date_start: "yesterday"'],
    [{ date_end: 'now-1y' }, 'Invalid date for parameter date_end: "now-1y"'],
    [{ filter: 'x'.repeat(8193) }, '[request body.filter]: value has length [8193] but it must have a maximum length of [8192].'],
    [{ filter: 'event.outcome:failure and' }, 'Invalid KQL filter: expected a field, a value or "(" at the end of the filter'],
    [{ filter: '(event.outcome:failure' }, 'Invalid KQL filter: expected ")" to close the "(" at position 0 at the end of the filter'],
    [{ filter: 'event.outcome:"failure' }, 'Invalid KQL filter: unterminated quoted string starting at position 14'],
    [{ filter: 'outcome:failure' }, expect.stringMatching(/^Invalid KQL filter: unknown field "outcome" at position 0; known fields: @timestamp, /)],
    [{ filter: 'kibana.action.name > 3' }, expect.stringContaining('range ">" needs a numeric or date field')],
    [{ namespaces: [''] }, '[request body.namespaces.0]: value has length [0] but it must have a minimum length of [1].'],
    [{ bogus: true }, '[request body.bogus]: definition for this key is missing'],
  ])('answers 400 to %j', async (body, message) => {
    const res = await post(LOGS, { date_start: 'now-24h', ...body });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ statusCode: 400, error: 'Bad Request', message });
  });

  it('validates the KPI body too', async () => {
    expect((await post(KPI, { date_start: 'now-24h', filter: 'a:(' })).status).toBe(400);
    const paged = await post(KPI, { date_start: 'now-24h', page: 1 });
    expect(paged).toEqual({ status: 400, body: { statusCode: 400, error: 'Bad Request', message: '[request body.page]: definition for this key is missing' } });
    expect((await post(KPI, {})).body.message).toBe('[request body.date_start]: expected value of type [string] but got [undefined]');
  });

  it('considers at most 1000 executions for the log and 10,000 for the KPI', async () => {
    // A space of its own, ten days back, out of every other case's way.
    expect((await pb.api('POST', '/api/spaces/space', { id: 'bulk', name: 'Bulk' })).status).toBe(200);
    const rows = Array.from({ length: 10_005 }, (_, i) =>
      toEventRow(`bulk-${i}`, event({ uuid: `bulk-${String(i).padStart(5, '0')}`, action: 'execute', at: ago(10 * 24 * 60 + i / 60), connector: WEBHOOK, space: 'bulk', outcome: i % 2 ? 'failure' : 'success' })),
    );
    for (let i = 0; i < rows.length; i += 1000) await pb.plugboard.database.db.insertInto('event_log').values(rows.slice(i, i + 1000)).execute();
    const range = { date_start: 'now-11d', date_end: 'now-9d', namespaces: ['bulk'] };
    const last = await logs({ ...range, per_page: 100, page: 10 });
    expect(last.total).toBe(10_005);
    expect(last.data).toHaveLength(100);
    expect(last.data[99].id).toBe('bulk-00999');
    expect(await logs({ ...range, per_page: 100, page: 11 })).toEqual({ total: 10_005, data: [] });
    expect((await logs({ ...range, per_page: 7, page: 143 })).data.map((d) => d.id)).toEqual(['bulk-00994', 'bulk-00995', 'bulk-00996', 'bulk-00997', 'bulk-00998', 'bulk-00999']);
    // The 10,000 most recent: bulk-00000 … bulk-09999, half of them failures.
    expect(await kpi(range)).toEqual({ success: 5000, unknown: 0, failure: 5000, warning: 0 });
  });

  it('requires credentials and kbn-xsrf', async () => {
    expect((await post(LOGS, { date_start: 'now-24h' }, { 'kbn-xsrf': 'true' })).status).toBe(401);
    expect((await post(LOGS, { date_start: 'now-24h' }, { authorization: BASIC_AUTH })).status).toBe(400);
    expect((await post(`/s/nowhere${LOGS}`, { date_start: 'now-24h' })).status).toBe(404);
  });
});
