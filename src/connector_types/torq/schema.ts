import { z } from 'zod';

export const CONNECTOR_ID = '.torq';
export const CONNECTOR_NAME = 'Torq';

export const configSchema = z.strictObject({
  webhookIntegrationUrl: z.string().meta({
    label: 'Torq endpoint URL',
    help: 'The URL of a Torq webhook integration, on hooks.torq.io or hooks.eu.torq.io. Must be allowed by xpack.actions.allowedHosts.',
  }),
});

export const secretsSchema = z.strictObject({
  token: z.string().meta({
    label: 'Torq integration token',
    help: 'The authentication header value of the webhook integration, sent as X-Torq-Token.',
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
