import type { Logger } from 'pino';
import { badRequest } from '../common/errors.js';
import { durationError, parseRuleDuration } from './duration.js';
import { RECOVERED_ACTION_GROUP, type ActionGroup, type ActionVariable, type RuleTypeDefinition } from './types.js';

/** A rule type of any params and state: the registry keeps them side by side. */
export type AnyRuleType = RuleTypeDefinition<any, any>;

/** A registered type: its groups with `recovered` added, its variables with every list present. */
export interface RegisteredRuleType extends AnyRuleType {
  /** The type's own groups, then `recovered`. */
  actionGroups: ActionGroup[];
  recoveryActionGroup: ActionGroup;
  actionVariables: { context: ActionVariable[]; state: ActionVariable[]; params: ActionVariable[]; alert: ActionVariable[]; summary: ActionVariable[] };
}

/** Kibana's rule type id pattern. */
const RULE_TYPE_ID = /^[a-zA-Z0-9_\-.]*$/;

/** The task type of a rule type's runs (Kibana's `alerting:<ruleTypeId>`). */
export const ALERTING_TASK_PREFIX = 'alerting:';
export const ruleTaskType = (ruleTypeId: string) => `${ALERTING_TASK_PREFIX}${ruleTypeId}`;

/** The `xpack.alerting.*` settings the registry applies. */
export interface RuleTypeRegistrySettings {
  minimumScheduleInterval: { value: string; enforce: boolean };
  /** Every type reports this producer instead of its own. */
  overwriteProducer?: string;
  /** Types not registered at all. */
  disabledRuleTypes?: string[];
  /** When set, the only types registered. */
  enabledRuleTypes?: string[];
}

/**
 * The registered rule types (Kibana's ruleTypeRegistry): checked once at registration, so a
 * bad definition stops start-up instead of failing its rules later.
 */
export class RuleTypeRegistry {
  private readonly types = new Map<string, RegisteredRuleType>();

  constructor(
    definitions: AnyRuleType[],
    private readonly settings: RuleTypeRegistrySettings,
    private readonly logger: Logger,
  ) {
    const { disabledRuleTypes, enabledRuleTypes } = settings;
    for (const def of definitions) {
      if (disabledRuleTypes?.includes(def.id) || (enabledRuleTypes && !enabledRuleTypes.includes(def.id))) continue;
      this.register(def);
    }
  }

  private register(def: AnyRuleType): void {
    if (this.types.has(def.id)) throw new Error(`Rule type "${def.id}" is already registered.`);
    if (!RULE_TYPE_ID.test(def.id)) throw new Error(`Rule type id "${def.id}" is invalid: it may hold only letters, digits, "_", "-" and ".".`);
    if (def.ruleTaskTimeout) {
      const invalid = durationError(def.ruleTaskTimeout);
      if (invalid) throw new Error(`Rule type "${def.id}" has invalid timeout: ${invalid}.`);
    }
    let defaultScheduleInterval = def.defaultScheduleInterval;
    if (defaultScheduleInterval) {
      const invalid = durationError(defaultScheduleInterval);
      if (invalid) throw new Error(`Rule type "${def.id}" has invalid default interval: ${invalid}.`);
      const minimum = this.settings.minimumScheduleInterval.value;
      if (parseRuleDuration(defaultScheduleInterval) < parseRuleDuration(minimum)) {
        if (this.settings.minimumScheduleInterval.enforce) {
          this.logger.warn(`Rule type "${def.id}" cannot specify a default interval less than the configured minimum of "${minimum}". "${minimum}" will be used.`);
          defaultScheduleInterval = minimum;
        } else {
          this.logger.warn(`Rule type "${def.id}" has a default interval of "${defaultScheduleInterval}", which is less than the configured minimum of "${minimum}".`);
        }
      }
    }
    const reserved = def.actionGroups.filter((g) => g.id === RECOVERED_ACTION_GROUP.id).map((g) => g.id);
    if (reserved.length > 0) {
      throw new Error(`Rule type [id="${def.id}"] cannot be registered. Action groups [${reserved.join(', ')}] are reserved by the framework.`);
    }
    if (!def.actionGroups.some((g) => g.id === def.defaultActionGroupId)) {
      throw new Error(`Rule type "${def.id}": its default action group "${def.defaultActionGroupId}" is not one of its action groups.`);
    }
    this.types.set(def.id, {
      ...def,
      ...(this.settings.overwriteProducer ? { producer: this.settings.overwriteProducer } : {}),
      defaultScheduleInterval,
      actionGroups: [...def.actionGroups, RECOVERED_ACTION_GROUP],
      recoveryActionGroup: RECOVERED_ACTION_GROUP,
      actionVariables: { context: def.actionVariables.context, state: def.actionVariables.state ?? [], params: def.actionVariables.params ?? [], alert: def.actionVariables.alert ?? [], summary: def.actionVariables.summary ?? [] },
    });
  }

  has(id: string): boolean {
    return this.types.has(id);
  }

  /** The type, or Kibana's 400. */
  get(id: string): RegisteredRuleType {
    const type = this.types.get(id);
    if (!type) throw badRequest(`Rule type "${id}" is not registered.`);
    return type;
  }

  list(): RegisteredRuleType[] {
    return [...this.types.values()];
  }
}
