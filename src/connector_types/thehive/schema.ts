import { z } from 'zod';
import { casePushParamsSchema } from '../lib/push_to_service.js';

export const CONNECTOR_ID = '.thehive';
export const CONNECTOR_NAME = 'TheHive';

export const SUB_ACTION = { PushToService: 'pushToService', CreateAlert: 'createAlert' } as const;

/** TheHive's severities and traffic-light levels, as Kibana's constants name them. */
export const THEHIVE_SEVERITY = { low: 1, medium: 2, high: 3, critical: 4 } as const;
export const THEHIVE_TLP = { clear: 0, green: 1, amber: 2, amberStrict: 3, red: 4 } as const;

export const configSchema = z.strictObject({
  url: z.string().meta({ label: 'URL', help: 'The TheHive server address, e.g. https://thehive.example.com.' }),
  organisation: z.string().nullable().default(null).meta({ label: 'Organisation', help: 'Sent as X-Organisation; leave empty for the API key\'s default organisation.' }),
});

export const secretsSchema = z.strictObject({
  apiKey: z.string().meta({ label: 'API key', help: 'A TheHive API key, sent as a bearer token.', secret: true }),
});

// Kibana's effective default for severity and TLP is null (its MEDIUM and AMBER defaults are
// shadowed by the outer nullable default); TheHive then applies its own.
const severityField = () => z.coerce.number().nullable().default(null).meta({ label: 'Severity', help: 'low 1, medium 2, high 3, critical 4.' });
const tlpField = () => z.coerce.number().nullable().default(null).meta({ label: 'TLP', help: 'clear 0, green 1, amber 2, amber+strict 3, red 4.' });
const tagsField = () => z.array(z.string()).nullable().default(null).meta({ label: 'Tags' });

export const incidentSchema = z.strictObject({
  title: z.string().meta({ label: 'Title' }),
  description: z.string().meta({ label: 'Description' }),
  severity: severityField(),
  tlp: tlpField(),
  tags: tagsField(),
  externalId: z.string().nullable().default(null).meta({ label: 'External id', help: 'The case to update; null creates one.' }),
});

export const pushToServiceParamsSchema = casePushParamsSchema(incidentSchema, 'Added to the case one at a time, in order.');

export const createAlertParamsSchema = z.strictObject({
  title: z.string().meta({ label: 'Title' }),
  description: z.string().meta({ label: 'Description' }),
  type: z.string().meta({ label: 'Type' }),
  source: z.string().meta({ label: 'Source' }),
  sourceRef: z.string().meta({ label: 'Source reference', help: 'With type and source, identifies the alert in TheHive.' }),
  severity: severityField(),
  // As Kibana: absent is false, but null stays null.
  isRuleSeverity: z.boolean().default(false).nullable().meta({ label: 'Use rule severity', help: "In rule actions, the severity is the rule's." }),
  tlp: tlpField(),
  tags: tagsField(),
  body: z.string().nullable().default(null).meta({ label: 'Body', help: 'More alert fields, as JSON object text; its keys win over the fields above.' }),
});

// TheHive's answers, as far as Kibana requires fields of them; the rest is let through.

/** A case, as its creation answers it. */
export const caseResponseSchema = z.looseObject({
  _id: z.string(),
  _type: z.string(),
  _createdBy: z.string(),
  _createdAt: z.coerce.number(),
  number: z.coerce.number(),
  title: z.string(),
  description: z.string(),
  severity: z.coerce.number(),
  severityLabel: z.string(),
  startDate: z.coerce.number(),
  flag: z.boolean(),
  tlp: z.coerce.number(),
  tlpLabel: z.string(),
  pap: z.coerce.number(),
  papLabel: z.string(),
  status: z.string(),
  stage: z.string(),
  extraData: z.looseObject({}),
  newDate: z.coerce.number(),
  timeToDetect: z.coerce.number(),
});

export const commentResponseSchema = z.looseObject({
  _id: z.string(),
  _type: z.string(),
  createdBy: z.string(),
  createdAt: z.coerce.number(),
  message: z.string(),
  isEdited: z.boolean(),
  extraData: z.looseObject({}),
});

export const alertResponseSchema = z.looseObject({
  _id: z.string(),
  _type: z.string(),
  _createdBy: z.string(),
  _createdAt: z.coerce.number(),
  type: z.string(),
  source: z.string(),
  sourceRef: z.string(),
  title: z.string(),
  description: z.string(),
  severity: z.coerce.number(),
  severityLabel: z.string(),
  date: z.coerce.number(),
  tlp: z.coerce.number(),
  tlpLabel: z.string(),
  pap: z.coerce.number(),
  papLabel: z.string(),
  observableCount: z.coerce.number(),
  status: z.string(),
  stage: z.string(),
  extraData: z.looseObject({}),
  newDate: z.coerce.number(),
  timeToDetect: z.coerce.number(),
});

export type TheHiveConfig = z.output<typeof configSchema>;
export type TheHiveSecrets = z.output<typeof secretsSchema>;
export type TheHiveIncident = Omit<z.output<typeof incidentSchema>, 'externalId'>;
export type TheHivePushParams = z.output<typeof pushToServiceParamsSchema>;
export type TheHiveAlertParams = z.output<typeof createAlertParamsSchema>;
