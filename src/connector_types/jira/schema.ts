import { z } from 'zod';
import { atMostKeys, jsonTextAccepted, noReservedKeys } from '../lib/record_fields.js';

export const CONNECTOR_ID = '.jira';
export const CONNECTOR_NAME = 'Jira';

/** Kibana's MAX_OTHER_FIELDS_LENGTH. */
export const MAX_OTHER_FIELDS = 20;

export const configSchema = z.strictObject({
  apiUrl: z.string().meta({ label: 'URL', help: 'The Jira site address, e.g. https://example.atlassian.net.' }),
  projectKey: z.string().meta({ label: 'Project key', help: 'The key of the project issues are created in, e.g. SEC.' }),
});

export const secretsSchema = z.strictObject({
  email: z.string().meta({ label: 'Email address', help: 'The Atlassian account the connector signs in as (or the user name on Jira Data Center).', secret: true }),
  apiToken: z.string().meta({ label: 'API token', help: 'An API token of that account (or its password on Jira Data Center).', secret: true }),
});

const nullableText = (label: string, help?: string) => z.string().nullable().default(null).meta(help ? { label, help } : { label });

/** The incident's own fields; otherFields may not set any of them (Kibana's incidentSchemaObjectProperties). */
export const INCIDENT_FIELDS = ['summary', 'description', 'externalId', 'issueType', 'priority', 'labels', 'parent', 'otherFields'] as const;

export const incidentSchema = z.strictObject({
  summary: z.string().meta({ label: 'Summary', help: 'The issue title; line breaks become commas.' }),
  description: nullableText('Description'),
  externalId: nullableText('Issue id', 'The issue to update; empty creates one.'),
  issueType: nullableText('Issue type id', "Empty: the project's first issue type."),
  priority: nullableText('Priority', 'The priority name, e.g. High.'),
  labels: z
    .array(
      z.string().superRefine((label, ctx) => {
        if (/\s/.test(label)) ctx.addIssue({ code: 'custom', message: `The label ${label} cannot contain spaces` });
      }),
    )
    .nullable()
    .default(null)
    .meta({ label: 'Labels', help: 'Labels without spaces.' }),
  parent: nullableText('Parent issue key', 'For a sub-task: the key of its parent issue.'),
  otherFields: jsonTextAccepted(
    z
      .record(z.string(), z.any())
      .superRefine(noReservedKeys(INCIDENT_FIELDS, 'otherFields'))
      .superRefine(atMostKeys(MAX_OTHER_FIELDS, 'otherFields'))
      .nullable()
      .default(null),
  ).meta({ label: 'Other fields', help: `More Jira fields by id (at most ${MAX_OTHER_FIELDS}), as an object or JSON text; they win over the fields above.` }),
});

const subAction = <N extends string>(name: N, help: string) => z.literal(name).meta({ label: 'Sub action', help });

const pushToServiceParams = z.strictObject({
  subAction: subAction('pushToService', 'Creates the issue, or updates it, then adds the comments.'),
  subActionParams: z.strictObject({
    incident: incidentSchema,
    comments: z
      .array(z.strictObject({ comment: z.string(), commentId: z.string() }))
      .nullable()
      .default(null)
      .meta({ label: 'Comments', help: 'Added to the issue one at a time, in order; empty ones are skipped.' }),
  }),
});

const issueId = (label: string) => z.string().meta({ label, help: 'An issue id or key.' });

/**
 * Kibana's params: one strict variant per sub-action. `handshake` is accepted here and refused
 * when run, as in Kibana.
 */
export const paramsSchema = z.discriminatedUnion('subAction', [
  z.strictObject({ subAction: subAction('getFields', 'The fields every issue type of the project has.'), subActionParams: z.record(z.string(), z.unknown()) }),
  z.strictObject({ subAction: subAction('getIncident', 'One issue with all its fields.'), subActionParams: z.strictObject({ externalId: issueId('Issue') }) }),
  z.strictObject({ subAction: subAction('handshake', 'Not implemented.'), subActionParams: z.strictObject({}) }),
  pushToServiceParams,
  z.strictObject({ subAction: subAction('issueTypes', "The project's issue types."), subActionParams: z.strictObject({}) }),
  z.strictObject({
    subAction: subAction('fieldsByIssueType', 'The fields of one issue type.'),
    subActionParams: z.strictObject({ id: z.string().meta({ label: 'Issue type id' }) }),
  }),
  z.strictObject({
    subAction: subAction('issues', "The project's issues whose summary matches a text."),
    subActionParams: z.strictObject({ title: z.string().meta({ label: 'Summary text' }) }),
  }),
  z.strictObject({ subAction: subAction('issue', 'The id, key and summary of one issue.'), subActionParams: z.strictObject({ id: issueId('Issue') }) }),
]);

export type JiraConfig = z.output<typeof configSchema>;
export type JiraSecrets = z.output<typeof secretsSchema>;
export type JiraParams = z.output<typeof paramsSchema>;
export type JiraIncident = Omit<z.output<typeof incidentSchema>, 'externalId'>;
