import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

/**
 * Wall-clock milliseconds with sub-millisecond resolution, comparable across worker threads of
 * this process (each thread has its own performance.timeOrigin).
 */
export const now = (): number => performance.timeOrigin + performance.now();

/** Size of every delivered body, Plugboard's and the raw baseline's alike. */
export const BODY_BYTES = 256;

/**
 * The webhook body: run id, sequence number within the run and the enqueue timestamp, padded to
 * exactly BODY_BYTES so that every request carries the same payload.
 */
export function makeBody(run: number, seq: number, enqueuedAt: number): string {
  const head = `{"r":${run},"s":${seq},"t":${enqueuedAt.toFixed(3)},"p":"`;
  const tail = '"}';
  const pad = BODY_BYTES - head.length - tail.length;
  if (pad < 0) throw new Error(`body head is longer than ${BODY_BYTES} bytes`);
  return head + 'x'.repeat(pad) + tail;
}

/** What identifies a delivery: run, sequence number, enqueue time. */
interface Numbered {
  r?: unknown;
  s?: unknown;
  t?: unknown;
}

/** Arrivals of one run of numbered actions (seq 0 … size-1). */
export class DeliveryRun {
  /** First arrival time per seq; NaN while not delivered. */
  readonly firstArrival: Float64Array;
  /** Enqueue timestamp per seq, as found in the body. */
  readonly enqueuedAt: Float64Array;
  /** Deliveries per seq: more than 1 is a duplicate. */
  readonly deliveries: Uint32Array;
  /** Distinct seqs delivered so far. */
  unique = 0;
  /** All deliveries, duplicates included. */
  total = 0;
  /** Arrival time of the latest first delivery. */
  lastFirstArrival = 0;
  lastProgress = now();

  constructor(
    readonly id: number,
    readonly size: number,
  ) {
    this.firstArrival = new Float64Array(size).fill(Number.NaN);
    this.enqueuedAt = new Float64Array(size).fill(Number.NaN);
    this.deliveries = new Uint32Array(size);
  }

  record(seq: number, enqueuedAt: number, at: number): void {
    this.total++;
    if (!(seq >= 0 && seq < this.size)) return;
    if (this.deliveries[seq]++ === 0) {
      this.unique++;
      this.firstArrival[seq] = at;
      this.enqueuedAt[seq] = enqueuedAt;
      this.lastFirstArrival = at;
      this.lastProgress = at;
    }
  }

  get duplicates(): number {
    return this.total - this.unique;
  }

  /** Enqueue-to-first-delivery latencies in ms, sorted ascending. */
  latencies(): Float64Array {
    const out = new Float64Array(this.unique);
    let n = 0;
    for (let i = 0; i < this.size; i++) if (this.deliveries[i] > 0) out[n++] = this.firstArrival[i] - this.enqueuedAt[i];
    return out.sort();
  }
}

/**
 * A local keep-alive HTTP server that answers every request 200 at once and records, per run,
 * which sequence numbers arrived and when: from Plugboard's webhook bodies, and from the labels
 * of the alerts in an Alertmanager notification.
 */
export class Sink {
  private readonly server: http.Server;
  private readonly runs = new Map<number, DeliveryRun>();
  private nextRun = 1;
  /** Deliveries of run 0 (the raw baseline), which are only counted. */
  rawCount = 0;
  /** Requests whose body was not one of ours, or named an unknown run. */
  unknown = 0;
  url = '';

  constructor() {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const at = now();
        this.record(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks), at);
        res.writeHead(200, { 'content-length': '0' });
        res.end();
      });
    });
    // Keep connections open well beyond the clients' own idle timeouts (undici: 4 s).
    this.server.keepAliveTimeout = 65_000;
    this.server.headersTimeout = 66_000;
  }

  async listen(): Promise<string> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    return this.url;
  }

  /** A new run of `size` numbered actions. */
  startRun(size: number): DeliveryRun {
    const run = new DeliveryRun(this.nextRun++, size);
    this.runs.set(run.id, run);
    return run;
  }

  allRuns(): DeliveryRun[] {
    return [...this.runs.values()];
  }

  private record(body: Buffer, at: number): void {
    let parsed: Numbered & { alerts?: Array<{ labels?: Record<string, string> }> };
    try {
      parsed = JSON.parse(body.toString('utf8')) as typeof parsed;
    } catch {
      this.unknown++;
      return;
    }
    if (parsed.r === 0) {
      this.rawCount++;
      return;
    }
    // An Alertmanager notification: its alerts carry the numbers as labels.
    if (Array.isArray(parsed.alerts)) {
      for (const alert of parsed.alerts) {
        const labels = alert.labels ?? {};
        this.recordNumbered({ r: Number(labels.r), s: Number(labels.s), t: Number(labels.t) }, at);
      }
      return;
    }
    this.recordNumbered(parsed, at);
  }

  private recordNumbered(numbered: Numbered, at: number): void {
    const run = typeof numbered.r === 'number' ? this.runs.get(numbered.r) : undefined;
    if (!run || typeof numbered.s !== 'number' || typeof numbered.t !== 'number') {
      this.unknown++;
      return;
    }
    run.record(numbered.s, numbered.t, at);
  }

  /**
   * Resolves once every action of the run has arrived; rejects when nothing new arrived for
   * `stallMs` (the message says how far it got, plus `describe()` for context).
   */
  async waitForAll(run: DeliveryRun, stallMs: number, describe: () => Promise<string>): Promise<void> {
    const waitingSince = now();
    while (run.unique < run.size) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      if (now() - Math.max(run.lastProgress, waitingSince) > stallMs) {
        throw new Error(
          `only ${run.unique} of ${run.size} actions of run ${run.id} delivered; none for ${stallMs / 1000} s (${await describe()})`,
        );
      }
    }
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((err) => (err ? reject(err) : resolve())));
  }
}
