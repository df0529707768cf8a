import { z } from 'zod';
import { commentsSchema, commonIncidentShape, DEFAULT_ALERTS_GROUPING_KEY, incidentSubActionVariants, subActionVariant } from '../schema.js';

export const CONNECTOR_ID = '.servicenow';
export const CONNECTOR_NAME = 'ServiceNow ITSM';

const nullableText = (label: string) => z.string().nullable().default(null).meta({ label });

export const pushParamsSchema = z.strictObject({
  incident: z.strictObject({
    ...commonIncidentShape,
    severity: nullableText('Severity'),
    urgency: nullableText('Urgency'),
    impact: nullableText('Impact'),
  }),
  comments: commentsSchema,
});

export const closeIncidentParamsSchema = z.strictObject({
  incident: z.strictObject({
    externalId: z.string().nullable().default(null).meta({ label: 'Incident sys_id', help: 'The incident to close; without it, the newest with the correlation ID.' }),
    correlation_id: z.string().nullable().default(DEFAULT_ALERTS_GROUPING_KEY).meta({ label: 'Correlation ID' }),
  }),
});

/** Kibana's union on subAction; handshake is in it, but a run of it is refused. */
export const paramsSchema = z.discriminatedUnion('subAction', [...incidentSubActionVariants(pushParamsSchema), subActionVariant('closeIncident', closeIncidentParamsSchema)]);

export type ItsmParams = z.output<typeof paramsSchema>;
