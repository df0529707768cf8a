import { z } from 'zod';

export const CONNECTOR_ID = '.slack_api';
export const CONNECTOR_NAME = 'Slack API';
/** Slack's Web API; `plugboard.serviceUrlOverrides['.slack_api']` replaces it (simulators). */
export const SLACK_API_URL = 'https://slack.com/api';

export const MAX_ALLOWED_CHANNELS = 500;

export const configSchema = z.strictObject({
  allowedChannels: z
    .array(
      z.strictObject({
        id: z.string().min(1).optional().meta({ label: 'Channel ID', help: 'Slack channel id, e.g. C0123456789.' }),
        name: z.string().min(1).meta({ label: 'Channel name', help: 'With or without the leading #.' }),
      }),
    )
    .max(MAX_ALLOWED_CHANNELS)
    .optional()
    .meta({
      label: 'Allowed channels',
      help: `When set, messages may only go to these channels (at most ${MAX_ALLOWED_CHANNELS}); names and ids in the params are checked against it.`,
    }),
});

export const secretsSchema = z.strictObject({
  token: z.string().min(1).meta({ label: 'Token', help: 'A Slack bot token (xoxb-…) with the chat:write scope.', secret: true }),
});

const oneChannel = (label: string, help: string) => z.array(z.string()).max(1).optional().meta({ label, help });

const channelFields = {
  channels: oneChannel('Channels (deprecated)', 'One channel name or id. Use Channel IDs or Channel names instead.'),
  channelIds: oneChannel('Channel IDs', 'One channel id, e.g. C0123456789.'),
  channelNames: z
    .array(
      z
        .string()
        .min(2)
        .max(200)
        .refine((name) => name.startsWith('#'), { error: 'Channel name must start with #' }),
    )
    .max(1)
    .optional()
    .meta({ label: 'Channel names', help: 'One channel name, starting with #. Wins over Channel IDs and Channels.' }),
};

/** Slack's answer to a block kit body that is not a JSON object with `blocks`. */
function checkBlockKit(text: string, ctx: z.RefinementCtx): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `block kit body is not valid JSON - ${(err as Error).message}` });
    return;
  }
  if (!parsed || typeof parsed !== 'object' || !Object.hasOwn(parsed, 'blocks')) {
    ctx.addIssue({ code: 'custom', message: 'block kit body must contain field "blocks"' });
  }
}

const validChannelIdParams = z.strictObject({
  subAction: z.literal('validChannelId').meta({ label: 'Sub-action', help: 'Checks that a channel id exists and the bot can see it.' }),
  subActionParams: z.strictObject({
    channelId: z.string().optional().meta({ label: 'Channel ID', help: 'The channel id to check.' }),
  }),
});

const postMessageParams = z.strictObject({
  subAction: z.literal('postMessage').meta({ label: 'Sub-action', help: 'Posts a text message.' }),
  subActionParams: z.strictObject({
    ...channelFields,
    text: z.string().min(1).meta({ label: 'Message', help: 'Slack mrkdwn; template values are escaped so that they cannot add formatting.' }),
  }),
});

const postBlockkitParams = z.strictObject({
  subAction: z.literal('postBlockkit').meta({ label: 'Sub-action', help: 'Posts a Block Kit message.' }),
  subActionParams: z.strictObject({
    ...channelFields,
    text: z
      .string()
      .superRefine(checkBlockKit)
      .meta({ label: 'Block Kit JSON', help: 'A JSON object with a blocks array, as built in Slack’s Block Kit Builder; template values are JSON-escaped.' }),
  }),
});

export const paramsSchema = z.discriminatedUnion('subAction', [validChannelIdParams, postMessageParams, postBlockkitParams]);

export type SlackApiConfig = z.output<typeof configSchema>;
export type SlackApiSecrets = z.output<typeof secretsSchema>;
export type SlackApiParams = z.output<typeof paramsSchema>;
export type PostParams = Extract<SlackApiParams, { subAction: 'postMessage' | 'postBlockkit' }>['subActionParams'];
