import { renderTemplate } from '../../actions/templating/renderer.js';
import { defineConnectorType } from '../../actions/types.js';
import { secretWebhookUrlValidator } from '../lib/secret_webhook_url.js';
import { CONNECTOR_ID, CONNECTOR_NAME, configSchema, paramsSchema, secretsSchema } from './schema.js';
import { buildTeamsRequest, mapTeamsResponse, mapTeamsSendError } from './service.js';

export const teamsConnectorType = defineConnectorType({
  id: CONNECTOR_ID,
  name: CONNECTOR_NAME,
  category: 'messaging',
  summary: 'Send a message to a Microsoft Teams channel.',
  minimumLicenseRequired: 'gold',
  supportedFeatureIds: ['alerting', 'uptime', 'siem', 'workflows', 'agentBuilder'],
  schemas: { config: configSchema, secrets: secretsSchema, params: paramsSchema },
  validate: { secrets: secretWebhookUrlValidator('error configuring teams action') },
  testParams: { message: 'Test message from Plugboard' },
  // Kibana has no rendering hook for Teams, so rule values go in unescaped; kept so.
  renderParameterTemplates: (logger, params, variables) => ({ ...params, message: renderTemplate(logger, params.message, variables, 'none') }),
  async executor({ connectorId, secrets, params, services, logger, signal }) {
    let response;
    try {
      response = await services.http.send({ ...buildTeamsRequest(secrets.webhookUrl, params.message), signal });
    } catch (err) {
      const result = mapTeamsSendError(connectorId, err, secrets.webhookUrl);
      logger.error(`error on ${connectorId} Microsoft Teams event: ${result.serviceMessage}`);
      return result;
    }
    const result = mapTeamsResponse(connectorId, response, params.message);
    if (result.status === 'error') logger.error(`error on ${connectorId} Microsoft Teams event: ${result.message}: ${result.serviceMessage}`);
    return result;
  },
});
