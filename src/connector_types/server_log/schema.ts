import { z } from 'zod';

export const configSchema = z.strictObject({});
export const secretsSchema = z.strictObject({});

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;

export const paramsSchema = z.strictObject({
  message: z.string().meta({ label: 'Message', help: 'The text written to the server log.' }),
  level: z.enum(LOG_LEVELS).default('info').meta({ label: 'Level' }),
});

export type ServerLogParams = z.output<typeof paramsSchema>;
