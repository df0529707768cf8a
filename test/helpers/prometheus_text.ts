/** The samples of `name` in Prometheus text: their labels and values, in order. */
function* samples(text: string, name: string): Generator<{ labels: Record<string, string>; value: number }> {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    yield { labels, value: Number(match[3]) };
  }
}

/**
 * The value of the first sample of `name` in Prometheus text whose labels include `labels`, or
 * undefined if there is none.
 */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const found of samples(text, name)) {
    if (Object.entries(labels).every(([k, v]) => found.labels[k] === v)) return found.value;
  }
  return undefined;
}

/** The sum of every sample of `name`, whatever its labels (0 when there is none). */
export function sampleSum(text: string, name: string): number {
  let sum = 0;
  for (const found of samples(text, name)) sum += found.value;
  return sum;
}
