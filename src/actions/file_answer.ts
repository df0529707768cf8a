import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { StreamFailure } from './failure.js';

// A file a sub-action answers (SubAction.downloads): as in Kibana, the run's `data` is the
// service's body, a Node Readable, passed on as it arrives to the one caller that reads it (over
// HTTP, `_execute` with Accept: application/octet-stream). What the service said about the file
// is kept beside the stream, so that `data` stays the stream Kibana's in-process callers read.

export interface FileFacts {
  /** The name the service gave the file (its Content-Disposition), if any. */
  fileName?: string;
  /** Its size, when the service said it. */
  contentLength?: number;
}

const factsByBody = new WeakMap<Readable, FileFacts>();

/** The body, with what the service said about the file noted beside it. */
export function describedFile(body: Readable, facts: FileFacts): Readable {
  factsByBody.set(body, facts);
  return body;
}

/** What the service said about the file of this body (nothing for a body it did not describe). */
export function fileFactsOf(body: Readable): FileFacts {
  return factsByBody.get(body) ?? {};
}

export function isFileBody(data: unknown): data is Readable {
  return data instanceof Readable;
}

/**
 * Settles once the file has been read to its end (null: a download counts no tokens) or broke
 * (cut by the service, or its reader went away): a StreamFailure, so that the run's execute
 * event, which waits for it, is a failure.
 */
export function fileDelivered(body: Readable): Promise<null> {
  return finished(body).then(
    () => null,
    (err: unknown) => {
      throw new StreamFailure(`the download was cut: ${(err as Error).message}`);
    },
  );
}

/** The file name of a Content-Disposition header (`filename*=UTF-8''…` first), if it names one. */
export function contentDispositionFileName(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const extended = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(header);
  if (extended) {
    try {
      return decodeURIComponent(extended[1].trim());
    } catch {
      // Badly encoded: the plain parameter may still say it.
    }
  }
  const plain = /filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]+))/.exec(header);
  const name = plain ? (plain[1]?.replace(/\\(.)/g, '$1') ?? plain[2].trim()) : undefined;
  return name || undefined;
}

/** `attachment` with the file name, plain ASCII for old clients and RFC 5987 for the rest. */
export function contentDisposition(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() || 'download';
  const ascii = base.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(base)}`;
}
