import type { z } from 'zod';

// Kibana's config-schema wording of validation errors (`[field]: expected value of type [number]
// but got [string]`), for request parts and for anything else Kibana checks with config-schema
// (a rule type's params).

function typeName(input: unknown): string {
  if (input === undefined) return 'undefined';
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'Array';
  return typeof input;
}

const EXPECTED_NAMES: Record<string, string> = { int: 'number', record: 'object', map: 'object' };

export function describeIssue(issue: z.core.$ZodIssue): { path: PropertyKey[]; message: string } {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.expected === 'object' && issue.path.length === 0) {
        return { path: issue.path, message: `expected a plain object value, but found [${typeName(issue.input)}] instead.` };
      }
      return {
        path: issue.path,
        message: `expected value of type [${EXPECTED_NAMES[issue.expected] ?? issue.expected}] but got [${typeName(issue.input)}]`,
      };
    case 'unrecognized_keys':
      return { path: [...issue.path, issue.keys[0]], message: 'definition for this key is missing' };
    case 'too_small':
      if (issue.origin === 'string') {
        return { path: issue.path, message: `value has length [${String((issue.input as string)?.length ?? 0)}] but it must have a minimum length of [${issue.minimum}].` };
      }
      if (issue.origin === 'array') {
        return { path: issue.path, message: `array size is [${(issue.input as unknown[])?.length ?? 0}], but cannot be smaller than [${issue.minimum}]` };
      }
      return { path: issue.path, message: `Value must be equal to or greater than [${issue.minimum}].` };
    case 'too_big':
      if (issue.origin === 'string') {
        return { path: issue.path, message: `value has length [${String((issue.input as string)?.length ?? 0)}] but it must have a maximum length of [${issue.maximum}].` };
      }
      if (issue.origin === 'array') {
        return { path: issue.path, message: `array size is [${(issue.input as unknown[])?.length ?? 0}], but cannot be greater than [${issue.maximum}]` };
      }
      return { path: issue.path, message: `Value must be equal to or lower than [${issue.maximum}].` };
    case 'invalid_value':
      return {
        path: issue.path,
        message: `expected value to equal [${issue.values.map(String).join(' | ')}]`,
      };
    case 'invalid_key':
      // A record's key that its key schema refuses: that schema's own words, at the key.
      return { path: issue.path, message: describeIssue(issue.issues[0]).message };
    default:
      return { path: issue.path, message: issue.message };
  }
}

/**
 * Kibana's config-schema wording of a zod error's first problem, without a request part:
 * `[threshold]: expected value of type [number] but got [string]` (a rule type's params).
 */
export function configSchemaMessage(error: z.ZodError): string {
  const { path, message } = describeIssue(error.issues[0]);
  return path.length > 0 ? `[${path.map(String).join('.')}]: ${message}` : message;
}
