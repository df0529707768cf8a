import { defineSubActionConnectorType, urlAllowListValidator } from '../../actions/sub_actions.js';
import { renderSentinelOneParams } from './render.js';
import { CONNECTOR_ID, CONNECTOR_NAME, SUB_ACTION, configSchema, secretsSchema, type SentinelOneConfig } from './schema.js';
import { sentinelOneErrorMessage, sentinelOneHostIds, sentinelOneSubActions, sentinelOneUnansweredMessage } from './service.js';

export const sentinelOneConnectorType = defineSubActionConnectorType({
  id: CONNECTOR_ID,
  name: CONNECTOR_NAME,
  category: 'edr',
  summary: 'Isolate and release hosts, run scripts and fetch files on SentinelOne agents.',
  minimumLicenseRequired: 'enterprise',
  supportedFeatureIds: ['endpointSecurity'],
  schemas: { config: configSchema, secrets: secretsSchema },
  validate: { config: urlAllowListValidator<SentinelOneConfig>('url') },
  subActions: sentinelOneSubActions,
  client: () => ({ errorMessage: sentinelOneErrorMessage, unansweredMessage: sentinelOneUnansweredMessage }),
  renderParameterTemplates: renderSentinelOneParams,
  hostIdsOf: (params) => sentinelOneHostIds(params.subAction, params.subActionParams as Record<string, unknown> | null | undefined),
  // The Test tab reads agents: nothing on a host changes.
  testParams: { subAction: SUB_ACTION.GetAgents, subActionParams: {} },
  // The others start from placeholders to replace: ids of an agent, a script, a task, an upload.
  testSubActionParams: {
    [SUB_ACTION.GetAgents]: {},
    [SUB_ACTION.IsolateHost]: { computerName: 'host-name' },
    [SUB_ACTION.ReleaseHost]: { computerName: 'host-name' },
    [SUB_ACTION.ExecuteScript]: { filter: { ids: 'agent-id' }, script: { scriptId: 'script-id' } },
    [SUB_ACTION.GetRemoteScripts]: { limit: 10 },
    [SUB_ACTION.GetRemoteScriptStatus]: { parentTaskId: 'parent-task-id' },
    [SUB_ACTION.GetRemoteScriptResults]: { taskIds: ['task-id'] },
    [SUB_ACTION.DownloadRemoteScriptResults]: { taskId: 'task-id' },
    [SUB_ACTION.FetchAgentFiles]: { agentId: 'agent-id', zipPassCode: 'zip-pass-code', files: ['/var/log/syslog'] },
    [SUB_ACTION.DownloadAgentFile]: { agentId: 'agent-id', activityId: 'activity-id' },
    [SUB_ACTION.GetActivities]: { limit: 10 },
  },
});
