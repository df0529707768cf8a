import moment from 'moment-timezone';
import { z } from 'zod';
import { jsonRecordSchema } from '../lib/json_record.js';

export const CONNECTOR_ID = '.pagerduty';
export const CONNECTOR_NAME = 'PagerDuty';
/** Used when the connector has no `apiUrl` (the setting plugboard.serviceUrlOverrides can replace it). */
export const PAGERDUTY_API_URL = 'https://events.pagerduty.com/v2/enqueue';

export const EVENT_ACTIONS = ['trigger', 'resolve', 'acknowledge'] as const;
export type EventAction = (typeof EVENT_ACTIONS)[number];
export const SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;

/**
 * Kibana's reading of `timestamp`: a string of digits only (as an integer would print) is epoch
 * milliseconds, any other non-blank string is a date string; blank is no timestamp.
 */
export function convertTimestamp(timestamp: string | undefined): string | number | null {
  const trimmed = timestamp?.trim();
  if (!trimmed) return null;
  const epoch = Number.parseInt(trimmed, 10);
  if (!Number.isNaN(epoch) && JSON.stringify(epoch) === trimmed) return epoch;
  return trimmed;
}

/**
 * What `moment(value)` accepts, without its deprecation warning: ISO 8601, then RFC 2822, then
 * whatever the Date constructor parses.
 */
export function parseTimestamp(value: string | number): moment.Moment {
  if (typeof value === 'number') return moment(value);
  const iso = moment(value, moment.ISO_8601);
  if (iso.isValid()) return iso;
  const rfc2822 = moment(value, moment.RFC_2822);
  if (rfc2822.isValid()) return rfc2822;
  return moment(new Date(value));
}


export const configSchema = z.strictObject({
  apiUrl: z
    .string()
    .nullable()
    .default(null)
    .meta({
      label: 'API URL',
      help: `The Events API v2 endpoint; empty means ${PAGERDUTY_API_URL}. Its host must be among the allowed hosts of the Plugboard configuration.`,
    }),
});

export const secretsSchema = z.strictObject({
  routingKey: z.string().meta({
    label: 'Integration key',
    help: 'The integration (routing) key of an Events API v2 integration on a PagerDuty service.',
    secret: true,
  }),
});

export const paramsSchema = z
  .strictObject({
    eventAction: z
      .enum(EVENT_ACTIONS)
      .optional()
      .meta({ label: 'Event action', help: 'Trigger (the default) opens an alert; acknowledge and resolve act on the alert of the dedup key.' }),
    dedupKey: z
      .string()
      .max(255)
      .optional()
      .meta({
        label: 'Dedup key',
        help: 'Identifies the alert; required to acknowledge or resolve it. PagerDuty makes one up for a trigger without it.',
      }),
    summary: z
      .string()
      .max(1024)
      .optional()
      .meta({ label: 'Summary', help: 'The alert title in PagerDuty. Defaults to "No summary provided."' }),
    source: z
      .string()
      .optional()
      .meta({ label: 'Source', help: 'The affected system, e.g. a hostname. Defaults to "Kibana Action <connector id>".' }),
    severity: z.enum(SEVERITIES).optional().meta({ label: 'Severity', help: 'Defaults to info.' }),
    timestamp: z
      .string()
      .optional()
      .meta({ label: 'Timestamp', help: 'When the problem was detected: an ISO 8601 date, or epoch milliseconds.' }),
    component: z.string().optional().meta({ label: 'Component', help: 'The part of the source that is responsible, e.g. mysql.' }),
    group: z.string().optional().meta({ label: 'Group', help: 'A logical grouping of components, e.g. app-stack.' }),
    class: z.string().optional().meta({ label: 'Class', help: 'The type of event, e.g. ping failure.' }),
    links: z
      .array(z.strictObject({ href: z.string(), text: z.string() }))
      .optional()
      .meta({ label: 'Links', help: 'Links shown on the alert, each an address (href) and its text.' }),
    customDetails: jsonRecordSchema
      .optional()
      .meta({ label: 'Custom details', help: 'An object (or its JSON text) shown as the alert details.' }),
  })
  .superRefine((params, ctx) => {
    const converted = convertTimestamp(params.timestamp);
    if (converted !== null && !parseTimestamp(converted).isValid()) {
      ctx.addIssue({ code: 'custom', message: `error parsing timestamp "${params.timestamp}"` });
    }
    if (params.eventAction && params.eventAction !== 'trigger' && !params.dedupKey) {
      ctx.addIssue({ code: 'custom', message: `DedupKey is required when eventAction is "${params.eventAction}"` });
    }
  });

export type PagerDutyConfig = z.output<typeof configSchema>;
export type PagerDutySecrets = z.output<typeof secretsSchema>;
export type PagerDutyParams = z.output<typeof paramsSchema>;
