import { crc32 } from 'node:zlib';
import { EventStreamCodec, type Message, type MessageHeaders } from '@smithy/core/event-streams';

// The AWS event-stream framing (application/vnd.amazon.eventstream) of Bedrock's streamed
// answers: each message is a prelude (total length, headers length, their CRC32), headers, a
// payload and the CRC32 of all before it. The codec of the AWS SDK checks and parses whole
// messages; cutting the byte stream into them is done here, so that a corrupt prelude is caught
// before its length is trusted.

const PRELUDE = 12;
const MINIMUM = PRELUDE + 4;
/** aws-c-event-stream's limit on one message. */
const MAXIMUM = 16 * 1024 * 1024;

const codec = new EventStreamCodec(
  (bytes) => Buffer.from(bytes).toString('utf8'),
  (text) => Buffer.from(text, 'utf8'),
);

export interface EventStreamMessage {
  headers: Record<string, string | number | boolean | Uint8Array>;
  body: Uint8Array;
}

function plainHeaders(headers: MessageHeaders): EventStreamMessage['headers'] {
  const plain: EventStreamMessage['headers'] = {};
  for (const [name, header] of Object.entries(headers)) {
    const { value } = header;
    plain[name] = value instanceof Date ? value.getTime() : typeof value === 'object' && !(value instanceof Uint8Array) ? value.toString() : value;
  }
  return plain;
}

/**
 * Cuts bytes, however they arrive, into event-stream messages. Throws on a frame whose CRCs do
 * not match or whose length cannot be one; at the end, on a message left unfinished.
 */
export class EventStreamDecoder {
  private pending: Buffer = Buffer.alloc(0);

  /** The messages completed by `bytes`, in order. */
  push(bytes: Uint8Array): EventStreamMessage[] {
    this.pending = this.pending.length === 0 ? Buffer.from(bytes) : Buffer.concat([this.pending, bytes]);
    const messages: EventStreamMessage[] = [];
    while (this.pending.length >= PRELUDE) {
      const total = this.pending.readUInt32BE(0);
      const preludeCrc = this.pending.readUInt32BE(8);
      const computed = crc32(this.pending.subarray(0, 8));
      if (computed !== preludeCrc) throw new Error(`Event stream prelude checksum mismatch (expected ${preludeCrc}, computed ${computed})`);
      if (total < MINIMUM || total > MAXIMUM) throw new Error(`Event stream message length ${total} is out of bounds`);
      if (this.pending.length < total) break;
      const message: Message = codec.decode(this.pending.subarray(0, total));
      this.pending = this.pending.subarray(total);
      messages.push({ headers: plainHeaders(message.headers), body: message.body });
    }
    return messages;
  }

  /** Throws when the stream ended inside a message. */
  end(): void {
    if (this.pending.length > 0) throw new Error(`Event stream ended inside a message (${this.pending.length} bytes left)`);
  }
}

/** One event-stream message of string headers and a payload (Bedrock's simulator writes these). */
export function encodeEventStreamMessage(headers: Record<string, string>, body: Uint8Array | string): Uint8Array {
  const tagged: MessageHeaders = {};
  for (const [name, value] of Object.entries(headers)) tagged[name] = { type: 'string', value };
  return codec.encode({ headers: tagged, body: typeof body === 'string' ? Buffer.from(body, 'utf8') : body });
}
