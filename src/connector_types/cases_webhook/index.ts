import { defineConnectorType } from '../../actions/types.js';
import { pushToService, type PushResult } from '../lib/push_to_service.js';
import { validateWebhookSecrets } from '../webhook/validation.js';
import { CONNECTOR_ID, CONNECTOR_NAME, configSchema, paramsSchema, secretsSchema } from './schema.js';
import { casesWebhookFollow } from './follow.js';
import { casesWebhookService } from './service.js';
import { validateCasesWebhookConfig, validateCasesWebhookConnector } from './validation.js';

export const casesWebhookConnectorType = defineConnectorType({
  id: CONNECTOR_ID,
  name: CONNECTOR_NAME,
  category: 'itsm',
  summary: 'Create and update cases in any case management system with a REST API.',
  minimumLicenseRequired: 'gold',
  supportedFeatureIds: ['cases'],
  schemas: { config: configSchema, secrets: secretsSchema, params: paramsSchema },
  validate: {
    config: validateCasesWebhookConfig,
    secrets: (secrets) => validateWebhookSecrets(secrets),
    connector: validateCasesWebhookConnector,
  },
  follow: casesWebhookFollow,
  testParams: {
    subAction: 'pushToService',
    subActionParams: {
      incident: {
        title: 'Test case from Plugboard',
        description: 'A test of the Webhook - Case Management connector.',
        id: null,
        severity: 'low',
        status: 'open',
        tags: ['plugboard'],
        externalId: null,
      },
      comments: null,
    },
  },
  // A classic executor, as Kibana's: failures are thrown, so the result says retry, from the framework.
  async executor(ctx) {
    const { params, logger, connectorId } = ctx;
    const { comments } = params.subActionParams;
    // Empty comments are skipped, and left out of the answer, as Kibana does.
    const data: PushResult = await pushToService(casesWebhookService(ctx), { ...params.subActionParams, comments: comments?.filter((c) => c.comment) });
    if (comments?.length && !data.comments) data.comments = [];
    logger.debug(`response push to service for case id: ${data.id}`);
    return { status: 'ok', actionId: connectorId, data };
  },
});
