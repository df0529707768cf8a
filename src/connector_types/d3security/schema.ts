import { z } from 'zod';

export const CONNECTOR_ID = '.d3security';
export const CONNECTOR_NAME = 'D3 Security';

export const SUB_ACTION = { Run: 'run', Test: 'test' } as const;

/** The severities the UI offers; any string is accepted. */
export const SEVERITIES = ['', 'high', 'medium', 'low'] as const;

export const configSchema = z.strictObject({
  url: z.string().meta({ label: 'URL', help: 'The D3 SOAR webhook (event intake) address events are posted to.' }),
});

export const secretsSchema = z.strictObject({
  token: z.string().meta({ label: 'Token', help: 'The webhook key, sent in the d3key header.', secret: true }),
});

export const runParamsSchema = z.strictObject({
  body: z.string().optional().meta({ label: 'Body', help: 'The event, as JSON text (sent as text when it is not JSON); templates are JSON-escaped.' }),
  severity: z.string().optional().default('').meta({ label: 'Severity', help: `Sent as kibana.alert.severity; the UI offers ${SEVERITIES.map((s) => `"${s}"`).join(', ')}.` }),
  eventType: z.string().optional().default('').meta({ label: 'Event type', help: 'Sent as event.type.' }),
});

/** D3 acknowledges an event with its reference id. */
export const runResponseSchema = z.looseObject({ refid: z.string() });

export type D3SecurityConfig = z.output<typeof configSchema>;
export type D3SecuritySecrets = z.output<typeof secretsSchema>;
export type D3SecurityRunParams = z.output<typeof runParamsSchema>;
