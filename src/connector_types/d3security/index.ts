import { defineSubActionConnectorType, urlAllowListValidator } from '../../actions/sub_actions.js';
import { jsonBodyRenderer } from '../lib/render_json_body.js';
import { CONNECTOR_ID, CONNECTOR_NAME, SUB_ACTION, configSchema, secretsSchema, type D3SecurityConfig } from './schema.js';
import { d3ErrorMessage, d3SecuritySubActions } from './service.js';

const TEST_EVENT = { body: '{"message":"Test event from Plugboard"}', severity: 'low', eventType: 'test' };

export const d3SecurityConnectorType = defineSubActionConnectorType({
  id: CONNECTOR_ID,
  name: CONNECTOR_NAME,
  category: 'soar',
  summary: 'Create an event or trigger a playbook in D3 SOAR.',
  minimumLicenseRequired: 'gold',
  supportedFeatureIds: ['alerting', 'siem', 'workflows', 'agentBuilder'],
  schemas: { config: configSchema, secrets: secretsSchema },
  validate: { config: urlAllowListValidator<D3SecurityConfig>('url') },
  subActions: d3SecuritySubActions,
  client: () => ({ errorMessage: d3ErrorMessage }),
  // Severity and event type are sent as typed, as Kibana does.
  renderParameterTemplates: jsonBodyRenderer([SUB_ACTION.Run, SUB_ACTION.Test]),
  testParams: { subAction: SUB_ACTION.Test, subActionParams: TEST_EVENT },
  testSubActionParams: { [SUB_ACTION.Test]: TEST_EVENT, [SUB_ACTION.Run]: TEST_EVENT },
});
