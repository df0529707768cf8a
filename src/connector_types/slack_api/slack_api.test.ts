import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ReadOutcome } from '../../actions/executor.js';
import type { ActionResult, ConfigurationUtilities, ConnectorServices } from '../../actions/types.js';
import { validateConfig, validateParams, validateSecrets } from '../../actions/validation.js';
import { installZod3Messages } from '../../common/zod_messages.js';
import { makeConfigurationUtilities, makeContext, makeServices, runAsAction, thrownMessage } from '../lib/test_context.js';
import { slackApiConnectorType as def } from './index.js';
import { secretsSchema, type SlackApiConfig, type SlackApiParams, type SlackApiSecrets } from './schema.js';
import { CHANNEL_NOT_ALLOWED, CHANNEL_REQUIRED, slackApiBase } from './service.js';
import { SIMULATOR_RETRY_AFTER_SECONDS, startSlackApiSimulator, type SlackApiSimulator } from './simulator.js';

installZod3Messages();

const ctx = { configurationUtilities: makeConfigurationUtilities() };
const silent = pino({ level: 'silent' });

/**
 * What `plugboard.serviceUrlOverrides: {'.slack_api': url}` gives. Built by hand: the settings
 * loader currently splits the dotted type id into nested keys (src/config/load.ts).
 */
function withSlackApiUrl(url: string, overrides: { allowedHosts?: string[] } = {}): ConfigurationUtilities {
  return { ...makeConfigurationUtilities(overrides), serviceUrl: (typeId, defaultUrl) => (typeId === '.slack_api' ? url : defaultUrl) };
}

const paramsError = (params: unknown) => thrownMessage(() => validateParams(def, params, ctx));
const post = (subActionParams: Record<string, unknown>) => ({ subAction: 'postMessage', subActionParams });
const blockkit = (subActionParams: Record<string, unknown>) => ({ subAction: 'postBlockkit', subActionParams });

describe('.slack_api definition', () => {
  it("has Kibana's identity", () => {
    expect(def.id).toBe('.slack_api');
    expect(def.name).toBe('Slack API');
    expect(def.minimumLicenseRequired).toBe('gold');
    expect(def.supportedFeatureIds).toEqual(['uptime', 'alerting', 'siem']);
  });

  it('marks the token as secret and has valid Test params', () => {
    expect(secretsSchema.shape.token.meta()).toMatchObject({ secret: true });
    expect(validateParams(def, def.testParams, ctx)).toEqual(def.testParams);
  });

  it('calls https://slack.com/api unless plugboard.serviceUrlOverrides names another base', () => {
    expect(slackApiBase(makeConfigurationUtilities())).toBe('https://slack.com/api/');
    expect(slackApiBase(withSlackApiUrl('http://127.0.0.1:1/api/'))).toBe('http://127.0.0.1:1/api/');
    expect(slackApiBase(withSlackApiUrl('http://127.0.0.1:1/api'))).toBe('http://127.0.0.1:1/api/');
  });
});

describe('.slack_api config and secrets validation', () => {
  it('accepts allowed channels, with or without ids', () => {
    const config = { allowedChannels: [{ id: 'C0GENERAL01', name: '#general' }, { name: 'alerts' }] };
    expect(validateConfig(def, config, ctx)).toEqual(config);
    expect(validateConfig(def, {}, ctx)).toEqual({});
  });

  it('reports bad allowed channels', () => {
    const tooMany = Array.from({ length: 501 }, (_, i) => ({ name: `c${i}` }));
    expect(thrownMessage(() => validateConfig(def, { allowedChannels: tooMany }, ctx))).toBe(
      'error validating connector type config: Field "allowedChannels": Array must contain at most 500 element(s)',
    );
    expect(thrownMessage(() => validateConfig(def, { allowedChannels: [{ id: '', name: 'x' }] }, ctx))).toBe(
      'error validating connector type config: Field "allowedChannels.0.id": String must contain at least 1 character(s)',
    );
    expect(thrownMessage(() => validateConfig(def, { allowedChannels: [{ id: 'C1' }] }, ctx))).toBe(
      'error validating connector type config: Field "allowedChannels.0.name": Required',
    );
    expect(thrownMessage(() => validateConfig(def, { allowedChannels: [{ name: 'x', topic: 'y' }] }, ctx))).toBe(
      'error validating connector type config: Field "allowedChannels.0": Unrecognized key(s) in object: \'topic\'',
    );
    expect(thrownMessage(() => validateConfig(def, { webhookUrl: 'x' }, ctx))).toBe(
      "error validating connector type config: Unrecognized key(s) in object: 'webhookUrl'",
    );
  });

  it('requires a token', () => {
    expect(validateSecrets(def, { token: 'xoxb-1' }, ctx)).toEqual({ token: 'xoxb-1' });
    expect(thrownMessage(() => validateSecrets(def, {}, ctx))).toBe('error validating connector type secrets: Field "token": Required');
    expect(thrownMessage(() => validateSecrets(def, { token: '' }, ctx))).toBe(
      'error validating connector type secrets: Field "token": String must contain at least 1 character(s)',
    );
  });

  it('requires the Web API to be in allowedHosts', () => {
    const restricted = { configurationUtilities: makeConfigurationUtilities({ allowedHosts: ['slack.com'] }) };
    expect(() => validateSecrets(def, { token: 'xoxb-1' }, restricted)).not.toThrow();
    expect(thrownMessage(() => validateSecrets(def, { token: 'xoxb-1' }, { configurationUtilities: makeConfigurationUtilities({ allowedHosts: ['example.com'] }) }))).toBe(
      'error validating connector type secrets: error configuring slack action: target url "https://slack.com/api/" is not added to the Kibana config xpack.actions.allowedHosts',
    );
    // The address actually called is the one checked.
    expect(thrownMessage(() => validateSecrets(def, { token: 'xoxb-1' }, { configurationUtilities: withSlackApiUrl('http://127.0.0.1:9/api', { allowedHosts: ['slack.com'] }) }))).toBe(
      'error validating connector type secrets: error configuring slack action: target url "http://127.0.0.1:9/api/" is not added to the Kibana config xpack.actions.allowedHosts',
    );
  });
});

describe('.slack_api params validation', () => {
  it('accepts each sub-action', () => {
    expect(validateParams(def, { subAction: 'validChannelId', subActionParams: { channelId: 'C1' } }, ctx)).toEqual({
      subAction: 'validChannelId',
      subActionParams: { channelId: 'C1' },
    });
    expect(validateParams(def, post({ channelNames: ['#general'], text: 'hi' }), ctx)).toEqual(post({ channelNames: ['#general'], text: 'hi' }));
    expect(validateParams(def, post({ channels: ['general'], channelIds: ['C1'], text: 'hi' }), ctx)).toEqual(
      post({ channels: ['general'], channelIds: ['C1'], text: 'hi' }),
    );
    expect(validateParams(def, blockkit({ channelIds: ['C1'], text: '{"blocks":[]}' }), ctx)).toEqual(blockkit({ channelIds: ['C1'], text: '{"blocks":[]}' }));
  });

  it('names the sub-actions it knows', () => {
    expect(paramsError({ subAction: 'getChannels', subActionParams: {} })).toBe(
      "error validating action params: Field \"subAction\": Invalid discriminator value. Expected 'validChannelId' | 'postMessage' | 'postBlockkit'",
    );
    expect(paramsError({ subAction: 'postMessage' })).toBe('error validating action params: Field "subActionParams": Required');
  });

  it('checks the message and the channels', () => {
    expect(paramsError(post({ channelIds: ['C1'], text: '' }))).toBe(
      'error validating action params: Field "subActionParams.text": String must contain at least 1 character(s)',
    );
    expect(paramsError(post({ channelNames: ['general'], text: 'x' }))).toBe(
      'error validating action params: Field "subActionParams.channelNames.0": Channel name must start with #',
    );
    expect(paramsError(post({ channelNames: ['#'], text: 'x' }))).toBe(
      'error validating action params: Field "subActionParams.channelNames.0": String must contain at least 2 character(s)',
    );
    expect(paramsError(post({ channelNames: [`#${'a'.repeat(200)}`], text: 'x' }))).toBe(
      'error validating action params: Field "subActionParams.channelNames.0": String must contain at most 200 character(s)',
    );
    for (const field of ['channels', 'channelIds', 'channelNames']) {
      expect(paramsError(post({ [field]: ['#a1', '#b1'], text: 'x' })), field).toBe(
        `error validating action params: Field "subActionParams.${field}": Array must contain at most 1 element(s)`,
      );
    }
    expect(paramsError(post({ channelIds: ['C1'], text: 'x', blocks: [] }))).toBe(
      'error validating action params: Field "subActionParams": Unrecognized key(s) in object: \'blocks\'',
    );
  });

  it('requires a Block Kit body to be JSON with blocks', () => {
    expect(paramsError(blockkit({ channelIds: ['C1'], text: '{"blocks": [' }))).toMatch(
      /^error validating action params: Field "subActionParams.text": block kit body is not valid JSON - /,
    );
    for (const text of ['{"text":"x"}', 'null', '[1]', '"blocks"']) {
      expect(paramsError(blockkit({ channelIds: ['C1'], text })), text).toBe(
        'error validating action params: Field "subActionParams.text": block kit body must contain field "blocks"',
      );
    }
  });
});

describe('.slack_api renderParameterTemplates', () => {
  const hostile = 'say "hi"\nline 2 \\ back `tick` *bold* _it_ <!here> & {"x":1}';
  const variables = { context: { v: hostile } };

  it('escapes a text message for Slack mrkdwn', () => {
    const rendered = def.renderParameterTemplates!(silent, post({ channelNames: ['#general'], text: 'Alert: {{context.v}}' }) as SlackApiParams, variables);
    expect(rendered).toEqual(post({ channelNames: ['#general'], text: `Alert: \`say "hi"\nline 2 \\ back 'tick' *bold* _it_ <!here> & {"x":1}\`` }));
  });

  it('JSON-escapes values in a Block Kit body, which stays valid JSON', () => {
    const template = '{"blocks":[{"type":"section","text":{"type":"mrkdwn","text":"{{context.v}}"}}]}';
    const rendered = def.renderParameterTemplates!(silent, blockkit({ channelIds: ['C1'], text: template }) as SlackApiParams, variables);
    const text = (rendered as { subActionParams: { text: string } }).subActionParams.text;
    expect(JSON.parse(text).blocks[0].text.text).toBe(hostile);
    expect(() => validateParams(def, rendered, ctx)).not.toThrow();
  });

  it('leaves channels and channel lookups alone', () => {
    const lookup = { subAction: 'validChannelId', subActionParams: { channelId: '{{context.v}}' } } as SlackApiParams;
    expect(def.renderParameterTemplates!(silent, lookup, variables)).toEqual(lookup);
    const rendered = def.renderParameterTemplates!(silent, post({ channelNames: ['#{{context.v}}'], text: 'x' }) as SlackApiParams, variables);
    expect(rendered).toEqual(post({ channelNames: ['#{{context.v}}'], text: 'x' }));
  });
});

describe('.slack_api execution against the simulator', () => {
  let sim: SlackApiSimulator;
  let services: ConnectorServices;
  let utils: ConfigurationUtilities;

  beforeAll(async () => {
    sim = await startSlackApiSimulator({ token: 'xoxb-test-token-123' });
    services = makeServices();
    utils = withSlackApiUrl(sim.url);
  });
  afterAll(async () => {
    await services.http.close();
    await sim.close();
  });
  beforeEach(() => {
    sim.requests.length = 0;
    sim.messages.length = 0;
  });

  /** The result clients read and the facts the queue reads, as the action executor answers them. */
  function outcome(
    rawParams: Record<string, unknown>,
    { config = {}, token = sim.token, logger = silent, runServices = services, configurationUtilities = utils }: {
      config?: Record<string, unknown>;
      token?: string;
      logger?: pino.Logger;
      runServices?: ConnectorServices;
      configurationUtilities?: ConfigurationUtilities;
    } = {},
  ): Promise<ReadOutcome> {
    const vctx = { configurationUtilities };
    const parts = {
      config: validateConfig(def, config, vctx) as SlackApiConfig,
      secrets: validateSecrets(def, { token }, vctx) as SlackApiSecrets,
      params: validateParams(def, rawParams, vctx) as SlackApiParams,
    };
    const context = makeContext(parts, { connectorId: 'slack-api-test', services: runServices, configurationUtilities });
    return runAsAction(def, { ...context, logger });
  }
  const run = async (...args: Parameters<typeof outcome>): Promise<ActionResult> => (await outcome(...args)).result;

  const lastBody = () => JSON.parse(sim.requests.at(-1)!.body) as Record<string, unknown>;

  it('posts a message with the bot token and returns Slack’s answer', async () => {
    const result = await run(post({ channelNames: ['#general'], text: 'Disk *full*' }));
    expect(sim.requests).toHaveLength(1);
    const [request] = sim.requests;
    expect([request.method, request.path]).toEqual(['POST', '/api/chat.postMessage']);
    expect(request.headers.authorization).toBe('Bearer xoxb-test-token-123');
    expect(request.headers['content-type']).toBe('application/json; charset=UTF-8');
    expect(lastBody()).toEqual({ channel: '#general', text: 'Disk *full*' });
    expect(sim.messages).toEqual([{ channel: 'C0GENERAL01', text: 'Disk *full*', ts: expect.any(String) }]);
    expect(result).toEqual({
      status: 'ok',
      actionId: 'slack-api-test',
      data: {
        ok: true,
        channel: 'C0GENERAL01',
        ts: sim.messages[0].ts,
        message: { type: 'message', subtype: 'bot_message', bot_id: 'B0PLUGBRD', text: 'Disk *full*', ts: sim.messages[0].ts },
      },
    });
  });

  it('chooses channelNames, then channelIds, then channels', async () => {
    await run(post({ channelNames: ['#alerts'], channelIds: ['C0GENERAL01'], channels: ['general'], text: 'x' }));
    expect(lastBody().channel).toBe('#alerts');
    await run(post({ channelIds: ['C0GENERAL01'], channels: ['alerts'], text: 'x' }));
    expect(lastBody().channel).toBe('C0GENERAL01');
    await run(post({ channels: ['alerts'], text: 'x' }));
    expect(lastBody().channel).toBe('alerts');
    expect(sim.messages.map((m) => m.channel)).toEqual(['C0ALERTS001', 'C0GENERAL01', 'C0ALERTS001']);
  });

  it('posts Block Kit blocks without text', async () => {
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*Disk* full' } }];
    const result = await run(blockkit({ channelIds: ['C0GENERAL01'], text: JSON.stringify({ blocks, other: 'dropped' }) }));
    expect(lastBody()).toEqual({ channel: 'C0GENERAL01', blocks });
    expect(result).toMatchObject({ status: 'ok', data: { ok: true, channel: 'C0GENERAL01', message: { blocks } } });
  });

  it('checks a channel id with conversations.info', async () => {
    const result = await run({ subAction: 'validChannelId', subActionParams: { channelId: 'C0GENERAL01' } });
    expect(sim.requests.map((r) => [r.method, r.path, r.headers.authorization])).toEqual([
      ['GET', '/api/conversations.info?channel=C0GENERAL01', 'Bearer xoxb-test-token-123'],
    ]);
    expect(result).toMatchObject({ status: 'ok', data: { ok: true, channel: { id: 'C0GENERAL01', name: 'general' } } });

    expect(await run({ subAction: 'validChannelId', subActionParams: { channelId: 'C0NOPE' } })).toEqual({
      status: 'error',
      actionId: 'slack-api-test',
      message: 'error posting slack message',
      serviceMessage: 'channel_not_found',
      errorSource: 'user',
    });
    await run({ subAction: 'validChannelId', subActionParams: { channelId: 'C1&types=im' } });
    expect(sim.requests.at(-1)!.path).toBe('/api/conversations.info?channel=C1%26types%3Dim');
  });

  it('refuses an empty channel id without calling Slack, for good', async () => {
    for (const subActionParams of [{ channelId: '' }, {}]) {
      expect(await outcome({ subAction: 'validChannelId', subActionParams })).toEqual({
        result: { status: 'error', actionId: 'slack-api-test', message: 'error posting slack message', serviceMessage: 'The channel id is empty', errorSource: 'user' },
        failure: { permanent: true },
      });
    }
    expect(sim.requests).toHaveLength(0);
  });

  it('requires a channel', async () => {
    for (const params of [post({ text: 'x' }), post({ channelIds: [], channelNames: [], channels: [], text: 'x' })]) {
      expect(await run(params)).toEqual({
        status: 'error',
        actionId: 'slack-api-test',
        message: 'error posting slack message',
        serviceMessage: CHANNEL_REQUIRED,
        errorSource: 'user',
      });
    }
    expect(sim.requests).toHaveLength(0);
  });

  it('keeps posts to the allowed channels', async () => {
    const config = { allowedChannels: [{ id: 'C0GENERAL01', name: 'general' }, { name: '#alerts' }] };
    const refused = { status: 'error', actionId: 'slack-api-test', message: 'error posting slack message', serviceMessage: CHANNEL_NOT_ALLOWED, errorSource: 'user' };
    for (const params of [
      post({ channelNames: ['#general'], text: 'x' }),
      post({ channelNames: ['#alerts'], text: 'x' }),
      post({ channelIds: ['C0GENERAL01'], text: 'x' }),
      post({ channels: ['C0GENERAL01'], text: 'x' }),
      post({ channels: ['#alerts'], text: 'x' }),
      blockkit({ channelNames: ['#general'], text: '{"blocks":[{"type":"divider"}]}' }),
    ]) {
      expect(await run(params, { config }), JSON.stringify(params)).toMatchObject({ status: 'ok' });
    }
    for (const params of [
      post({ channelNames: ['#elsewhere'], text: 'x' }),
      // An allowed name does not let its id through when the entry has no id.
      post({ channelIds: ['C0ALERTS001'], text: 'x' }),
      post({ channelNames: ['#general'], channelIds: ['C0ELSEWHERE'], text: 'x' }),
      // The deprecated field is held to the list too (Kibana lets it pass).
      post({ channels: ['elsewhere'], text: 'x' }),
      blockkit({ channelIds: ['C0ELSEWHERE'], text: '{"blocks":[]}' }),
    ]) {
      expect(await run(params, { config }), JSON.stringify(params)).toEqual(refused);
    }
    expect(sim.requests).toHaveLength(6);
  });

  it.each([
    ['#elsewhere', 'not_in_channel'],
    ['#old-alerts', 'is_archived'],
    ['#nowhere', 'channel_not_found'],
  ])('maps Slack refusing a post to %s (%s) as a user error without retry, which the queue does not send again', async (channel, error) => {
    expect(await outcome(post({ channelNames: [channel], text: 'x' }))).toEqual({
      result: { status: 'error', actionId: 'slack-api-test', message: 'error posting slack message', serviceMessage: error, errorSource: 'user' },
      failure: { permanent: true },
    });
  });

  it('maps bad Block Kit as Slack answers it', async () => {
    expect(await run(blockkit({ channelIds: ['C0GENERAL01'], text: '{"blocks":{"type":"divider"}}' }))).toMatchObject({
      serviceMessage: 'invalid_blocks_format',
    });
    expect(await run(blockkit({ channelIds: ['C0GENERAL01'], text: '{"blocks":[{"text":"no type"}]}' }))).toMatchObject({ serviceMessage: 'invalid_blocks' });
    expect(await run(blockkit({ channelIds: ['C0GENERAL01'], text: '{"blocks":[]}' }))).toMatchObject({ serviceMessage: 'no_text' });
  });

  it('leaves Slack’s transient errors to the queue to retry (Kibana sets no retry)', async () => {
    expect(await outcome(post({ channelIds: ['C0GENERAL01'], text: 'internal_error' }))).toEqual({
      result: { status: 'error', actionId: 'slack-api-test', message: 'error posting slack message', serviceMessage: 'internal_error', errorSource: 'user' },
    });
  });

  it('reports a refused token without showing or logging any token', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'trace' }, new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) }));
    const result = await run(post({ channelIds: ['C0GENERAL01'], text: 'x' }), { token: 'xoxb-wrong-token-456', logger });
    expect(result).toEqual({
      status: 'error',
      actionId: 'slack-api-test',
      message: 'error posting slack message',
      serviceMessage: 'invalid_auth',
      errorSource: 'user',
    });
    expect(sim.requests[0].headers.authorization).toBe('Bearer xoxb-wrong-token-456');
    expect(lines.join('')).toContain('invalid_auth');
    expect(lines.join('')).not.toMatch(/xoxb-/);
    expect(JSON.stringify(result)).not.toMatch(/xoxb-/);
  });

  it('retries 5xx later and 429 at the Retry-After time', async () => {
    expect(await run(post({ channelIds: ['C0GENERAL01'], text: 'status_500' }))).toEqual({
      status: 'error',
      actionId: 'slack-api-test',
      message: 'error posting a slack message, retry later',
      serviceMessage: 'Request failed with status code 500',
      retry: true,
      errorSource: 'user',
    });
    const before = Date.now();
    const limited = await run(post({ channelIds: ['C0GENERAL01'], text: 'rate_limit' }));
    expect(limited.retry).toBeInstanceOf(Date);
    expect((limited.retry as Date).getTime()).toBeGreaterThanOrEqual(before + SIMULATOR_RETRY_AFTER_SECONDS * 1000);
    expect(limited).toEqual({
      status: 'error',
      actionId: 'slack-api-test',
      message: `error posting a slack message, retry at ${(limited.retry as Date).toISOString()}`,
      serviceMessage: 'Request failed with status code 429',
      retry: limited.retry,
      errorSource: 'user',
    });
    expect(await run(post({ channelIds: ['C0GENERAL01'], text: 'rate_limit_without_retry_after' }))).toEqual({
      status: 'error',
      actionId: 'slack-api-test',
      message: 'error posting a slack message, retry later',
      serviceMessage: 'Request failed with status code 429',
      retry: true,
      errorSource: 'user',
    });
  });

  it('sets no retry for other HTTP errors, and gives the queue their status', async () => {
    const wrongBase = withSlackApiUrl(`${sim.url}/v9`);
    expect(await outcome(post({ channelIds: ['C0GENERAL01'], text: 'x' }), { configurationUtilities: wrongBase })).toEqual({
      result: {
        status: 'error',
        actionId: 'slack-api-test',
        message: 'unexpected http response from slack: 404 Not Found',
        serviceMessage: 'unknown_method',
        errorSource: 'user',
      },
      failure: { httpStatus: 404 },
    });
    expect(await outcome(post({ channelIds: ['C0GENERAL01'], text: 'status_400' }))).toMatchObject({
      result: { message: 'unexpected http response from slack: 400 Bad Request' },
      failure: { httpStatus: 400 },
    });
  });

  it('reports an empty answer', async () => {
    expect(await run(post({ channelIds: ['C0GENERAL01'], text: 'empty_response' }))).toEqual({
      status: 'error',
      actionId: 'slack-api-test',
      message: 'unexpected null response from slack',
      errorSource: 'user',
    });
  });

  it('is held to allowedHosts at send time', async () => {
    const restricted = makeServices({ allowedHosts: ['slack.com'] });
    try {
      expect(await run(post({ channelIds: ['C0GENERAL01'], text: 'x' }), { runServices: restricted })).toEqual({
        status: 'error',
        actionId: 'slack-api-test',
        message: 'error posting slack message',
        serviceMessage: `target url "${sim.url}/chat.postMessage" is not added to the Kibana config xpack.actions.allowedHosts`,
        errorSource: 'user',
      });
      expect(sim.requests).toHaveLength(0);
    } finally {
      await restricted.http.close();
    }
  });
});
