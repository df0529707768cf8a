import { z } from 'zod';
import { signalParam as signal } from '../lib/signal_param.js';

export const CONNECTOR_ID = '.inference';
export const CONNECTOR_NAME = 'AI Connector';

export const SUB_ACTION = {
  UnifiedCompletion: 'unified_completion',
  UnifiedCompletionStream: 'unified_completion_stream',
  UnifiedCompletionAsyncIterator: 'unified_completion_async_iterator',
  Completion: 'completion',
  Rerank: 'rerank',
  TextEmbedding: 'text_embedding',
  SparseEmbedding: 'sparse_embedding',
} as const;

/** Kibana's ServiceProviderKeys: the `service` values Elasticsearch's inference API is asked for. */
export const PROVIDERS = [
  'amazonbedrock',
  'azureopenai',
  'azureaistudio',
  'cohere',
  'elasticsearch',
  'googleaistudio',
  'googlevertexai',
  'hugging_face',
  'mistral',
  'openai',
  'anthropic',
  'watsonxai',
  'alibabacloud-ai-search',
  'elastic',
] as const;

/** The task types a connector may be of: chat_completion, and those with a sub-action of their own name. */
export const TASK_TYPES = ['chat_completion', 'completion', 'rerank', 'text_embedding', 'sparse_embedding'] as const;

/** The Elasticsearch task of each sub-action (Kibana's TASK_TYPE_BY_SUB_ACTION). */
export const TASK_OF_SUB_ACTION: Record<string, string> = {
  [SUB_ACTION.UnifiedCompletion]: 'chat_completion',
  [SUB_ACTION.UnifiedCompletionStream]: 'chat_completion',
  [SUB_ACTION.UnifiedCompletionAsyncIterator]: 'chat_completion',
  [SUB_ACTION.Completion]: 'completion',
  [SUB_ACTION.Rerank]: 'rerank',
  [SUB_ACTION.TextEmbedding]: 'text_embedding',
  [SUB_ACTION.SparseEmbedding]: 'sparse_embedding',
};

/** Settings given with dotted keys (`rate_limit.requests_per_minute`) are sent nested. */
const settings = z.looseObject({});

export const configSchema = z.strictObject({
  // A string checked by the validator (Kibana's message), its values listed for forms (`examples`).
  provider: z.string().meta({ label: 'Provider', help: "The inference service Elasticsearch calls (Kibana's provider keys).", examples: [...PROVIDERS] }),
  taskType: z.string().meta({ label: 'Task type', help: 'What the endpoint does.', examples: [...TASK_TYPES] }),
  inferenceId: z.string().meta({ label: 'Inference endpoint ID', help: 'The id of the Elasticsearch inference endpoint that saving the connector creates.' }),
  providerConfig: settings.default({}).meta({ label: 'Provider settings', help: "The service's settings (service_settings), e.g. model_id and url." }),
  taskTypeConfig: settings.default({}).optional().meta({ label: 'Task settings', help: 'The task_settings of the endpoint.' }),
  contextWindowLength: z.coerce.number().optional().meta({ label: 'Context window length', help: "The model's context window, in tokens, for callers that plan their prompts." }),
  headers: z.record(z.string(), z.string()).optional().meta({ label: 'Headers', help: 'Accepted as Kibana accepts them.' }),
  temperature: z.coerce.number().optional().meta({ label: 'Temperature', help: 'A default temperature for callers; requests are sent as given.' }),
});

export const secretsSchema = z.strictObject({
  providerSecrets: settings.default({}).meta({
    label: 'Provider secrets',
    help: "The service's secret settings (e.g. api_key), sent within service_settings when the endpoint is created.",
    secret: true,
  }),
});

const telemetryMetadata = z
  .strictObject({ pluginId: z.string().optional(), aggregateBy: z.string().optional() })
  .optional()
  .meta({ label: 'Telemetry metadata', help: 'pluginId names the use case to Elasticsearch (X-Elastic-Product-Use-Case).' });

const toolCall = z.strictObject({
  id: z.string(),
  function: z.strictObject({ arguments: z.string().optional(), name: z.string().optional() }),
  type: z.string(),
});
const message = z.strictObject({
  role: z.string(),
  content: z.string().nullable().optional(),
  name: z.string().optional(),
  tool_calls: z.array(toolCall).optional(),
  tool_call_id: z.string().optional(),
});
const chatBody = z.strictObject({
  messages: z.array(message).default([]),
  model: z.string().optional(),
  max_tokens: z.number().optional(),
  metadata: z.record(z.string(), z.string()).optional(),
  n: z.number().optional(),
  stop: z.array(z.string()).nullable().optional(),
  temperature: z.number().optional(),
  tool_choice: z.union([z.string(), z.strictObject({ type: z.string(), function: z.strictObject({ name: z.string() }) })]).optional(),
  tools: z
    .array(z.strictObject({ type: z.string(), function: z.strictObject({ name: z.string(), description: z.string().optional(), parameters: z.record(z.string(), z.unknown()).optional() }) }))
    .optional(),
  top_p: z.number().optional(),
  user: z.string().optional(),
});

export const chatParamsSchema = z.strictObject({
  body: chatBody.meta({ label: 'Body', help: 'An OpenAI-style chat completion request: messages, and optionally model, tools, temperature…' }),
  signal,
  telemetryMetadata,
});
export const completionParamsSchema = z.strictObject({ input: z.string().meta({ label: 'Input', help: 'The text to complete.' }) });
export const rerankParamsSchema = z.strictObject({
  input: z.array(z.string()).default([]).meta({ label: 'Input', help: 'The texts to rank.' }),
  query: z.string().meta({ label: 'Query', help: 'What the texts are ranked against.' }),
});
export const textEmbeddingParamsSchema = z.strictObject({
  input: z.string().meta({ label: 'Input', help: 'The text to embed.' }),
  inputType: z.string().meta({ label: 'Input type', help: 'Sent as task_settings.input_type (e.g. ingest or search).' }),
});
export const sparseEmbeddingParamsSchema = z.strictObject({ input: z.string().meta({ label: 'Input', help: 'The text to embed.' }) });

export type InferenceConfig = z.output<typeof configSchema>;
export type InferenceSecrets = z.output<typeof secretsSchema>;
export type ChatParams = z.output<typeof chatParamsSchema>;
