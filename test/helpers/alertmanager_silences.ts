// Requests to the silences API and the answers Debian's Alertmanager 0.25 gave to them
// (recorded from /usr/bin/prometheus-alertmanager; test/silences_alertmanager.test.ts checks
// them against the binary again wherever it is installed). Bodies are the exact bytes.

const FUTURE = '2099-01-01T00:00:00Z';
const base = { startsAt: '2026-01-01T00:00:00Z', endsAt: FUTURE, createdBy: 'me', comment: 'c' };
const m = (name: string, value: string, isRegex = false, isEqual?: boolean) => ({ name, value, isRegex, ...(isEqual === undefined ? {} : { isEqual }) });

export interface RecordedAnswer {
  name: string;
  /** A JSON value, or raw text when a string (sent as application/json). */
  body: unknown;
  raw?: string;
  status: number;
  answer: string;
}

export const RECORDED_POST_ANSWERS: RecordedAnswer[] = [
  { name: 'no matchers', body: { ...base, matchers: [] }, status: 422, answer: '{"code":612,"message":"matchers in body should have at least 1 items"}' },
  { name: 'missing matchers', body: base, status: 422, answer: '{"code":602,"message":"matchers in body is required"}' },
  { name: 'null matchers', body: { ...base, matchers: null }, status: 422, answer: '{"code":602,"message":"matchers in body is required"}' },
  { name: 'empty object', body: {}, status: 422, answer: '{"code":602,"message":"comment in body is required"}' },
  { name: 'missing createdBy', body: { ...base, createdBy: undefined, matchers: [m('a', 'x')] }, status: 422, answer: '{"code":602,"message":"createdBy in body is required"}' },
  { name: 'missing startsAt', body: { ...base, startsAt: undefined, matchers: [m('a', 'x')] }, status: 422, answer: '{"code":602,"message":"startsAt in body is required"}' },
  { name: 'missing endsAt', body: { ...base, endsAt: undefined, matchers: [m('a', 'x')] }, status: 422, answer: '{"code":602,"message":"endsAt in body is required"}' },
  { name: 'matcher without isRegex', body: { ...base, matchers: [{ name: 'a', value: 'x' }] }, status: 422, answer: '{"code":602,"message":"matchers.0.isRegex in body is required"}' },
  { name: 'matcher without name', body: { ...base, matchers: [{ value: 'x', isRegex: false }] }, status: 422, answer: '{"code":602,"message":"matchers.0.name in body is required"}' },
  { name: 'matcher without value', body: { ...base, matchers: [{ name: 'a', isRegex: false }] }, status: 422, answer: '{"code":602,"message":"matchers.0.value in body is required"}' },
  {
    name: 'endsAt before startsAt',
    body: { ...base, startsAt: '2029-01-01T00:00:00Z', endsAt: '2028-01-01T00:00:00Z', matchers: [m('a', 'A')] },
    status: 400,
    answer: '"Failed to create silence: start time must be before end time"\n',
  },
  { name: 'endsAt equal to startsAt', body: { ...base, startsAt: '2029-01-01T00:00:00Z', endsAt: '2029-01-01T00:00:00Z', matchers: [m('a', 'A')] }, status: 400, answer: '"Failed to create silence: start time must be before end time"\n' },
  { name: 'endsAt in the past', body: { ...base, startsAt: '2020-01-01T00:00:00Z', endsAt: '2021-01-01T00:00:00Z', matchers: [m('a', 'A')] }, status: 400, answer: '"Failed to create silence: end time can\'t be in the past"\n' },
  {
    name: 'bad regex',
    body: { ...base, matchers: [m('a', '(', true)] },
    status: 400,
    answer: '"silence invalid: invalid label matcher 0: invalid regular expression \\"(\\": error parsing regexp: missing closing ): `(`"\n',
  },
  {
    name: 'unexpected )',
    body: { ...base, matchers: [m('a', 'a)', true)] },
    status: 400,
    answer: '"silence invalid: invalid label matcher 0: invalid regular expression \\"a)\\": error parsing regexp: unexpected ): `a)`"\n',
  },
  {
    name: 'unclosed class',
    body: { ...base, matchers: [m('a', 'x[a', true)] },
    status: 400,
    answer: '"silence invalid: invalid label matcher 0: invalid regular expression \\"x[a\\": error parsing regexp: missing closing ]: `[a`"\n',
  },
  {
    name: 'nothing to repeat',
    body: { ...base, matchers: [m('a', '*x', true)] },
    status: 400,
    answer: '"silence invalid: invalid label matcher 0: invalid regular expression \\"*x\\": error parsing regexp: missing argument to repetition operator: `*`"\n',
  },
  {
    name: 'regex a**',
    body: { ...base, matchers: [m('a', 'a**', true)] },
    status: 400,
    answer: '"silence invalid: invalid label matcher 0: invalid regular expression \\"a**\\": error parsing regexp: invalid nested repetition operator: `**`"\n',
  },
  {
    name: 'regex a{2,1}',
    body: { ...base, matchers: [m('a', 'a{2,1}', true)] },
    status: 400,
    answer: '"silence invalid: invalid label matcher 0: invalid regular expression \\"a{2,1}\\": error parsing regexp: invalid repeat count: `{2,1}`"\n',
  },
  {
    name: 'regex a|*',
    body: { ...base, matchers: [m('a', 'a|*', true)] },
    status: 400,
    answer: '"silence invalid: invalid label matcher 0: invalid regular expression \\"a|*\\": error parsing regexp: missing argument to repetition operator: `*`"\n',
  },
  {
    name: 'regex []a',
    body: { ...base, matchers: [m('a', '[]a', true)] },
    status: 400,
    answer: '"silence invalid: invalid label matcher 0: invalid regular expression \\"[]a\\": error parsing regexp: missing closing ]: `[]a`"\n',
  },
  {
    name: 'regex (?<=x)',
    body: { ...base, matchers: [m('a', '(?<=x)', true)] },
    status: 400,
    answer: '"silence invalid: invalid label matcher 0: invalid regular expression \\"(?<=x)\\": error parsing regexp: invalid or unsupported Perl syntax: `(?<`"\n',
  },
  {
    name: 'regex (?<n>x)',
    body: { ...base, matchers: [m('a', '(?<n>x)', true)] },
    status: 400,
    answer: '"silence invalid: invalid label matcher 0: invalid regular expression \\"(?<n>x)\\": error parsing regexp: invalid or unsupported Perl syntax: `(?<`"\n',
  },
  {
    name: 'regex a(?=x)',
    body: { ...base, matchers: [m('a', 'a(?=x)', true)] },
    status: 400,
    answer: '"silence invalid: invalid label matcher 0: invalid regular expression \\"a(?=x)\\": error parsing regexp: invalid or unsupported Perl syntax: `(?=`"\n',
  },
  {
    name: 'regex \\8',
    body: { ...base, matchers: [m('a', '\\8', true)] },
    status: 400,
    answer: '"silence invalid: invalid label matcher 0: invalid regular expression \\"\\\\\\\\8\\": error parsing regexp: invalid escape sequence: `\\\\8`"\n',
  },
  { name: 'matches only the empty string', body: { ...base, matchers: [m('a', '')] }, status: 400, answer: '"silence invalid: at least one matcher must not match the empty string"\n' },
  { name: 'regex matching the empty string', body: { ...base, matchers: [m('a', '.*', true)] }, status: 400, answer: '"silence invalid: at least one matcher must not match the empty string"\n' },
  { name: 'bad label name', body: { ...base, matchers: [m('a-b', 'x')] }, status: 400, answer: '"silence invalid: invalid label matcher 0: invalid label name \\"a-b\\""\n' },
  { name: 'empty label name', body: { ...base, matchers: [m('', 'x')] }, status: 400, answer: '"silence invalid: invalid label matcher 0: invalid label name \\"\\""\n' },
  { name: 'control character in a name', body: { ...base, matchers: [m('a\u0001', 'x')] }, status: 400, answer: '"silence invalid: invalid label matcher 0: invalid label name \\"a\\\\x01\\""\n' },
  { name: 'unknown id', body: { ...base, id: 'nope', matchers: [m('a', 'x')] }, status: 404, answer: '"silence not found"\n' },
  { name: 'unknown uuid', body: { ...base, id: '0d9b1f5e-1111-4a4a-9999-123456789abc', matchers: [m('a', 'x')] }, status: 404, answer: '"silence not found"\n' },
  {
    name: 'comment not a string',
    body: { ...base, comment: 5, matchers: [m('a', 'x')] },
    status: 400,
    answer: '{"code":400,"message":"parsing silence body from \\"\\" failed, because json: cannot unmarshal number into Go struct field Silence.comment of type string"}',
  },
  {
    name: 'an array',
    body: [],
    status: 400,
    answer: '{"code":400,"message":"parsing silence body from \\"\\" failed, because json: cannot unmarshal array into Go value of type struct { ID string \\"json:\\\\\\"id,omitempty\\\\\\"\\" }"}',
  },
  {
    name: 'matchers an object',
    body: { ...base, matchers: {} },
    status: 400,
    answer: '{"code":400,"message":"parsing silence body from \\"\\" failed, because json: cannot unmarshal object into Go struct field Silence.matchers of type models.Matchers"}',
  },
  {
    name: 'a matcher a string',
    body: { ...base, matchers: ['a'] },
    status: 400,
    answer: '{"code":400,"message":"parsing silence body from \\"\\" failed, because json: cannot unmarshal string into Go struct field Silence.matchers of type models.Matcher"}',
  },
  {
    name: 'isRegex a string',
    body: { ...base, matchers: [{ name: 'a', value: 'x', isRegex: 'no' }] },
    status: 400,
    answer: '{"code":400,"message":"parsing silence body from \\"\\" failed, because json: cannot unmarshal string into Go struct field Matcher.matchers.isRegex of type bool"}',
  },
  {
    name: 'id a number',
    body: { ...base, id: 5, matchers: [m('a', 'x')] },
    status: 400,
    answer: '{"code":400,"message":"parsing silence body from \\"\\" failed, because json: cannot unmarshal number into Go struct field .id of type string"}',
  },
  {
    name: 'startsAt a number',
    body: { ...base, startsAt: 5, matchers: [m('a', 'x')] },
    status: 400,
    answer: '{"code":400,"message":"parsing silence body from \\"\\" failed, because json: cannot unmarshal number into Go struct field Silence.startsAt of type string"}',
  },
  {
    name: 'startsAt not a time',
    body: { ...base, startsAt: 'yesterday', matchers: [m('a', 'x')] },
    status: 400,
    answer: '{"code":400,"message":"parsing silence body from \\"\\" failed, because parsing time \\"yesterday\\" as \\"2006-01-02 15:04:05\\": cannot parse \\"yesterday\\" as \\"2006\\""}',
  },
  {
    name: 'startsAt a date',
    body: { ...base, startsAt: '2026-01-01', matchers: [m('a', 'x')] },
    status: 400,
    answer: '{"code":400,"message":"parsing silence body from \\"\\" failed, because parsing time \\"2026-01-01\\" as \\"2006-01-02 15:04:05\\": cannot parse \\"\\" as \\"15\\""}',
  },
  {
    name: 'offset without colon',
    body: { ...base, startsAt: '2026-01-01T00:00:00+0200', matchers: [m('a', 'x')] },
    status: 400,
    answer: '{"code":400,"message":"parsing silence body from \\"\\" failed, because parsing time \\"2026-01-01T00:00:00+0200\\" as \\"2006-01-02 15:04:05\\": cannot parse \\"T00:00:00+0200\\" as \\" \\""}',
  },
  {
    name: 'month 13',
    body: { ...base, startsAt: '2026-13-01T00:00:00Z', matchers: [m('a', 'x')] },
    status: 400,
    answer: '{"code":400,"message":"parsing silence body from \\"\\" failed, because parsing time \\"2026-13-01T00:00:00Z\\": month out of range"}',
  },
];

/** Bodies Alertmanager accepts (200 `{"silenceID":…}`). */
export const ACCEPTED_BODIES: Array<{ name: string; body: unknown }> = [
  { name: 'empty createdBy', body: { ...base, createdBy: '', matchers: [m('a', 'x')] } },
  { name: 'empty comment', body: { ...base, comment: '', matchers: [m('a', 'x')] } },
  { name: 'zero startsAt (amtool)', body: { ...base, startsAt: '0001-01-01T00:00:00Z', matchers: [m('a', 'x')] } },
  { name: 'empty startsAt', body: { ...base, startsAt: '', matchers: [m('a', 'x')] } },
  { name: 'unknown fields', body: { ...base, foo: 1, matchers: [m('a', 'x')] } },
  { name: 'an empty matcher beside another', body: { ...base, matchers: [m('a', ''), m('b', 'x', false, false)] } },
  { name: 'only a negative matcher of the empty string', body: { ...base, matchers: [m('a', '', false, false)] } },
  { name: 'a case-insensitive regex', body: { ...base, matchers: [m('a', '(?i)foo', true)] } },
  { name: 'null isEqual', body: { ...base, matchers: [{ name: 'a', value: 'x', isRegex: false, isEqual: null }] } },
  { name: 'a space instead of T, an offset', body: { ...base, startsAt: '2026-01-01 00:00:00', endsAt: '2098-01-01T00:00:00+02:00', matchers: [m('a', 'x')] } },
];

export const RECORDED_OTHER_ANSWERS: Array<{ method: string; url: string; status: number; answer: string }> = [
  { method: 'GET', url: '/api/v2/silence/notauuid', status: 422, answer: '{"code":601,"message":"silenceID in path must be of type uuid: \\"notauuid\\""}' },
  { method: 'DELETE', url: '/api/v2/silence/notauuid', status: 422, answer: '{"code":601,"message":"silenceID in path must be of type uuid: \\"notauuid\\""}' },
  { method: 'GET', url: '/api/v2/silence/0d9b1f5e-1111-4a4a-9999-123456789abc', status: 404, answer: '' },
  { method: 'DELETE', url: '/api/v2/silence/0d9b1f5e-1111-4a4a-9999-123456789abc', status: 500, answer: '"silence not found"\n' },
  { method: 'GET', url: '/api/v2/silences?filter=bad%20matcher', status: 400, answer: '"bad matcher format: bad matcher"\n' },
  { method: 'GET', url: `/api/v2/silences?filter=${encodeURIComponent('{alertname="U"}')}`, status: 400, answer: '"bad matcher format: {alertname=\\"U\\"}"\n' },
  { method: 'GET', url: `/api/v2/silences?filter=${encodeURIComponent('a=~"("')}`, status: 400, answer: '"error parsing regexp: missing closing ): `^(?:()$`"\n' },
  { method: 'GET', url: `/api/v2/silences?filter=${encodeURIComponent('a=~"a**"')}`, status: 400, answer: '"error parsing regexp: invalid nested repetition operator: `**`"\n' },
  { method: 'GET', url: `/api/v2/silences?filter=${encodeURIComponent('team="nobody"')}`, status: 200, answer: '[]\n' },
];
