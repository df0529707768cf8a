/** Renders rows as an aligned text table: text columns left-aligned, numbers right-aligned. */
export function renderTable(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((row) => row.map(String))];
  const widths = header.map((_, col) => Math.max(...cells.map((row) => row[col].length)));
  const numeric = header.map((_, col) => rows.length > 0 && rows.every((row) => typeof row[col] === 'number' || /^[\d.,×<-]+$/.test(String(row[col]))));
  const line = (row: string[]) =>
    row.map((cell, col) => (numeric[col] ? cell.padStart(widths[col]) : cell.padEnd(widths[col]))).join('  ').trimEnd();
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

export const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US');
// autocannon records latency in whole milliseconds.
export const fmtMs = (n: number) => (n < 1 ? '<1' : Math.round(n).toLocaleString('en-US'));
export const fmtRatio = (n: number) => `${n >= 10 ? n.toFixed(0) : n.toPrecision(2)}×`;
