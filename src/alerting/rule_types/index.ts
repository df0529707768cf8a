import type { RuleTypeDefinition } from '../types.js';
import { connectorHealthRuleType, type ConnectorHealthDeps } from './connector_health/rule_type.js';
import { esQueryRuleType } from './es_query/index.js';
import { incomingAlertsRuleType, type IncomingAlertsDeps } from './incoming_alerts/rule_type.js';
import { indexThresholdRuleType } from './index_threshold/index.js';

// The explicit registry of rule types, one folder each (as src/connector_types/index.ts is for
// connector types).

/** The rule types that need nothing from the server. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const RULE_TYPES: RuleTypeDefinition<any, any>[] = [indexThresholdRuleType, esQueryRuleType];

/** What the rule types built by `ruleTypes` need from the server. */
export type RuleTypeDeps = ConnectorHealthDeps & IncomingAlertsDeps;

/** Every rule type Plugboard runs: RULE_TYPES, then those built on the server's services. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function ruleTypes(deps: RuleTypeDeps): RuleTypeDefinition<any, any>[] {
  return [...RULE_TYPES, connectorHealthRuleType(deps), incomingAlertsRuleType(deps)];
}
