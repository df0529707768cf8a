import type { ExecutorResult, ConfigurationUtilities } from '../../actions/types.js';
import type { OutboundResponse } from '../../net/http_client.js';
import { statusFailure } from '../lib/retry.js';
import {
  CONNECTOR_ID,
  PAGERDUTY_API_URL,
  convertTimestamp,
  parseTimestamp,
  type EventAction,
  type PagerDutyConfig,
  type PagerDutyParams,
} from './schema.js';

/** An Events API v2 event, as Kibana builds it (the routing key travels in a header). */
export interface PagerDutyEvent {
  event_action: EventAction;
  dedup_key?: string;
  payload?: {
    summary: string;
    source: string;
    severity: string;
    timestamp?: string;
    component?: string;
    group?: string;
    class?: string;
    custom_details?: Record<string, unknown>;
  };
  links?: Array<{ href: string; text: string }>;
}

export function pagerDutyApiUrl(config: PagerDutyConfig, utils: ConfigurationUtilities): string {
  return config.apiUrl || utils.serviceUrl(CONNECTOR_ID, PAGERDUTY_API_URL);
}

export function buildEvent(connectorId: string, params: PagerDutyParams): PagerDutyEvent {
  const eventAction = params.eventAction ?? 'trigger';
  const event: PagerDutyEvent = { event_action: eventAction };
  if (params.dedupKey) event.dedup_key = params.dedupKey;
  // Acknowledge and resolve only name the alert.
  if (eventAction !== 'trigger') return event;

  const timestamp = convertTimestamp(params.timestamp);
  event.payload = {
    summary: params.summary || 'No summary provided.',
    source: params.source || `Kibana Action ${connectorId}`,
    severity: params.severity || 'info',
    ...(timestamp !== null ? { timestamp: parseTimestamp(timestamp).toISOString() } : {}),
    ...(params.component !== undefined ? { component: params.component } : {}),
    ...(params.group !== undefined ? { group: params.group } : {}),
    ...(params.class !== undefined ? { class: params.class } : {}),
    ...(params.customDetails ? { custom_details: params.customDetails } : {}),
  };
  if (params.links) event.links = params.links;
  return event;
}

function parseBody(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return body;
  }
}

/**
 * `[status] statusText`, plus PagerDuty's own explanation when the body has one, e.g.
 * `[400] Bad Request: Event object is invalid (Length of 'routing_key' is incorrect …)`.
 */
function describeError(res: OutboundResponse): string {
  const parsed = parseBody(res.body);
  let detail = '';
  if (parsed && typeof parsed === 'object') {
    const { message, errors } = parsed as { message?: unknown; errors?: unknown };
    if (typeof message === 'string') detail = message;
    if (Array.isArray(errors) && errors.length > 0) detail += `${detail ? ' ' : ''}(${errors.map(String).join('; ')})`;
  }
  return `[${res.status}] ${res.statusText}${detail ? `: ${detail}` : ''}`;
}

/**
 * Only 202 means PagerDuty took the event. Kibana adds no serviceMessage to failures; the one
 * here (status and PagerDuty's error text) is an addition, so users can see why.
 */
export function mapResponse(actionId: string, res: OutboundResponse): ExecutorResult {
  if (res.status === 202) return { status: 'ok', actionId, data: parseBody(res.body) };
  return statusFailure(actionId, 'error posting pagerduty event', res, describeError(res));
}

export function postingFailed(actionId: string, serviceMessage: string): ExecutorResult {
  return { status: 'error', actionId, message: 'error posting pagerduty event', serviceMessage };
}
