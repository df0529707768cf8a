import { describe, expect, it } from 'vitest';
import { KqlError } from '../common/kql.js';
import { kqlToDsl } from './kql_to_dsl.js';

const should = (q: object) => ({ bool: { should: [q], minimum_should_match: 1 } });

describe('kqlToDsl (as @kbn/es-query without a data view)', () => {
  it('matches a field with match, a quoted value with match_phrase, typed literals', () => {
    expect(kqlToDsl('level:error')).toEqual(should({ match: { level: 'error' } }));
    expect(kqlToDsl('message:"disk full"')).toEqual(should({ match_phrase: { message: 'disk full' } }));
    expect(kqlToDsl('status:200')).toEqual(should({ match: { status: 200 } }));
    expect(kqlToDsl('status:"200"')).toEqual(should({ match_phrase: { status: '200' } }));
    expect(kqlToDsl('ok:true')).toEqual(should({ match: { ok: true } }));
    expect(kqlToDsl('name:my connector')).toEqual(should({ match: { name: 'my connector' } }));
  });

  it('turns wildcards into query_string with the reserved characters escaped, and field:* into exists', () => {
    expect(kqlToDsl('host:web-*')).toEqual(should({ query_string: { fields: ['host'], query: 'web\\-*' } }));
    expect(kqlToDsl('path:*a/b*')).toEqual(should({ query_string: { fields: ['path'], query: '*a\\/b*' } }));
    expect(kqlToDsl('host:*')).toEqual(should({ exists: { field: 'host' } }));
  });

  it('compiles ranges, and free text to multi_match or query_string', () => {
    expect(kqlToDsl('cpu >= 90')).toEqual(should({ range: { cpu: { gte: 90 } } }));
    expect(kqlToDsl('@timestamp < "2026-01-01"')).toEqual(should({ range: { '@timestamp': { lt: '2026-01-01' } } }));
    expect(kqlToDsl('cpu > 1.5')).toEqual(should({ range: { cpu: { gt: 1.5 } } }));
    expect(kqlToDsl('cpu <= 3')).toEqual(should({ range: { cpu: { lte: 3 } } }));
    expect(kqlToDsl('timeout')).toEqual({ multi_match: { type: 'best_fields', query: 'timeout', lenient: true } });
    expect(kqlToDsl('"disk full"')).toEqual({ multi_match: { type: 'phrase', query: 'disk full', lenient: true } });
    expect(kqlToDsl('time*')).toEqual({ query_string: { query: 'time*' } });
  });

  it('nests and/or/not as bool filter/should/must_not', () => {
    expect(kqlToDsl('a:1 and (b:2 or not c:3)')).toEqual({
      bool: {
        filter: [
          should({ match: { a: 1 } }),
          { bool: { should: [should({ match: { b: 2 } }), { bool: { must_not: should({ match: { c: 3 } }) } }], minimum_should_match: 1 } },
        ],
      },
    });
    expect(kqlToDsl('level:(error or warn)')).toEqual({
      bool: { should: [should({ match: { level: 'error' } }), should({ match: { level: 'warn' } })], minimum_should_match: 1 },
    });
  });

  it('matches everything when blank and throws KqlError on bad syntax', () => {
    expect(kqlToDsl('  ')).toEqual({ match_all: {} });
    expect(() => kqlToDsl('a:(b')).toThrow(KqlError);
  });
});
