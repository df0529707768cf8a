import { defineSubActionConnectorType, urlAllowListValidator } from '../../actions/sub_actions.js';
import { renderTheHiveParams } from './render.js';
import { CONNECTOR_ID, CONNECTOR_NAME, SUB_ACTION, THEHIVE_SEVERITY, THEHIVE_TLP, configSchema, secretsSchema, type TheHiveConfig } from './schema.js';
import { theHiveErrorMessage, theHiveSubActions } from './service.js';

const TEST_ALERT = {
  title: 'Test alert from Plugboard',
  description: 'A test of the TheHive connector.',
  type: 'test',
  source: 'plugboard',
  sourceRef: 'plugboard-test',
  severity: THEHIVE_SEVERITY.low,
  tlp: THEHIVE_TLP.clear,
};

export const theHiveConnectorType = defineSubActionConnectorType({
  id: CONNECTOR_ID,
  name: CONNECTOR_NAME,
  category: 'itsm',
  summary: 'Create and update cases, and create alerts, in TheHive.',
  minimumLicenseRequired: 'platinum',
  supportedFeatureIds: ['alerting', 'siem', 'uptime', 'cases', 'workflows'],
  schemas: { config: configSchema, secrets: secretsSchema },
  validate: { config: urlAllowListValidator<TheHiveConfig>('url') },
  subActions: theHiveSubActions,
  client: () => ({ errorMessage: theHiveErrorMessage }),
  renderParameterTemplates: renderTheHiveParams,
  // An alert rather than a case: alerts are TheHive's inbox for triage. TheHive refuses a second
  // alert with the same type, source and sourceRef, so a repeated test needs a new sourceRef.
  testParams: { subAction: SUB_ACTION.CreateAlert, subActionParams: TEST_ALERT },
  testSubActionParams: {
    [SUB_ACTION.CreateAlert]: TEST_ALERT,
    [SUB_ACTION.PushToService]: {
      incident: { title: 'Test case from Plugboard', description: 'A test of the TheHive connector.', severity: THEHIVE_SEVERITY.low, tlp: THEHIVE_TLP.clear, tags: ['plugboard-test'], externalId: null },
      comments: [{ commentId: 'plugboard-test-comment', comment: 'A test comment from Plugboard.' }],
    },
  },
});
