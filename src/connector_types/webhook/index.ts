import { renderTemplate } from '../../actions/templating/renderer.js';
import { defineConnectorType } from '../../actions/types.js';
import { CONNECTOR_ID, CONNECTOR_NAME, configSchema, paramsSchema, secretsSchema } from './schema.js';
import { buildWebhookRequest, mapResponse, mapSendError, mergeHeaders, requestFailed } from './service.js';
import { validateWebhookConfig, validateWebhookSecrets } from './validation.js';

export const webhookConnectorType = defineConnectorType({
  id: CONNECTOR_ID,
  name: CONNECTOR_NAME,
  category: 'other',
  summary: 'Send a request to a web service.',
  minimumLicenseRequired: 'gold',
  supportedFeatureIds: ['alerting', 'uptime', 'siem'],
  schemas: { config: configSchema, secrets: secretsSchema, params: paramsSchema },
  validate: {
    config: validateWebhookConfig,
    secrets: (secrets) => validateWebhookSecrets(secrets),
  },
  testParams: { body: '{"message": "Test message from Plugboard"}' },
  // The body is usually JSON: values are escaped so that `"{{x}}"` stays a valid JSON string.
  renderParameterTemplates: (logger, params, variables) => ({ ...params, body: renderTemplate(logger, params.body, variables, 'json') }),
  async executor({ connectorId, config, secrets, params, services, logger, signal }) {
    const built = buildWebhookRequest(config, secrets, params);
    if (!built.ok) {
      logger.error(`ConnectorId "${connectorId}": error "${built.reason}"`);
      // Kibana leaves retry unset; the queue does not send a request that cannot be built again.
      return requestFailed(connectorId, built.reason, { failure: { permanent: true } });
    }

    const { request, oauth } = built;
    if (oauth) {
      try {
        const authorization = await services.tokens.authorizationHeader({ connectorId, ...oauth, signal });
        request.headers = mergeHeaders(request.headers, { Authorization: authorization });
      } catch (err) {
        const reason = `Unable to retrieve/refresh the access token: ${(err as Error).message}`;
        logger.error(`ConnectorId "${connectorId}": error "${reason}"`);
        return requestFailed(connectorId, reason);
      }
    }

    let response;
    try {
      response = await services.http.send({ ...request, signal });
    } catch (err) {
      const result = mapSendError(connectorId, err);
      logger.error(`error on ${connectorId} webhook event: ${result.serviceMessage ?? result.message}`);
      return result;
    }
    // The service refused the token: fetch a new one next time (Kibana deletes it on any 4xx).
    if (oauth && response.status >= 400 && response.status < 500) services.tokens.forget(connectorId);

    logger.debug(`response from webhook action "${connectorId}": [HTTP ${response.status}] ${response.statusText}`);
    const result = mapResponse(connectorId, response, params.body);
    if (result.status === 'error') logger.error(`error on ${connectorId} webhook event: ${result.serviceMessage}`);
    return result;
  },
});
