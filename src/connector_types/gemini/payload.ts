import type { InvokeParams } from './schema.js';

// The generateContent body Kibana's invoke sub-actions build (reference §3.4, formatGeminiPayload).

interface Content {
  role: string;
  parts: Array<Record<string, unknown>>;
}

export interface GeminiPayload {
  contents: Content[];
  generation_config: { temperature: number; maxOutputTokens?: number };
  system_instruction?: { parts: Array<{ text: string }> };
  tool_config?: { function_calling_config: { mode: string; allowed_function_names?: string[] } };
  safety_settings: Array<{ category: string; threshold: string }>;
  tools?: unknown[];
}

type Message = { role?: unknown; content?: unknown; parts?: unknown };

/**
 * `assistant` turns become `model`, every other role `user`; a message that already has parts
 * is sent as it is; consecutive user messages are joined into one (Gemini wants turns to
 * alternate). Dangerous-content blocking is lowered to high-probability content only, as
 * Kibana sets it (alerts talk about attacks).
 */
export function geminiPayload({ maxOutputTokens, messages, systemInstruction, temperature, toolConfig }: InvokeParams, withToolConfig: boolean): GeminiPayload {
  const payload: GeminiPayload = {
    contents: [],
    generation_config: { temperature: temperature ?? 0, ...(maxOutputTokens === undefined ? {} : { maxOutputTokens }) },
    ...(systemInstruction ? { system_instruction: { parts: [{ text: systemInstruction }] } } : {}),
    ...(withToolConfig && toolConfig
      ? { tool_config: { function_calling_config: { mode: toolConfig.mode, ...(toolConfig.allowedFunctionNames ? { allowed_function_names: toolConfig.allowedFunctionNames } : {}) } } }
      : {}),
    safety_settings: [{ category: 'HARM_CATEGORY_DANGEROUS_CONTENT', threshold: 'BLOCK_ONLY_HIGH' }],
  };
  let previousRole: string | undefined;
  for (const message of (Array.isArray(messages) ? messages : []) as Message[]) {
    const role = message.role === 'assistant' ? 'model' : 'user';
    const previous = payload.contents[payload.contents.length - 1];
    if (message.parts) payload.contents.push(message as Content);
    else if (role === 'user' && previousRole === 'user' && previous?.parts[0]) previous.parts[0].text = `${String(previous.parts[0].text)} ${String(message.content)}`;
    else payload.contents.push({ role, parts: [{ text: message.content }] });
    previousRole = role;
  }
  return payload;
}
