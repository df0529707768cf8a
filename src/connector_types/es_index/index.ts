import { ALERT_HISTORY_CONNECTOR_ID } from '../../actions/in_memory_connectors.js';
import { renderTemplatesDeep } from '../../actions/templating/renderer.js';
import { defineConnectorType } from '../../actions/types.js';
import { CONNECTOR_ID, CONNECTOR_NAME, configSchema, paramsSchema, secretsSchema } from './schema.js';
import { buildBulkOperations, bulkItemsFailure, clientErrorFailure, describeBulkErrors, indexingError } from './service.js';

export const esIndexConnectorType = defineConnectorType({
  id: CONNECTOR_ID,
  name: CONNECTOR_NAME,
  category: 'other',
  summary: 'Index data into Elasticsearch.',
  minimumLicenseRequired: 'basic',
  supportedFeatureIds: ['alerting', 'uptime', 'siem'],
  schemas: { config: configSchema, secrets: secretsSchema, params: paramsSchema },
  testParams: { documents: [{ message: 'Test document from Plugboard' }], indexOverride: null },
  // Documents are data, not text: rendered with no escaping. Only the alert-history connector
  // may write to another index (Kibana).
  renderParameterTemplates: (logger, params, variables, actionId) => ({
    documents: renderTemplatesDeep(logger, params.documents, variables),
    indexOverride: actionId === ALERT_HISTORY_CONNECTOR_ID ? params.indexOverride : null,
  }),
  async executor({ connectorId, config, params, services, logger, signal }) {
    const index = params.indexOverride || config.index;
    const operations = buildBulkOperations(config, params);
    try {
      const response = await services
        .elasticsearch()
        .bulk({ index, refresh: config.refresh, operations }, { signal });
      if (response.errors) {
        const reason = describeBulkErrors(response.items);
        logger.error(`error indexing documents: ${reason}`);
        return indexingError(connectorId, reason, bulkItemsFailure(response.items));
      }
      return { status: 'ok', actionId: connectorId, data: response };
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      logger.error(`error indexing documents: ${reason}`);
      return indexingError(connectorId, reason, clientErrorFailure(err));
    }
  },
});
