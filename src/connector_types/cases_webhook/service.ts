import { answerFacts, ExecutorError } from '../../actions/failure.js';
import { parseBody } from '../../actions/sub_actions.js';
import { renderTemplate } from '../../actions/templating/renderer.js';
import type { ExecutorContext } from '../../actions/types.js';
import type { OutboundRequest, OutboundResponse } from '../../net/http_client.js';
import type { TlsOverrides } from '../../net/network_policy.js';
import type { CaseService, PushComment } from '../lib/push_to_service.js';
import { AuthType } from '../webhook/schema.js';
import { basicAuthHeader, mergeHeaders, tlsOverrides } from '../webhook/service.js';
import { CONNECTOR_NAME, type CasesWebhookConfig, type CasesWebhookIncident, type CasesWebhookParams, type CasesWebhookSecrets } from './schema.js';
import { checkedJson, checkedUrl } from './validation.js';

type Context = ExecutorContext<CasesWebhookConfig, CasesWebhookSecrets, CasesWebhookParams>;
type Method = 'get' | 'post' | 'put' | 'patch';

interface Answer {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  data: unknown;
}

/**
 * A failed step, worded as Kibana's: the service's answer (when there was one) stays with it, so
 * that a step wrapping another repeats it, as Kibana does, and the queue reads its status.
 */
class StepError extends ExecutorError {
  constructor(
    message: string,
    readonly answer?: Answer,
  ) {
    super(message, 'framework', answer ? answerFacts(answer) : undefined);
  }
}

/** `[Action][Webhook - Case Management]: <step>. Error: <why>. <answer body as JSON> Reason: <status text>`. */
function stepFailed(step: string, err: unknown): StepError {
  const answer = err instanceof StepError ? err.answer : undefined;
  const body = answer?.data ? JSON.stringify(answer.data) : '';
  const reason = answer ? `Reason: ${answer.statusText}` : '';
  return new StepError(`[Action][${CONNECTOR_NAME}]: ${step}. Error: ${(err as Error).message}. ${body} ${reason}`, answer);
}

/** lodash's `get` path reading: the whole key when the object has it, else `a.b[0].c` step by step. */
export function valueAtPath(data: unknown, path: string): unknown {
  if (data === null || typeof data !== 'object') return undefined;
  if (Object.hasOwn(data, path)) return (data as Record<string, unknown>)[path];
  const steps = path.match(/[^.[\]"']+/g) ?? [];
  let node: unknown = data;
  for (const step of steps) {
    if (node === null || node === undefined) return undefined;
    node = (node as Record<string, unknown>)[step];
  }
  return node;
}

/** lodash's isEmpty for what an answer body can be. */
const isEmptyBody = (data: unknown) =>
  data == null || typeof data === 'number' || typeof data === 'boolean' || (typeof data === 'string' ? data === '' : Object.keys(data as object).length === 0);

/** Kibana's check of an answer: JSON, an object, and each of `required` present (null counts). */
function checkAnswer(method: Method, url: string, answer: Answer, required: string[] = []): void {
  if (answer.status === 204 && isEmptyBody(answer.data) && required.length === 0) return;
  const contentType = answer.headers['content-type'];
  const supported = 'Supported content types: application/json';
  if (contentType === undefined) throw new Error(`Missing content type header in ${method} ${url}. ${supported}`);
  if (!contentType.includes('application/json')) throw new Error(`Unsupported content type: ${contentType} in ${method} ${url}. ${supported}`);
  if (!isEmptyBody(answer.data) && typeof answer.data !== 'object') throw new Error('Response is not a valid JSON');
  const missing = required.filter((key) => valueAtPath(answer.data, key) === undefined);
  if (missing.length > 0) throw new Error(`Response is missing the expected ${missing.length > 1 ? 'fields' : 'field'}: ${missing.join(', ')}`);
}

/** Headers and TLS of every request: JSON, the config's headers, the secret ones over them, then basic auth. */
export function requestBase(config: CasesWebhookConfig, secrets: CasesWebhookSecrets): { headers: Record<string, string>; tls?: TlsOverrides } {
  const basic = config.hasAuth && (config.authType === AuthType.Basic || !config.authType);
  const tls = tlsOverrides(config, secrets);
  // Kibana's checks: basic authentication needs both credentials, SSL some TLS setting.
  if ((basic && (!secrets.user || !secrets.password)) || (config.authType === AuthType.SSL && !tls)) {
    throw new Error(`[Action]${CONNECTOR_NAME}: Wrong configuration.`);
  }
  const headers = mergeHeaders(
    { 'content-type': 'application/json' },
    config.headers,
    secrets.secretHeaders,
    basic ? { Authorization: basicAuthHeader(secrets.user!, secrets.password!) } : null,
  );
  return { headers, ...(tls ? { tls } : {}) };
}

/** The case values a body template reads: each already JSON (`{{{case.title}}}` is `"…"`), missing ones empty. */
function caseVariables(incident: CasesWebhookIncident): Record<string, string> {
  const { title, description, id, severity, status, tags } = incident;
  const values = { description: description ?? '', id: id ?? '', severity: severity ?? '', status: status ?? '', tags: tags ?? [], title };
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [key, JSON.stringify(value)]));
}

/**
 * The Cases Webhook side of pushToService: every request built from the connector's templates.
 * Made per push; each comment's date is the case's push date, as in Kibana.
 */
export function casesWebhookService(ctx: Context): CaseService<CasesWebhookIncident> {
  const { config, connectorId, logger } = ctx;
  const base = requestBase(config, ctx.secrets);
  // Templates are rendered as Kibana renders them: {{{x}}} as it is, {{x}} HTML-escaped.
  const render = (template: string, variables: Record<string, unknown>) => renderTemplate(logger, template, variables, 'html');
  const urlWithId = (template: string, id: string, what: string, title?: string) =>
    checkedUrl(render(template, { external: { system: { id: encodeURIComponent(id), ...(title === undefined ? {} : { title: encodeURIComponent(title) }) } } }), what, ctx);
  let pushedDate = '';

  async function send(method: Method, url: string, body: string | undefined, required?: string[]): Promise<Answer> {
    const request: OutboundRequest = { url, method: method.toUpperCase() as OutboundRequest['method'], headers: base.headers, signal: ctx.signal, ...(base.tls ? { tls: base.tls } : {}) };
    if (body !== undefined) request.body = body;
    let res: OutboundResponse;
    try {
      res = await ctx.services.http.send(request);
    } catch (err) {
      throw new StepError((err as Error).message);
    }
    const answer = { status: res.status, statusText: res.statusText, headers: res.headers, data: parseBody(res.body) };
    if (res.status < 200 || res.status >= 300) throw new StepError(`Request failed with status code ${res.status}`, answer);
    checkAnswer(method, url, answer, required);
    logger.debug(`response from webhook action "${connectorId}": [HTTP ${res.status}] ${res.statusText}`);
    return answer;
  }

  async function getTitle(id: string): Promise<string> {
    try {
      const url = urlWithId(config.getIncidentUrl, id, 'Get case URL');
      const post = config.getIncidentMethod === 'post';
      const body = post && config.getIncidentJson ? checkedJson(render(config.getIncidentJson, { external: { system: { id: JSON.stringify(id) } } }), 'Get case JSON body') : undefined;
      const key = config.getIncidentResponseExternalTitleKey;
      const answer = await send(config.getIncidentMethod, url, post ? body : undefined, [key]);
      return String(valueAtPath(answer.data, key));
    } catch (err) {
      throw stepFailed(`Unable to get case with id ${id}`, err);
    }
  }

  /** The case as the push answers it, read back with the get request. */
  async function pushed(id: string) {
    const title = await getTitle(id);
    pushedDate = new Date().toISOString();
    return { id, title, url: urlWithId(config.viewIncidentUrl, id, 'View case URL', title), pushedDate };
  }

  return {
    async createIncident(incident) {
      try {
        const url = checkedUrl(config.createIncidentUrl.endsWith('/') ? config.createIncidentUrl.slice(0, -1) : config.createIncidentUrl, 'Create case URL', ctx);
        const body = checkedJson(render(config.createIncidentJson, { case: caseVariables(incident) }), 'Create case JSON body');
        const key = config.createIncidentResponseKey;
        const answer = await send(config.createIncidentMethod, url, body, [key]);
        return await pushed(String(valueAtPath(answer.data, key)));
      } catch (err) {
        throw stepFailed('Unable to create case', err);
      }
    },
    async updateIncident(externalId, incident) {
      try {
        const url = urlWithId(config.updateIncidentUrl, externalId, 'Update case URL');
        const variables = { case: caseVariables(incident), external: { system: { id: JSON.stringify(externalId) } } };
        const body = checkedJson(render(config.updateIncidentJson, variables), 'Update case JSON body');
        await send(config.updateIncidentMethod, url, body);
        return await pushed(externalId);
      } catch (err) {
        throw stepFailed(`Unable to update case with id ${externalId}`, err);
      }
    },
    async addComment(externalId, { comment }: PushComment) {
      const { createCommentUrl, createCommentJson, createCommentMethod } = config;
      // Without all three, comments are not sent, yet each is answered as pushed (as in Kibana).
      if (!createCommentUrl || !createCommentJson || !createCommentMethod) return pushedDate;
      try {
        const url = urlWithId(createCommentUrl, externalId, 'Create comment URL');
        const variables = { case: { comment: JSON.stringify(comment) }, external: { system: { id: JSON.stringify(externalId) } } };
        await send(createCommentMethod, url, checkedJson(render(createCommentJson, variables), 'Create comment JSON body'));
        return pushedDate;
      } catch (err) {
        throw stepFailed(`Unable to create comment at case with id ${externalId}`, err);
      }
    },
  };
}
