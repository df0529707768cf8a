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
  /**
   * The catalog has loaded without its type: imported from an installation that has the type.
   * It can be looked at and deleted, not fixed or run.
   */
  typeUnknown: boolean;
}

// The Compatibility column names only the features Plugboard has itself (its rules and cases):
// Kibana's others (Uptime, Security Solution, Agent Builder…) stay in the API's
// supported_feature_ids for Kibana's clients, but there is nothing of them here.
const FEATURE_LABELS: Record<string, string> = {
  alerting: 'Alerting rules',
  cases: 'Cases',
};

/** The names of the features of a type that Plugboard has. */
export const featureLabels = (featureIds: readonly string[]): string[] =>
  featureIds.filter((id) => Object.hasOwn(FEATURE_LABELS, id)).map((id) => FEATURE_LABELS[id]!);

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
      typeUnknown: types !== undefined && type === undefined,
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
