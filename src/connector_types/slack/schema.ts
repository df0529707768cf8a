import { z } from 'zod';

export const CONNECTOR_ID = '.slack';
export const CONNECTOR_NAME = 'Slack';

export const configSchema = z.strictObject({}).default({});

export const secretsSchema = z.strictObject({
  webhookUrl: z.string().meta({
    label: 'Webhook URL',
    help: 'The incoming webhook URL Slack gives for the channel (https://hooks.slack.com/services/…). It holds the credential, so it is stored as a secret.',
    secret: true,
  }),
});

export const paramsSchema = z.strictObject({
  message: z.string().min(1).meta({
    label: 'Message',
    help: 'The text posted to the channel, in Slack mrkdwn. Template values are escaped so that they cannot add Slack formatting or links.',
  }),
});

export type SlackConfig = z.output<typeof configSchema>;
export type SlackSecrets = z.output<typeof secretsSchema>;
export type SlackParams = z.output<typeof paramsSchema>;
