import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { now, type Sink } from './sink.js';

const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface RawResult {
  deliveriesPerSec: number;
  deliveries: number;
  seconds: number;
  /** The sender's own CPU (user + system) per request over the measured window. */
  senderCpuPerRequestUs: number;
}

interface SenderSummary {
  sent: number;
  errors: number;
  firstError?: string;
  cpuPerRequestUs: number;
}

/**
 * The baseline: plain undici POSTs to the sink from a child process (so that, as with the
 * Plugboard server, the sender does not share the sink's event loop), with `connections`
 * requests in flight. Counts arrivals at the sink over `durationS` seconds after `warmupS`
 * seconds of unmeasured warm-up.
 */
export async function measureRaw(sink: Sink, connections: number, warmupS: number, durationS: number): Promise<RawResult> {
  const child = fork(fileURLToPath(new URL('./raw_sender.ts', import.meta.url)), [`${sink.url}/raw`, String(connections)], {
    cwd: PROJECT_ROOT,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = once(child, 'exit');
  const messages: unknown[] = [];
  let wake: (() => void) | undefined;
  child.on('message', (m) => {
    messages.push(m);
    wake?.();
  });
  const next = async (): Promise<unknown> => {
    while (messages.length === 0) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`raw sender exited (code ${child.exitCode}, signal ${child.signalCode})`);
      await Promise.race([new Promise<void>((resolve) => (wake = resolve)), exited]);
    }
    return messages.shift();
  };
  try {
    if ((await next()) !== 'ready') throw new Error('raw sender did not start');
    await sleep(warmupS * 1000);
    child.send('mark');
    const startCount = sink.rawCount;
    const started = now();
    await sleep(durationS * 1000);
    const deliveries = sink.rawCount - startCount;
    const seconds = (now() - started) / 1000;
    child.send('stop');
    const summary = (await next()) as SenderSummary;
    if (summary.errors > 0) throw new Error(`raw baseline: ${summary.errors} of ${summary.sent} requests failed, first: ${summary.firstError}`);
    if (deliveries === 0) throw new Error('raw baseline: no request reached the sink');
    return { deliveriesPerSec: deliveries / seconds, deliveries, seconds, senderCpuPerRequestUs: summary.cpuPerRequestUs };
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
