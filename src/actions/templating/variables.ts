/** Keys that would reach an object's prototype if assigned; dropped from variables. */
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

type Node = Record<string, unknown>;

function isPlainObject(value: unknown): value is Node {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** An object that renders as its JSON in `{{x}}` (its toString is not itself serialised). */
function renderableObject(): Node {
  const node: Node = {};
  Object.defineProperty(node, 'toString', { value: () => JSON.stringify(node), enumerable: false, writable: true });
  return node;
}

function mergeInto(target: Node, source: Node): void {
  for (const [key, value] of Object.entries(source)) {
    if (UNSAFE_KEYS.has(key)) continue;
    if (isPlainObject(target[key]) && isPlainObject(value)) mergeInto(target[key] as Node, value);
    else target[key] = value;
  }
}

function transform(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(transform);
    Object.defineProperty(items, 'asJSON', { value: () => JSON.stringify(items), enumerable: false });
    return items;
  }
  if (!isPlainObject(value)) return value;
  const node = renderableObject();
  for (const [key, raw] of Object.entries(value)) {
    const child = transform(raw);
    const path = key.split('.');
    if (path.some((part) => UNSAFE_KEYS.has(part))) continue;
    let parent = node;
    for (const part of path.slice(0, -1)) {
      if (!isPlainObject(parent[part])) parent[part] = renderableObject();
      parent = parent[part] as Node;
    }
    const last = path[path.length - 1];
    // `a: {x}` and `a.b` in either order both end up in `a`.
    if (isPlainObject(parent[last]) && isPlainObject(child)) mergeInto(parent[last] as Node, child);
    else parent[last] = child;
  }
  return node;
}

/**
 * Variables as templates see them (reference §9), as a fresh tree: a key holding dots
 * (`kibana.alert.reason`) is expanded into nested objects, merged with any object of the same
 * name; every object renders as its JSON (`{{context}}`); every array also offers `asJSON`
 * (`{{tags.asJSON}}`), since an array itself renders as its comma-joined items.
 */
export function prepareVariables(variables: Record<string, unknown> | undefined): Record<string, unknown> {
  return transform(variables ?? {}) as Record<string, unknown>;
}
