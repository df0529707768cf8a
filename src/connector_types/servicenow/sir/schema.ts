import { z } from 'zod';
import { commentsSchema, commonIncidentShape, incidentSubActionVariants } from '../schema.js';

export const CONNECTOR_ID = '.servicenow-sir';
export const CONNECTOR_NAME = 'ServiceNow SecOps';

/** Text (values separated by spaces, commas, pipes, tabs or new lines) or a list of values. */
const observableField = (label: string) =>
  z
    .union([z.string(), z.array(z.string())])
    .nullable()
    .default(null)
    .meta({ label, help: 'One or more values: a list, or text separated by commas, spaces, pipes or new lines.' });

export const pushParamsSchema = z.strictObject({
  incident: z.strictObject({
    ...commonIncidentShape,
    dest_ip: observableField('Destination IPs'),
    malware_hash: observableField('Malware hashes (SHA-256)'),
    malware_url: observableField('Malware URLs'),
    source_ip: observableField('Source IPs'),
    priority: z.string().nullable().default(null).meta({ label: 'Priority' }),
  }),
  comments: commentsSchema,
});

/** Kibana's union on subAction; handshake is in it, but a run of it is refused. */
export const paramsSchema = z.discriminatedUnion('subAction', incidentSubActionVariants(pushParamsSchema));

export type SirParams = z.output<typeof paramsSchema>;
export type SirPushParams = z.output<typeof pushParamsSchema>;
