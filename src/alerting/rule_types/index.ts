import type { RuleTypeDefinition } from '../types.js';
import { connectorHealthRuleType, type ConnectorHealthDeps } from './connector_health/rule_type.js';

// The explicit registry of rule types, one folder each (as src/connector_types/index.ts is for
// connector types). Types that need the server's services get them through `deps`.

/** What the rule types need from the server. */
export type RuleTypeDeps = ConnectorHealthDeps;

export function ruleTypes(deps: RuleTypeDeps): RuleTypeDefinition[] {
  return [connectorHealthRuleType(deps)];
}
