import type { SelectOption } from '../../../forms/controls.js';
import type { ServiceChoices } from '../type_ui.js';

// ServiceNow keeps the choices of its incident fields in sys_choice: the Test tab asks the
// connector for them (getChoices), as Kibana's ServiceNow params forms do; a subcategory is
// offered under the category it depends on.

type Value = Record<string, unknown>;
interface Choice {
  value?: string;
  label?: string;
  element?: string;
  dependent_value?: string;
}

const objectAt = (value: Value, path: string[]): Value =>
  path.reduce<Value>((at, key) => (typeof at[key] === 'object' && at[key] !== null ? (at[key] as Value) : {}), value);

/**
 * The choices of `fields` for the params object at `path` (`subActionParams.incident`), when
 * the sub-action is `subAction`.
 */
export function serviceNowChoices(subAction: string, path: string, fields: string[]): ServiceChoices {
  const keys = path.split('.');
  const categoryOf = (params: Value) => String(objectAt(params, keys).category ?? '');
  return {
    dependsOn: (params) => (params.subAction === subAction ? `${subAction}:${categoryOf(params)}` : ''),
    async load(run, params) {
      if (params.subAction !== subAction) return {};
      const choices = ((await run('getChoices', { fields })) as Choice[] | undefined) ?? [];
      const category = categoryOf(params);
      const options: Record<string, SelectOption[]> = {};
      for (const field of fields) {
        options[`${path}.${field}`] = choices
          .filter((c) => c.element === field && c.value != null && (field !== 'subcategory' || c.dependent_value === category))
          .map((c) => ({ value: c.value!, text: c.label || c.value! }));
      }
      return options;
    },
  };
}
