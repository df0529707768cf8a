import { z } from 'zod';
import { pushCommentsSchema } from '../lib/push_to_service.js';

export const CONNECTOR_ID = '.swimlane';
export const CONNECTOR_NAME = 'Swimlane';

/** A Swimlane field an incident value goes to: its id is the key of the record's `values`. */
const fieldMapping = z
  .strictObject({
    id: z.string(),
    key: z.string(),
    name: z.string(),
    fieldType: z.string().meta({ help: 'Numeric fields get the value as a number (0 when it is not one); fields of any other type get it as text.' }),
  })
  .nullable()
  .default(null);

const mapping = (label: string, help: string) => fieldMapping.meta({ label, help });

export const mappingsSchema = z.strictObject({
  ruleNameConfig: mapping('Rule name field', 'The Swimlane field that receives the rule name.'),
  alertIdConfig: mapping('Alert ID field', 'The Swimlane field that receives the alert ID.'),
  caseIdConfig: mapping('Case ID field', 'The Swimlane field that receives the case ID.'),
  caseNameConfig: mapping('Case name field', 'The Swimlane field that receives the case name.'),
  commentsConfig: mapping('Comments field', 'The comments field comments are added to; without it, pushing comments fails.'),
  severityConfig: mapping('Severity field', 'The Swimlane field that receives the severity.'),
  descriptionConfig: mapping('Description field', 'The Swimlane field that receives the description.'),
});

export const configSchema = z.strictObject({
  apiUrl: z.string().meta({ label: 'API URL', help: 'The Swimlane address, e.g. https://swimlane.example.com; the API path /api is added unless the address already ends in api.' }),
  appId: z.string().meta({ label: 'Application ID', help: 'The Swimlane application records are created in.' }),
  connectorType: z.enum(['all', 'alerts', 'cases']).meta({ label: 'Connector type', help: 'What the connector is for: alerts (rules), cases, or both.' }),
  mappings: mappingsSchema.meta({ label: 'Field mappings', help: 'The Swimlane field (id, key, name, fieldType) of each incident value; unmapped values are not sent.' }),
});

export const secretsSchema = z.strictObject({
  apiToken: z.string().meta({ label: 'API token', help: 'A Swimlane personal access token, sent in the Private-Token header.', secret: true }),
});

const text = (label: string) => z.string().nullable().default(null).meta({ label });

export const incidentSchema = z.strictObject({
  alertId: text('Alert ID'),
  ruleName: text('Rule name'),
  caseId: text('Case ID'),
  caseName: text('Case name'),
  severity: text('Severity'),
  description: text('Description'),
  externalId: z.string().nullable().default(null).meta({ label: 'Record id', help: 'The record to update; none creates one.' }),
});

export const pushParamsSchema = z.strictObject({
  incident: incidentSchema,
  comments: pushCommentsSchema("Added one by one to the record's comments field."),
});

/** Kibana's only sub-action for this type (a union of one); anything else fails validation. */
export const paramsSchema = z.strictObject({
  subAction: z.literal('pushToService').meta({ label: 'Sub action' }),
  subActionParams: pushParamsSchema,
});

export type SwimlaneConfig = z.output<typeof configSchema>;
export type SwimlaneSecrets = z.output<typeof secretsSchema>;
export type SwimlaneMappings = z.output<typeof mappingsSchema>;
export type SwimlaneParams = z.output<typeof paramsSchema>;
export type SwimlaneIncident = Omit<z.output<typeof incidentSchema>, 'externalId'>;
