import { defineSubActionConnectorType, urlAllowListValidator } from '../../actions/sub_actions.js';
import { renderOpsgenieParams } from './render.js';
import { CONNECTOR_ID, CONNECTOR_NAME, SUB_ACTION, configSchema, secretsSchema, type OpsgenieConfig } from './schema.js';
import { opsgenieErrorMessage, opsgenieSubActions } from './service.js';

const TEST_ALERT = {
  message: 'Test alert from Plugboard',
  alias: 'plugboard-connector-test',
  description: 'Sent from the Test tab of an Opsgenie connector.',
  priority: 'P5',
  tags: ['test'],
};

export const opsgenieConnectorType = defineSubActionConnectorType({
  id: CONNECTOR_ID,
  name: CONNECTOR_NAME,
  category: 'paging',
  summary: 'Create or close an alert in Opsgenie.',
  minimumLicenseRequired: 'platinum',
  supportedFeatureIds: ['alerting', 'uptime', 'siem', 'workflows', 'agentBuilder'],
  schemas: { config: configSchema, secrets: secretsSchema },
  validate: { config: urlAllowListValidator<OpsgenieConfig>('apiUrl') },
  subActions: opsgenieSubActions,
  client: () => ({ errorMessage: opsgenieErrorMessage }),
  renderParameterTemplates: renderOpsgenieParams,
  testParams: { subAction: SUB_ACTION.CreateAlert, subActionParams: TEST_ALERT },
  // Closing takes the test alert's alias: the two make a round trip.
  testSubActionParams: {
    [SUB_ACTION.CreateAlert]: TEST_ALERT,
    [SUB_ACTION.CloseAlert]: { alias: TEST_ALERT.alias, note: 'Closed from the Test tab of an Opsgenie connector.' },
  },
});
