import type { FieldMeta, ResilientIncident } from './schema.js';

// How IBM Resilient wants field values, by the field's definition (its input_type, its choices,
// its prefix): the shapes of an update's changes, and where additional fields go on creation.
// As Kibana's newest connector, which reads the definitions before every update.

type Value = unknown;

/** One change of an update: the field, its value as read before, and the new one. */
export interface FieldChange {
  field: { name: string };
  old_value: unknown;
  new_value: unknown;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Select and multiselect values must be among the field's choices (compared strictly, as Kibana). */
export function checkChoices(field: FieldMeta, given: Value[]): void {
  const choices = field.values;
  if (!Array.isArray(choices)) return;
  if (given.every((value) => choices.some((choice) => choice.value === value))) return;
  const accepted = choices.map((choice) => `${choice.value} (for "${choice.label}")`).join(',');
  throw new Error(`Invalid values provided to ${field.name}: ${JSON.stringify(given, null, 2)}. Accepted values: ${accepted}`);
}

/** The value as IBM Resilient expects it for the field's input type; `{}` when it has none. */
function valueShape(field: FieldMeta, value: Value, oldValue?: Value): Record<string, unknown> {
  switch (field.input_type) {
    case 'textarea':
      if (value === null || value === undefined) return { textarea: null };
      if (isPlainObject(value) && 'format' in value && 'content' in value) return { textarea: { ...value } };
      // A text keeps the format the field had, plain text when it had none.
      return { textarea: { format: isPlainObject(oldValue) && 'format' in oldValue ? oldValue.format : 'text', content: value } };
    case 'multiselect': {
      if (value === null || value === undefined) return {};
      const ids = Array.isArray(value) ? [...value] : [value];
      checkChoices(field, ids);
      return { ids };
    }
    case 'select':
      if (value === null || value === undefined) return {};
      checkChoices(field, [value]);
      return { id: value };
    case 'datetimepicker':
    case 'datepicker':
      return typeof value === 'number' ? { date: value } : {};
    case 'boolean':
      return typeof value === 'boolean' ? { boolean: value } : {};
    case 'number':
      return typeof value === 'number' ? { object: value } : {};
    case 'text':
      return typeof value === 'string' ? { text: value } : {};
    default:
      return {};
  }
}

const KNOWN_INPUT_TYPES = new Set(['textarea', 'multiselect', 'select', 'datetimepicker', 'datepicker', 'boolean', 'number', 'text']);

/** The incident's field names and IBM Resilient's. */
const RESILIENT_NAMES: Record<string, string> = { incidentTypes: 'incident_type_ids', severityCode: 'severity_code' };

const byName = (fields: FieldMeta[]) => new Map(fields.map((field) => [field.name, field]));

/**
 * The changes that turn `oldIncident` (as IBM Resilient answers it) into the incident's values
 * (nulls already dropped); additional fields are changed like the incident's own. A field the
 * definitions do not know fails the update.
 */
export function updateChanges(oldIncident: Record<string, unknown>, incident: Partial<ResilientIncident>, fields: FieldMeta[]): FieldChange[] {
  const { additionalFields, ...own } = incident;
  const updates: Record<string, unknown> = { ...(additionalFields ?? {}), ...own };
  const definitions = byName(fields);
  return Object.keys(updates).map((key) => {
    const name = RESILIENT_NAMES[key] ?? key;
    const field = definitions.get(name);
    if (!field) throw new Error(`No metadata found for field ${name}`);
    // Prefixed fields (custom ones, under `properties`) are read from under their prefix.
    let oldValue: Value = oldIncident[name] ? oldIncident[name] : oldIncident[key];
    if (field.prefix) oldValue = isPlainObject(oldIncident[field.prefix]) ? (oldIncident[field.prefix] as Record<string, unknown>)[key] : null;
    const oldRead = KNOWN_INPUT_TYPES.has(field.input_type) ? (oldValue ?? null) : null;
    const newValue = updates[name] ? updates[name] : updates[key];
    return { field: { name }, old_value: valueShape(field, oldRead), new_value: valueShape(field, newValue, oldValue) };
  });
}

/**
 * Additional fields of a new incident: those under `properties` are taken out of it; select
 * values are checked against the choices; prefixed fields go under their prefix, the others at
 * the top level.
 */
export function additionalFieldsForCreation(fields: FieldMeta[], additionalFields: Record<string, unknown>): Record<string, unknown> {
  const { properties, ...rest } = additionalFields;
  const flattened: Record<string, unknown> = { ...(isPlainObject(properties) ? properties : {}), ...rest };
  const definitions = byName(fields);
  const data: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(flattened)) {
    const field = definitions.get(key);
    if (field?.input_type === 'select' || field?.input_type === 'multiselect') checkChoices(field, Array.isArray(value) ? value : [value]);
    if (field?.prefix) {
      const under = (data[field.prefix] ??= {}) as Record<string, unknown>;
      under[key] = value;
    } else {
      data[key] = value;
    }
  }
  return data;
}
