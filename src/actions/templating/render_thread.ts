import { Worker } from 'node:worker_threads';
import { badRequest } from '../../common/errors.js';

export interface RenderRequest {
  id: number;
  typeId: string;
  params: unknown;
  variables: Record<string, unknown>;
  actionId?: string;
}

export type RenderReply = { id: number; warnings: string[] } & ({ params: unknown } | { badRequest: string } | { failure: string });

interface Pending {
  resolve: (reply: RenderReply) => void;
  reject: (err: Error) => void;
}

/** A render answers within milliseconds; a thread silent for this long is stuck, and is ended. */
const STALL_MS = 10_000;
/** An idle thread is ended after this long, giving its memory back. */
const IDLE_MS = 30_000;
/** The thread's heap: the full limits need a few MiB per render; the rest is the code. */
const RESOURCE_LIMITS = { maxOldGenerationSizeMb: 256 };

// Run from the TypeScript sources, the thread starts through a file that loads tsx first.
const WORKER_URL = new URL(import.meta.url.endsWith('.ts') ? './render_worker_from_source.mjs' : './render_worker.js', import.meta.url);

/**
 * One worker thread that renders params with the full limits, started on first use. Requests
 * are answered in order; a thread that dies, runs out of memory or stalls fails the requests
 * it holds (as a 400: only a template can cause it) and is started afresh for the next.
 */
export class RenderThread {
  private worker?: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private stallTimer?: NodeJS.Timeout;
  private idleTimer?: NodeJS.Timeout;

  render(request: Omit<RenderRequest, 'id'>): Promise<RenderReply> {
    const worker = this.worker ?? this.start();
    const id = ++this.nextId;
    return new Promise<RenderReply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) this.busy(worker);
      worker.postMessage({ ...request, id } satisfies RenderRequest);
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    if (worker) await this.end(worker, 'the server is stopping');
  }

  private start(): Worker {
    const worker = new Worker(WORKER_URL, { resourceLimits: RESOURCE_LIMITS });
    worker.unref();
    worker.on('message', (reply: RenderReply) => {
      const pending = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      pending?.resolve(reply);
      if (this.pending.size > 0) this.armStall(worker);
      else this.idle(worker);
    });
    worker.on('error', (err) => void this.end(worker, err.message));
    worker.on('exit', () => void this.end(worker, 'the render thread stopped'));
    this.worker = worker;
    return worker;
  }

  /** Requests are waiting: the thread keeps the process alive and must answer in time. */
  private busy(worker: Worker): void {
    clearTimeout(this.idleTimer);
    worker.ref();
    this.armStall(worker);
  }

  private idle(worker: Worker): void {
    clearTimeout(this.stallTimer);
    worker.unref();
    this.idleTimer = setTimeout(() => void this.end(worker, 'idle'), IDLE_MS).unref();
  }

  private armStall(worker: Worker): void {
    clearTimeout(this.stallTimer);
    this.stallTimer = setTimeout(() => void this.end(worker, `the render thread did not answer within ${STALL_MS / 1000} s`), STALL_MS);
  }

  /** Fails what the thread holds and ends it; the next request starts a new one. */
  private async end(worker: Worker, reason: string): Promise<void> {
    if (this.worker !== worker) return;
    this.worker = undefined;
    clearTimeout(this.stallTimer);
    clearTimeout(this.idleTimer);
    for (const { reject } of this.pending.values()) reject(badRequest(`[params]: rendering stopped: ${reason}`));
    this.pending.clear();
    await worker.terminate();
  }
}
