import { defineSubActionConnectorType, urlAllowListValidator } from '../../actions/sub_actions.js';
import { renderXsoarParams } from './render.js';
import { CONNECTOR_ID, CONNECTOR_NAME, SUB_ACTION, configSchema, secretsSchema, type XsoarConfig } from './schema.js';
import { xsoarErrorMessage, xsoarSubActions } from './service.js';

export const xsoarConnectorType = defineSubActionConnectorType({
  id: CONNECTOR_ID,
  name: CONNECTOR_NAME,
  category: 'soar',
  summary: 'Create incidents and run playbooks in Cortex XSOAR.',
  minimumLicenseRequired: 'platinum',
  supportedFeatureIds: ['siem'],
  schemas: { config: configSchema, secrets: secretsSchema },
  validate: { config: urlAllowListValidator<XsoarConfig>('url') },
  subActions: xsoarSubActions,
  client: () => ({ errorMessage: xsoarErrorMessage }),
  renderParameterTemplates: renderXsoarParams,
  // Listing the playbooks creates nothing, and proves the URL and the key.
  testParams: { subAction: SUB_ACTION.GetPlaybooks, subActionParams: {} },
  testSubActionParams: {
    [SUB_ACTION.Run]: { name: 'Test incident from Plugboard', playbookId: null, createInvestigation: false, severity: 1, isRuleSeverity: false, body: null },
  },
});
