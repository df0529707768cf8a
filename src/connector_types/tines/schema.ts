import { z } from 'zod';

export const CONNECTOR_ID = '.tines';
export const CONNECTOR_NAME = 'Tines';

export const SUB_ACTION = { Stories: 'stories', Webhooks: 'webhooks', Run: 'run', Test: 'test' } as const;

/** The page size asked of the Tines API, its maximum; more than one page makes the answer incomplete. */
export const API_MAX_RESULTS = 500;

export const configSchema = z.strictObject({
  url: z.string().meta({ label: 'URL', help: 'The Tines tenant address, e.g. https://example.tines.com.' }),
});

export const secretsSchema = z.strictObject({
  email: z.string().meta({ label: 'Email', help: 'The email address of the user the API token belongs to.', secret: true }),
  token: z.string().meta({ label: 'API token', help: 'A Tines API token.', secret: true }),
});

export const webhooksParamsSchema = z.strictObject({
  storyId: z.coerce.number().meta({ label: 'Story id', help: 'The story whose webhook actions are listed.' }),
});

/**
 * A webhook as the webhooks sub-action returns it, and as `run` takes it: other keys (a path or
 * secret sent by older clients) are dropped, as in Kibana; `run` looks the webhook up by id.
 */
export const webhookSchema = z.object({
  id: z.coerce.number().meta({ label: 'Id', help: 'The webhook action id.' }),
  name: z.string().meta({ label: 'Name', help: 'The webhook action name.' }),
  storyId: z.coerce.number().meta({ label: 'Story id', help: 'The story the webhook belongs to.' }),
});

export const runParamsSchema = z.strictObject({
  webhook: webhookSchema.optional().meta({ label: 'Webhook', help: 'The webhook action to send to, as the list of webhooks gives it.' }),
  webhookUrl: z.string().optional().meta({ label: 'Webhook URL', help: 'Sent to instead of the webhook, e.g. when the story has more than 500 actions.' }),
  body: z.string().meta({ label: 'Body', help: 'JSON text sent as it is; in rule actions it is replaced by all the alert variables.' }),
});

const meta = z.looseObject({ pages: z.number() });

export const storiesResponseSchema = z.looseObject({
  meta,
  stories: z.array(z.looseObject({ id: z.coerce.number(), name: z.string(), published: z.boolean() })),
});

/** An action ("agent") as the Tines API answers it, as far as the connector reads it. */
export const actionResponseSchema = z.looseObject({
  id: z.coerce.number(),
  name: z.string(),
  type: z.string(),
  story_id: z.coerce.number(),
  options: z.looseObject({ path: z.string().optional(), secret: z.string().optional() }),
});

export const agentsResponseSchema = z.looseObject({ meta, agents: z.array(actionResponseSchema) });

export type TinesConfig = z.output<typeof configSchema>;
export type TinesSecrets = z.output<typeof secretsSchema>;
export type WebhooksParams = z.output<typeof webhooksParamsSchema>;
export type RunParams = z.output<typeof runParamsSchema>;
