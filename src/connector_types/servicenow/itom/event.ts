import { convertTimestamp } from '../../pagerduty/schema.js';
import { withServiceMessage } from '../client.js';
import type { ServiceNowService } from '../service.js';
import type { ItomEvent } from './schema.js';

// An event for ServiceNow's Event Management (C/servicenow_itom/api.ts, service.ts).

/** `yyyy-MM-dd HH:mm:ss` in GMT, as Event Management reads time_of_event; nothing for what is not a date. */
function timeOfEvent(value: string | null): string | undefined {
  const converted = convertTimestamp(value ?? undefined);
  if (converted == null) return undefined;
  const date = new Date(converted);
  return Number.isNaN(date.valueOf()) ? undefined : date.toISOString().slice(0, 19).replace('T', ' ');
}

/** The event as sent: time_of_event in ServiceNow's format, every empty field left out. */
export function prepareEvent(event: ItomEvent): Record<string, string> {
  const prepared: Record<string, string | null | undefined> = { ...event, time_of_event: timeOfEvent(event.time_of_event) };
  return Object.fromEntries(Object.entries(prepared).filter((entry): entry is [string, string] => entry[1] != null));
}

export async function addEvent(service: ServiceNowService, event: ItomEvent): Promise<void> {
  try {
    const res = await service.client.request('POST', `${service.url}/api/global/em/jsonv2`, { records: [prepareEvent(event)] });
    service.checkInstance(res);
  } catch (err) {
    throw withServiceMessage(err, 'Unable to add event');
  }
}
