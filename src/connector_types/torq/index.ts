import { renderTemplatesDeep } from '../../actions/templating/renderer.js';
import { defineConnectorType } from '../../actions/types.js';
import { CONNECTOR_ID, CONNECTOR_NAME, configSchema, paramsSchema, secretsSchema } from './schema.js';
import { invalidBody, mapResponse, mapSendError, parseBody } from './service.js';
import { validateTorqConfig } from './validation.js';

export const torqConnectorType = defineConnectorType({
  id: CONNECTOR_ID,
  name: CONNECTOR_NAME,
  category: 'soar',
  summary: 'Trigger a Torq workflow.',
  minimumLicenseRequired: 'gold',
  supportedFeatureIds: ['alerting', 'uptime', 'siem'],
  schemas: { config: configSchema, secrets: secretsSchema, params: paramsSchema },
  validate: { config: validateTorqConfig },
  testParams: { body: '{"msg":"Test event from Plugboard"}' },
  /**
   * The body is JSON text, so values are JSON-escaped: a quote or newline in a value cannot break
   * it. Kibana renders it without escaping; an object variable goes in raw with `{{{x}}}`.
   */
  // As Kibana: no escaping, so an object variable (`{{context}}`) renders as JSON; a string
  // value with quotes can make the body invalid, which the executor then reports.
  renderParameterTemplates: (logger, params, variables) => renderTemplatesDeep(logger, params, variables),
  async executor({ connectorId, config, secrets, params, services, logger, signal }) {
    const parsed = parseBody(params.body);
    if (!parsed.ok) {
      logger.error(`error on ${connectorId} Torq event: error triggering Torq workflow, invalid body: ${parsed.reason}`);
      return invalidBody(connectorId, parsed.reason);
    }

    let response;
    try {
      response = await services.http.send({
        url: config.webhookIntegrationUrl,
        method: 'POST',
        headers: { 'X-Torq-Token': secrets.token, 'Content-Type': 'application/json' },
        ...(parsed.json !== undefined ? { body: parsed.json } : {}),
        signal,
      });
    } catch (err) {
      const result = mapSendError(connectorId, err);
      logger.error(`error on ${connectorId} Torq event: ${result.serviceMessage ?? result.message}`);
      return result;
    }

    logger.debug(`response from Torq action "${connectorId}": [HTTP ${response.status}] ${response.statusText}`);
    const result = mapResponse(connectorId, response, params.body);
    if (result.status === 'error') logger.error(`error on ${connectorId} Torq event: ${result.serviceMessage}`);
    return result;
  },
});
