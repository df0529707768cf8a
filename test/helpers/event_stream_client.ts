import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import { createParser } from 'eventsource-parser';
import { BASIC_AUTH } from './plugboard.js';

export interface ReceivedEvent {
  event: string | undefined;
  data: string;
}

/** A server-sent event answer read over a real socket, one event at a time. */
export interface EventStreamReader {
  status: number;
  headers: IncomingMessage['headers'];
  /** The next event as it arrives; undefined once the answer has ended. */
  next(): Promise<ReceivedEvent | undefined>;
  /** Every event left, until the answer ends. */
  rest(): Promise<ReceivedEvent[]>;
  /** The whole body of an answer that is not an event stream. */
  text(): Promise<string>;
  /** Goes away mid-answer: the socket is destroyed. */
  disconnect(): void;
}

/** POSTs JSON to `url` with `Accept: text/event-stream` (unless `accept` says otherwise) and reads the answer as it comes. */
export async function postForEvents(url: string, body: unknown, accept = 'text/event-stream'): Promise<EventStreamReader> {
  let req!: ClientRequest;
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    req = request(url, { method: 'POST', headers: { authorization: BASIC_AUTH, 'kbn-xsrf': 'true', 'content-type': 'application/json', accept } }, resolve);
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
  const queue: ReceivedEvent[] = [];
  const waiting: Array<(e: ReceivedEvent | undefined) => void> = [];
  let ended = false;
  const parser = createParser({
    onEvent: ({ event, data }) => {
      const received = { event, data };
      const waiter = waiting.shift();
      if (waiter) waiter(received);
      else queue.push(received);
    },
  });
  const decoder = new StringDecoder('utf8');
  let raw = '';
  const finished = new Promise<void>((resolve) => {
    res.on('data', (chunk: Buffer) => {
      const text = decoder.write(chunk);
      raw += text;
      parser.feed(text);
    });
    const end = () => {
      ended = true;
      for (const waiter of waiting.splice(0)) waiter(undefined);
      resolve();
    };
    res.on('end', end);
    res.on('close', end);
    res.on('error', end);
  });
  const next = () =>
    queue.length > 0 ? Promise.resolve(queue.shift()) : ended ? Promise.resolve(undefined) : new Promise<ReceivedEvent | undefined>((resolve) => waiting.push(resolve));
  return {
    status: res.statusCode ?? 0,
    headers: res.headers,
    next,
    async rest() {
      const all: ReceivedEvent[] = [];
      for (let e = await next(); e; e = await next()) all.push(e);
      return all;
    },
    async text() {
      await finished;
      return raw;
    },
    disconnect() {
      req.destroy();
      res.destroy();
    },
  };
}
