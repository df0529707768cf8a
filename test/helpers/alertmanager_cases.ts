// Bodies posted to `POST /api/v2/alerts` by the tests that compare Plugboard's answers with
// Alertmanager 0.25's (test/fixtures/alertmanager/post_alerts.json holds Debian's
// prometheus-alertmanager 0.25 answers, recorded by test/ingest_alertmanager_compat.test.ts).

export interface PostCase {
  name: string;
  /** The raw body text. */
  body: string;
}

export const POST_CASES: PostCase[] = [
  { name: 'valid', body: '[{"labels":{"alertname":"ok"}}]' },
  { name: 'empty list', body: '[]' },
  { name: 'null body', body: 'null' },
  { name: 'empty labels', body: '[{"labels":{}}]' },
  { name: 'only an empty-valued label', body: '[{"labels":{"a":""}}]' },
  { name: 'labels missing', body: '[{"annotations":{"a":"b"}}]' },
  { name: 'labels null', body: '[{"labels":null}]' },
  { name: 'labels missing in the second alert', body: '[{"labels":{}},{"annotations":{}}]' },
  { name: 'end before start', body: '[{"labels":{"a":"b"},"startsAt":"2026-01-02T00:00:00Z","endsAt":"2026-01-01T00:00:00Z"}]' },
  { name: 'start equals end', body: '[{"labels":{"alertname":"eq"},"startsAt":"2026-01-01T00:00:00Z","endsAt":"2026-01-01T00:00:00Z"}]' },
  { name: 'invalid label name', body: '[{"labels":{"0bad":"x"}}]' },
  { name: 'label name with a dash', body: '[{"labels":{"a-b":"x","c":"d"}}]' },
  { name: 'non-ASCII label name', body: '[{"labels":{"é":"x"}}]' },
  { name: 'invalid annotation name', body: '[{"labels":{"a":"b"},"annotations":{"0x":"y"}}]' },
  { name: 'label and annotation both invalid', body: '[{"labels":{"0a":"x"},"annotations":{"1b":"y"}}]' },
  { name: 'two invalid alerts', body: '[{"labels":{}},{"labels":{"a":"b"},"startsAt":"2026-01-02T00:00:00Z","endsAt":"2026-01-01T00:00:00Z"}]' },
  { name: 'one valid, one invalid', body: '[{"labels":{"alertname":"ok1"}},{"labels":{}}]' },
  { name: 'not a list', body: '{"labels":{"a":"b"}}' },
  { name: 'labels not an object', body: '[{"labels":"x"}]' },
  { name: 'label value a number', body: '[{"labels":{"a":1}}]' },
  { name: 'zero times (amtool)', body: '[{"labels":{"alertname":"z"},"startsAt":"0001-01-01T00:00:00Z","endsAt":"0001-01-01T00:00:00Z"}]' },
  { name: 'only endsAt, in the past', body: '[{"labels":{"alertname":"onlyend"},"endsAt":"2020-01-01T00:00:00Z"}]' },
  { name: 'startsAt null', body: '[{"labels":{"alertname":"sn"},"startsAt":null}]' },
  { name: 'time with nanoseconds and offset', body: '[{"labels":{"alertname":"tf"},"startsAt":"2026-01-01T00:00:00.123456789+02:00"}]' },
  { name: 'time without zone', body: '[{"labels":{"alertname":"tnz"},"startsAt":"2026-01-01T00:00:00"}]' },
  { name: 'unparseable time', body: '[{"labels":{"a":"b"},"startsAt":"yesterday"}]' },
  { name: 'generatorURL not a URI', body: '[{"labels":{"a":"b"},"generatorURL":"::not a url"}]' },
  { name: 'generatorURL empty', body: '[{"labels":{"alertname":"gu"},"generatorURL":""}]' },
  { name: 'generatorURL relative', body: '[{"labels":{"alertname":"gu2"},"generatorURL":"/graph?x"}]' },
  { name: 'empty-valued annotation kept', body: '[{"labels":{"alertname":"annempty"},"annotations":{"x":""}}]' },
  { name: 'reserved label names', body: '[{"labels":{"__name__":"x","_a":"b"}}]' },
  { name: 'unknown field', body: '[{"labels":{"alertname":"extra"},"foo":1}]' },
  { name: 'HTML characters in a label name', body: '[{"labels":{"<a>&":"x"}}]' },
  { name: 'control character in a label name', body: '[{"labels":{"a\\u0001b":"x"}}]' },
  { name: 'line separator in a label name', body: '[{"labels":{"a\\u2028":"b"}}]' },
  { name: 'HTML characters in a bad generatorURL', body: '[{"labels":{"a":"b"},"generatorURL":"::<a>&"}]' },
  { name: 'future start without end', body: '[{"labels":{"alertname":"future"},"startsAt":"2999-01-01T00:00:00Z"}]' },
];
