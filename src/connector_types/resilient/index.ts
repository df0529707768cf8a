import { defineSubActionConnectorType, urlAllowListValidator } from '../../actions/sub_actions.js';
import { CONNECTOR_ID, CONNECTOR_NAME, SUB_ACTION, configSchema, secretsSchema, type ResilientConfig } from './schema.js';
import { resilientErrorMessage, resilientSubActions } from './service.js';

export const resilientConnectorType = defineSubActionConnectorType({
  id: CONNECTOR_ID,
  name: CONNECTOR_NAME,
  category: 'itsm',
  summary: 'Create and update incidents in IBM Resilient.',
  minimumLicenseRequired: 'platinum',
  supportedFeatureIds: ['alerting', 'cases', 'siem'],
  schemas: { config: configSchema, secrets: secretsSchema },
  validate: { config: urlAllowListValidator<ResilientConfig>('apiUrl') },
  subActions: resilientSubActions,
  client: ({ secrets }) => ({ auth: { username: secrets.apiKeyId, password: secrets.apiKeySecret }, errorMessage: resilientErrorMessage }),
  // Listing the incident types reaches the organization with the key, and creates nothing.
  testParams: { subAction: SUB_ACTION.IncidentTypes, subActionParams: {} },
  testSubActionParams: {
    [SUB_ACTION.Fields]: {},
    [SUB_ACTION.Severity]: {},
    [SUB_ACTION.PushToService]: {
      incident: { name: 'Test incident from Plugboard', description: 'A test of the IBM Resilient connector.', externalId: null, incidentTypes: null, severityCode: null, additionalFields: null },
      comments: [{ commentId: 'plugboard-test-comment', comment: 'A test comment from Plugboard.' }],
    },
  },
});
