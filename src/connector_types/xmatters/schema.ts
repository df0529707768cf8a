import { z } from 'zod';

export const CONNECTOR_ID = '.xmatters';
// Kibana's UI title; the server-side constant is unconfirmed (reference §15).
export const CONNECTOR_NAME = 'xMatters';

export const configSchema = z.strictObject({
  configUrl: z
    .string()
    .nullable()
    .default(null)
    .meta({
      label: 'Initiation URL',
      help: "The URL of the xMatters flow's HTTP trigger, for basic authentication. Its host must be among the allowed hosts of the Plugboard configuration.",
    }),
  usesBasic: z
    .boolean()
    .default(true)
    .meta({
      label: 'Basic authentication',
      help: 'On: the initiation URL with a username and password. Off: a trigger URL that carries its API key.',
    }),
});

export const secretsSchema = z.strictObject({
  user: z.string().nullable().default(null).meta({ label: 'Username', help: 'For basic authentication.', secret: true }),
  password: z.string().nullable().default(null).meta({ label: 'Password', help: 'For basic authentication.', secret: true }),
  secretsUrl: z
    .string()
    .nullable()
    .default(null)
    .meta({
      label: 'URL with API key',
      help: 'The trigger URL with its apiKey parameter, when basic authentication is off. Kept secret as a whole.',
      secret: true,
    }),
});

export const paramsSchema = z.strictObject({
  alertActionGroupName: z.string().optional().meta({ label: 'Action group', help: 'e.g. {{alert.actionGroupName}}.' }),
  signalId: z
    .string()
    .optional()
    .meta({ label: 'Signal ID', help: 'Identifies the alert, e.g. {{rule.id}}:{{alert.id}}. Without it and the action group, xMatters treats the request as a test.' }),
  ruleName: z.string().optional().meta({ label: 'Rule name', help: 'e.g. {{rule.name}}.' }),
  date: z.string().optional().meta({ label: 'Date', help: 'e.g. {{date}}.' }),
  severity: z.string().meta({ label: 'Severity', help: 'Free text, e.g. Critical, High, Medium, Low; an empty one is sent as High.' }),
  spaceId: z.string().optional().meta({ label: 'Space ID', help: 'e.g. {{rule.spaceId}}.' }),
  tags: z.string().optional().meta({ label: 'Tags', help: 'Comma-separated, e.g. {{rule.tags}}.' }),
});

export type XmattersConfig = z.output<typeof configSchema>;
export type XmattersSecrets = z.output<typeof secretsSchema>;
export type XmattersParams = z.output<typeof paramsSchema>;
