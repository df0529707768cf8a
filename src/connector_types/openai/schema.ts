import { z } from 'zod';
import { signalParam as signal } from '../lib/signal_param.js';

export const CONNECTOR_ID = '.gen-ai';
export const CONNECTOR_NAME = 'OpenAI';

/** Kibana's newest default (kbn-connector-schemas openai constants). */
export const DEFAULT_MODEL = 'gpt-4.1';
export const DEFAULT_TIMEOUT_MS = 200_000;
/** OpenAI's own address; plugboard.serviceUrlOverrides `.gen-ai` moves the URLs at it elsewhere (simulators). */
export const OPENAI_BASE_URL = 'https://api.openai.com';
export const OPENAI_CHAT_URL = 'https://api.openai.com/v1/chat/completions';
export const OPENAI_LEGACY_COMPLETION_URL = 'https://api.openai.com/v1/completions';

export const PROVIDER = { OpenAi: 'OpenAI', AzureAi: 'Azure OpenAI', Other: 'Other' } as const;
export type Provider = (typeof PROVIDER)[keyof typeof PROVIDER];

export const SUB_ACTION = {
  Run: 'run',
  Test: 'test',
  Stream: 'stream',
  InvokeAI: 'invokeAI',
  InvokeStream: 'invokeStream',
  InvokeAsyncIterator: 'invokeAsyncIterator',
  Dashboard: 'getDashboard',
} as const;

const common = {
  apiUrl: z.string().meta({ label: 'URL', help: 'The chat completions endpoint requests are posted to.' }),
  headers: z.record(z.string(), z.string()).optional().meta({ label: 'Headers', help: 'Sent with every request, under the ones the connector sets.' }),
  contextWindowLength: z.coerce.number().optional().meta({ label: 'Context window length', help: "The model's context window, in tokens, for callers that plan their prompts." }),
  temperature: z.coerce.number().optional().meta({ label: 'Temperature', help: 'A default temperature for callers; requests are sent as given.' }),
};

const openAiConfig = z.strictObject({
  apiProvider: z.literal(PROVIDER.OpenAi),
  ...common,
  defaultModel: z.string().default(DEFAULT_MODEL).meta({ label: 'Default model', help: 'Sent when a request names no model.' }),
  organizationId: z.string().optional().meta({ label: 'Organization', help: 'Sent as OpenAI-Organization.' }),
  projectId: z.string().optional().meta({ label: 'Project', help: 'Sent as OpenAI-Project.' }),
});

const azureConfig = z.strictObject({
  apiProvider: z.literal(PROVIDER.AzureAi),
  ...common,
  defaultModel: z.string().optional().meta({ label: 'Default model', help: 'Sent when a request names no model (for API gateways in front of Azure).' }),
});

const otherConfig = z.strictObject({
  apiProvider: z.literal(PROVIDER.Other),
  ...common,
  defaultModel: z.string().meta({ label: 'Default model', help: 'Sent when a request names no model.' }),
  verificationMode: z
    .enum(['full', 'certificate', 'none'])
    .default('full')
    .meta({ label: 'Verification mode', help: "How the server's certificate is checked when a client certificate is used." }),
  enableNativeFunctionCalling: z.boolean().optional().meta({ label: 'Native function calling', help: 'Whether callers may send tools to this server.' }),
});

export const configSchema = z.discriminatedUnion('apiProvider', [openAiConfig, azureConfig, otherConfig]);

const nonEmpty = z.string().min(1);
/**
 * Kibana's union of `{apiKey}` and the PKI shape, as one object: which fields are needed
 * together is the secrets validator's (service.ts validateSecrets).
 */
export const secretsSchema = z.strictObject({
  apiKey: nonEmpty.optional().meta({ label: 'API key', help: 'Sent as a bearer token (OpenAI, Other) or as api-key (Azure).', secret: true }),
  certificateData: nonEmpty.optional().meta({ label: 'Client certificate', help: 'Other only: the PEM file, base64-encoded.', secret: true }),
  privateKeyData: nonEmpty.optional().meta({ label: 'Private key', help: 'Other only: the PEM file, base64-encoded.', secret: true }),
  caData: nonEmpty.optional().meta({ label: 'CA certificate', help: 'Other only: the PEM file, base64-encoded; trusted instead of the usual authorities.', secret: true }),
});

export const timeout = z.number().optional().meta({ label: 'Timeout', help: 'In milliseconds.' });
export const telemetryMetadata = z
  .strictObject({ pluginId: z.string().optional(), aggregateBy: z.string().optional(), useCase: z.string().optional() })
  .optional()
  .meta({ label: 'Telemetry metadata', help: 'Accepted as Kibana accepts it; Plugboard sends no telemetry.' });

export const runParamsSchema = z.strictObject({
  body: z.string().meta({ label: 'Body', help: 'The chat completion request, as JSON text; templates are JSON-escaped.' }),
  signal,
  timeout,
  telemetryMetadata,
});

export const streamParamsSchema = z.strictObject({
  body: z.string().meta({ label: 'Body', help: 'The chat completion request, as JSON text.' }),
  stream: z.boolean().default(false).meta({ label: 'Stream', help: 'Whether the answer is streamed (server-sent events).' }),
  signal,
  timeout,
  telemetryMetadata,
});

const message = z.strictObject({
  role: z.string(),
  content: z.string().nullable().optional(),
  name: z.string().optional(),
  function_call: z.strictObject({ arguments: z.string(), name: z.string() }).optional(),
  tool_calls: z.array(z.strictObject({ id: z.string(), function: z.strictObject({ arguments: z.string(), name: z.string() }), type: z.string() })).optional(),
  tool_call_id: z.string().optional(),
});

const tool = z.strictObject({
  type: z.literal('function'),
  function: z.strictObject({
    name: z.string(),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()),
    strict: z.boolean().optional(),
  }),
});

export const invokeParamsSchema = z.strictObject({
  messages: z.array(message).meta({ label: 'Messages', help: 'The conversation: [{role, content}, …].' }),
  model: z.string().optional().meta({ label: 'Model', help: "The connector's default model when left out." }),
  tools: z.array(tool).optional().meta({ label: 'Tools', help: 'Functions the model may call.' }),
  tool_choice: z
    .union([z.enum(['none', 'auto', 'required']), z.strictObject({ type: z.literal('function'), function: z.strictObject({ name: z.string() }) })])
    .optional()
    .meta({ label: 'Tool choice' }),
  functions: z.array(z.record(z.string(), z.unknown())).optional().meta({ label: 'Functions', help: 'Deprecated by OpenAI: use tools.' }),
  function_call: z.union([z.enum(['none', 'auto']), z.strictObject({ name: z.string() })]).optional().meta({ label: 'Function call', help: 'Deprecated by OpenAI.' }),
  n: z.number().optional().meta({ label: 'Choices' }),
  stop: z.union([z.string(), z.array(z.string())]).nullable().optional().meta({ label: 'Stop sequences' }),
  temperature: z.number().optional().meta({ label: 'Temperature' }),
  response_format: z.unknown().optional().meta({ label: 'Response format' }),
  signal,
  timeout,
  telemetryMetadata,
});

export const dashboardParamsSchema = z.strictObject({ dashboardId: z.string().meta({ label: 'Dashboard id' }) });

const usage = z.looseObject({ prompt_tokens: z.number(), completion_tokens: z.number(), total_tokens: z.number() });

/** What run and test must get back (Kibana's RunActionResponseSchema); the rest is passed on as it is. */
export const runResponseSchema = z.looseObject({
  id: z.string().optional(),
  object: z.string().optional(),
  created: z.number().optional(),
  model: z.string().optional(),
  usage,
  choices: z.array(
    z.looseObject({
      message: z.looseObject({ role: z.string(), content: z.string().nullable().optional() }),
      finish_reason: z.string().nullable().optional(),
      index: z.number().optional(),
    }),
  ),
});

export type GenAiConfig = z.output<typeof configSchema>;
export type GenAiSecrets = z.output<typeof secretsSchema>;
export type RunParams = z.output<typeof runParamsSchema>;
export type StreamParams = z.output<typeof streamParamsSchema>;
export type InvokeParams = z.output<typeof invokeParamsSchema>;
export type RunResponse = z.output<typeof runResponseSchema>;
