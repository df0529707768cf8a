import type { TlsOverrides } from '../../net/network_policy.js';
import { OPENAI_CHAT_URL, OPENAI_LEGACY_COMPLETION_URL, PROVIDER, type GenAiConfig, type GenAiSecrets } from './schema.js';

// What each provider is sent (reference §1.4): the same OpenAI chat completions body, with the
// provider's authentication, and the stream flag and default model set where it expects them.

type Body = Record<string, unknown>;

/** Azure's deployment paths whose body takes a stream flag. */
const AZURE_STREAMABLE_PATH = /\/openai\/deployments\/[^/]+\/(chat\/completions|completions|extensions\/chat\/completions)$/;

/** The connector's headers: its own over `config.headers`. */
export function providerHeaders(config: GenAiConfig, secrets: GenAiSecrets): Record<string, string> {
  const headers: Record<string, string> = { ...config.headers };
  if (config.apiProvider === PROVIDER.AzureAi) headers['api-key'] = secrets.apiKey ?? '';
  // Under PKI an Other server may take no key: the header is then `Bearer ` (as Kibana sends it).
  else headers.Authorization = `Bearer ${secrets.apiKey ?? ''}`;
  if (config.apiProvider === PROVIDER.OpenAi) {
    if (config.organizationId !== undefined) headers['OpenAI-Organization'] = config.organizationId;
    if (config.projectId !== undefined) headers['OpenAI-Project'] = config.projectId;
  }
  return headers;
}

/** The JSON object in `body`; undefined when it is not one. */
export function parseObject(body: string): Body | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Body) : undefined;
  } catch {
    return undefined;
  }
}

function setStream(body: Body, stream: boolean, includeUsage: boolean): void {
  body.stream = stream;
  if (stream && includeUsage) body.stream_options = { ...(body.stream_options as Body | undefined), include_usage: true };
}

/**
 * The body as the provider is sent it: the model filled in from the default, the stream flag
 * set (OpenAI: only on its own two URLs; Azure: only on a deployment's completion paths; Other:
 * always), with usage asked for in a stream where OpenAI or Azure take that, and OpenAI's
 * tool options dropped when there is nothing for them to apply to. A body that is not a JSON
 * object is sent as it is.
 */
export function sanitizeBody(config: GenAiConfig, text: string, stream: boolean): string {
  const body = parseObject(text);
  if (!body) return text;
  switch (config.apiProvider) {
    case PROVIDER.OpenAi: {
      body.model = body.model || config.defaultModel;
      if (config.apiUrl === OPENAI_CHAT_URL || config.apiUrl === OPENAI_LEGACY_COMPLETION_URL) setStream(body, stream, true);
      if (!Array.isArray(body.tools) || body.tools.length === 0) {
        delete body.tool_choice;
        delete body.parallel_tool_calls;
      }
      if (!Array.isArray(body.functions) || body.functions.length === 0) delete body.function_call;
      break;
    }
    case PROVIDER.AzureAi: {
      if (body.model === undefined && config.defaultModel) body.model = config.defaultModel;
      if (AZURE_STREAMABLE_PATH.test(new URL(config.apiUrl).pathname)) setStream(body, stream, true);
      break;
    }
    case PROVIDER.Other: {
      if (body.model === undefined) body.model = config.defaultModel;
      setStream(body, stream, false);
      break;
    }
  }
  return JSON.stringify(body);
}

/**
 * Where the OpenAI SDK would post a chat completion for this connector (Kibana's
 * invokeAsyncIterator): `<base>/chat/completions`, the base being the URL without that suffix;
 * for Azure the deployment URL with only its api-version in the query.
 */
export function sdkChatUrl(config: GenAiConfig): string {
  if (config.apiProvider === PROVIDER.AzureAi) {
    const url = new URL(config.apiUrl);
    const apiVersion = url.searchParams.get('api-version');
    url.search = '';
    if (apiVersion !== null) url.searchParams.set('api-version', apiVersion);
    return url.toString();
  }
  return `${config.apiUrl.replace(/\/chat\/completions\/?$/, '')}/chat/completions`;
}

/** A PEM text with its base64 wrapped at 64 columns, whatever the line breaks it was pasted with. */
export function reflowPem(pem: string): string {
  return pem.replace(/(-----BEGIN [^-]+-----)([\s\S]*?)(-----END [^-]+-----)/g, (_m, begin: string, body: string, end: string) => {
    const lines = body.replace(/\s+/g, '').match(/.{1,64}/g) ?? [];
    return [begin, ...lines, end].join('\n');
  });
}

const decode = (data: string) => reflowPem(Buffer.from(data, 'base64').toString('utf8'));

/** Other with a client certificate: the PEMs (stored base64-encoded) and the verification mode. */
export function providerTls(config: GenAiConfig, secrets: GenAiSecrets): TlsOverrides | undefined {
  if (config.apiProvider !== PROVIDER.Other || !secrets.certificateData || !secrets.privateKeyData) return undefined;
  return {
    verificationMode: config.verificationMode,
    cert: Buffer.from(decode(secrets.certificateData)),
    key: Buffer.from(decode(secrets.privateKeyData)),
    ...(secrets.caData ? { ca: decode(secrets.caData) } : {}),
  };
}

/**
 * Kibana's secrets validator: with a client certificate or key, both (base64 of their PEM
 * files, a CA optional); otherwise an API key.
 */
export function validateGenAiSecrets(secrets: GenAiSecrets): void {
  const pki = secrets.certificateData !== undefined || secrets.privateKeyData !== undefined;
  if (!pki) {
    if (secrets.apiKey === undefined) throw new Error('[apiKey]: expected value of type [string] but got [undefined]');
    return;
  }
  if (!secrets.certificateData || !secrets.privateKeyData) throw new Error('PKI authentication needs both certificateData and privateKeyData');
  const holds = (data: string, marker: RegExp) => marker.test(Buffer.from(data, 'base64').toString('utf8'));
  if (!holds(secrets.certificateData, /-----BEGIN CERTIFICATE-----/)) throw new Error('certificateData must be a base64-encoded PEM certificate');
  if (!holds(secrets.privateKeyData, /-----BEGIN (RSA |EC )?PRIVATE KEY-----/)) throw new Error('privateKeyData must be a base64-encoded PEM private key');
  if (secrets.caData && !holds(secrets.caData, /-----BEGIN CERTIFICATE-----/)) throw new Error('caData must be a base64-encoded PEM certificate');
}
