import { z } from 'zod';
import { badRequest } from '../common/errors.js';

// The request bodies of Kibana's Cases API (reference §1.4, §1.6). Kibana decodes them with
// io-ts, strictly, inside the handlers, and answers its own messages: the limits of §1.4 word
// by word, a wrong type as io-ts words it (`Invalid value "x" supplied to "field"`), unknown
// keys as `invalid keys "a,b"`. The routes take the body as is and decode it with these.

export const OWNERS = ['securitySolution', 'observability', 'cases'] as const;
export const STATUSES = ['open', 'in-progress', 'closed'] as const;
export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;

/** Kibana's limits (K/common/constants/index.ts). */
export const LIMITS = {
  title: 160,
  description: 30000,
  comment: 30000,
  tags: 200,
  tag: 256,
  category: 50,
  assignees: 10,
  customFields: 10,
  customFieldText: 160,
  alertsPerCase: 1000,
  casesPerPage: 100,
  commentsPerPage: 100,
  deleteIds: 100,
  patchCases: 100,
  /** Values of one `_find` filter (tags, reporters, assignees, category). */
  findFilterValues: 100,
  /** Plugboard's: distinct words of a `_find` search. */
  searchWords: 100,
} as const;

/** A string that, trimmed, is neither empty nor beyond the limits (Kibana's limitedStringSchema). */
export function limitedString(field: string, max: number, min = 1) {
  return z.string().superRefine((value, ctx) => {
    const trimmed = value.trim();
    if (trimmed === '') ctx.addIssue({ code: 'custom', message: `The ${field} field cannot be an empty string.` });
    else if (trimmed.length < min) ctx.addIssue({ code: 'custom', message: `The length of the ${field} is too short. The minimum length is ${min}.` });
    else if (trimmed.length > max) ctx.addIssue({ code: 'custom', message: `The length of the ${field} is too long. The maximum length is ${max}.` });
  });
}

/** An array within Kibana's limits (limitedArraySchema). */
export function limitedArray<T extends z.ZodType>(item: T, field: string, max: number, min = 0) {
  return z.array(item).superRefine((value, ctx) => {
    if (value.length < min) ctx.addIssue({ code: 'custom', message: `The length of the field ${field} is too short. Array must be of length >= ${min}.` });
    else if (value.length > max) ctx.addIssue({ code: 'custom', message: `The length of the field ${field} is too long. Array must be of length <= ${max}.` });
  });
}

const nullableString = z.string().nullable();
const nullableBool = z.boolean().nullable();
const additional = { additionalFields: z.string().nullable().optional() };

// connector.fields per connector type (§1.3); `fields` itself may be null except for none/webhook.
export const connectorSchema = z.discriminatedUnion('type', [
  z.strictObject({ id: z.string(), name: z.string(), type: z.literal('.none'), fields: z.null() }),
  z.strictObject({ id: z.string(), name: z.string(), type: z.literal('.cases-webhook'), fields: z.null() }),
  z.strictObject({
    id: z.string(),
    name: z.string(),
    type: z.literal('.jira'),
    fields: z.strictObject({ issueType: nullableString, priority: nullableString, parent: nullableString, otherFields: z.string().nullable().optional() }).nullable(),
  }),
  z.strictObject({
    id: z.string(),
    name: z.string(),
    type: z.literal('.resilient'),
    fields: z.strictObject({ incidentTypes: z.array(z.string()).nullable(), severityCode: nullableString, ...additional }).nullable(),
  }),
  z.strictObject({
    id: z.string(),
    name: z.string(),
    type: z.literal('.servicenow'),
    fields: z.strictObject({ impact: nullableString, severity: nullableString, urgency: nullableString, category: nullableString, subcategory: nullableString, ...additional }).nullable(),
  }),
  z.strictObject({
    id: z.string(),
    name: z.string(),
    type: z.literal('.servicenow-sir'),
    fields: z
      .strictObject({
        category: nullableString,
        subcategory: nullableString,
        priority: nullableString,
        destIp: nullableBool,
        sourceIp: nullableBool,
        malwareHash: nullableBool,
        malwareUrl: nullableBool,
        ...additional,
      })
      .nullable(),
  }),
  z.strictObject({ id: z.string(), name: z.string(), type: z.literal('.swimlane'), fields: z.strictObject({ caseId: nullableString }).nullable() }),
  z.strictObject({ id: z.string(), name: z.string(), type: z.literal('.thehive'), fields: z.strictObject({ tlp: z.number().nullable() }).nullable() }),
]);

const settingsSchema = z.strictObject({ syncAlerts: z.boolean(), extractObservables: z.boolean().optional() });
const assigneesSchema = limitedArray(z.strictObject({ uid: z.string() }), 'assignees', LIMITS.assignees);
const customFieldSchema = z.discriminatedUnion('type', [
  z.strictObject({ key: z.string(), type: z.literal('text'), value: limitedString('value', LIMITS.customFieldText).nullable() }),
  z.strictObject({ key: z.string(), type: z.literal('toggle'), value: z.boolean().nullable() }),
  z.strictObject({ key: z.string(), type: z.literal('number'), value: z.number().nullable() }),
]);

export const caseFields = {
  title: limitedString('title', LIMITS.title),
  description: limitedString('description', LIMITS.description),
  tags: limitedArray(limitedString('tag', LIMITS.tag), 'tags', LIMITS.tags),
  connector: connectorSchema,
  settings: settingsSchema,
  owner: z.string(),
  assignees: assigneesSchema,
  severity: z.enum(SEVERITIES),
  category: limitedString('category', LIMITS.category).nullable(),
  customFields: limitedArray(customFieldSchema, 'customFields', LIMITS.customFields),
};

export const casePostRequest = z.strictObject({
  ...caseFields,
  assignees: caseFields.assignees.optional(),
  severity: caseFields.severity.optional(),
  category: caseFields.category.optional(),
  customFields: caseFields.customFields.optional(),
});
export type CasePostRequest = z.output<typeof casePostRequest>;

export const casePatchItem = z.strictObject({
  id: z.string(),
  version: z.string(),
  title: caseFields.title.optional(),
  description: caseFields.description.optional(),
  tags: caseFields.tags.optional(),
  status: z.enum(STATUSES).optional(),
  severity: caseFields.severity.optional(),
  connector: caseFields.connector.optional(),
  settings: caseFields.settings.optional(),
  owner: z.string().optional(),
  assignees: caseFields.assignees.optional(),
  category: caseFields.category.optional(),
  customFields: caseFields.customFields.optional(),
});
export type CasePatchItem = z.output<typeof casePatchItem>;

export const casesPatchRequest = z.strictObject({
  cases: limitedArray(casePatchItem, 'cases', LIMITS.patchCases, 1),
});

const stringOrStrings = z.union([z.string(), z.array(z.string())]);

const userComment = { type: z.literal('user'), comment: limitedString('comment', LIMITS.comment), owner: z.string() };
const alertComment = {
  type: z.literal('alert'),
  alertId: stringOrStrings,
  index: stringOrStrings,
  rule: z.strictObject({ id: z.string().nullable(), name: z.string().nullable() }),
  owner: z.string(),
};

export const attachmentRequest = z.discriminatedUnion('type', [z.strictObject(userComment), z.strictObject(alertComment)]);
export type AttachmentRequest = z.output<typeof attachmentRequest>;

export const attachmentPatchRequest = z.discriminatedUnion('type', [
  z.strictObject({ ...userComment, id: z.string(), version: z.string() }),
  z.strictObject({ ...alertComment, id: z.string(), version: z.string() }),
]);
export type AttachmentPatchRequest = z.output<typeof attachmentPatchRequest>;

/** io-ts's way of naming where a value is: the keys joined by dots. */
function describeFirst(error: z.ZodError): string {
  const issue = error.issues[0];
  const where = issue.path.map(String).join('.');
  if (issue.code === 'custom') return issue.message;
  if (issue.code === 'unrecognized_keys') return `invalid keys "${issue.keys.join(',')}"`;
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const inner = issue.errors.flat().find((i) => i.code === 'custom');
    if (inner) return inner.message;
  }
  // A discriminated union names the discriminator's path but holds the whole object as input.
  const last = issue.path[issue.path.length - 1];
  const input = issue.input;
  const value = issue.code === 'invalid_union' && typeof input === 'object' && input !== null && typeof last === 'string' && last in input ? (input as Record<string, unknown>)[last] : input;
  const shown = typeof value === 'string' ? value : value === undefined ? 'undefined' : JSON.stringify(value);
  return `Invalid value "${shown}" supplied to "${where}"`;
}

/** Decodes a body as Kibana's cases handlers do: the first problem as a 400. */
export function decodeBody<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value ?? {}, { reportInput: true });
  if (!result.success) throw badRequest(describeFirst(result.error));
  return result.data;
}
