import { renderTemplatesDeep } from '../../actions/templating/renderer.js';
import { defineConnectorType } from '../../actions/types.js';
import { CONNECTOR_ID, CONNECTOR_NAME, configSchema, paramsSchema, secretsSchema } from './schema.js';
import { buildPayload, buildRequest, mapResponse, triggerFailed, withoutSecretsUrl } from './service.js';
import { validateXmattersConfig, validateXmattersConnector, validateXmattersSecrets } from './validation.js';

export const xmattersConnectorType = defineConnectorType({
  id: CONNECTOR_ID,
  name: CONNECTOR_NAME,
  category: 'paging',
  summary: 'Trigger an xMatters workflow.',
  minimumLicenseRequired: 'gold',
  supportedFeatureIds: ['alerting', 'siem'],
  schemas: { config: configSchema, secrets: secretsSchema, params: paramsSchema },
  validate: {
    config: validateXmattersConfig,
    secrets: validateXmattersSecrets,
    connector: validateXmattersConnector,
  },
  // Without signalId and alertActionGroupName, xMatters treats the request as a test.
  testParams: { severity: 'High', ruleName: 'Test alert from Plugboard' },
  /** Every field is plain text that goes into JSON through JSON.stringify: no escaping (as Kibana). */
  renderParameterTemplates(logger, params, variables) {
    return renderTemplatesDeep(logger, params, variables);
  },
  async executor({ connectorId, config, secrets, params, services, logger, signal }) {
    const payload = buildPayload(params);
    const request = buildRequest(config, secrets, payload);
    if ('error' in request) {
      logger.warn(`Error thrown triggering xMatters workflow: ${request.error}`);
      return triggerFailed(connectorId, request.error);
    }

    let response;
    try {
      response = await services.http.send({ ...request, signal });
    } catch (err) {
      const reason = withoutSecretsUrl(err instanceof Error ? err.message : String(err), secrets);
      logger.warn(`Error thrown triggering xMatters workflow: ${reason}`);
      return triggerFailed(connectorId, reason);
    }
    logger.debug(`Response from xMatters action "${connectorId}": [HTTP ${response.status}] ${response.statusText}`);
    const result = mapResponse(connectorId, response, payload);
    if (result.status === 'error' && result.serviceMessage) {
      result.serviceMessage = withoutSecretsUrl(result.serviceMessage, secrets);
      logger.warn(`${result.message}: ${result.serviceMessage}`);
    }
    return result;
  },
});
