import type { AnyRuleType } from '../rule_type_registry.js';

/**
 * Every rule type Plugboard has, in one explicit list (as src/connector_types/index.ts lists
 * connector types): one folder each under src/alerting/rule_types/.
 */
export const RULE_TYPES: AnyRuleType[] = [];
