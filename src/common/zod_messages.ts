import { z } from 'zod';

// Kibana's connector schemas produce zod 3's messages ("Required", "Invalid enum value. …"),
// and clients compare against them. zod 4 words them differently, so this error map restores
// the zod 3 wording. It is installed once, for the whole process.

type Issue = z.core.$ZodRawIssue;

function receivedType(input: unknown): string {
  if (input === undefined) return 'undefined';
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'array';
  if (typeof input === 'number') return Number.isNaN(input) ? 'nan' : 'number';
  if (input instanceof Date) return 'date';
  return typeof input;
}

const quote = (v: unknown) => (typeof v === 'string' ? `'${v}'` : String(v));

function sizeMessage(issue: Issue & { code: 'too_small' | 'too_big' }): string | undefined {
  const small = issue.code === 'too_small';
  const limit = small ? (issue as { minimum: unknown }).minimum : (issue as { maximum: unknown }).maximum;
  const inclusive = (issue as { inclusive?: boolean }).inclusive !== false;
  switch (issue.origin) {
    case 'string':
      return `String must contain ${small ? 'at least' : 'at most'} ${limit} character(s)`;
    case 'array':
      return `Array must contain ${small ? 'at least' : 'at most'} ${limit} element(s)`;
    case 'number':
    case 'int':
      return small
        ? `Number must be greater than ${inclusive ? 'or equal to ' : ''}${limit}`
        : `Number must be less than ${inclusive ? 'or equal to ' : ''}${limit}`;
    default:
      return undefined;
  }
}

const ZOD3_TYPE_NAMES: Record<string, string> = { int: 'integer', record: 'object' };

export function zod3Message(issue: Issue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'Required';
      return `Expected ${ZOD3_TYPE_NAMES[issue.expected] ?? issue.expected}, received ${receivedType(issue.input)}`;
    case 'invalid_value':
      if (issue.values.length === 1) return `Invalid literal value, expected ${JSON.stringify(issue.values[0])}`;
      return `Invalid enum value. Expected ${issue.values.map(quote).join(' | ')}, received ${quote(issue.input)}`;
    case 'unrecognized_keys':
      return `Unrecognized key(s) in object: ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
    case 'too_small':
    case 'too_big':
      return sizeMessage(issue);
    case 'invalid_union': {
      // A discriminated union names the values its discriminator may take, as zod 3 did.
      const options = (issue as { options?: unknown[] }).options;
      if (issue.note === 'No matching discriminator' && options?.length) return `Invalid discriminator value. Expected ${options.map(quote).join(' | ')}`;
      return 'Invalid input';
    }
    case 'invalid_format':
      if (issue.format === 'url') return 'Invalid url';
      if (issue.format === 'email') return 'Invalid email';
      if (issue.format === 'regex') return 'Invalid';
      return `Invalid ${issue.format}`;
    default:
      return undefined;
  }
}

let installed = false;
export function installZod3Messages(): void {
  if (installed) return;
  installed = true;
  z.config({ customError: (issue) => zod3Message(issue) });
}
