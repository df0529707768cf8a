/** Keys that would reach an object's prototype if assigned; dropped from variables. */
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

type Node = Record<string, unknown>;

/**
 * Objects of the prepared tree render as their JSON in `{{x}}`. The toString lives on a shared
 * prototype: defined on each object, it would turn every object into a slow dictionary.
 */
const RENDERABLE: object = Object.create(Object.prototype, {
  toString: {
    value(this: Node) {
      return JSON.stringify(this);
    },
  },
});

function isPlainObject(value: unknown): value is Node {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null || proto === RENDERABLE;
}

function renderableObject(): Node {
  return Object.create(RENDERABLE) as Node;
}

/** Counts the values prepared, so that huge variables can be sent off the event loop. */
export interface VariablesCounter {
  chargeVariables(count: number): void;
}

function mergeInto(target: Node, source: Node): void {
  for (const [key, value] of Object.entries(source)) {
    if (UNSAFE_KEYS.has(key)) continue;
    if (isPlainObject(target[key]) && isPlainObject(value)) mergeInto(target[key] as Node, value);
    else target[key] = value;
  }
}

/** Sets `key` of `parent`, merging two objects (`a: {x}` and `a.b` in either order both end up in `a`). */
function assign(parent: Node, key: string, child: unknown): void {
  if (isPlainObject(parent[key]) && isPlainObject(child)) mergeInto(parent[key] as Node, child);
  else parent[key] = child;
}

function transform(value: unknown, counter: VariablesCounter): unknown {
  counter.chargeVariables(1);
  if (Array.isArray(value)) {
    const items = value.map((item) => transform(item, counter));
    Object.defineProperty(items, 'asJSON', { value: () => JSON.stringify(items), enumerable: false });
    return items;
  }
  if (!isPlainObject(value)) return value;
  const node = renderableObject();
  for (const key of Object.keys(value)) {
    const child = transform(value[key], counter);
    if (!key.includes('.')) {
      if (!UNSAFE_KEYS.has(key)) assign(node, key, child);
      continue;
    }
    const path = key.split('.');
    if (path.some((part) => UNSAFE_KEYS.has(part))) continue;
    let parent = node;
    for (const part of path.slice(0, -1)) {
      if (!isPlainObject(parent[part])) parent[part] = renderableObject();
      parent = parent[part] as Node;
    }
    assign(parent, path[path.length - 1], child);
  }
  return node;
}

/**
 * Variables as templates see them (reference §9), as a fresh tree: a key holding dots
 * (`kibana.alert.reason`) is expanded into nested objects, merged with any object of the same
 * name; every object renders as its JSON (`{{context}}`); every array also offers `asJSON`
 * (`{{tags.asJSON}}`), since an array itself renders as its comma-joined items.
 */
export function prepareVariables(variables: Record<string, unknown> | undefined, counter: VariablesCounter): Record<string, unknown> {
  return transform(variables ?? {}, counter) as Record<string, unknown>;
}
