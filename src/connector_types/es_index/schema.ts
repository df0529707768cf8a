import { z } from 'zod';

export const CONNECTOR_ID = '.index';
export const CONNECTOR_NAME = 'Index';

/** The only indices `indexOverride` may name (the alert-history connector's). */
export const ALERT_HISTORY_PREFIX = 'kibana-alert-history-';

export const configSchema = z.strictObject({
  index: z.string().meta({ label: 'Index', help: 'The index documents are written to.' }),
  refresh: z
    .boolean()
    .default(false)
    .meta({ label: 'Refresh index', help: 'Refresh the affected shards so the documents are searchable at once.' }),
  executionTimeField: z
    .string()
    .nullable()
    .default(null)
    .meta({ label: 'Time field', help: 'When set, this field of each document is set to the execution time.' }),
});

export const secretsSchema = z.strictObject({});

export const paramsSchema = z.strictObject({
  documents: z
    .array(z.record(z.string(), z.any()))
    .meta({ label: 'Documents', help: 'The documents to index, as JSON objects.' }),
  indexOverride: z
    .string()
    .nullable()
    .default(null)
    .refine((index) => index === null || (index !== '' && index.startsWith(ALERT_HISTORY_PREFIX)), {
      message: `index must start with "${ALERT_HISTORY_PREFIX}"`,
    })
    .meta({ label: 'Index override', help: `Only indices starting with "${ALERT_HISTORY_PREFIX}".` }),
});

export type EsIndexConfig = z.output<typeof configSchema>;
export type EsIndexSecrets = z.output<typeof secretsSchema>;
export type EsIndexParams = z.output<typeof paramsSchema>;
