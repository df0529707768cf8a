import { ExecutorError } from '../../actions/failure.js';
import { urlAllowListValidator } from '../../actions/sub_actions.js';
import { defineConnectorType } from '../../actions/types.js';
import { pushToService } from '../lib/push_to_service.js';
import { CONNECTOR_ID, CONNECTOR_NAME, configSchema, paramsSchema, secretsSchema, type JiraConfig } from './schema.js';
import { jiraFollow } from './follow.js';
import { jiraService } from './service.js';

const TEST_PUSH = {
  incident: {
    summary: 'Test issue from Plugboard',
    description: 'A test of the Jira connector.',
    externalId: null,
    issueType: null,
    priority: null,
    labels: ['plugboard-test'],
    parent: null,
    otherFields: null,
  },
  comments: null,
};

export const jiraConnectorType = defineConnectorType({
  id: CONNECTOR_ID,
  name: CONNECTOR_NAME,
  category: 'itsm',
  summary: 'Create and update issues in Jira.',
  minimumLicenseRequired: 'gold',
  supportedFeatureIds: ['alerting', 'cases', 'uptime', 'siem'],
  schemas: { config: configSchema, secrets: secretsSchema, params: paramsSchema },
  validate: { config: urlAllowListValidator<JiraConfig>('apiUrl', 'error configuring connector action') },
  follow: jiraFollow,
  testParams: { subAction: 'pushToService', subActionParams: TEST_PUSH },
  // Ids come from the service (issueTypes, issues): the Test tab leaves them to fill in.
  testSubActionParams: {
    pushToService: TEST_PUSH,
    getFields: {},
    issueTypes: {},
    fieldsByIssueType: { id: '' },
    issues: { title: TEST_PUSH.incident.summary },
    issue: { id: '' },
    getIncident: { externalId: '' },
    handshake: {},
  },
  // A classic executor, as Kibana's: failures are thrown, so the result says retry.
  async executor(ctx) {
    const { config, secrets, params, logger, connectorId } = ctx;
    if (!config.apiUrl || !config.projectKey || !secrets.apiToken || !secrets.email) throw new Error(`[Action]${CONNECTOR_NAME}: Wrong configuration.`);
    const jira = jiraService(ctx);
    let data: unknown;
    switch (params.subAction) {
      case 'pushToService':
        data = await pushToService(jira.cases, params.subActionParams);
        logger.debug(`response push to service for incident id: ${(data as { id: string }).id}`);
        break;
      case 'getIncident':
        data = await jira.getIncident(params.subActionParams.externalId);
        break;
      case 'getFields':
        data = await jira.commonFields();
        break;
      case 'issueTypes':
        data = await jira.issueTypes();
        break;
      case 'fieldsByIssueType':
        data = await jira.fieldsByIssueType(params.subActionParams.id);
        break;
      case 'issues':
        data = await jira.searchIssues(params.subActionParams.title);
        break;
      case 'issue':
        data = await jira.getIssue(params.subActionParams.id);
        break;
      case 'handshake': {
        // In Kibana's params schema but not among its supported sub-actions.
        const message = `[Action][ExternalService] subAction ${params.subAction} not implemented.`;
        logger.error(message);
        throw new ExecutorError(message, 'framework', { permanent: true });
      }
    }
    return { status: 'ok', actionId: connectorId, data: data ?? {} };
  },
});
