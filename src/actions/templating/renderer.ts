import Mustache from 'mustache';
import type { Logger } from 'pino';
import { ESCAPERS, type EscapeMode } from './escape.js';
import { templateLambdas } from './lambdas.js';
import { prepareVariables } from './variables.js';

// Rendering of action params (reference §9). Escaping is passed to each render rather than
// set on the shared Mustache object, so concurrent renders with different modes cannot mix.

function escaperFor(mode: EscapeMode): (value: unknown) => string {
  const escape = ESCAPERS[mode];
  return (value) => (value == null ? '' : escape(String(value)));
}

function render(logger: Logger, template: string, view: Record<string, unknown>, mode: EscapeMode): string {
  try {
    return Mustache.render(template, { ...templateLambdas(logger), ...view }, undefined, { escape: escaperFor(mode) });
  } catch (err) {
    return `error rendering mustache template "${template}": ${(err as Error).message}`;
  }
}

/** Renders one template string with the values escaped for where the text goes. */
export function renderTemplate(logger: Logger, template: string, variables: Record<string, unknown>, mode: EscapeMode): string;
export function renderTemplate<T extends null | undefined>(logger: Logger, template: string | T, variables: Record<string, unknown>, mode: EscapeMode): string | T;
export function renderTemplate(logger: Logger, template: string | null | undefined, variables: Record<string, unknown>, mode: EscapeMode): string | null | undefined {
  if (template == null) return template;
  return render(logger, template, prepareVariables(variables), mode);
}

/** Every string anywhere in `value` rendered without escaping (for types with no rules of their own). */
export function renderTemplatesDeep<T>(logger: Logger, value: T, variables: Record<string, unknown>): T {
  const view = prepareVariables(variables);
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') return render(logger, node, view, 'none');
    if (Array.isArray(node)) return node.map(walk);
    if (node && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v)]));
    return node;
  };
  return walk(value) as T;
}
