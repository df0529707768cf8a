import { z } from 'zod';

export const CONNECTOR_ID = '.teams';
/** Kibana's constant is unconfirmed; its documentation calls the connector "Microsoft Teams". */
export const CONNECTOR_NAME = 'Microsoft Teams';

export const configSchema = z.strictObject({}).default({});

export const secretsSchema = z.strictObject({
  webhookUrl: z.string().meta({
    label: 'Webhook URL',
    help: 'The incoming webhook URL Teams gives for the channel (or a Workflows webhook URL). It holds the credential, so it is stored as a secret.',
    secret: true,
  }),
});

export const paramsSchema = z.strictObject({
  message: z.string().min(1).meta({
    label: 'Message',
    help: 'The text posted to the channel; Teams renders it as Markdown. Template values are inserted as they are.',
  }),
});

export type TeamsConfig = z.output<typeof configSchema>;
export type TeamsSecrets = z.output<typeof secretsSchema>;
export type TeamsParams = z.output<typeof paramsSchema>;
