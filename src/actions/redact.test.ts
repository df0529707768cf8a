import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { REDACTED, redactDeep } from './redact.js';

describe('redactDeep', () => {
  it('copies plain objects and arrays with secrets replaced, and hands anything else on as it is', () => {
    const stream = Readable.from(['a']);
    const at = new Date(0);
    const value = { text: 'key=s3cret', list: ['s3cret'], nested: { stream, at }, proto: Object.assign(Object.create(null), { x: 's3cret' }) };
    const redacted = redactDeep(value, ['s3cret']);
    expect(redacted).toMatchObject({ text: `key=${REDACTED}`, list: [REDACTED], proto: { x: REDACTED } });
    expect(redacted.nested.stream).toBe(stream);
    expect(redacted.nested.at).toBe(at);
    expect(value.text).toBe('key=s3cret');
  });
});
