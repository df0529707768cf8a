import type { Logger } from 'pino';
import { defineConnectorType, type ExecutorContext, type ExecutorResult, type RuleActionAdapter } from '../../actions/types.js';
import { alertsContext, alertsForPrompt, answerOf, chatParams, isLlmType, LLM_TYPES, seedConversation } from './chat.js';
import { ALERT_STATUSES, configSchema, paramsSchema, ruleActionParamsSchema, secretsSchema, type ObsAiParams, type ObsAiRuleActionParams } from './schema.js';

// Kibana's Observability AI Assistant system action (reference §5), as a minimal loop of
// Plugboard's own: each prompt whose alert statuses match is one chat with the chosen
// generative-AI connector, stored as a conversation (migration 020) and linked to the rule run;
// the answer may go on through another connector (`forward`, Plugboard's). Kibana's model may
// instead call `execute_connector` itself; that tool calling is not implemented here.

export const OBS_AI_ASSISTANT_TYPE_ID = '.observability-ai-assistant';

type Context = ExecutorContext<Record<string, never>, Record<string, never>, ObsAiParams>;

/** Kibana's connector adapter: legacy `message` becomes a prompt over every status; rule and alerts come from the run. */
export const obsAiRuleActionAdapter: RuleActionAdapter = {
  ruleActionParamsSchema,
  buildActionParams({ alerts, rule, ruleUrl, params }) {
    const stored = params as ObsAiRuleActionParams;
    return {
      connector: stored.connector,
      prompts: stored.prompts ?? [{ statuses: [...ALERT_STATUSES], message: stored.message ?? '' }],
      rule: { id: rule.id, name: rule.name, tags: rule.tags, ruleUrl: ruleUrl ?? null },
      alerts: { new: alerts.new.data, recovered: alerts.recovered.data },
      ...(stored.forward ? { forward: stored.forward } : {}),
    };
  },
};

const failed = (actionId: string, message: string, serviceMessage?: string): ExecutorResult => ({
  status: 'error',
  actionId,
  message,
  ...(serviceMessage ? { serviceMessage } : {}),
  // Another attempt would hold the same chats again and store them twice.
  retry: false,
  failure: { permanent: true },
});

/** Sends the answer on; a failure to do so is logged and said in the result, the conversation stays. */
async function forward(ctx: Context, spaceId: string, answer: string, conversationId: string): Promise<string | undefined> {
  const target = ctx.params.forward!;
  const { rule } = ctx.params;
  const variables = { answer, conversationId, rule: { id: rule.id, name: rule.name, tags: rule.tags, url: rule.ruleUrl } };
  try {
    const { result } = await ctx.services.connectors!.run(spaceId, target.connectorId, target.params, { signal: ctx.signal, source: ctx.source, variables });
    if (result.status === 'ok') return undefined;
    return `forwarding the answer through connector ${target.connectorId} failed: ${result.serviceMessage ?? result.message ?? 'error'}`;
  } catch (err) {
    return `forwarding the answer through connector ${target.connectorId} failed: ${(err as Error).message}`;
  }
}

async function execute(ctx: Context): Promise<ExecutorResult> {
  const { connectorId, params, services, spaceId, logger } = ctx;
  // As Kibana: a run with no new and no recovered alert has nothing to talk about.
  if (params.alerts.new.length === 0 && params.alerts.recovered.length === 0) return { status: 'ok', actionId: connectorId };
  if (!services.connectors || !services.aiConversations || !spaceId) {
    return failed(connectorId, 'the AI assistant cannot run here: no in-process connectors or conversation store');
  }
  const typeId = await services.connectors.typeOf(spaceId, params.connector);
  if (!typeId) return failed(connectorId, `Connector ${params.connector} not found`);
  if (!isLlmType(typeId)) return failed(connectorId, `Connector ${params.connector} is a ${typeId} connector; the AI assistant needs one of ${LLM_TYPES.join(', ')}`);

  const conversationIds: string[] = [];
  const problems: string[] = [];
  for (const prompt of params.prompts) {
    const alerts = alertsForPrompt(params.alerts, prompt.statuses);
    if (alerts.new.length === 0 && alerts.recovered.length === 0) continue;
    const messages = seedConversation(prompt.message, alertsContext(params.rule, alerts));
    let answer: string | undefined;
    let error: string | null = null;
    let usage = null;
    try {
      const run = await services.connectors.run(spaceId, params.connector, chatParams(typeId, messages), { signal: ctx.signal, source: ctx.source });
      usage = run.usage;
      answer = run.result.status === 'ok' ? answerOf(typeId, run.result.data) : undefined;
      if (run.result.status !== 'ok') error = run.result.serviceMessage ?? run.result.message ?? 'the model failed';
      else if (answer === undefined) error = 'the model gave no answer';
    } catch (err) {
      error = (err as Error).message;
    }
    const conversationId = await services.aiConversations.save({
      spaceId,
      title: `${params.rule.name}: ${prompt.message}`.slice(0, 200),
      connectorId: params.connector,
      connectorTypeId: typeId,
      messages: answer === undefined ? messages : [...messages, { role: 'assistant', content: answer }],
      ruleId: ctx.rule?.id ?? params.rule.id,
      ruleExecutionId: ctx.rule?.executionId ?? null,
      actionExecutionId: ctx.executionId ?? null,
      usage,
      status: error === null ? 'ok' : 'error',
      error,
    });
    conversationIds.push(conversationId);
    if (error !== null) {
      problems.push(`conversation ${conversationId}: ${error}`);
      continue;
    }
    if (params.forward) {
      const problem = await forward(ctx, spaceId, answer!, conversationId);
      if (problem) problems.push(`conversation ${conversationId}: ${problem}`);
    }
  }
  logAll(logger, problems);
  if (problems.length > 0) return { ...failed(connectorId, 'the AI assistant could not complete every prompt', problems.join('; ')), data: { conversationIds } };
  return { status: 'ok', actionId: connectorId, data: { conversationIds } };
}

function logAll(logger: Logger, problems: string[]): void {
  for (const problem of problems) logger.warn(`observability AI assistant: ${problem}`);
}

export const observabilityAiAssistantConnectorType = defineConnectorType({
  id: OBS_AI_ASSISTANT_TYPE_ID,
  name: 'Observability AI Assistant',
  category: 'ai',
  summary: "Ask a generative-AI connector about a rule's alerts, keep the conversation, and send the answer on.",
  minimumLicenseRequired: 'enterprise',
  supportedFeatureIds: ['alerting'],
  isSystemActionType: true,
  // Kibana: at most one per rule.
  allowMultipleSystemActions: false,
  schemas: { config: configSchema, secrets: secretsSchema, params: paramsSchema },
  ruleActionAdapter: obsAiRuleActionAdapter,
  executor: execute,
});
