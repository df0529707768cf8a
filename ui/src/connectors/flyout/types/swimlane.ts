import type { FieldOverride } from '../../../forms/SchemaForm.js';
import type { TypeCustomization } from '../type_ui.js';

// Swimlane's field mappings, as Kibana's form handles them: the connector type decides which
// mappings apply (the others are not drawn, nor sent) and which must be filled; the server
// accepts any. Each mapping names a Swimlane field by id, key, name and type.

type Value = Record<string, unknown>;
type ConnectorType = 'all' | 'alerts' | 'cases';

const MAPPINGS = ['alertIdConfig', 'ruleNameConfig', 'severityConfig', 'caseIdConfig', 'caseNameConfig', 'commentsConfig', 'descriptionConfig'] as const;

/** Kibana's lists: the mappings each connector type shows, and those it requires (none for all). */
const SHOWN: Record<ConnectorType, readonly string[]> = {
  all: MAPPINGS,
  alerts: ['alertIdConfig', 'ruleNameConfig', 'severityConfig', 'commentsConfig'],
  cases: ['caseIdConfig', 'caseNameConfig', 'commentsConfig', 'descriptionConfig'],
};
const REQUIRED: Record<ConnectorType, readonly string[]> = {
  all: [],
  alerts: ['ruleNameConfig', 'alertIdConfig'],
  cases: ['caseNameConfig', 'descriptionConfig', 'commentsConfig', 'caseIdConfig'],
};

const isObject = (v: unknown): v is Value => typeof v === 'object' && v !== null && !Array.isArray(v);
const connectorTypeOf = (config: Value): ConnectorType => (config.connectorType === 'alerts' || config.connectorType === 'cases' ? config.connectorType : 'all');
const at = (names: readonly string[]) => names.map((name) => `mappings.${name}`);

/** Comments go to a comments field; the other values to a text field unless the user says numeric. */
const defaultFieldType = (mapping: string) => (mapping === 'commentsConfig' ? 'comments' : 'text');

/**
 * A mapping with an id, key or name gets its field type's default; one with none of them (and
 * the default type, or none) is no mapping at all, so that clearing its fields removes it.
 */
function normaliseMapping(name: string, mapping: unknown): Value | undefined {
  if (!isObject(mapping)) return undefined;
  const named = ['id', 'key', 'name'].some((key) => typeof mapping[key] === 'string' && mapping[key] !== '');
  const fieldType = mapping.fieldType ?? defaultFieldType(name);
  if (!named && fieldType === defaultFieldType(name)) return undefined;
  return { ...mapping, fieldType };
}

// An empty mapping shows the type it would get.
const fieldTypeOptions = (mapping: string): FieldOverride => ({
  emptyText: mapping === 'commentsConfig' ? 'Comments (the default)' : 'Text (the default)',
  options:
    mapping === 'commentsConfig'
      ? [{ value: 'comments', text: 'Comments' }]
      : [
          { value: 'text', text: 'Text' },
          { value: 'numeric', text: 'Numeric (sent as a number)' },
        ],
  alwaysSet: true,
});

export const swimlane: TypeCustomization = {
  // As in Kibana, a new connector is for both alerts and cases until the user says otherwise.
  normaliseConfig(config) {
    const mappings: Value = {};
    const given = isObject(config.mappings) ? config.mappings : {};
    for (const name of MAPPINGS) {
      const mapping = normaliseMapping(name, given[name]);
      if (mapping) mappings[name] = mapping;
    }
    return { ...config, connectorType: connectorTypeOf(config), mappings };
  },
  hiddenConfig: (config) => at(MAPPINGS.filter((name) => !SHOWN[connectorTypeOf(config)].includes(name))),
  // The type's required mappings, and the id, key and name of every mapping given.
  requiredConfig(config) {
    const type = connectorTypeOf(config);
    const given = isObject(config.mappings) ? config.mappings : {};
    const filled = SHOWN[type].filter((name) => isObject(given[name]));
    return [...at(REQUIRED[type]), ...filled.flatMap((name) => ['id', 'key', 'name'].map((key) => `mappings.${name}.${key}`))];
  },
  configOverrides: {
    connectorType: {
      options: [
        { value: 'all', text: 'All: alerts and cases' },
        { value: 'alerts', text: 'Alerts' },
        { value: 'cases', text: 'Cases' },
      ],
      alwaysSet: true,
    },
    apiUrl: { placeholder: 'https://swimlane.example.com' },
    ...Object.fromEntries(MAPPINGS.map((name) => [`mappings.${name}.fieldType`, fieldTypeOptions(name)])),
  },
};
