import { readFileSync } from 'node:fs';
import os from 'node:os';

// What every benchmark prints around its figures, and how it reads its settings.

export const loadAverage = () => os.loadavg().map((n) => n.toFixed(2)).join(' / ');

/** The machine the figures were measured on. */
export function machineLine(): string {
  const cpus = os.cpus();
  return (
    `machine: ${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ` +
    `${os.platform()} ${os.release()}, node ${process.version}; load average ${loadAverage()}`
  );
}

/** Progress goes to stderr so stdout holds only the report. */
export function progress(message: string): void {
  process.stderr.write(`  … ${message}\n`);
}

export function positiveNumber(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got ${JSON.stringify(value)}`);
  return n;
}

export function positiveInt(value: string, name: string): number {
  const n = positiveNumber(value, name);
  if (!Number.isInteger(n)) throw new Error(`${name} must be a whole number, got ${JSON.stringify(value)}`);
  return n;
}

/** VmHWM (peak resident set) of a process, in bytes; undefined where /proc is not available. */
export function peakRss(pid: number | 'self'): number | undefined {
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}
