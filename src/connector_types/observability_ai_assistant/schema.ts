import { z } from 'zod';

// Kibana's `.observability-ai-assistant` schemas (reference §5), plus Plugboard's `forward`.

export const configSchema = z.strictObject({});
export const secretsSchema = z.strictObject({});

/** The alert statuses a prompt may ask for (`kibana.alert.status`). */
export const ALERT_STATUSES = ['active', 'recovered', 'untracked'] as const;

const promptSchema = z.strictObject({
  statuses: z.array(z.string()).meta({ label: 'Statuses', help: 'The alert statuses (kibana.alert.status: active, recovered) whose alerts this prompt is about.' }),
  message: z.string().min(1).meta({ label: 'Message', help: 'What the assistant is asked about the alerts.' }),
});

/** Plugboard's: where the assistant's answer goes on, once it has one. */
const forwardSchema = z
  .strictObject({
    connectorId: z.string().min(1).meta({ label: 'Connector', help: 'A connector of the space (server log, webhook, Slack…) the answer is sent through.' }),
    params: z
      .record(z.string(), z.unknown())
      .meta({ label: 'Params', help: "That connector's params; templates see {{answer}}, {{conversationId}}, {{rule.id}}, {{rule.name}} and {{rule.url}}, escaped as that type escapes." }),
  })
  .meta({ label: 'Forward the answer', help: 'Plugboard: sends the answer on through another connector (Kibana lets the model call execute_connector instead).' });

const alertList = z.array(z.record(z.string(), z.unknown()));

/** What the executor runs with: built by the rule-action adapter from the rule's params and run. */
export const paramsSchema = z.strictObject({
  connector: z.string().meta({ label: 'Connector', help: 'The generative-AI connector (.gen-ai, .bedrock, .gemini, .inference) the assistant talks through.' }),
  prompts: z.array(promptSchema).meta({ label: 'Prompts' }),
  rule: z.strictObject({
    id: z.string(),
    name: z.string(),
    tags: z.array(z.string()).default([]),
    ruleUrl: z.string().nullable().default(null),
  }),
  alerts: z.strictObject({ new: alertList, recovered: alertList }),
  forward: forwardSchema.optional(),
});

export type ObsAiParams = z.output<typeof paramsSchema>;

/** What a rule stores for the action (Kibana's ruleActionParamsSchema): `message`/`status` are the legacy single prompt. */
export const ruleActionParamsSchema = z.strictObject({
  connector: z.string(),
  prompts: z.array(promptSchema).optional(),
  status: z.string().optional(),
  message: z.string().optional(),
  forward: forwardSchema.optional(),
});

export type ObsAiRuleActionParams = z.output<typeof ruleActionParamsSchema>;
