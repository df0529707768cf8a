import { z } from 'zod';
import { forbidden } from '../../common/errors.js';
import { gettableSilence, SILENCE_NOT_FOUND, SilenceSetError, type PostedSilence, type Silences } from '../../ingest/silences.js';
import { MatcherSyntaxError, parseMatcher, type Matcher } from '../../ingest/matchers.js';
import type { Scope } from '../../actions/actions_client.js';
import type { RulesAuthorizer } from '../../security/authorization.js';
import type { SilenceMatcher } from '../../storage/silences_repository.js';
import { defineRoute, type RouteResponse, type RouteSpec } from '../route.js';

// Alertmanager 0.25's silences API (api/v2/openapi.yaml, api/v2/api.go), per space (also under
// /s/{space_id}), for amtool and Alertmanager's clients: their answers byte for byte, not
// Kibana's error bodies. Handlers answer JSON followed by a newline, as Go's encoder writes it;
// errors of the request's shape are go-openapi's `{code, message}` (400 when the JSON does not
// decode into the types, 422 when a required field is missing), the handlers' errors a JSON
// string. Creating and expiring silences needs what writing rules needs (`all` on the
// `stackAlerts` feature or a base privilege in the space); reading them, `read`.

const TAGS = ['alertmanager'];

/** A JSON answer as Alertmanager's handlers write it (json.Encoder: a trailing newline). */
function answer(status: number, body: unknown): RouteResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: `${JSON.stringify(body)}\n` };
}

/** go-openapi's error body (json.Marshal: no newline, HTML characters escaped). */
function openApiError(status: number, code: number, message: string): RouteResponse {
  const text = JSON.stringify({ code, message }).replace(/[<>&]/g, (ch) => `\\u00${ch.charCodeAt(0).toString(16)}`);
  return { status, headers: { 'content-type': 'application/json' }, body: text };
}

class BodyError extends Error {
  constructor(readonly response: RouteResponse) {
    super('body');
  }
}

const unmarshal = (reason: string) => new BodyError(openApiError(400, 400, `parsing silence body from "" failed, because ${reason}`));
const required = (field: string) => new BodyError(openApiError(422, 602, `${field} in body is required`));

/** The JSON kind Go's decoder names in its type errors. */
function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'boolean') return 'bool';
  return typeof value === 'object' ? 'object' : typeof value;
}

function expect(value: unknown, type: 'string' | 'bool', field: string): void {
  if (value === undefined || value === null) return;
  if ((type === 'string' && typeof value !== 'string') || (type === 'bool' && typeof value !== 'boolean')) {
    throw unmarshal(`json: cannot unmarshal ${kindOf(value)} into Go struct field ${field} of type ${type}`);
  }
}

// strfmt.DateTime's layouts: RFC 3339 (Z or ±hh:mm, fractions optional), without a zone (UTC),
// to the minute, and `2006-01-02 15:04:05`. An empty string is the zero time.
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?|\s(\d{2}):(\d{2}):(\d{2}))(Z|[+-]\d{2}:\d{2})?$/;
/** Year 1 in the proleptic Gregorian calendar, Go's zero time. */
const GO_ZERO = (() => {
  const d = new Date(0);
  d.setUTCFullYear(1, 0, 1);
  return d.getTime();
})();

function outOfRange(text: string, what: string): BodyError {
  return unmarshal(`parsing time ${JSON.stringify(text)}: ${what} out of range`);
}

/** A posted time; undefined for Go's zero time (an empty string, or 0001-01-01T00:00:00Z). */
function parseTime(text: string): Date | undefined {
  if (text === '') return undefined;
  const m = DATE_TIME.exec(text);
  if (!m) throw unmarshal(goLayoutError(text));
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const [hour, minute, second] = m[4] !== undefined ? [Number(m[4]), Number(m[5]), Number(m[6] ?? 0)] : [Number(m[8]), Number(m[9]), Number(m[10])];
  if (month < 1 || month > 12) throw outOfRange(text, 'month');
  if (hour > 23) throw outOfRange(text, 'hour');
  if (minute > 59) throw outOfRange(text, 'minute');
  if (second > 59) throw outOfRange(text, 'second');
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  if (date.getUTCDate() !== day) throw outOfRange(text, 'day');
  const ms = m[7] ? Math.floor(Number(`0${m[7]}`) * 1000) : 0;
  let t = date.getTime() + ((hour * 60 + minute) * 60 + second) * 1000 + ms;
  const zone = m[11];
  if (zone && zone !== 'Z') t -= (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
  return t === GO_ZERO ? undefined : new Date(t);
}

/**
 * Go's time.Parse error for the last layout strfmt tries, `2006-01-02 15:04:05`: the part of
 * the value that did not fit and the layout element it was read as.
 */
function goLayoutError(text: string): string {
  const elements: Array<[string, number]> = [['2006', 4], ['-', 0], ['01', 2], ['-', 0], ['02', 2], [' ', 0], ['15', 1], [':', 0], ['04', 2], [':', 0], ['05', 2]];
  const head = `parsing time ${JSON.stringify(text)} as "2006-01-02 15:04:05"`;
  let rest = text;
  for (const [element, digits] of elements) {
    if (digits === 0) {
      if (element === ' ') {
        if (rest.length > 0 && rest[0] !== ' ') return `${head}: cannot parse ${JSON.stringify(rest)} as " "`;
        rest = rest.replace(/^ +/, '');
      } else if (!rest.startsWith(element)) {
        return `${head}: cannot parse ${JSON.stringify(rest)} as ${JSON.stringify(element)}`;
      } else {
        rest = rest.slice(1);
      }
      continue;
    }
    const found = (digits === 1 ? /^\d\d?/ : new RegExp(`^\\d{${digits}}`)).exec(rest);
    if (!found) return `${head}: cannot parse ${JSON.stringify(rest)} as ${JSON.stringify(element)}`;
    rest = rest.slice(found[0].length);
  }
  return rest ? `parsing time ${JSON.stringify(text)}: extra text: ${JSON.stringify(rest)}` : `parsing time ${JSON.stringify(text)}: cannot parse`;
}

/**
 * The posted body as go-openapi takes it: decoding (types) first, then the required fields in
 * the order its generated validation checks them, reporting the first problem only.
 */
export function parsePostableSilence(body: unknown): PostedSilence {
  const value = body ?? {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw unmarshal(`json: cannot unmarshal ${kindOf(value)} into Go value of type struct { ID string "json:\\"id,omitempty\\"" }`);
  }
  const s = value as Record<string, unknown>;
  expect(s.id, 'string', '.id');
  expect(s.comment, 'string', 'Silence.comment');
  expect(s.createdBy, 'string', 'Silence.createdBy');
  for (const field of ['startsAt', 'endsAt']) expect(s[field], 'string', `Silence.${field}`);
  if (s.matchers !== undefined && s.matchers !== null) {
    if (!Array.isArray(s.matchers)) throw unmarshal(`json: cannot unmarshal ${kindOf(s.matchers)} into Go struct field Silence.matchers of type models.Matchers`);
    for (const m of s.matchers as unknown[]) {
      if (m === null) continue;
      if (typeof m !== 'object' || Array.isArray(m)) throw unmarshal(`json: cannot unmarshal ${kindOf(m)} into Go struct field Silence.matchers of type models.Matcher`);
      const matcher = m as Record<string, unknown>;
      expect(matcher.isEqual, 'bool', 'Matcher.matchers.isEqual');
      expect(matcher.isRegex, 'bool', 'Matcher.matchers.isRegex');
      expect(matcher.name, 'string', 'Matcher.matchers.name');
      expect(matcher.value, 'string', 'Matcher.matchers.value');
    }
  }
  const startsAt = typeof s.startsAt === 'string' ? parseTime(s.startsAt) : undefined;
  const endsAt = typeof s.endsAt === 'string' ? parseTime(s.endsAt) : undefined;

  const present = (field: string) => s[field] !== undefined && s[field] !== null;
  if (!present('comment')) throw required('comment');
  if (!present('createdBy')) throw required('createdBy');
  if (!present('endsAt')) throw required('endsAt');
  if (!present('matchers')) throw required('matchers');
  const list = s.matchers as Array<Record<string, unknown> | null>;
  if (list.length < 1) throw new BodyError(openApiError(422, 612, 'matchers in body should have at least 1 items'));
  const matchers: SilenceMatcher[] = [];
  for (const [i, m] of list.entries()) {
    const matcher = m ?? {};
    for (const field of ['isRegex', 'name', 'value']) {
      if (matcher[field] === undefined || matcher[field] === null) throw required(`matchers.${i}.${field}`);
    }
    matchers.push({ name: matcher.name as string, value: matcher.value as string, isRegex: matcher.isRegex as boolean, isEqual: (matcher.isEqual as boolean | null | undefined) ?? true });
  }
  if (!present('startsAt')) throw required('startsAt');
  const posted: PostedSilence = {
    matchers,
    startsAt: startsAt ?? new Date(GO_ZERO),
    endsAt: endsAt ?? new Date(GO_ZERO),
    createdBy: s.createdBy as string,
    comment: s.comment as string,
  };
  if (typeof s.id === 'string' && s.id !== '') posted.id = s.id;
  return posted;
}

/** go-openapi's uuid format (strfmt.IsUUID). */
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

const filterQuery = z.object({
  filter: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .meta({ description: 'A matcher such as `alertname="HighLatency"` (repeat for several): only silences having each of them among their own matchers, as written.' }),
});

/** go-openapi's error body, for a request of the wrong shape. */
const openApiErrorSchema = z.object({ code: z.number().int(), message: z.string() }).meta({ id: 'alertmanager_openapi_error' });
/** Alertmanager's handlers' error body: the message as a JSON string. */
const messageSchema = z.string().meta({ description: "Alertmanager's message, as a JSON string" });

const silenceIdParam = z.object({ silenceID: z.string().meta({ description: 'The silence id (a UUID).' }) });

const matcherSchema = z.object({
  name: z.string().meta({ description: 'A label name.' }),
  value: z.string().meta({ description: 'The value, or a regular expression (RE2 syntax) matching the whole value.' }),
  isRegex: z.boolean(),
  isEqual: z.boolean().optional().meta({ description: 'false negates the matcher (`!=`, `!~`); true when absent.' }),
});

const postableSilence = z
  .looseObject({
    id: z.string().optional().meta({ description: 'The silence to update; without it a new silence is created.' }),
    matchers: z.array(matcherSchema).meta({ description: 'What the silence mutes: alerts whose labels all these matchers accept.' }),
    startsAt: z.string().meta({ description: 'RFC 3339; a time in the past (or `0001-01-01T00:00:00Z`) means now.' }),
    endsAt: z.string().meta({ description: 'RFC 3339, after `startsAt` and not in the past.' }),
    createdBy: z.string(),
    comment: z.string(),
  })
  .meta({ id: 'alertmanager_postable_silence', description: "Alertmanager's PostableSilence; checked by the route with Alertmanager's messages." });

/** A silence as Alertmanager's GET answers it (also the shape of the Alerts page's silences). */
export const gettableSilenceSchema = z.object({
  id: z.string(),
  status: z.object({ state: z.enum(['active', 'pending', 'expired']) }),
  updatedAt: z.string(),
  comment: z.string(),
  createdBy: z.string(),
  endsAt: z.string(),
  matchers: z.array(matcherSchema),
  startsAt: z.string(),
});

export interface SilenceRouteDeps {
  silences: Silences;
  authorizer: RulesAuthorizer;
  now?: () => Date;
}

export function silenceRoutes({ silences, authorizer, now = () => new Date() }: SilenceRouteDeps): RouteSpec[] {
  async function ensure(scope: Scope, needed: 'read' | 'all', operation: string): Promise<void> {
    const held = await authorizer.rulesPrivilegeIn(scope.principal, scope.spaceId);
    if (!held || (needed === 'all' && held !== 'all')) throw forbidden(`Unauthorized to ${operation} silences`);
  }

  return [
    defineRoute({
      method: 'GET',
      url: '/api/v2/silences',
      operationId: 'getSilences',
      access: 'public',
      summary: "The space's silences, Alertmanager's v2 API (active, pending, then expired ones still retained)",
      tags: TAGS,
      forSenders: true,
      query: filterQuery,
      responses: {
        200: { description: 'The silences', schema: z.array(gettableSilenceSchema) },
        400: { description: 'A filter matcher that does not parse (a JSON string)', schema: messageSchema },
      },
      async handler({ query, scope }) {
        await ensure(scope, 'read', 'get');
        const filter: Matcher[] = [];
        for (const text of query.filter === undefined ? [] : Array.isArray(query.filter) ? query.filter : [query.filter]) {
          try {
            filter.push(parseMatcher(text));
          } catch (err) {
            if (err instanceof MatcherSyntaxError) return answer(400, err.message);
            throw err;
          }
        }
        const at = now();
        const list = await silences.list(scope.spaceId, filter, at);
        return answer(200, list.map((s) => gettableSilence(s, at.getTime())));
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v2/silences',
      operationId: 'postSilences',
      access: 'public',
      summary: 'Creates a silence, or updates the one named by `id` as Alertmanager does, answering `{silenceID}`',
      tags: TAGS,
      forSenders: true,
      // Documented as Alertmanager's PostableSilence, but checked by the handler (after the
      // privilege, with Alertmanager's messages): the schema never refuses.
      body: postableSilence.catch(() => ({}) as z.output<typeof postableSilence>),
      responses: {
        200: { description: 'The id of the silence created or updated', schema: z.object({ silenceID: z.string() }) },
        400: { description: 'An invalid silence (a JSON string, or `{code, message}` when the JSON does not decode)', schema: z.union([messageSchema, openApiErrorSchema]) },
        404: { description: 'The `id` names no silence of the space (a JSON string)', schema: messageSchema },
        422: { description: 'A required field is missing (`{code, message}`)', schema: openApiErrorSchema },
      },
      async handler({ request, scope }) {
        await ensure(scope, 'all', 'create');
        let posted: PostedSilence;
        try {
          posted = parsePostableSilence(request.body);
        } catch (err) {
          if (err instanceof BodyError) return err.response;
          throw err;
        }
        const at = now();
        if (posted.startsAt.getTime() >= posted.endsAt.getTime()) return answer(400, 'Failed to create silence: start time must be before end time');
        if (posted.endsAt.getTime() < at.getTime()) return answer(400, "Failed to create silence: end time can't be in the past");
        try {
          return answer(200, { silenceID: await silences.set(scope.spaceId, posted, at) });
        } catch (err) {
          if (err instanceof SilenceSetError) return answer(err.kind === 'notFound' ? 404 : 400, err.message);
          throw err;
        }
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v2/silence/:silenceID',
      operationId: 'getSilence',
      access: 'public',
      summary: 'One silence of the space, Alertmanager\'s v2 API',
      tags: TAGS,
      forSenders: true,
      params: silenceIdParam,
      responses: {
        200: { description: 'The silence', schema: gettableSilenceSchema },
        404: { description: 'No such silence (empty body)' },
        422: { description: 'The id is not a UUID (`{code, message}`)', schema: openApiErrorSchema },
      },
      async handler({ params, scope }) {
        await ensure(scope, 'read', 'get');
        if (!UUID.test(params.silenceID)) return openApiError(422, 601, `silenceID in path must be of type uuid: ${JSON.stringify(params.silenceID)}`);
        const at = now();
        const silence = await silences.get(scope.spaceId, params.silenceID, at);
        return silence ? answer(200, gettableSilence(silence, at.getTime())) : { status: 404 };
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/v2/silence/:silenceID',
      operationId: 'deleteSilence',
      access: 'public',
      summary: "Expires a silence (its end becomes now), Alertmanager's v2 API",
      tags: TAGS,
      forSenders: true,
      params: silenceIdParam,
      responses: {
        200: { description: 'Expired (or already expired); empty body' },
        422: { description: 'The id is not a UUID (`{code, message}`)', schema: openApiErrorSchema },
        500: { description: 'No such silence: Alertmanager 0.25 answers `"silence not found"` with 500', schema: messageSchema },
      },
      async handler({ params, scope }) {
        await ensure(scope, 'all', 'expire');
        if (!UUID.test(params.silenceID)) return openApiError(422, 601, `silenceID in path must be of type uuid: ${JSON.stringify(params.silenceID)}`);
        if (!(await silences.expire(scope.spaceId, params.silenceID, now()))) return answer(500, SILENCE_NOT_FOUND);
        return { status: 200 };
      },
    }),
  ];
}
