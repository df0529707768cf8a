import { defineConnectorType } from '../../actions/types.js';
import { CONNECTOR_ID, CONNECTOR_NAME, configSchema, paramsSchema, secretsSchema } from './schema.js';
import { buildWebhookRequest, mapResponse, mapSendError, requestFailed } from './service.js';
import { validateWebhookConfig, validateWebhookSecrets } from './validation.js';

export const webhookConnectorType = defineConnectorType({
  id: CONNECTOR_ID,
  name: CONNECTOR_NAME,
  minimumLicenseRequired: 'gold',
  supportedFeatureIds: ['alerting', 'uptime', 'siem'],
  schemas: { config: configSchema, secrets: secretsSchema, params: paramsSchema },
  validate: {
    config: validateWebhookConfig,
    secrets: (secrets) => validateWebhookSecrets(secrets),
  },
  async executor({ connectorId, config, secrets, params, services, logger, signal }) {
    const built = buildWebhookRequest(config, secrets, params);
    if (!built.ok) {
      logger.error(`ConnectorId "${connectorId}": error "${built.reason}"`);
      return requestFailed(connectorId, built.reason, { retry: false });
    }

    let response;
    try {
      response = await services.http.send({ ...built.request, signal });
    } catch (err) {
      const result = mapSendError(connectorId, err);
      logger.error(`error on ${connectorId} webhook event: ${result.serviceMessage ?? result.message}`);
      return result;
    }

    logger.debug(`response from webhook action "${connectorId}": [HTTP ${response.status}] ${response.statusText}`);
    const result = mapResponse(connectorId, response, params.body);
    if (result.status === 'error') logger.error(`error on ${connectorId} webhook event: ${result.serviceMessage}`);
    return result;
  },
});
