import { defineConnectorType } from '../../../actions/types.js';
import { listHandlers, serviceNowExecutor } from '../executor.js';
import { baseConfigSchema, ITOM_PRODUCT, secretsSchema, serviceNowValidators, type ServiceNowBaseConfig } from '../schema.js';
import type { ServiceNowService } from '../service.js';
import { addEvent } from './event.js';
import { CONNECTOR_ID, CONNECTOR_NAME, paramsSchema, type ItomEvent, type ItomParams } from './schema.js';

const SUB_ACTIONS = ['addEvent', 'getChoices'];

const TEST_EVENT = {
  source: 'Plugboard',
  event_class: 'plugboard-test',
  resource: null,
  node: 'plugboard',
  metric_name: null,
  type: 'Test',
  severity: '5',
  description: 'A test event from Plugboard',
  additional_info: null,
  message_key: 'plugboard-test',
  time_of_event: null,
};

export const serviceNowItomConnectorType = defineConnectorType({
  id: CONNECTOR_ID,
  name: CONNECTOR_NAME,
  category: 'itsm',
  summary: 'Send events to ServiceNow ITOM Event Management.',
  minimumLicenseRequired: 'platinum',
  supportedFeatureIds: ['alerting', 'siem', 'workflows'],
  schemas: { config: baseConfigSchema, secrets: secretsSchema, params: paramsSchema },
  validate: serviceNowValidators,
  testParams: { subAction: 'addEvent', subActionParams: TEST_EVENT },
  testSubActionParams: { addEvent: TEST_EVENT, getChoices: { fields: ['severity'] } },
  executor: serviceNowExecutor<ServiceNowBaseConfig, ItomParams, ServiceNowService>({
    product: ITOM_PRODUCT,
    api: SUB_ACTIONS,
    supported: SUB_ACTIONS,
    handlers: {
      addEvent: (service, event: ItomEvent) => addEvent(service, event),
      getChoices: listHandlers.getChoices,
    },
  }),
});
