import { renderTemplate } from '../../actions/templating/renderer.js';
import { defineConnectorType } from '../../actions/types.js';
import { secretWebhookUrlValidator } from '../lib/secret_webhook_url.js';
import { CONNECTOR_ID, CONNECTOR_NAME, configSchema, paramsSchema, secretsSchema } from './schema.js';
import { buildSlackRequest, mapSlackResponse, mapSlackSendError } from './service.js';

export const slackConnectorType = defineConnectorType({
  id: CONNECTOR_ID,
  name: CONNECTOR_NAME,
  category: 'messaging',
  summary: 'Send a message to a Slack channel through an incoming webhook.',
  minimumLicenseRequired: 'gold',
  supportedFeatureIds: ['alerting', 'uptime', 'siem'],
  schemas: { config: configSchema, secrets: secretsSchema, params: paramsSchema },
  validate: { secrets: secretWebhookUrlValidator('error configuring slack action') },
  testParams: { message: 'Test message from Plugboard' },
  // Values land in Slack mrkdwn: escaped so that they cannot add formatting, mentions or links.
  renderParameterTemplates: (logger, params, variables) => ({ ...params, message: renderTemplate(logger, params.message, variables, 'slack') }),
  async executor({ connectorId, secrets, params, services, logger, signal }) {
    let response;
    try {
      response = await services.http.send({ ...buildSlackRequest(secrets.webhookUrl, params.message), signal });
    } catch (err) {
      const result = mapSlackSendError(connectorId, err, secrets.webhookUrl);
      logger.error(`error on ${connectorId} slack action: ${result.serviceMessage}`);
      return result;
    }
    const result = mapSlackResponse(connectorId, response);
    if (result.status === 'error') logger.error(`error on ${connectorId} slack action: ${result.message}${result.serviceMessage ? `: ${result.serviceMessage}` : ''}`);
    return result;
  },
});
