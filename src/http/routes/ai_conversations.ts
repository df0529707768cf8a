import { z } from 'zod';
import type { RulesClient } from '../../alerting/rules_client.js';
import { notFound } from '../../common/errors.js';
import type { ActionsAuthorizer } from '../../security/authorization.js';
import type { AiConversation, AiConversationsRepository } from '../../storage/ai_conversations_repository.js';
import { defineRoute, type RouteSpec } from '../route.js';
import { errorResponses } from '../schemas.js';

// The conversations of the Observability AI Assistant system action (migration 020): one by id,
// at Kibana's path, and those of a rule (of one of its runs), which is how a rule run links to
// the conversations its action held. Reading one needs read on connectors in its space
// (Kibana asks for its AI Assistant privilege, which Plugboard does not have).

const messageSchema = z.object({
  '@timestamp': z.string(),
  message: z.object({ role: z.enum(['system', 'user', 'assistant', 'function']), content: z.string(), name: z.string().optional() }),
});

const conversationSchema = z.object({
  '@timestamp': z.string(),
  conversation: z.object({ id: z.string(), title: z.string(), last_updated: z.string() }),
  messages: z.array(messageSchema),
  labels: z.record(z.string(), z.string()),
  numeric_labels: z.record(z.string(), z.number()),
  namespace: z.string(),
  public: z.boolean(),
  plugboard: z
    .object({
      connector_id: z.string(),
      connector_type_id: z.string(),
      rule_id: z.string().nullable(),
      rule_execution_id: z.string().nullable().meta({ description: "The rule run's execution uuid (its id in the rule's execution log)." }),
      action_execution_id: z.string().nullable(),
      status: z.enum(['ok', 'error']),
      error: z.string().nullable(),
      token_usage: z.object({ prompt_tokens: z.number(), completion_tokens: z.number(), total_tokens: z.number() }).nullable(),
    })
    .meta({ description: 'Plugboard: the connector used, the rule run that asked, the outcome and the tokens.' }),
});

/** Kibana's conversation document shape, with Plugboard's facts beside it. */
function conversationBody(c: AiConversation): z.infer<typeof conversationSchema> {
  const at = new Date(c.createdAt).toISOString();
  return {
    '@timestamp': at,
    conversation: { id: c.id, title: c.title, last_updated: at },
    messages: c.messages.map((m) => ({ '@timestamp': at, message: { role: m.role, content: m.content, ...(m.name ? { name: m.name } : {}) } })),
    labels: {},
    numeric_labels: {},
    namespace: c.spaceId,
    // Kibana stores the rule connector's conversations as public.
    public: true,
    plugboard: {
      connector_id: c.connectorId,
      connector_type_id: c.connectorTypeId,
      rule_id: c.ruleId,
      rule_execution_id: c.ruleExecutionId,
      action_execution_id: c.actionExecutionId,
      status: c.status,
      error: c.error,
      token_usage: c.usage ? { prompt_tokens: c.usage.promptTokens, completion_tokens: c.usage.completionTokens, total_tokens: c.usage.totalTokens } : null,
    },
  };
}

export function aiConversationRoutes(deps: { conversations: AiConversationsRepository; authorizer: ActionsAuthorizer; rules: RulesClient }): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/internal/observability_ai_assistant/conversation/:conversationId',
      operationId: 'getObservabilityAiAssistantConversation',
      audit: false,
      access: 'internal',
      summary: 'A conversation the Observability AI Assistant system action held',
      tags: ['connectors'],
      params: z.strictObject({ conversationId: z.string().min(1).meta({ description: 'The conversation identifier.' }) }),
      responses: { 200: { description: 'The conversation', schema: conversationSchema }, ...errorResponses(401, 403, 404) },
      async handler({ params, scope }) {
        await deps.authorizer.ensureAuthorized(scope.principal, scope.spaceId, 'get');
        const found = await deps.conversations.get(scope.spaceId, params.conversationId);
        if (!found) throw notFound(`Conversation ${params.conversationId} not found`);
        return { body: conversationBody(found) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/internal/alerting/rule/:id/_ai_conversations',
      operationId: 'getRuleAiConversations',
      audit: false,
      access: 'internal',
      summary: 'The conversations held by the Observability AI Assistant action of a rule, newest first (Plugboard; the link from a rule run)',
      tags: ['alerting'],
      params: z.strictObject({ id: z.string().min(1).meta({ description: 'The rule identifier.' }) }),
      query: z.strictObject({
        execution_id: z.string().min(1).optional().meta({ description: "Only those of this run (the execution uuid of the rule's execution log)." }),
      }),
      responses: { 200: { description: 'The conversations', schema: z.array(conversationSchema) }, ...errorResponses(401, 403, 404) },
      async handler({ params, query, scope }) {
        const rule = await deps.rules.get(scope, params.id);
        await deps.authorizer.ensureAuthorized(scope.principal, scope.spaceId, 'get');
        const list = await deps.conversations.listForRule(scope.spaceId, rule.id, query.execution_id);
        return { body: list.map(conversationBody) };
      },
    }),
  ];
}
