/**
 * An abort signal that fires when `parent` aborts or after `timeoutMs`, whichever is first.
 * It is one controller and one timer, disposed when the work is done: on the hot path of every
 * action, AbortSignal.timeout + AbortSignal.any cost far more (weakly held, collected late).
 */
export interface Deadline {
  signal: AbortSignal;
  /** True when the timer, not the parent, fired. */
  readonly timedOut: boolean;
  dispose(): void;
}

export function deadline(timeoutMs: number, parent?: AbortSignal): Deadline {
  const controller = new AbortController();
  let timedOut = false;
  const onParentAbort = () => controller.abort(parent?.reason);
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException(`timed out after ${timeoutMs} ms`, 'TimeoutError'));
  }, timeoutMs);
  timer.unref();
  if (parent?.aborted) controller.abort(parent.reason);
  else parent?.addEventListener('abort', onParentAbort, { once: true });
  return {
    signal: controller.signal,
    get timedOut() {
      return timedOut;
    },
    dispose() {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParentAbort);
    },
  };
}
