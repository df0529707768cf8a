// tinymath ships no types; Plugboard uses its one entry point.
declare module 'tinymath' {
  /** Evaluates a math expression; names in it are looked up in `scope`. */
  export function evaluate(expression: string, scope?: Record<string, unknown>): number | number[];
}
