import { z } from 'zod';
import { signalParam as signal } from '../lib/signal_param.js';
import { telemetryMetadata, timeout } from '../openai/schema.js';

export const CONNECTOR_ID = '.bedrock';
export const CONNECTOR_NAME = 'Amazon Bedrock';

/** Kibana's newest defaults (kbn-connector-schemas bedrock constants). */
export const DEFAULT_URL = 'https://bedrock-runtime.us-east-1.amazonaws.com';
export const DEFAULT_MODEL = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
export const DEFAULT_REGION = 'us-east-1';
export const DEFAULT_TIMEOUT_MS = 200_000;
export const DEFAULT_TOKEN_LIMIT = 8191;
export const ANTHROPIC_VERSION = 'bedrock-2023-05-31';

export const SUB_ACTION = {
  Run: 'run',
  Test: 'test',
  InvokeAI: 'invokeAI',
  InvokeStream: 'invokeStream',
  InvokeAIRaw: 'invokeAIRaw',
  Converse: 'converse',
  ConverseStream: 'converseStream',
  Dashboard: 'getDashboard',
} as const;

export const configSchema = z.strictObject({
  apiUrl: z.string().meta({ label: 'URL', help: 'The Bedrock runtime endpoint, such as https://bedrock-runtime.us-east-1.amazonaws.com.' }),
  region: z.string().optional().meta({ label: 'Region', help: "The AWS region requests are signed for; read from the URL's host when left out, else us-east-1." }),
  defaultModel: z.string().default(DEFAULT_MODEL).meta({ label: 'Default model', help: 'The model id, inference profile or ARN used when a request names none.' }),
  contextWindowLength: z.coerce.number().optional().meta({ label: 'Context window length', help: "The model's context window, in tokens, for callers that plan their prompts." }),
  temperature: z.coerce.number().optional().meta({ label: 'Temperature', help: 'A default temperature for callers; requests are sent as given.' }),
});

export const secretsSchema = z.strictObject({
  accessKey: z.string().meta({ label: 'Access key', help: 'The AWS access key id requests are signed with (SigV4).', secret: true }),
  secret: z.string().meta({ label: 'Secret', help: 'The AWS secret access key.', secret: true }),
});

const model = z.string().optional().meta({ label: 'Model', help: "The connector's default model when left out." });

export const runParamsSchema = z.strictObject({
  body: z.string().meta({ label: 'Body', help: 'The InvokeModel request, as JSON text (an Anthropic Messages body, or a legacy prompt one); templates are JSON-escaped.' }),
  model,
  signal,
  timeout,
  raw: z.boolean().optional().meta({ label: 'Raw', help: "Answer the model's JSON as it is." }),
  telemetryMetadata,
});

const tools = z
  .array(z.strictObject({ name: z.string(), description: z.string(), input_schema: z.record(z.string(), z.unknown()) }))
  .optional()
  .meta({ label: 'Tools', help: 'Tools the model may call: [{name, description, input_schema}].' });
const toolChoice = z
  .strictObject({ type: z.enum(['auto', 'any', 'tool']), name: z.string().optional() })
  .optional()
  .meta({ label: 'Tool choice' });
const common = {
  model,
  temperature: z.number().optional().meta({ label: 'Temperature', help: '0 when left out.' }),
  stopSequences: z.array(z.string()).optional().meta({ label: 'Stop sequences' }),
  system: z.string().optional().meta({ label: 'System prompt' }),
  maxTokens: z.number().optional().meta({ label: 'Max tokens', help: `${DEFAULT_TOKEN_LIMIT} when left out.` }),
  signal,
  timeout,
  anthropicVersion: z.string().optional().meta({ label: 'Anthropic version', help: `${ANTHROPIC_VERSION} when left out.` }),
  tools,
  toolChoice,
  telemetryMetadata,
};

const invokeMessage = z
  .strictObject({ role: z.string(), content: z.string().optional(), rawContent: z.array(z.unknown()).optional() })
  .refine((m) => (m.content === undefined) !== (m.rawContent === undefined), { message: 'Must have either content or rawContent' });

export const invokeParamsSchema = z.strictObject({
  messages: z.array(invokeMessage).meta({ label: 'Messages', help: 'The conversation: [{role, content}] (or rawContent: Anthropic content blocks); system messages become the system prompt.' }),
  ...common,
});

export const invokeRawParamsSchema = z.strictObject({
  messages: z.array(z.strictObject({ role: z.string(), content: z.unknown() })).meta({ label: 'Messages', help: 'Anthropic Messages, sent as they are.' }),
  ...common,
});

/** Kibana's converse params let unknown keys through; only the ones below are sent. */
export const converseParamsSchema = z.looseObject({
  messages: z.array(z.unknown()).meta({ label: 'Messages', help: 'Converse messages: [{role, content: [{text}]}].' }),
  model,
  system: z.array(z.unknown()).optional().meta({ label: 'System', help: 'Converse system blocks: [{text}].' }),
  temperature: z.number().optional().meta({ label: 'Temperature' }),
  maxTokens: z.number().optional().meta({ label: 'Max tokens' }),
  stopSequences: z.array(z.string()).optional().meta({ label: 'Stop sequences' }),
  tools: z.array(z.unknown()).optional().meta({ label: 'Tools', help: 'Converse tool specs: [{toolSpec: {name, description, inputSchema: {json}}}].' }),
  toolChoice: z.unknown().optional().meta({ label: 'Tool choice' }),
  signal,
  timeout,
  maxContentLength: z.number().optional().meta({ label: 'Max content length', help: 'Accepted as Kibana accepts it; the answer is held to the maximum response length of the actions settings.' }),
  telemetryMetadata,
});

const anthropicUsage = z.looseObject({ input_tokens: z.number().optional(), output_tokens: z.number().optional() });

/** A legacy (Claude 2 text completions) answer: returned as it is. */
export const legacyResponseSchema = z.looseObject({ completion: z.string(), stop_reason: z.string().nullable().optional(), usage: anthropicUsage.optional() });

/** A Messages API answer: its text blocks become `completion`. */
export const messagesResponseSchema = z.looseObject({
  content: z.array(z.looseObject({ type: z.string(), text: z.string().optional() })),
  stop_reason: z.string().nullable().optional(),
  usage: anthropicUsage.optional(),
});

export const converseResponseSchema = z.looseObject({
  output: z.looseObject({ message: z.unknown().optional() }),
  stopReason: z.string().optional(),
  usage: z.looseObject({ inputTokens: z.number().optional(), outputTokens: z.number().optional(), totalTokens: z.number().optional() }).optional(),
});

export type BedrockConfig = z.output<typeof configSchema>;
export type BedrockSecrets = z.output<typeof secretsSchema>;
export type RunParams = z.output<typeof runParamsSchema>;
export type InvokeParams = z.output<typeof invokeParamsSchema>;
export type InvokeRawParams = z.output<typeof invokeRawParamsSchema>;
export type ConverseParams = z.output<typeof converseParamsSchema>;
