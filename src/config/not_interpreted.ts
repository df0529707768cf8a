import { z } from 'zod';

// Kibana settings that Plugboard does not act on (yet) are still accepted, so that a pasted
// kibana.yml starts. They carry one mark in their metadata, which docs/settings.md shows, start-up
// warns about (for each one that is set) and test/config_marks.test.ts holds true (no code reads them).
declare module 'zod' {
  interface GlobalMeta {
    notInterpreted?: true;
  }
}

/** `schema` with its description and the not-interpreted mark. */
export function notInterpreted<T extends z.ZodType>(schema: T, description: string): T {
  return schema.meta({ description, notInterpreted: true });
}

type Def = { type: string; innerType?: z.ZodType; in?: z.ZodType; shape?: Record<string, z.ZodType> };
const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;
const WRAPPERS = new Set(['default', 'prefault', 'optional', 'nullable', 'readonly', 'catch']);

/** The schema and every wrapper inside it, down to its core type: `.meta()` may sit on any of them. */
function layers(schema: z.ZodType): z.ZodType[] {
  const out = [schema];
  for (let def = defOf(schema); WRAPPERS.has(def.type) || def.type === 'pipe'; def = defOf(out[out.length - 1])) {
    out.push((def.type === 'pipe' ? def.in : def.innerType) as z.ZodType);
  }
  return out;
}

export function isNotInterpreted(schema: z.ZodType): boolean {
  return layers(schema).some((layer) => z.globalRegistry.get(layer)?.notInterpreted === true);
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Dotted keys of the leaves of `value` (a map is followed, an empty one is a leaf). */
function leafKeys(value: unknown, key: string): string[] {
  if (!isPlainObject(value) || Object.keys(value).length === 0) return [key];
  return Object.entries(value).flatMap(([name, inner]) => leafKeys(inner, `${key}.${name}`));
}

/**
 * The dotted keys, set in the parsed `config`, of settings marked not interpreted. Such settings
 * have no defaults, so whatever of them is present was given by the user.
 */
export function notInterpretedSettings(schema: z.ZodType, config: unknown, prefix = ''): string[] {
  if (config === undefined) return [];
  if (isNotInterpreted(schema)) return leafKeys(config, prefix);
  const core = defOf(layers(schema).at(-1) as z.ZodType);
  if (core.type !== 'object' || !core.shape || !isPlainObject(config)) return [];
  return Object.entries(core.shape).flatMap(([name, inner]) =>
    notInterpretedSettings(inner, config[name], prefix ? `${prefix}.${name}` : name),
  );
}
