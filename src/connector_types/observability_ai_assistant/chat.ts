import type { AiConversationMessage } from '../../actions/types.js';
import type { ObsAiParams } from './schema.js';

// The chat the assistant holds for one prompt: what it tells the model, the alert context it
// hands over (Kibana seeds a fake `get_alerts_context` function result; here it is a message of
// its own in the stored conversation, and part of the user turn on the wire, which every
// provider accepts), and how each generative-AI type is asked and answers.

/** The generative-AI types the assistant can talk through, and the sub-action each is asked with. */
export const LLM_TYPES = ['.gen-ai', '.bedrock', '.gemini', '.inference'] as const;
export type LlmTypeId = (typeof LLM_TYPES)[number];
export const isLlmType = (typeId: string): typeId is LlmTypeId => (LLM_TYPES as readonly string[]).includes(typeId);

/** Alerts per status handed to the model at most: a run may have thousands; a prompt has a context window. */
export const MAX_ALERTS_IN_CONTEXT = 50;

export const ALERTS_CONTEXT_FUNCTION = 'get_alerts_context';

const SYSTEM_INSTRUCTION = [
  'You help an on-call engineer understand what an alerting rule just reported.',
  `The alerts of the rule's run are given as the result of ${ALERTS_CONTEXT_FUNCTION}: a JSON object with the rule and its new and recovered alerts.`,
  'Answer the request from those alerts; say when they do not tell. Be short and concrete; plain text, no preamble.',
  'You are running in the background: nobody can answer questions back.',
].join(' ');

const statusOf = (alert: Record<string, unknown>): unknown => {
  const kibana = alert.kibana as { alert?: { status?: unknown } } | undefined;
  return kibana?.alert?.status ?? alert['kibana.alert.status'];
};

/** The alerts a prompt is about: those whose `kibana.alert.status` it names. */
export function alertsForPrompt(alerts: ObsAiParams['alerts'], statuses: string[]): ObsAiParams['alerts'] {
  const wanted = (a: Record<string, unknown>) => statuses.includes(String(statusOf(a)));
  return { new: alerts.new.filter(wanted), recovered: alerts.recovered.filter(wanted) };
}

/** The function result Kibana fakes as get_alerts_context, in Plugboard's words: the rule and its alerts, capped. */
export function alertsContext(rule: ObsAiParams['rule'], alerts: ObsAiParams['alerts']): string {
  const capped = (list: Record<string, unknown>[]) => list.slice(0, MAX_ALERTS_IN_CONTEXT);
  const omitted = Math.max(0, alerts.new.length - MAX_ALERTS_IN_CONTEXT) + Math.max(0, alerts.recovered.length - MAX_ALERTS_IN_CONTEXT);
  return JSON.stringify({
    rule: { id: rule.id, name: rule.name, tags: rule.tags, url: rule.ruleUrl },
    new: capped(alerts.new),
    recovered: capped(alerts.recovered),
    ...(omitted > 0 ? { omitted_alerts: omitted } : {}),
  });
}

/** The conversation as stored: system, the user's prompt, the alert context, then the answer (added later). */
export function seedConversation(prompt: string, context: string): AiConversationMessage[] {
  return [
    { role: 'system', content: SYSTEM_INSTRUCTION },
    { role: 'user', content: prompt },
    { role: 'function', name: ALERTS_CONTEXT_FUNCTION, content: context },
  ];
}

/** The connector params that ask the model: its chat sub-action, the context in the user turn. */
export function chatParams(typeId: LlmTypeId, messages: AiConversationMessage[]): Record<string, unknown> {
  const system = messages.filter((m) => m.role === 'system').map((m) => m.content).join('\n\n');
  const user = messages
    .filter((m) => m.role !== 'system')
    .map((m) => (m.role === 'function' ? `Result of ${m.name}:\n${m.content}` : m.content))
    .join('\n\n');
  switch (typeId) {
    case '.gen-ai':
    case '.bedrock':
      // Bedrock's invokeAI turns a system message into its system prompt.
      return { subAction: 'invokeAI', subActionParams: { messages: [{ role: 'system', content: system }, { role: 'user', content: user }] } };
    case '.gemini':
      return { subAction: 'invokeAI', subActionParams: { systemInstruction: system, messages: [{ role: 'user', content: user }] } };
    case '.inference':
      return { subAction: 'unified_completion', subActionParams: { body: { messages: [{ role: 'system', content: system }, { role: 'user', content: user }] } } };
  }
}

/** The model's answer in a connector result's data; undefined when it has none. */
export function answerOf(typeId: LlmTypeId, data: unknown): string | undefined {
  if (typeId === '.inference') {
    const content = (data as { choices?: Array<{ message?: { content?: unknown } }> } | undefined)?.choices?.[0]?.message?.content;
    return typeof content === 'string' ? content : undefined;
  }
  const message = (data as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? message : undefined;
}
