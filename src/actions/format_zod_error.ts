import type { z } from 'zod';

const MAX_ERRORS = 5;

interface Node {
  errors: string[];
  children: Map<string, Node>;
}

const newNode = (): Node => ({ errors: [], children: new Map() });

/**
 * Kibana's wording of a zod error: one problem → its text (`Field "a.b": msg`); several →
 * `N errors:\n [1]: …;\n [2]: …`, at most five listed and then `and K more`. Problems are
 * grouped per field; a field with its own problems hides those of its children.
 */
export function formatZodError(error: z.ZodError): string {
  const root = newNode();
  for (const issue of error.issues) {
    let node = root;
    for (const part of issue.path) {
      const key = String(part);
      let child = node.children.get(key);
      if (!child) node.children.set(key, (child = newNode()));
      node = child;
    }
    node.errors.push(issue.message);
  }
  const messages = [...root.errors];
  collect(root, '', messages);
  const total = messages.length;
  if (total > MAX_ERRORS) {
    const extra = total - MAX_ERRORS;
    messages.splice(MAX_ERRORS);
    messages.push(`and ${extra} more`);
  }
  if (total === 1) return messages.join('; ');
  return `${total} errors:\n ${messages.map((m, i) => `[${i + 1}]: ${m}`).join(';\n ')}`;
}

function collect(node: Node, prefix: string, out: string[]): void {
  for (const [key, child] of node.children) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (child.errors.length > 0) out.push(`Field "${name}": ${child.errors.join(', ')}`);
    else collect(child, name, out);
  }
}
