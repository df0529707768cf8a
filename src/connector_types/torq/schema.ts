import { z } from 'zod';

export const CONNECTOR_ID = '.torq';
export const CONNECTOR_NAME = 'Torq';

export const configSchema = z.strictObject({
  webhookIntegrationUrl: z.string().meta({
    label: 'Torq endpoint URL',
    help: 'The URL of a Torq webhook integration, on hooks.torq.io or hooks.eu.torq.io. Its host must be among the allowed hosts of the Plugboard configuration.',
  }),
});

export const secretsSchema = z.strictObject({
  token: z.string().meta({
    label: 'Torq integration token',
    help: 'The token of the webhook integration, from its authentication settings in Torq.',
    secret: true,
  }),
});

export const paramsSchema = z.strictObject({
  body: z.string().meta({
    label: 'Body',
    help: 'JSON text sent as the event. Template values are not escaped: an object variable such as {{context}} renders as JSON, and a string value holding quotes would break the JSON.',
  }),
});

export type TorqConfig = z.output<typeof configSchema>;
export type TorqSecrets = z.output<typeof secretsSchema>;
export type TorqParams = z.output<typeof paramsSchema>;
