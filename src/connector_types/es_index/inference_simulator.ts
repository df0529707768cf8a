import { createHash, randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { pacedStream, type PacedStream } from '../lib/paced_stream.js';
import { PRODUCT_HEADER, RequestError, send, type ErrorCause } from './es_answers.js';

/**
 * Elasticsearch's inference API, for the simulator of src/connector_types/es_index/simulator.ts:
 * `PUT|GET|DELETE _inference/{task_type}/{inference_id}` (and without the task type), `GET
 * _inference` and `_inference/_all`, `POST _inference/{task_type}/{inference_id}` for completion,
 * rerank, text_embedding and sparse_embedding, and `POST
 * _inference/chat_completion/{inference_id}/_stream` answering OpenAI-style chunks as server-sent
 * events (`event: message`, the usage in the last chunk, then `[DONE]`).
 *
 * It fails as Elasticsearch does: 404 resource_not_found_exception for a missing endpoint, 400
 * resource_already_exists_exception for a second PUT, 400 for an unknown service or task type or
 * missing required service settings, 400 status_exception for a task type the endpoint is not
 * of; a test can make the next inference call fail (e.g. the 429 Elasticsearch forwards from a
 * rate-limited provider), cut the next stream halfway, make it fail after a few events (an
 * `event: error` whose data is Elasticsearch's unified chat completion error `{error: {code,
 * message, type}}`, by default the rate limit it forwards, then the end of the answer), or send
 * it as it releases each event. The reply to a chat is `You said: <the
 * last user message>` (a word a token, stopped with finish_reason `length` at max_tokens); with
 * tools, a call to the first tool.
 */

export interface StoredEndpoint {
  inference_id: string;
  task_type: string;
  service: string;
  /** As created: secret settings included (Elasticsearch keeps them; its answers leave them out). */
  service_settings: Record<string, unknown>;
  task_settings: Record<string, unknown>;
}

export interface InferenceSimulator {
  inferenceEndpoints(): StoredEndpoint[];
  /** The next inference call (POST) fails with this status and error. */
  failNextInference(status: number, error: ErrorCause, headers?: Record<string, string>): void;
  /** The next chat stream sends half its events, then the connection is cut. */
  cutNextInferenceStream(): void;
  /** The next chat stream sends `afterEvents` events, then `event: error` with this data, and ends. */
  failNextInferenceStream(data?: Record<string, unknown>, afterEvents?: number): void;
  /** The next chat stream sends its events one at a time, as the test releases them. */
  paceNextInferenceStream(): PacedStream;
}

const TASK_TYPES = ['sparse_embedding', 'text_embedding', 'rerank', 'completion', 'chat_completion'];
const SERVICES = ['alibabacloud-ai-search', 'amazonbedrock', 'anthropic', 'azureaistudio', 'azureopenai', 'cohere', 'elastic', 'elasticsearch', 'googleaistudio', 'googlevertexai', 'hugging_face', 'mistral', 'openai', 'watsonxai'];
/** Settings each service cannot do without (a few, as Elasticsearch's validation words them). */
const REQUIRED_SETTINGS: Record<string, string[]> = { openai: ['api_key', 'model_id'], elastic: ['model_id'], cohere: ['api_key'], mistral: ['api_key', 'model'] };
const SECRET_SETTINGS = ['api_key', 'secret_key', 'access_key', 'service_account_json'];
/** An EIS endpoint clusters with the Elastic Inference Service have built in. */
const BUILT_IN: StoredEndpoint = {
  inference_id: '.rainbow-sprinkles-elastic',
  task_type: 'chat_completion',
  service: 'elastic',
  service_settings: { model_id: 'rainbow-sprinkles' },
  task_settings: {},
};

type Json = Record<string, any>;

const notFound = (id: string) => new RequestError(404, { type: 'resource_not_found_exception', reason: `Inference endpoint not found [${id}]` });
const badRequest = (type: string, reason: string) => new RequestError(400, { type, reason });
const words = (text: string) => text.split(/\s+/).filter(Boolean);

function parseBody(raw: string): Json {
  if (raw.trim() === '') throw badRequest('parse_exception', 'request body is required');
  try {
    return JSON.parse(raw) as Json;
  } catch (err) {
    throw badRequest('x_content_parse_exception', `[1:1] ${(err as Error).message}`);
  }
}

/** Without the secret settings, as Elasticsearch shows an endpoint. */
function shown(endpoint: StoredEndpoint): StoredEndpoint {
  const settings = Object.fromEntries(Object.entries(endpoint.service_settings).filter(([key]) => !SECRET_SETTINGS.includes(key)));
  return { ...endpoint, service_settings: settings };
}

/** A deterministic unit vector of a text (8 dimensions). */
function embedding(text: string): number[] {
  const digest = createHash('sha256').update(text).digest();
  const raw = [...digest.subarray(0, 8)].map((b) => b / 255 - 0.5);
  const norm = Math.hypot(...raw) || 1;
  return raw.map((v) => Number((v / norm).toFixed(6)));
}

const inputs = (input: unknown): string[] => (Array.isArray(input) ? input.map(String) : input === undefined ? [] : [String(input)]);

const sseEvent = (data: string, event = 'message') => `event: ${event}\ndata: ${data}\n\n`;

/** The unified chat completion error Elasticsearch streams when the provider rate-limits it mid-answer. */
const rateLimitedStream = () => ({
  error: {
    code: 'too_many_requests',
    message: 'Received a rate limit status code for request from inference entity id [stream] status [429]. Error message: [Rate limit reached for requests]',
    type: 'status_exception',
  },
});

export function inferenceApi() {
  const endpoints = new Map<string, StoredEndpoint>([[BUILT_IN.inference_id, BUILT_IN]]);
  let failing: RequestError | undefined;
  let cutting = false;
  let streamFailure: { data: Record<string, unknown>; afterEvents: number } | undefined;
  let pacing: ReturnType<typeof pacedStream> | undefined;

  function find(id: string, taskType?: string): StoredEndpoint {
    const endpoint = endpoints.get(id);
    if (!endpoint) throw notFound(id);
    if (taskType && endpoint.task_type !== taskType) {
      throw new RequestError(400, {
        type: 'status_exception',
        reason: `Incompatible task_type, the requested type [${taskType}] does not match the model type [${endpoint.task_type}]`,
      });
    }
    return endpoint;
  }

  function checkTaskType(taskType: string): void {
    if (!TASK_TYPES.includes(taskType)) throw badRequest('illegal_argument_exception', `Unknown task_type [${taskType}]`);
  }

  function put(taskType: string, id: string, body: Json): StoredEndpoint {
    checkTaskType(taskType);
    if (endpoints.has(id)) throw badRequest('resource_already_exists_exception', `Inference endpoint [${id}] already exists`);
    const service = String(body.service ?? '');
    if (!SERVICES.includes(service)) throw badRequest('status_exception', `Unknown service [${service}] for model [${id}]. `);
    const settings: Json = body.service_settings ?? {};
    const missing = (REQUIRED_SETTINGS[service] ?? []).filter((key) => settings[key] === undefined);
    if (missing.length > 0) {
      const lines = missing.map((key, i) => `${i + 1}: [service_settings] does not contain the required setting [${key}];`).join('');
      throw badRequest('validation_exception', `Validation Failed: ${lines}`);
    }
    const endpoint = { inference_id: id, task_type: taskType, service, service_settings: settings, task_settings: body.task_settings ?? {} };
    endpoints.set(id, endpoint);
    return shown(endpoint);
  }

  function takeFailure(): void {
    const failure = failing;
    failing = undefined;
    if (failure) throw failure;
  }

  function infer(endpoint: StoredEndpoint, body: Json): Json {
    const texts = inputs(body.input);
    if (texts.length === 0) throw badRequest('action_request_validation_exception', 'Validation Failed: 1: Field [input] cannot be empty;');
    switch (endpoint.task_type) {
      case 'completion':
        return { completion: texts.map((text) => ({ result: `You said: ${text}` })) };
      case 'rerank': {
        if (typeof body.query !== 'string') throw badRequest('action_request_validation_exception', 'Validation Failed: 1: Field [query] cannot be null for task type [rerank];');
        const query = new Set(words(body.query.toLowerCase()));
        const scored = texts.map((text, index) => {
          const terms = words(text.toLowerCase());
          return { index, relevance_score: terms.length ? terms.filter((t) => query.has(t)).length / terms.length : 0, text };
        });
        return { rerank: scored.sort((a, b) => b.relevance_score - a.relevance_score) };
      }
      case 'text_embedding':
        return { text_embedding: texts.map((text) => ({ embedding: embedding(text) })) };
      case 'sparse_embedding':
        return {
          sparse_embedding: texts.map((text) => ({
            is_truncated: false,
            embedding: Object.fromEntries(words(text.toLowerCase()).map((word) => [word, Number((embedding(word)[0] + 1).toFixed(6))])),
          })),
        };
      default:
        throw badRequest('status_exception', `Inference endpoint [${endpoint.inference_id}] does not support task type [${endpoint.task_type}] on this path`);
    }
  }

  /** The chunks of a chat answer: the reply word by word (or a tool call in two halves), then the usage. */
  function chatChunks(endpoint: StoredEndpoint, body: Json): Json[] {
    const messages: Json[] = Array.isArray(body.messages) ? body.messages : [];
    if (messages.length === 0) throw badRequest('action_request_validation_exception', 'Validation Failed: 1: Field [messages] cannot be an empty array;');
    const lastUser = [...messages].reverse().find((m) => m.role === 'user');
    const said = typeof lastUser?.content === 'string' ? lastUser.content : '';
    const base = { id: `chatcmpl-${randomBytes(8).toString('hex')}`, model: String(body.model ?? endpoint.service_settings.model_id ?? endpoint.service), object: 'chat.completion.chunk' };
    const tool = Array.isArray(body.tools) ? body.tools[0] : undefined;
    const deltas: Json[] = tool
      ? [
          { role: 'assistant', tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: tool.function?.name, arguments: '{"query":' } }] },
          { tool_calls: [{ index: 0, function: { arguments: JSON.stringify(said) + '}' } }] },
        ]
      : words(`You said: ${said}`).map((word, i) => ({ ...(i === 0 ? { role: 'assistant' } : {}), content: i === 0 ? word : ` ${word}` }));
    // A word a token: an answer longer than max_tokens stops there, as the model's does.
    const limited = typeof body.max_tokens === 'number' && body.max_tokens < deltas.length;
    if (limited) deltas.splice(body.max_tokens);
    const chunks: Json[] = deltas.map((delta) => ({ ...base, choices: [{ index: 0, delta }] }));
    chunks.push({ ...base, choices: [{ index: 0, delta: {}, finish_reason: limited ? 'length' : tool ? 'tool_calls' : 'stop' }] });
    const prompt = messages.reduce((n, m) => n + words(typeof m.content === 'string' ? m.content : '').length, 0);
    chunks.push({ ...base, choices: [], usage: { completion_tokens: deltas.length, prompt_tokens: prompt, total_tokens: prompt + deltas.length } });
    return chunks;
  }

  function stream(res: ServerResponse, endpoint: StoredEndpoint, body: Json): void {
    const [cut, paced, failure] = [cutting, pacing, streamFailure];
    cutting = false;
    pacing = undefined;
    streamFailure = undefined;
    const chunks = chatChunks(endpoint, body).map((chunk) => sseEvent(JSON.stringify(chunk)));
    // A failure once streaming has begun: Elasticsearch's error event is the last one, no [DONE].
    const events = failure ? [...chunks.slice(0, failure.afterEvents), sseEvent(JSON.stringify(failure.data), 'error')] : [...chunks, sseEvent('[DONE]')];
    res.writeHead(200, { ...PRODUCT_HEADER, 'content-type': 'text/event-stream' });
    if (paced) return paced.send(res, events);
    if (cut) {
      for (const event of events.slice(0, Math.ceil(events.length / 2))) res.write(event);
      // The bytes written go out before the socket is cut.
      res.socket?.end(() => res.destroy());
      return;
    }
    for (const event of events) res.write(event);
    res.end();
  }

  /** Answers a request under `_inference`; false for any other path. */
  function handle(method: string, segments: string[], raw: string, res: ServerResponse): boolean {
    if (segments[0] !== '_inference') return false;
    const path = segments.slice(1);
    const streaming = path.at(-1) === '_stream';
    const [first, second] = streaming ? path.slice(0, -1) : path;
    // `_inference/{id}` or `_inference/{task_type}/{id}`.
    const [taskType, id] = second === undefined ? [undefined, first] : [first, second];
    if (method === 'GET') {
      if (id === undefined || id === '_all') return send(res, 200, { endpoints: [...endpoints.values()].filter((e) => !taskType || e.task_type === taskType).map(shown) }), true;
      if (taskType) checkTaskType(taskType);
      return send(res, 200, { endpoints: [shown(find(id, taskType))] }), true;
    }
    if (id === undefined) throw badRequest('illegal_argument_exception', `no handler found for uri [/_inference] and method [${method}]`);
    if (method === 'PUT' && taskType && !streaming) return send(res, 200, put(taskType, id, parseBody(raw))), true;
    if (method === 'DELETE' && !streaming) {
      find(id, taskType);
      endpoints.delete(id);
      return send(res, 200, { acknowledged: true, pipelines: [] }), true;
    }
    if (method === 'POST') {
      const endpoint = find(id, taskType);
      takeFailure();
      if (streaming) {
        if (endpoint.task_type !== 'chat_completion') throw badRequest('status_exception', `Streaming is not allowed for service [${endpoint.service}] and task [${endpoint.task_type}]`);
        return stream(res, endpoint, parseBody(raw)), true;
      }
      return send(res, 200, infer(endpoint, parseBody(raw))), true;
    }
    throw new RequestError(405, { type: 'illegal_argument_exception', reason: `Incorrect HTTP method for uri [/${segments.join('/')}] and method [${method}]` });
  }

  const simulator: InferenceSimulator = {
    inferenceEndpoints: () => [...endpoints.values()].map((e) => structuredClone(e)),
    failNextInference: (status, error, headers) => void (failing = new RequestError(status, error, headers)),
    cutNextInferenceStream: () => void (cutting = true),
    failNextInferenceStream: (data = rateLimitedStream(), afterEvents = 2) => void (streamFailure = { data, afterEvents }),
    paceNextInferenceStream: () => (pacing = pacedStream()),
  };
  return { handle, simulator };
}
