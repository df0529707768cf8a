import { typeDisabledReason } from '../type_status.js';
import type { Connector, ConnectorType } from '../../api/types.js';

/** One line of the connectors table: the connector with what the table shows of its type. */
export interface ConnectorRow {
  id: string;
  name: string;
  typeName: string;
  connector: Connector;
  type?: ConnectorType;
  /** Why the connector's type cannot be used, when it cannot (the row is greyed out). */
  disabledReason?: string;
}

// Kibana's names for the features a type supports (the Compatibility column).
const FEATURE_LABELS: Record<string, string> = {
  alerting: 'Alerting rules',
  cases: 'Cases',
  uptime: 'Uptime',
  siem: 'Security Solution',
  generativeAIForSecurity: 'Generative AI for Security',
  generativeAIForObservability: 'Generative AI for Observability',
  generativeAIForSearchPlayground: 'Generative AI for Search Playground',
  endpointSecurity: 'Endpoint Security',
  federated: 'Federated',
  workflows: 'Workflows',
  agentBuilder: 'Agent Builder',
};

export const featureLabel = (featureId: string): string => FEATURE_LABELS[featureId] ?? featureId;

/**
 * Kibana's checkActionTypeEnabled, as a sentence for the row's tooltip. `types` is undefined
 * while the catalog loads: nothing is greyed out on a guess.
 */
export function disabledReason(connector: Connector, type: ConnectorType | undefined, typesLoaded: boolean): string | undefined {
  if (!typesLoaded) return undefined;
  if (!type) return 'This connector type is not available in Plugboard.';
  // enabledActionTypes does not stop preconfigured connectors (the server runs them regardless).
  if (connector.is_preconfigured && type.enabled_in_license && !type.enabled_in_config) return undefined;
  return typeDisabledReason(type);
}

export function toRows(connectors: Connector[], types: ConnectorType[] | undefined): ConnectorRow[] {
  const byId = new Map((types ?? []).map((t) => [t.id, t]));
  return connectors.map((connector) => {
    const type = byId.get(connector.connector_type_id);
    return {
      id: connector.id,
      name: connector.name,
      typeName: type?.name ?? connector.connector_type_id,
      connector,
      type,
      disabledReason: disabledReason(connector, type, types !== undefined),
    };
  });
}

/** The rows the search box (name or type name, any case) and the type filter let through. */
export function filterRows(rows: ConnectorRow[], search: string, typeIds: string[]): ConnectorRow[] {
  const needle = search.trim().toLowerCase();
  const types = new Set(typeIds);
  return rows.filter(
    (row) =>
      (types.size === 0 || types.has(row.connector.connector_type_id)) &&
      (!needle || row.name.toLowerCase().includes(needle) || row.typeName.toLowerCase().includes(needle)),
  );
}

export interface TypeCount {
  id: string;
  name: string;
  count: number;
}

/** The type filter's options: the types of the space's connectors with their counts, plus any still selected. */
export function typeCounts(rows: ConnectorRow[], selected: string[]): TypeCount[] {
  const counts = new Map<string, TypeCount>();
  for (const row of rows) {
    const id = row.connector.connector_type_id;
    const entry = counts.get(id) ?? { id, name: row.typeName, count: 0 };
    entry.count++;
    counts.set(id, entry);
  }
  for (const id of selected) if (!counts.has(id)) counts.set(id, { id, name: id, count: 0 });
  return [...counts.values()].sort((a, b) => a.name.localeCompare(b.name));
}
