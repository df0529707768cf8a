import { defineConnectorType } from '../../../actions/types.js';
import { listHandlers, serviceNowExecutor } from '../executor.js';
import { configSchema, secretsSchema, serviceNowValidators, SIR_PRODUCT, usesDeprecatedTableApi, type ServiceNowConfig } from '../schema.js';
import { pushIncident, type ServiceNowService } from '../service.js';
import { bulkAddObservables, observablesOf, prepareSirParams } from './observables.js';
import { incidentTestSubActionParams } from '../test_params.js';
import { CONNECTOR_ID, CONNECTOR_NAME, paramsSchema, type SirParams, type SirPushParams } from './schema.js';

const API = ['getChoices', 'getFields', 'getIncident', 'handshake', 'pushToService', 'closeIncident'];
/** No closeIncident for SecOps; getIncident answers `{}`, as in Kibana. */
const SUPPORTED = ['getFields', 'pushToService', 'getChoices', 'getIncident'];

export const serviceNowSirConnectorType = defineConnectorType({
  id: CONNECTOR_ID,
  name: CONNECTOR_NAME,
  category: 'soar',
  summary: 'Create security incidents with their observables in ServiceNow SecOps.',
  minimumLicenseRequired: 'platinum',
  supportedFeatureIds: ['alerting', 'cases', 'siem', 'workflows'],
  schemas: { config: configSchema, secrets: secretsSchema, params: paramsSchema },
  validate: serviceNowValidators,
  isConnectorDeprecated: usesDeprecatedTableApi,
  testParams: { subAction: 'getChoices', subActionParams: { fields: ['category', 'priority'] } },
  // The fields Kibana's SecOps params form offers choices for.
  testSubActionParams: incidentTestSubActionParams(
    { short_description: 'Test security incident from Plugboard', description: 'A test of the ServiceNow SecOps connector.' },
    ['category', 'subcategory', 'priority'],
  ),
  executor: serviceNowExecutor<ServiceNowConfig, SirParams, ServiceNowService>({
    product: SIR_PRODUCT,
    api: API,
    supported: SUPPORTED,
    handlers: {
      async pushToService(service, params: SirPushParams, ctx) {
        const { config, secrets, logger } = ctx;
        const data = await pushIncident(service, SIR_PRODUCT, secrets.username, prepareSirParams(config.usesTableApi, params), logger);
        if (!config.usesTableApi) {
          const observables = observablesOf(params.incident);
          if (observables.length > 0) await bulkAddObservables(service, observables, data.id);
        }
        return data;
      },
      ...listHandlers,
    },
  }),
});
