import Mustache from 'mustache';
import type { Logger } from 'pino';
import { ESCAPERS, type EscapeMode } from './escape.js';
import { templateLambdas, type Lambda } from './lambdas.js';
import { InlineBudgetSpent, RenderBudget, TemplateLimitError } from './limits.js';
import { prepareVariables } from './variables.js';

// Rendering of action params (reference §9). Escaping is passed to each render rather than
// set on the shared Mustache object, so concurrent renders with different modes cannot mix.

type Tokens = string[][];

/**
 * mustache's writer with no template cache of its own (mustache's default one keeps every
 * template ever seen), charging its parsing and output to a budget: every parse, a lambda's
 * inner text included, goes through `parse`, and every piece of output through the three
 * value methods.
 */
class BudgetedWriter extends Mustache.Writer {
  constructor(
    private readonly budget: RenderBudget,
    private readonly escape: (text: string) => string,
  ) {
    super();
    (this as { templateCache?: unknown }).templateCache = undefined;
  }

  override parse(template: string): Tokens {
    let tokens = this.budget.tokens.get(template) as Tokens | undefined;
    if (!tokens) {
      this.budget.chargeParse(template);
      tokens = super.parse(template) as Tokens;
      this.budget.checkDepth(tokens);
      this.budget.tokens.set(template, tokens);
    }
    return tokens;
  }

  override renderTokens(...args: Parameters<Mustache.Writer['renderTokens']>): string {
    // One more for the pass itself, so iterating over a list with an empty section still counts.
    this.budget.chargeSteps(args[0].length + 1);
    return super.renderTokens(...args);
  }

  override rawValue(token: string[]): string {
    return this.charged(super.rawValue(token));
  }

  // mustache's own, with the room checked before a long value is escaped.
  override escapedValue(token: string[], context: Mustache.Context): string {
    const value: unknown = context.lookup(token[1]);
    if (value == null) return '';
    const text = String(value);
    this.budget.checkRoom(text.length);
    return this.charged(this.escape(text));
  }

  override unescapedValue(...args: Parameters<Mustache.Writer['unescapedValue']>): string {
    const value: unknown = super.unescapedValue(...args);
    // An object becomes its toString text here rather than in mustache's `buffer += value`.
    return value == null ? '' : this.charged(String(value));
  }

  private charged<T extends string | undefined>(text: T): T {
    if (text !== undefined) this.budget.chargeOutput(text);
    return text;
  }
}

/** The lambdas, each charging its work to the budget. */
function chargedLambdas(logger: Logger, budget: RenderBudget): Record<string, Lambda> {
  return Object.fromEntries(
    Object.entries(templateLambdas(logger)).map(([name, lambda]): [string, Lambda] => [
      name,
      () => {
        const fn = lambda();
        return function (text, render) {
          const output = fn.call(this, text, render);
          budget.chargeLambda(output);
          return output;
        };
      },
    ]),
  );
}

// Rendering is synchronous, so the budget of the action being rendered can live here.
let actionBudget: RenderBudget | undefined;

/** Runs `fn` with one budget for every template it renders (one action's params). */
export function withRenderBudget<T>(fn: () => T, budget = new RenderBudget()): T {
  const outer = actionBudget;
  actionBudget = budget;
  try {
    return fn();
  } finally {
    actionBudget = outer;
  }
}

function render(logger: Logger, template: string, variables: Record<string, unknown>, mode: EscapeMode): string {
  // Without a tag, mustache would give the text back as it is, after parsing it character by character.
  if (!template.includes('{{')) return template;
  const budget = actionBudget ?? new RenderBudget();
  budget.template = template;
  budget.checkLength(template);
  const view = budget.view(variables, (raw) => prepareVariables(raw, budget));
  const writer = new BudgetedWriter(budget, ESCAPERS[mode]);
  try {
    return writer.render(template, { ...chargedLambdas(logger, budget), ...view });
  } catch (err) {
    if (err instanceof TemplateLimitError || err instanceof InlineBudgetSpent) throw err;
    return `error rendering mustache template "${template}": ${(err as Error).message}`;
  }
}

/** Renders one template string with the values escaped for where the text goes. */
export function renderTemplate(logger: Logger, template: string, variables: Record<string, unknown>, mode: EscapeMode): string;
export function renderTemplate<T extends null | undefined>(logger: Logger, template: string | T, variables: Record<string, unknown>, mode: EscapeMode): string | T;
export function renderTemplate(logger: Logger, template: string | null | undefined, variables: Record<string, unknown>, mode: EscapeMode): string | null | undefined {
  if (template == null) return template;
  return render(logger, template, variables, mode);
}

/** Every string anywhere in `value` rendered without escaping (for types with no rules of their own). */
export function renderTemplatesDeep<T>(logger: Logger, value: T, variables: Record<string, unknown>): T {
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') return render(logger, node, variables, 'none');
    if (Array.isArray(node)) return node.map(walk);
    if (node && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v)]));
    return node;
  };
  return walk(value) as T;
}
