import type { ActionVariable, RuleTypeForm } from '../api/types.js';

// The variables a rule's action templates may use (reference §3.7): the rule type's own, then
// the ones every rule has. Summary actions have the alerts' counts instead of one alert.

const RULE_VARIABLES: ActionVariable[] = [
  { name: 'rule.id', description: 'The ID of the rule.' },
  { name: 'rule.name', description: 'The name of the rule.' },
  { name: 'rule.spaceId', description: 'The space of the rule.' },
  { name: 'rule.tags', description: 'The tags of the rule.' },
  { name: 'rule.type', description: 'The type of the rule.' },
  { name: 'rule.url', description: 'The address of the rule in Kibana (empty without a public base URL).' },
  { name: 'rule.params', description: 'The parameters of the rule.' },
  { name: 'date', description: 'The date the rule scheduled the action.' },
  { name: 'kibanaBaseUrl', description: 'The configured public base URL (empty when none is set).' },
];

const ALERT_VARIABLES: ActionVariable[] = [
  { name: 'alert.id', description: 'The ID of the alert that scheduled the action.' },
  { name: 'alert.uuid', description: 'The UUID of the alert that scheduled the action.' },
  { name: 'alert.actionGroup', description: 'The action group of the alert that scheduled the action.' },
  { name: 'alert.actionGroupName', description: 'The readable name of that action group.' },
  { name: 'alert.flapping', description: 'Whether the alert is flapping between active and recovered.' },
  { name: 'alert.consecutiveMatches', description: 'How many runs in a row matched the rule conditions.' },
];

const SUMMARY_VARIABLES: ActionVariable[] = [
  { name: 'alerts.new.count', description: 'How many alerts are new.' },
  { name: 'alerts.ongoing.count', description: 'How many alerts are still active.' },
  { name: 'alerts.recovered.count', description: 'How many alerts recovered.' },
  { name: 'alerts.all.count', description: 'How many alerts there are in all.' },
  { name: 'alerts.all.data', description: 'The alerts, as a list of documents.' },
];

/** The variables an action of a rule of `type` may use, with or without a single alert. */
export function actionVariables(type: RuleTypeForm, summary: boolean): ActionVariable[] {
  const own = type.action_variables;
  const prefixed = (prefix: string, list: ActionVariable[]) => list.map((v) => ({ ...v, name: `${prefix}.${v.name}` }));
  return [
    ...(summary ? [...SUMMARY_VARIABLES, ...(own.summary ?? [])] : [...prefixed('context', own.context), ...prefixed('state', own.state), ...ALERT_VARIABLES, ...prefixed('alert', own.alert ?? [])]),
    ...prefixed('params', own.params),
    ...RULE_VARIABLES,
  ];
}
