import { renderTemplate, renderTemplatesDeep } from '../../actions/templating/renderer.js';
import { defineConnectorType } from '../../actions/types.js';
import { CONNECTOR_ID, CONNECTOR_NAME, configSchema, paramsSchema, secretsSchema, type PagerDutyParams } from './schema.js';
import { buildEvent, mapResponse, pagerDutyApiUrl, postingFailed } from './service.js';

export const pagerDutyConnectorType = defineConnectorType({
  id: CONNECTOR_ID,
  name: CONNECTOR_NAME,
  category: 'paging',
  summary: 'Send an event in PagerDuty.',
  minimumLicenseRequired: 'gold',
  supportedFeatureIds: ['alerting', 'uptime', 'siem', 'workflows'],
  schemas: { config: configSchema, secrets: secretsSchema, params: paramsSchema },
  validate: {
    config(config, { configurationUtilities }) {
      try {
        configurationUtilities.allowedHosts.ensureUriAllowed(pagerDutyApiUrl(config, configurationUtilities));
      } catch (err) {
        throw new Error(`error configuring pagerduty action: ${(err as Error).message}`);
      }
    },
  },
  testParams: {
    eventAction: 'trigger',
    summary: 'Test event from Plugboard',
    severity: 'info',
  },
  /**
   * Text fields are rendered without escaping, as Kibana does (it has no hook of its own for this
   * type). customDetails given as JSON text, which validation parses afterwards, has its values
   * JSON-escaped so that a quote or newline cannot break it; Kibana does not escape it. An object
   * variable goes into that text raw with `{{{x}}}`.
   */
  renderParameterTemplates(logger, params, variables) {
    // Params are rendered before validation, so customDetails may still be JSON text.
    const { customDetails, ...rest } = params as Omit<PagerDutyParams, 'customDetails'> & { customDetails?: unknown };
    const rendered: Record<string, unknown> = renderTemplatesDeep(logger, rest, variables);
    if (typeof customDetails === 'string') rendered.customDetails = renderTemplate(logger, customDetails, variables, 'json');
    else if (customDetails !== undefined) rendered.customDetails = renderTemplatesDeep(logger, customDetails, variables);
    return rendered as PagerDutyParams;
  },
  async executor({ connectorId, config, secrets, params, services, configurationUtilities, logger, signal }) {
    const event = buildEvent(connectorId, params);
    let response;
    try {
      response = await services.http.send({
        url: pagerDutyApiUrl(config, configurationUtilities),
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Routing-Key': secrets.routingKey },
        body: JSON.stringify(event),
        signal,
      });
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      logger.warn(`error thrown posting pagerduty event: ${reason}`);
      return postingFailed(connectorId, reason);
    }
    logger.debug(`response posting pagerduty event: ${response.status}`);
    const result = mapResponse(connectorId, response);
    if (result.status === 'error') logger.warn(`${result.message}: ${result.serviceMessage}`);
    return result;
  },
});
