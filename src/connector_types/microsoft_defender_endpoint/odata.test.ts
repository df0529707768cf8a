import { describe, expect, it } from 'vitest';
import { odataFilter, odataParams, withOData } from './odata.js';

const entries = (params: URLSearchParams) => Object.fromEntries(params);

describe('Defender OData query building', () => {
  it('always counts and pages 20 from the start', () => {
    expect(entries(odataParams({}))).toEqual({ $count: 'true', $top: '20' });
    expect(entries(odataParams({}, { page: 1, pageSize: 5 }))).toEqual({ $count: 'true', $top: '5' });
  });

  it('skips the pages before the one asked', () => {
    expect(entries(odataParams({}, { page: 3, pageSize: 25 }))).toEqual({ $count: 'true', $top: '25', $skip: '50' });
    expect(entries(odataParams({}, { page: 2 }))).toMatchObject({ $skip: '20' });
  });

  it('orders by a field, descending unless told', () => {
    expect(odataParams({}, { sortField: 'creationDateTimeUtc' }).get('$orderby')).toBe('creationDateTimeUtc desc');
    expect(odataParams({}, { sortField: 'status', sortDirection: 'asc' }).get('$orderby')).toBe('status asc');
    expect(odataParams({}, { sortDirection: 'asc' }).has('$orderby')).toBe(false);
  });

  it("joins filters with AND: one value as eq, several as in (...), absent ones left out", () => {
    expect(odataFilter({})).toBeUndefined();
    expect(odataFilter({ healthStatus: undefined })).toBeUndefined();
    expect(odataFilter({ computerDnsName: 'web-1' })).toBe("computerDnsName eq 'web-1'");
    expect(odataFilter({ id: ['a', 'b'], healthStatus: 'Active', osPlatform: undefined, machineTags: ['x'] })).toBe(
      "id in ('a','b') AND healthStatus eq 'Active' AND machineTags in ('x')",
    );
  });

  it('writes the query as axios does (spaces as +, $ and commas kept)', () => {
    expect(withOData('https://api.example.com/api/machines', { healthStatus: ['Active', 'Inactive'] }, { page: 2, pageSize: 10, sortField: 'lastSeen' })).toBe(
      "https://api.example.com/api/machines?$count=true&$top=10&$skip=10&$orderby=lastSeen+desc&$filter=healthStatus+in+('Active','Inactive')",
    );
    expect(withOData('https://x/api/machines', { computerDnsName: 'a&b=c' })).toBe("https://x/api/machines?$count=true&$top=20&$filter=computerDnsName+eq+'a%26b%3Dc'");
  });
});
