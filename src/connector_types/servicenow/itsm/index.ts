import { defineConnectorType } from '../../../actions/types.js';
import { listHandlers, serviceNowExecutor } from '../executor.js';
import { configSchema, ITSM_PRODUCT, secretsSchema, serviceNowValidators, usesDeprecatedTableApi, type ServiceNowConfig } from '../schema.js';
import { pushIncident, type ServiceNowService } from '../service.js';
import { incidentTestSubActionParams, TEST_CORRELATION_ID } from '../test_params.js';
import { serviceNowItsmFollow } from '../follow.js';
import { CONNECTOR_ID, CONNECTOR_NAME, paramsSchema, type ItsmParams } from './schema.js';

/** The fields Kibana's ITSM params form offers choices for. */
const ITSM_CHOICE_FIELDS = ['urgency', 'severity', 'impact', 'category', 'subcategory'];

const API = ['getChoices', 'getFields', 'getIncident', 'handshake', 'pushToService', 'closeIncident'];
/** getIncident is supported but, as in Kibana, has no branch: it answers `{}`. */
const SUPPORTED = ['getFields', 'pushToService', 'getChoices', 'getIncident', 'closeIncident'];

export const serviceNowItsmConnectorType = defineConnectorType({
  id: CONNECTOR_ID,
  name: CONNECTOR_NAME,
  category: 'itsm',
  summary: 'Create and close incidents in ServiceNow ITSM.',
  minimumLicenseRequired: 'platinum',
  supportedFeatureIds: ['alerting', 'cases', 'uptime', 'siem', 'workflows'],
  schemas: { config: configSchema, secrets: secretsSchema, params: paramsSchema },
  validate: serviceNowValidators,
  isConnectorDeprecated: usesDeprecatedTableApi,
  follow: serviceNowItsmFollow,
  testParams: { subAction: 'getChoices', subActionParams: { fields: ['priority', 'category'] } },
  testSubActionParams: {
    ...incidentTestSubActionParams({ short_description: 'Test incident from Plugboard', description: 'A test of the ServiceNow ITSM connector.' }, ITSM_CHOICE_FIELDS),
    // Closes the test incident, found by its correlation id.
    closeIncident: { incident: { externalId: null, correlation_id: TEST_CORRELATION_ID } },
  },
  executor: serviceNowExecutor<ServiceNowConfig, ItsmParams, ServiceNowService>({
    product: ITSM_PRODUCT,
    api: API,
    supported: SUPPORTED,
    handlers: {
      ...listHandlers,
      pushToService: (service, params, { secrets, logger }) => pushIncident(service, ITSM_PRODUCT, secrets.username, params, logger),
      closeIncident: (service, { incident }: { incident: { externalId: string | null; correlation_id: string | null } }) =>
        service.closeIncident({ incidentId: incident.externalId, correlationId: incident.correlation_id }),
    },
  }),
});
