import type { PostedAlert } from './types.js';
import { receivedAlert } from './merge.js';
import { LABEL_NAME } from './label_name.js';

// The body of Alertmanager's `POST /api/v2/alerts`, read as Alertmanager 0.25 reads it, with its
// answers (recorded from Debian's prometheus-alertmanager 0.25, see test/fixtures/alertmanager):
//  1. JSON decoding into models.PostableAlerts (Go's encoding/json + strfmt.DateTime): a value of
//     the wrong type or a time it cannot parse → 400 `{"code":400,"message":"parsing alerts body
//     from \"\" failed, because …"}`;
//  2. go-swagger validation: `labels` missing or null → 422 `{"code":602,"message":"<i>.labels in
//     body is required"}`, a generatorURL that is no URI → 422 code 601;
//  3. the handler: empty-valued labels dropped, times defaulted, each alert validated (Alertmanager's
//     model.Alert.Validate); valid alerts are stored and the invalid ones answered with 400 and
//     their messages joined by "; " as a JSON string.

/** An answer of Alertmanager's API layers: a status and the exact body text. */
export interface AlertmanagerAnswer {
  status: number;
  body: string;
}

/** Go's encoding/json text: compact, U+2028 and U+2029 escaped; `html` also escapes `<`, `>` and `&`. */
const goMarshal = (value: unknown, html: boolean): string =>
  JSON.stringify(value).replace(html ? /[<>&\u2028\u2029]/g : /[\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** The handler's answers (go-openapi's producer: json.Encoder without HTML escaping): a newline ends them. */
export const goJson = (value: unknown): string => `${goMarshal(value, false)}\n`;

/** go-swagger's error answers (json.Marshal): HTML characters escaped, no newline. */
const swaggerJson = (value: unknown): string => goMarshal(value, true);

const decodeError = (because: string): AlertmanagerAnswer => ({
  status: 400,
  body: swaggerJson({ code: 400, message: `parsing alerts body from "" failed, because ${because}` }),
});

const jsonType = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value === 'boolean' ? 'bool' : typeof value === 'number' ? 'number' : typeof value;

/** Go's %q of a string, for the characters alert names hold in practice. */
export function goQuote(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if ((code >= 0x80 && code < 0xa0) || code === 0xad || (code >= 0x200b && code <= 0x200f) || (code >= 0x2028 && code <= 0x202e) || (code >= 0x2060 && code <= 0x2064) || code === 0xfeff)
      out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** Epoch ms of Go's zero time, 0001-01-01T00:00:00Z: what amtool sends for "unset". */
const ZERO_TIME = -62_135_596_800_000;

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/** strfmt.DateTime's layouts (RFC 3339 with or without fraction, zone optional); undefined: unparseable. */
export function parseDateTime(text: string): number | undefined {
  const m = DATE_TIME.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number);
  const second = Number(m[6] ?? 0);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return undefined;
  const date = new Date(Date.UTC(2000, month - 1, day, hour, minute, second, Number(`0.${m[7] ?? '0'}`) * 1000));
  date.setUTCFullYear(year, month - 1, day);
  if (date.getUTCDate() !== day) return undefined;
  let ms = date.getTime();
  const zone = m[8];
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return Number.isFinite(ms) ? Math.floor(ms) : undefined;
}

/** Go's url.Parse failures, as far as a generator URL can show them. */
function isUri(text: string): boolean {
  if (/[\x00-\x1f\x7f]/.test(text)) return false;
  if (/%(?![0-9a-fA-F]{2})/.test(text)) return false;
  if (text.startsWith(':')) return false;
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(text);
  if (!scheme) {
    const firstSegment = text.split(/[/?#]/, 1)[0];
    if (firstSegment.includes(':')) return false;
  }
  return true;
}


interface Decoded {
  labels: Record<string, string> | null | undefined;
  annotations: Record<string, string>;
  startsAt?: number;
  endsAt?: number;
  generatorURL?: string;
}

/** A string map field; the Go decode error otherwise. */
function decodeMap(value: unknown, struct: string, field: string): Record<string, string> | null | AlertmanagerAnswer {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'object' || Array.isArray(value)) return decodeError(`json: cannot unmarshal ${jsonType(value)} into Go struct field ${struct}.${field} of type models.LabelSet`);
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(value)) {
    if (v === null) {
      out[name] = '';
      continue;
    }
    if (typeof v !== 'string') return decodeError(`json: cannot unmarshal ${jsonType(v)} into Go struct field ${struct}.${field} of type string`);
    // Go decodes lone surrogates as U+FFFD: every string it holds is valid UTF-8.
    out[wellFormed(name)] = wellFormed(v);
  }
  return out;
}

function decodeTime(value: unknown, field: string): number | undefined | AlertmanagerAnswer {
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'string') return decodeError(`json: cannot unmarshal ${jsonType(value)} into Go struct field PostableAlert.${field} of type strfmt.DateTime`);
  const ms = parseDateTime(value);
  if (ms === undefined) {
    const quoted = goQuote(value);
    return decodeError(`parsing time ${quoted} as "2006-01-02 15:04:05": cannot parse ${/^\d{4}/.test(value) ? goQuote(value.slice(4)) : quoted} as ${/^\d{4}/.test(value) ? '"-"' : '"2006"'}`);
  }
  return ms === ZERO_TIME ? undefined : ms;
}

/** Lone surrogates (from `\ud800` escapes) as U+FFFD, as Go's JSON decoder reads them. */
const wellFormed = (text: string): string => text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');

const isAnswer = (value: unknown): value is AlertmanagerAnswer => typeof value === 'object' && value !== null && 'status' in value && 'body' in value;

export type ParsedPost = { answer: AlertmanagerAnswer } | { alerts: PostedAlert[]; errors: string[] };

/**
 * Reads a posted body at `now`: either an answer that refuses the whole post (decode or
 * swagger errors), or the valid alerts and the messages of the invalid ones.
 */
export function parsePostableAlerts(body: unknown, now: number, resolveTimeoutMs: number): ParsedPost {
  // A JSON null decodes into an empty list, as Go does.
  if (body === null || body === undefined) return { alerts: [], errors: [] };
  if (!Array.isArray(body)) return { answer: decodeError(`json: cannot unmarshal ${jsonType(body)} into Go value of type models.PostableAlerts`) };
  const decoded: Decoded[] = [];
  for (const item of body) {
    if (item === null) {
      decoded.push({ labels: undefined, annotations: {} });
      continue;
    }
    if (typeof item !== 'object' || Array.isArray(item)) return { answer: decodeError(`json: cannot unmarshal ${jsonType(item)} into Go value of type models.PostableAlert`) };
    const raw = item as Record<string, unknown>;
    const labels = decodeMap(raw.labels, 'Alert', 'labels');
    if (isAnswer(labels)) return { answer: labels };
    const annotations = decodeMap(raw.annotations, 'PostableAlert', 'annotations');
    if (isAnswer(annotations)) return { answer: annotations };
    const startsAt = decodeTime(raw.startsAt, 'startsAt');
    if (isAnswer(startsAt)) return { answer: startsAt };
    const endsAt = decodeTime(raw.endsAt, 'endsAt');
    if (isAnswer(endsAt)) return { answer: endsAt };
    let generatorURL: string | undefined;
    if (raw.generatorURL !== undefined && raw.generatorURL !== null) {
      if (typeof raw.generatorURL !== 'string') return { answer: decodeError(`json: cannot unmarshal ${jsonType(raw.generatorURL)} into Go struct field Alert.generatorURL of type strfmt.URI`) };
      generatorURL = wellFormed(raw.generatorURL);
    }
    decoded.push({ labels, annotations: annotations ?? {}, startsAt, endsAt, generatorURL });
  }
  // go-swagger validates the decoded list, item by item, the first problem refusing it all.
  for (const [i, alert] of decoded.entries()) {
    if (!alert.labels) return { answer: { status: 422, body: swaggerJson({ code: 602, message: `${i}.labels in body is required` }) } };
    if (alert.generatorURL !== undefined && alert.generatorURL !== '' && !isUri(alert.generatorURL)) {
      return { answer: { status: 422, body: swaggerJson({ code: 601, message: `${i}.generatorURL in body must be of type uri: ${goQuote(alert.generatorURL)}` }) } };
    }
  }
  const alerts: PostedAlert[] = [];
  const errors: string[] = [];
  for (const alert of decoded) {
    const labels = Object.fromEntries(Object.entries(alert.labels!).filter(([, value]) => value !== ''));
    const posted: PostedAlert = {
      labels,
      annotations: alert.annotations,
      ...(alert.startsAt !== undefined && { startsAt: new Date(alert.startsAt) }),
      ...(alert.endsAt !== undefined && { endsAt: new Date(alert.endsAt) }),
      ...(alert.generatorURL !== undefined && { generatorURL: alert.generatorURL }),
    };
    const error = validationError(posted, now, resolveTimeoutMs);
    if (error) errors.push(error);
    else alerts.push(posted);
  }
  return { alerts, errors };
}

/** Alertmanager's model.Alert.Validate, after the handler's defaults. */
function validationError(posted: PostedAlert, now: number, resolveTimeoutMs: number): string | undefined {
  const alert = receivedAlert(posted, now, resolveTimeoutMs);
  if (alert.endsAt < alert.startsAt) return 'start time must be before end time';
  const badLabel = Object.keys(alert.labels).find((name) => !LABEL_NAME.test(name));
  if (badLabel !== undefined) return `invalid label set: invalid name ${goQuote(badLabel)}`;
  if (Object.keys(alert.labels).length === 0) return 'at least one label pair required';
  const badAnnotation = Object.keys(alert.annotations).find((name) => !LABEL_NAME.test(name));
  if (badAnnotation !== undefined) return `invalid annotations: invalid name ${goQuote(badAnnotation)}`;
  return undefined;
}
