import { z } from 'zod';
import { signalParam as signal } from '../lib/signal_param.js';

export const CONNECTOR_ID = '.gemini';
export const CONNECTOR_NAME = 'Google Gemini';

// Kibana's constants (kbn-connector-schemas gemini).
export const DEFAULT_URL = 'https://us-central1-aiplatform.googleapis.com';
export const DEFAULT_GCP_REGION = 'us-central1';
export const DEFAULT_MODEL = 'gemini-2.5-pro';
export const DEFAULT_TIMEOUT_MS = 180_000;
/** Where a service account's JWT bearer grant goes when its credentials name no `token_uri`. */
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

export const SUB_ACTION = {
  Run: 'run',
  Test: 'test',
  InvokeAI: 'invokeAI',
  InvokeAIRaw: 'invokeAIRaw',
  InvokeStream: 'invokeStream',
  Dashboard: 'getDashboard',
} as const;

export const configSchema = z.strictObject({
  apiUrl: z.string().meta({ label: 'URL', help: `Vertex AI's regional endpoint, e.g. ${DEFAULT_URL}.` }),
  defaultModel: z.string().default(DEFAULT_MODEL).meta({ label: 'Default model', help: 'Used when a request names no model.' }),
  gcpRegion: z.string().meta({ label: 'GCP region', help: `The region of the model's endpoint, e.g. ${DEFAULT_GCP_REGION}.` }),
  gcpProjectID: z.string().meta({ label: 'GCP project ID', help: 'The Google Cloud project Vertex AI is enabled in.' }),
  contextWindowLength: z.coerce.number().optional().meta({ label: 'Context window length', help: "The model's context window, in tokens, for callers that plan their prompts." }),
  temperature: z.coerce.number().optional().meta({ label: 'Temperature', help: 'A default temperature for callers; requests are sent as given.' }),
});

export const secretsSchema = z.strictObject({
  credentialsJson: z.string().meta({
    label: 'Credentials JSON',
    help: "A service account's key file (JSON), its private key used to get access tokens from its token_uri.",
    secret: true,
  }),
});

const timeout = z.coerce.number().optional().meta({ label: 'Timeout', help: 'In milliseconds.' });
const model = z.string().optional().meta({ label: 'Model', help: "The connector's default model when left out." });
const temperature = z.coerce.number().optional().meta({ label: 'Temperature' });
const stopSequences = z.array(z.string()).optional().meta({ label: 'Stop sequences', help: 'Accepted as Kibana accepts them; not sent.' });
const telemetryMetadata = z
  .strictObject({ pluginId: z.string().optional(), aggregateBy: z.string().optional() })
  .optional()
  .meta({ label: 'Telemetry metadata', help: 'Accepted as Kibana accepts it; Plugboard sends no telemetry.' });

export const runParamsSchema = z.strictObject({
  body: z.any().meta({ label: 'Body', help: 'A generateContent request, as JSON text; templates are JSON-escaped.' }),
  model,
  signal,
  timeout,
  temperature,
  stopSequences,
  raw: z.boolean().optional().meta({ label: 'Raw', help: "Answer Vertex AI's response as it is, instead of its first text and usage." }),
  telemetryMetadata,
});

export const invokeParamsSchema = z.strictObject({
  maxOutputTokens: z.coerce.number().optional().meta({ label: 'Maximum output tokens' }),
  messages: z.any().meta({ label: 'Messages', help: 'The conversation: [{role, content}, …]; a message with parts is sent as it is.' }),
  systemInstruction: z.string().optional().meta({ label: 'System instruction' }),
  model,
  temperature,
  stopSequences,
  signal,
  timeout,
  tools: z.array(z.any()).optional().meta({ label: 'Tools', help: 'Function declarations (invokeAIRaw and invokeStream send them).' }),
  toolConfig: z
    .strictObject({ mode: z.enum(['AUTO', 'ANY', 'NONE']), allowedFunctionNames: z.array(z.string()).optional() })
    .optional()
    .meta({ label: 'Tool config', help: 'How the model may call functions.' }),
  telemetryMetadata,
});


const usageMetadata = z.object({ promptTokenCount: z.coerce.number(), candidatesTokenCount: z.coerce.number(), totalTokenCount: z.coerce.number() });

/** What run and test must get back unless raw (Kibana's RunApiResponseSchema, which keeps only these fields). */
export const runResponseSchema = z.object({ candidates: z.any().optional(), usageMetadata, promptFeedback: z.any().optional() });

export type GeminiConfig = z.output<typeof configSchema>;
export type GeminiSecrets = z.output<typeof secretsSchema>;
export type RunParams = z.output<typeof runParamsSchema>;
export type InvokeParams = z.output<typeof invokeParamsSchema>;
export type UsageMetadata = z.output<typeof usageMetadata>;
