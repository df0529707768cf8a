// Windows written as Kibana's rule params write them: a size and a unit (`5m`).

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export const windowText = (size: number, unit: string) => `${size}${unit}`;

/** The ISO start of a window of `size` `unit`s that ends at `end`. */
export function windowStart(end: string, size: number, unit: string): string {
  return new Date(Date.parse(end) - size * UNIT_MS[unit]).toISOString();
}
