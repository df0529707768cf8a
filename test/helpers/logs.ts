import { Writable } from 'node:stream';
import pino from 'pino';

/** A trace-level pino logger whose JSON lines are kept, for tests that read what was logged. */
export function captureLogger(): { logger: pino.Logger; lines: string[]; records(): Array<{ level: number; msg: string }> } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { logger: pino({ level: 'trace' }, stream), lines, records: () => lines.map((l) => JSON.parse(l) as { level: number; msg: string }) };
}
