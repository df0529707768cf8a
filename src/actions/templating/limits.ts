// Bounds on template work (issue 14): mustache parses text character by character and a lambda
// section re-parses and re-renders its inner text, so without bounds a small request could hold
// the event loop for seconds. Real alert templates stay far below every one of these.

/** Characters in one template (a string without `{{` is text, never parsed, and not limited). */
export const MAX_TEMPLATE_LENGTH = 64 * 1024;
/** Sections (`{{#…}}`, `{{^…}}`) inside one another. */
export const MAX_SECTION_DEPTH = 32;
/** Template text parsed for one action's params, a lambda section's text again each time it is rendered. */
export const MAX_PARSED_CHARS = 128 * 1024;
/** Text produced for one action's params: values and text written, and each lambda's output. */
export const MAX_RENDERED_CHARS = 1024 * 1024;
/** Tags rendered plus section passes (one per item of a list) for one action's params. */
export const MAX_RENDER_STEPS = 100_000;
/** Steps a lambda section counts for: tinymath alone takes as long as about a hundred tags. */
export const LAMBDA_STEPS = 100;

/** What one action's params may parse, write and step through, and how many variables they see. */
export interface RenderLimits {
  parsedChars: number;
  renderedChars: number;
  steps: number;
  /** Values in the variables (objects, arrays and their items): preparing them costs too. */
  variables: number;
}

// Variables have no limit of their own beyond the request's size and depth, as in Kibana.
export const FULL_LIMITS: RenderLimits = { parsedChars: MAX_PARSED_CHARS, renderedChars: MAX_RENDERED_CHARS, steps: MAX_RENDER_STEPS, variables: Infinity };

/**
 * Params rendered on the event loop stop at these, which take at most about a millisecond
 * (bench/render); params that need more are rendered again, with FULL_LIMITS, on the render
 * thread, so that no action's templates hold the event loop for longer.
 */
export const INLINE_LIMITS: RenderLimits = { parsedChars: 8 * 1024, renderedChars: 64 * 1024, steps: 4_000, variables: 5_000 };

/** Thrown when params need more than INLINE_LIMITS: not an error, a hand-over to the render thread. */
export class InlineBudgetSpent extends Error {
  override name = 'InlineBudgetSpent';
}

/** A template that breaks a limit; `template` is the top-level template being rendered. */
export class TemplateLimitError extends Error {
  override name = 'TemplateLimitError';
  constructor(
    message: string,
    readonly template: string,
  ) {
    super(message);
  }
}

type Tokens = unknown[][];

/**
 * How deep sections go in mustache's parsed tokens (a section keeps its children at index 4).
 * Iterative, since a template to refuse may be nested thousands deep.
 */
function sectionDepth(tokens: Tokens): number {
  let deepest = 0;
  const pending: Array<[Tokens, number]> = [[tokens, 0]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [level, depth] = next;
    deepest = Math.max(deepest, depth);
    for (const token of level) {
      if (token[0] === '#' || token[0] === '^') pending.push([token[4] as Tokens, depth + 1]);
    }
  }
  return deepest;
}

/**
 * What one action's params may still cost to render. Rendering is synchronous, so one budget
 * covers every template of the action; it also keeps the templates parsed so far, so a template
 * rendered twice (a type rendering a field again with its own escaping) is parsed once, and
 * nothing outlives the action.
 */
export class RenderBudget {
  constructor(private readonly limits: RenderLimits = FULL_LIMITS) {}

  private parsed = 0;
  private rendered = 0;
  private steps = 0;
  private variableCount = 0;
  readonly tokens = new Map<string, Tokens>();
  /** The variables prepared for this action, and what they were prepared from. */
  private prepared?: { from: unknown; view: Record<string, unknown> };
  /** The top-level template being rendered, named in errors. */
  template = '';

  private fail(message: string): never {
    throw new TemplateLimitError(message, this.template);
  }

  /** Over a budget limit: the user's error only when the budget is the full one. */
  private spent(message: string): never {
    if (this.limits !== FULL_LIMITS) throw new InlineBudgetSpent(message);
    this.fail(message);
  }

  /** Before a top-level template is parsed. */
  checkLength(template: string): void {
    if (template.length > MAX_TEMPLATE_LENGTH) this.fail(`template is ${template.length} characters long; the limit is ${MAX_TEMPLATE_LENGTH}`);
  }

  /** Before any text is parsed, a lambda section's included. */
  chargeParse(text: string): void {
    this.parsed += text.length;
    if (this.parsed > this.limits.parsedChars) {
      this.spent(`templates parse more than the limit of ${MAX_PARSED_CHARS} characters (a lambda section's text counts each time it is rendered)`);
    }
  }

  checkDepth(tokens: Tokens): void {
    const depth = sectionDepth(tokens);
    if (depth > MAX_SECTION_DEPTH) this.fail(`template is nested ${depth} sections deep; the limit is ${MAX_SECTION_DEPTH}`);
  }

  /** Prepares `variables` once per action, however many templates see them. */
  view(variables: Record<string, unknown> | undefined, prepare: (variables: Record<string, unknown> | undefined) => Record<string, unknown>): Record<string, unknown> {
    if (this.prepared && this.prepared.from === variables) return this.prepared.view;
    const view = prepare(variables);
    this.prepared = { from: variables, view };
    return view;
  }

  chargeVariables(count: number): void {
    this.variableCount += count;
    if (this.variableCount > this.limits.variables) this.spent(`variables hold more than ${this.limits.variables} values`);
  }

  /** Before a value is escaped: escaping never shortens it, so a value too long to fit is refused unescaped. */
  checkRoom(length: number): void {
    if (this.rendered + length > this.limits.renderedChars) this.outputSpent();
  }

  chargeOutput(text: string): void {
    this.rendered += text.length;
    if (this.rendered > this.limits.renderedChars) this.outputSpent();
  }

  private outputSpent(): never {
    this.spent(`templates render more than the limit of ${MAX_RENDERED_CHARS} characters (a lambda section's output counts at each level)`);
  }

  chargeSteps(count: number): void {
    this.steps += count;
    if (this.steps > this.limits.steps) {
      this.spent(`templates take more than the limit of ${MAX_RENDER_STEPS} rendering steps (a tag or list item is one step, a lambda section ${LAMBDA_STEPS})`);
    }
  }

  /** After a lambda section: its steps, and its output, which is new text. */
  chargeLambda(output: string): void {
    this.chargeSteps(LAMBDA_STEPS);
    this.chargeOutput(output);
  }
}
