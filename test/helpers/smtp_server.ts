import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

// A real SMTP server (smtp-server) in the test process, on a free loopback port, that counts
// connections and keeps every message it accepts. It offers STARTTLS and takes logins as
// smtp-server does by default; callers add what they test (key/cert, secure, disabledCommands,
// onAuth, onRcptTo, ...): every SMTPServer option passes through.

export interface ReceivedMail {
  /** Whether the session was TLS (implicit or after STARTTLS) when the message came. */
  secure: boolean;
  /** The envelope's MAIL FROM address, '' for a null sender. */
  mailFrom: string;
  /** The envelope's RCPT TO addresses. */
  rcptTo: string[];
  /** What the caller's onAuth answered as `user` for this session; undefined without a login. */
  user?: unknown;
  /** The message as received: raw MIME, quoted-printable soft line breaks and all. */
  raw: string;
}

export interface TestSmtpServer {
  port: number;
  /** Connections accepted so far, counted before any onConnect of the caller runs. */
  connections: number;
  received: ReceivedMail[];
  /** Stops listening and waits for open connections to end. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Starts a server on 127.0.0.1 with a free port. Defaults: no logging, login optional. An
 * `onConnect` of the caller runs after the connection is counted (it may hold the greeting back);
 * an `onData` of the caller replaces the one that fills `received`.
 */
export async function startTestSmtpServer(options: Partial<SMTPServerOptions> = {}): Promise<TestSmtpServer> {
  const { onConnect, ...rest } = options;
  const state: TestSmtpServer = { port: 0, connections: 0, received: [], close: async () => undefined };
  const server = new SMTPServer({
    logger: false,
    authOptional: true,
    onConnect(session, callback) {
      state.connections++;
      if (onConnect) onConnect(session, callback);
      else callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        state.received.push({
          secure: session.secure,
          mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          rcptTo: session.envelope.rcptTo.map((r) => r.address),
          user: session.user || undefined,
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
    ...rest,
  });
  // A client that refuses the certificate hangs up mid-handshake; the server reports that here.
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.server.address() as AddressInfo).port;
  state.close = () => new Promise((resolve) => server.close(() => resolve()));
  return state;
}
