import type { ServerResponse } from 'node:http';

// For simulators of services that stream their answers: a stream sent one event at a time, as a
// test releases them (a slow model), which tells when the client closed it.

/** A stream sent as the test releases its events. */
export interface PacedStream {
  /** Sends the next event (the last one ends the answer). */
  release(): void;
  /** Resolves once the connection has closed: complete, or closed by the client before the end. */
  closed: Promise<{ complete: boolean }>;
}

/** The paced stream waiting for its request, and the events it is handed. */
export function pacedStream(): PacedStream & { send(res: ServerResponse, lines: string[]): void } {
  let lines: string[] = [];
  let sent = 0;
  let res: ServerResponse | undefined;
  let released = 0;
  let onClosed!: (value: { complete: boolean }) => void;
  const closed = new Promise<{ complete: boolean }>((resolve) => (onClosed = resolve));
  const flush = () => {
    while (res && sent < Math.min(released, lines.length)) {
      res.write(lines[sent++]);
      if (sent === lines.length) res.end();
    }
  };
  return {
    closed,
    release() {
      released++;
      flush();
    },
    send(answer, all) {
      res = answer;
      lines = all;
      res.on('close', () => onClosed({ complete: res!.writableFinished }));
      res.flushHeaders();
      flush();
    },
  };
}
