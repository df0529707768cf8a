import { urlAllowListValidator } from '../../actions/sub_actions.js';
import { defineConnectorType } from '../../actions/types.js';
import { pushToService } from '../lib/push_to_service.js';
import { CONNECTOR_ID, CONNECTOR_NAME, configSchema, paramsSchema, secretsSchema, type SwimlaneConfig } from './schema.js';
import { swimlaneCaseService } from './service.js';

export const swimlaneConnectorType = defineConnectorType({
  id: CONNECTOR_ID,
  name: CONNECTOR_NAME,
  category: 'soar',
  summary: 'Create records in Swimlane.',
  minimumLicenseRequired: 'gold',
  supportedFeatureIds: ['alerting', 'cases', 'siem', 'workflows'],
  schemas: { config: configSchema, secrets: secretsSchema, params: paramsSchema },
  validate: { config: urlAllowListValidator<SwimlaneConfig>('apiUrl', 'error configuring connector action') },
  testParams: {
    subAction: 'pushToService',
    subActionParams: {
      incident: {
        ruleName: 'Test rule from Plugboard',
        alertId: 'plugboard-test-alert',
        caseId: null,
        caseName: null,
        severity: 'low',
        description: 'A test record from Plugboard',
        externalId: null,
      },
      comments: null,
    },
  },
  // A classic executor, as Kibana's: failures are thrown, so the result says retry, from the framework.
  async executor(ctx) {
    const { config, secrets, params, logger, connectorId } = ctx;
    if (!config.apiUrl || !config.appId || !secrets.apiToken) throw new Error('[Action]Swimlane: Wrong configuration.');
    const data = await pushToService(swimlaneCaseService(ctx), params.subActionParams);
    logger.debug(`response push to service for incident id: ${data.id}`);
    return { status: 'ok', actionId: connectorId, data };
  },
});
