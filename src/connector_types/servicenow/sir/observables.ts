import { withServiceMessage } from '../client.js';
import type { ServiceNowService } from '../service.js';
import type { SirPushParams } from './schema.js';

// SecOps observables, as Kibana's SIR connector sends them (C/servicenow_sir/api.ts): on the
// Table API they are fields of the incident, each list joined with commas; through the Elastic
// app they are left out of the incident and added afterwards in one bulk call, by type.

type Observable = { value: string; type: 'ipv4-addr' | 'SHA256' | 'URL' };
type ObservableInput = string | string[] | null;

const OBSERVABLE_FIELDS = ['dest_ip', 'malware_hash', 'malware_url', 'source_ip'] as const;
const SEPARATORS = /[ ,|\r\n\t]+/;

const asList = (input: ObservableInput): string[] => (!input || input.length === 0 ? [] : typeof input === 'string' ? input.split(SEPARATORS) : input);

/** The incident as pushed: observables joined (Table API) or emptied (the app gets them apart). */
export function prepareSirParams(usesTableApi: boolean, params: SirPushParams): SirPushParams {
  const fields = Object.fromEntries(
    OBSERVABLE_FIELDS.map((field) => {
      const value = params.incident[field];
      return [field, usesTableApi ? (Array.isArray(value) ? value.join(',') : value) : null];
    }),
  );
  return { ...params, incident: { ...params.incident, ...fields } };
}

/** Source and destination IPs together, then hashes, then URLs; each type's values once, empty ones dropped. */
export function observablesOf({ dest_ip, source_ip, malware_hash, malware_url }: SirPushParams['incident']): Observable[] {
  const byType: Array<[string[], Observable['type']]> = [
    [[...asList(dest_ip), ...asList(source_ip)], 'ipv4-addr'],
    [asList(malware_hash), 'SHA256'],
    [asList(malware_url), 'URL'],
  ];
  return byType.flatMap(([values, type]) => [...new Set(values)].filter((value) => value !== '').map((value) => ({ value, type })));
}

/** Adds the observables to the incident through the app (after checking it is installed). */
export async function bulkAddObservables(service: ServiceNowService, observables: Observable[], incidentId: string): Promise<unknown> {
  try {
    await service.checkIfApplicationIsInstalled();
    const res = await service.client.request('POST', `${service.url}/api/x_elas2_sir_int/elastic_api/incident/${encodeURIComponent(incidentId)}/observables/bulk`, observables);
    service.checkInstance(res);
    return res.data.result;
  } catch (err) {
    throw withServiceMessage(err, `Unable to add observables to security incident with id ${incidentId}`, { endpoint: 'other', method: 'post' });
  }
}
