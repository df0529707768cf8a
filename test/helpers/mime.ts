import type { ReceivedMail } from './smtp_server.js';

// Reading back a message an SMTP test server received: headers (encoded words decoded), the
// text and HTML parts, and the attachments, from the raw MIME.

interface MimePart {
  headers: Map<string, string>;
  body: string;
  parts: MimePart[];
}

function decodeQuotedPrintable(text: string): string {
  const bytes: number[] = [];
  const unfolded = text.replace(/=\r?\n/g, '');
  for (let i = 0; i < unfolded.length; i++) {
    if (unfolded[i] === '=' && /^[0-9A-F]{2}$/i.test(unfolded.slice(i + 1, i + 3))) {
      bytes.push(parseInt(unfolded.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(unfolded[i], 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** RFC 2047 encoded words (`=?UTF-8?Q?...?=`, `=?UTF-8?B?...?=`) in a header value. */
function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([QB])\?([^?]*)\?=/gi, (_, _charset: string, kind: string, data: string) =>
      kind.toUpperCase() === 'B' ? Buffer.from(data, 'base64').toString('utf8') : decodeQuotedPrintable(data.replace(/_/g, ' ')),
    );
}

function parseMime(raw: string): MimePart {
  const split = raw.search(/\r?\n\r?\n/);
  const head = split === -1 ? raw : raw.slice(0, split);
  const rest = split === -1 ? '' : raw.slice(split).replace(/^\r?\n\r?\n/, '');
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).toLowerCase(), decodeWords(line.slice(colon + 1).trim()));
  }
  const type = headers.get('content-type') ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (type.startsWith('multipart/') && boundary) {
    const sections = rest.split(`--${boundary}`).slice(1, -1);
    return { headers, body: '', parts: sections.map((s) => parseMime(s.replace(/^\r?\n/, ''))) };
  }
  const encoding = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  const body =
    encoding === 'base64' ? Buffer.from(rest.replace(/\s+/g, ''), 'base64').toString('utf8') : encoding === 'quoted-printable' ? decodeQuotedPrintable(rest) : rest;
  return { headers, body: body.replace(/\r\n/g, '\n').replace(/\n$/, ''), parts: [] };
}

function findPart(part: MimePart, predicate: (p: MimePart) => boolean): MimePart | undefined {
  if (predicate(part)) return part;
  for (const child of part.parts) {
    const found = findPart(child, predicate);
    if (found) return found;
  }
  return undefined;
}

export function readMessage(received: ReceivedMail) {
  const root = parseMime(received.raw);
  const ofType = (type: string) => findPart(root, (p) => p.parts.length === 0 && (p.headers.get('content-type') ?? '').startsWith(type) && !p.headers.has('content-disposition'));
  return {
    header: (name: string) => root.headers.get(name.toLowerCase()),
    text: ofType('text/plain')?.body,
    html: ofType('text/html')?.body,
    attachments: root.parts.filter((p) => p.headers.get('content-disposition')?.startsWith('attachment')),
  };
}
