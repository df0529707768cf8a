import { text } from 'node:stream/consumers';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { closeServer, listenOnLoopback } from '../lib/simulator_server.js';

// Microsoft Graph's `POST /users/{id | userPrincipalName}/sendMail`, as far as the email
// connector uses it: a bearer token checked against the ones the token endpoint issued, a JSON
// body with a message that has a subject, a body and at least one recipient, and 202 with an
// empty body when it is accepted. Errors have Graph's shape, `{"error":{"code","message"}}`.

export interface GraphRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The parsed body, when it was JSON. */
  json?: unknown;
}

export interface GraphSimulator {
  /** The base URL, standing for https://graph.microsoft.com/v1.0. */
  url: string;
  requests: GraphRequest[];
  /** The next answer, instead of the normal one. */
  failNext(status: number, body: unknown, headers?: Record<string, string>): void;
  close(): Promise<void>;
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

function graphError(code: string, message: string) {
  return { error: { code, message } };
}

/** Why Graph would refuse the message, if it would: its error code and message. */
function messageProblem(body: unknown): [string, string] | undefined {
  if (!isObject(body) || !isObject(body.message)) return ['ErrorInvalidRequest', 'Empty Payload. JSON content expected.'];
  const { message } = body;
  if (message.subject !== undefined && typeof message.subject !== 'string') return ['RequestBodyRead', 'Invalid subject.'];
  if (message.body !== undefined && (!isObject(message.body) || !['HTML', 'Text', 'html', 'text'].includes(String(message.body.contentType)))) {
    return ['RequestBodyRead', 'Invalid body content type.'];
  }
  const lists = ['toRecipients', 'ccRecipients', 'bccRecipients'].map((key) => message[key] ?? []);
  if (lists.some((list) => !Array.isArray(list))) return ['RequestBodyRead', 'Invalid recipients.'];
  const recipients = (lists as unknown[][]).flat();
  const valid = (r: unknown) => isObject(r) && isObject(r.emailAddress) && typeof r.emailAddress.address === 'string' && /^[^@\s<>]+@[^@\s<>]+$/.test(r.emailAddress.address);
  if (recipients.some((r) => !valid(r))) return ['ErrorInvalidRecipients', 'At least one recipient is not valid.'];
  if (recipients.length === 0) return ['ErrorInvalidRecipients', 'At least one recipient is required.'];
  return undefined;
}

/** `isValidToken` says whether a bearer token was issued (by the token endpoint simulator). */
export async function startGraphSimulator(isValidToken: (token: string) => boolean): Promise<GraphSimulator> {
  const requests: GraphRequest[] = [];
  let failure: { status: number; body: unknown; headers?: Record<string, string> } | undefined;
  const server = createServer((req, res) => {
    void text(req).then((body) => {
      const path = req.url ?? '';
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        // not JSON: refused below
      }
      requests.push({ method: req.method ?? '', path, headers: req.headers, body, ...(json !== undefined ? { json } : {}) });
      const answer = (status: number, payload?: unknown, headers: Record<string, string> = {}) => {
        if (payload === undefined) return res.writeHead(status, headers).end();
        res.writeHead(status, { 'Content-Type': 'application/json', ...headers }).end(JSON.stringify(payload));
      };
      if (failure) {
        const { status, body: payload, headers } = failure;
        failure = undefined;
        return answer(status, payload, headers);
      }
      if (!/^\/v1\.0\/users\/[^/?]+\/sendMail$/.test(path)) return answer(404, graphError('UnknownError', 'Resource not found for the segment.'));
      if (req.method !== 'POST') return answer(405, graphError('Request_BadRequest', 'The HTTP method is not allowed.'));
      const auth = req.headers.authorization ?? '';
      const token = /^Bearer (.+)$/.exec(auth)?.[1];
      if (!auth) return answer(401, graphError('InvalidAuthenticationToken', 'Access token is empty.'));
      if (!token || !isValidToken(token)) return answer(401, graphError('InvalidAuthenticationToken', 'Access token validation failure. Invalid audience.'));
      if (!req.headers['content-type']?.startsWith('application/json') || json === undefined) {
        return answer(400, graphError('RequestBodyRead', 'Cannot read the request body; JSON content expected.'));
      }
      const problem = messageProblem(json);
      if (problem) return answer(400, graphError(...problem));
      answer(202);
    });
  });
  return {
    url: `${await listenOnLoopback(server)}/v1.0`,
    requests,
    failNext(status, body, headers) {
      failure = { status, body, headers };
    },
    close: () => closeServer(server),
  };
}
