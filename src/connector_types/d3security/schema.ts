import { z } from 'zod';

export const CONNECTOR_ID = '.d3security';
export const CONNECTOR_NAME = 'D3 Security';

export const SUB_ACTION = { Run: 'run', Test: 'test' } as const;

export const configSchema = z.strictObject({
  url: z.string().meta({ label: 'URL', help: 'The D3 SOAR webhook (event intake) address events are posted to.' }),
});

export const secretsSchema = z.strictObject({
  token: z.string().meta({ label: 'Token', help: 'The key D3 gives with the webhook.', secret: true }),
});

export const runParamsSchema = z.strictObject({
  body: z.string().optional().meta({ label: 'Body', help: 'The event, as JSON text (sent as text when it is not JSON); templates are JSON-escaped.' }),
  severity: z.string().optional().default('').meta({ label: 'Severity', help: 'The severity of the event, e.g. high, medium or low; any text is accepted.' }),
  eventType: z.string().optional().default('').meta({ label: 'Event type', help: 'The type of the event, as D3 files it.' }),
});

/** D3 acknowledges an event with its reference id. */
export const runResponseSchema = z.looseObject({ refid: z.string() });

export type D3SecurityConfig = z.output<typeof configSchema>;
export type D3SecuritySecrets = z.output<typeof secretsSchema>;
export type D3SecurityRunParams = z.output<typeof runParamsSchema>;
