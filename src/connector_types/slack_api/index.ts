import type { Logger } from 'pino';
import { renderTemplate } from '../../actions/templating/renderer.js';
import { defineConnectorType, type ExecutorResult } from '../../actions/types.js';
import type { OutboundRequest } from '../../net/http_client.js';
import { CONNECTOR_ID, CONNECTOR_NAME, configSchema, paramsSchema, secretsSchema, type SlackApiParams } from './schema.js';
import {
  EMPTY_CHANNEL_ID,
  channelInfoRequest,
  chooseChannel,
  mapSlackApiResponse,
  mapSlackApiSendError,
  postBlockkitRequest,
  postFailed,
  postMessageRequest,
  slackApiBase,
} from './service.js';
import { validateSlackApiSecrets } from './validation.js';

function logFailure(logger: Logger, connectorId: string, result: ExecutorResult): ExecutorResult {
  if (result.status === 'error') logger.error(`error on ${connectorId} slack_api action: ${result.message}${result.serviceMessage ? `: ${result.serviceMessage}` : ''}`);
  return result;
}

const TEST_MESSAGE = { channelNames: ['#general'], text: 'Test message from Plugboard' };

export const slackApiConnectorType = defineConnectorType({
  id: CONNECTOR_ID,
  name: CONNECTOR_NAME,
  category: 'messaging',
  summary: 'Send messages to Slack channels through the Web API.',
  minimumLicenseRequired: 'gold',
  supportedFeatureIds: ['uptime', 'alerting', 'siem'],
  schemas: { config: configSchema, secrets: secretsSchema, params: paramsSchema },
  validate: { secrets: validateSlackApiSecrets },
  testParams: { subAction: 'postMessage', subActionParams: TEST_MESSAGE },
  testSubActionParams: {
    postMessage: TEST_MESSAGE,
    postBlockkit: {
      channelNames: TEST_MESSAGE.channelNames,
      text: JSON.stringify({ blocks: [{ type: 'section', text: { type: 'mrkdwn', text: TEST_MESSAGE.text } }] }),
    },
    validChannelId: { channelId: '' },
  },
  // A text message is Slack mrkdwn; a Block Kit body is JSON, its values JSON-escaped so that
  // they stay inside their strings. Channels are not templated (Kibana).
  renderParameterTemplates: (logger, params, variables): SlackApiParams => {
    if (params.subAction === 'validChannelId') return params;
    const mode = params.subAction === 'postMessage' ? 'slack' : 'json';
    return { ...params, subActionParams: { ...params.subActionParams, text: renderTemplate(logger, params.subActionParams.text, variables, mode) } };
  },
  async executor({ connectorId, config, secrets, params, services, configurationUtilities, logger, signal }) {
    const base = slackApiBase(configurationUtilities);
    let request: OutboundRequest;
    if (params.subAction === 'validChannelId') {
      const channelId = params.subActionParams.channelId ?? '';
      if (channelId === '') return logFailure(logger, connectorId, postFailed(connectorId, EMPTY_CHANNEL_ID, { failure: { permanent: true } }));
      request = channelInfoRequest(base, secrets.token, channelId);
    } else {
      let channel: string;
      try {
        channel = chooseChannel(config.allowedChannels, params.subActionParams);
      } catch (err) {
        return logFailure(logger, connectorId, postFailed(connectorId, (err as Error).message, { failure: { permanent: true } }));
      }
      const { text } = params.subActionParams;
      request = params.subAction === 'postMessage' ? postMessageRequest(base, secrets.token, channel, text) : postBlockkitRequest(base, secrets.token, channel, text);
    }

    try {
      const response = await services.http.send({ ...request, signal });
      return logFailure(logger, connectorId, mapSlackApiResponse(connectorId, response));
    } catch (err) {
      return logFailure(logger, connectorId, mapSlackApiSendError(connectorId, err));
    }
  },
});
