import { z } from 'zod';
import { DEFAULT_ALERTS_GROUPING_KEY, getChoicesParamsSchema, subActionVariant } from '../schema.js';

export const CONNECTOR_ID = '.servicenow-itom';
export const CONNECTOR_NAME = 'ServiceNow ITOM';

const text = (label: string, help?: string) => z.string().nullable().default(null).meta(help ? { label, help } : { label });

/** An Event Management event; fields left null are not sent. */
export const addEventParamsSchema = z.strictObject({
  source: text('Source', 'The monitoring tool the event comes from.'),
  event_class: text('Event class', 'The class of the source, e.g. the monitoring instance.'),
  resource: text('Resource', 'The component of the node the event is about, e.g. a disk or a CPU.'),
  node: text('Node', 'The host the event is about: a name, IP address or FQDN.'),
  metric_name: text('Metric name'),
  type: text('Type', 'The type of event, e.g. High Latency.'),
  severity: text('Severity', '1 critical, 2 major, 3 minor, 4 warning, 5 info, 0 clear.'),
  description: text('Description'),
  additional_info: text('Additional information', 'More about the event, as a JSON object in text.'),
  message_key: z
    .string()
    .nullable()
    .default(DEFAULT_ALERTS_GROUPING_KEY)
    .meta({
      label: 'Message key',
      help: 'Events with the same key are one alert in ServiceNow; by default one per rule and alert. Without it, ServiceNow keys the event by source, node, type, resource and metric name.',
    }),
  time_of_event: text('Time of event', 'When it happened: a date, or epoch milliseconds; sent in GMT, and left out when it is not a date.'),
});

export const paramsSchema = z.discriminatedUnion('subAction', [subActionVariant('addEvent', addEventParamsSchema), subActionVariant('getChoices', getChoicesParamsSchema)]);

export type ItomParams = z.output<typeof paramsSchema>;
export type ItomEvent = z.output<typeof addEventParamsSchema>;
