import { defineSubActionConnectorType, urlAllowListValidator } from '../../actions/sub_actions.js';
import { renderTinesParams } from './render.js';
import { CONNECTOR_ID, CONNECTOR_NAME, SUB_ACTION, configSchema, secretsSchema, type TinesConfig } from './schema.js';
import { tinesErrorMessage, tinesSubActions } from './service.js';

const TEST_WEBHOOK_RUN = { webhook: { id: 1, name: 'Webhook', storyId: 1 }, body: '{"message":"Test event from Plugboard"}' };

export const tinesConnectorType = defineSubActionConnectorType({
  id: CONNECTOR_ID,
  name: CONNECTOR_NAME,
  category: 'soar',
  summary: 'Send events to a Tines story.',
  minimumLicenseRequired: 'gold',
  supportedFeatureIds: ['siem'],
  schemas: { config: configSchema, secrets: secretsSchema },
  validate: { config: urlAllowListValidator<TinesConfig>('url') },
  subActions: tinesSubActions,
  client: () => ({ errorMessage: tinesErrorMessage }),
  renderParameterTemplates: renderTinesParams,
  // Listing the stories needs nothing but the connector, and proves its URL and credentials;
  // sending needs a webhook the user picks.
  testParams: { subAction: SUB_ACTION.Stories },
  // The ids come from the service (stories, then webhooks): placeholders to replace.
  testSubActionParams: {
    [SUB_ACTION.Webhooks]: { storyId: 1 },
    [SUB_ACTION.Run]: TEST_WEBHOOK_RUN,
    [SUB_ACTION.Test]: TEST_WEBHOOK_RUN,
  },
});
