import type { RuleTypeDefinition } from '../types.js';
import { esQueryRuleType } from './es_query/index.js';
import { indexThresholdRuleType } from './index_threshold/index.js';

/** Every rule type Plugboard runs, registered explicitly like the connector types. */
export const RULE_TYPES: RuleTypeDefinition<any, any>[] = [indexThresholdRuleType, esQueryRuleType];
