import { ANTHROPIC_VERSION, DEFAULT_TOKEN_LIMIT, type InvokeParams, type InvokeRawParams } from './schema.js';

// The Anthropic Messages bodies Kibana builds for invokeAI, invokeStream and invokeAIRaw
// (reference §2.4). Keys left undefined are dropped when the body is serialised.

type Message = { role: string; content: unknown };

/**
 * Bedrock takes only `user` and `assistant` turns, alternating: system messages join the system
 * prompt (after the `system` param), `assistant` and `ai` are the assistant, every other role the
 * user; two text turns in a row of the same role become one; rawContent is sent as the content.
 */
export function ensureMessageFormat(messages: InvokeParams['messages'], systemPrompt?: string): { messages: Message[]; system?: string } {
  const system: string[] = systemPrompt ? [systemPrompt] : [];
  const turns: Message[] = [];
  for (const m of messages) {
    if (m.role === 'system') {
      system.push(m.content ?? '');
      continue;
    }
    const role = m.role === 'assistant' || m.role === 'ai' ? 'assistant' : 'user';
    const last = turns[turns.length - 1];
    const content = m.rawContent ?? m.content;
    if (last && last.role === role && typeof last.content === 'string' && typeof content === 'string') last.content = `${last.content}\n${content}`;
    else turns.push({ role, content });
  }
  return system.length > 0 ? { messages: turns, system: system.join('\n') } : { messages: turns };
}

/** invokeAI's body (invokeStream's without `maxTokens`, so always the default limit). */
export function formatBedrockBody(params: InvokeParams, useMaxTokens: boolean) {
  return {
    anthropic_version: params.anthropicVersion ?? ANTHROPIC_VERSION,
    ...ensureMessageFormat(params.messages, params.system),
    max_tokens: (useMaxTokens ? params.maxTokens : undefined) ?? DEFAULT_TOKEN_LIMIT,
    stop_sequences: params.stopSequences,
    temperature: params.temperature ?? 0,
    tools: params.tools,
    tool_choice: params.toolChoice,
  };
}

/** invokeAIRaw's body: the messages as given. */
export function formatRawBody(params: InvokeRawParams) {
  return {
    messages: params.messages,
    stop_sequences: params.stopSequences,
    system: params.system,
    temperature: params.temperature,
    max_tokens: params.maxTokens ?? DEFAULT_TOKEN_LIMIT,
    tools: params.tools,
    tool_choice: params.toolChoice,
    anthropic_version: params.anthropicVersion ?? ANTHROPIC_VERSION,
  };
}
