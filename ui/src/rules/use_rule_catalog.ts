import { listConnectors, listRuleTypeForms } from '../api/endpoints.js';
import type { Connector, ConnectorTypeForm, RuleTypeForm } from '../api/types.js';
import { useSpace } from '../app/space.js';
import { useConnectorTypes } from '../connectors/use_connector_types.js';
import { useAsync } from '../lib/use_async.js';

export interface RuleCatalog {
  ruleTypes: RuleTypeForm[];
  connectors: Connector[];
  connectorForms: Map<string, ConnectorTypeForm>;
}

/** What the rule forms are drawn from: the rule types, and the space's connectors with their forms. */
export function useRuleCatalog(): { data?: RuleCatalog; error?: Error } {
  const { spaceId } = useSpace();
  const ruleTypes = useAsync(listRuleTypeForms, []);
  const connectors = useAsync(() => listConnectors(spaceId), [spaceId]);
  const connectorTypes = useConnectorTypes();
  const error = ruleTypes.error ?? connectors.error ?? connectorTypes.error;
  if (!ruleTypes.data || !connectors.data || !connectorTypes.data) return { error };
  return { data: { ruleTypes: ruleTypes.data, connectors: connectors.data, connectorForms: connectorTypes.data.forms }, error };
}
