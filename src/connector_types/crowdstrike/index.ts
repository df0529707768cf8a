import { defineSubActionConnectorType, urlAllowListValidator, type SubActionParams } from '../../actions/sub_actions.js';
import { CONNECTOR_ID, CONNECTOR_NAME, SUB_ACTION, configSchema, secretsSchema, type CrowdstrikeConfig } from './schema.js';
import { crowdstrikeErrorMessage, crowdstrikeSubActions, crowdstrikeUnansweredMessage } from './service.js';

/** The host ids a call names: `ids` (agent details, online status, host actions) or `endpoint_ids` (RTR). */
export function crowdstrikeHostIds(params: SubActionParams | null | undefined): string[] {
  const sub = params?.subActionParams;
  const named = sub?.ids ?? sub?.endpoint_ids;
  return Array.isArray(named) ? named.filter((id): id is string => typeof id === 'string') : [];
}

const TEST_AGENT = { ids: ['<agent id>'] };

export const crowdstrikeConnectorType = defineSubActionConnectorType({
  id: CONNECTOR_ID,
  name: CONNECTOR_NAME,
  category: 'edr',
  summary: 'Read, contain and release hosts, and run RTR scripts, in CrowdStrike Falcon.',
  minimumLicenseRequired: 'enterprise',
  supportedFeatureIds: ['endpointSecurity'],
  schemas: { config: configSchema, secrets: secretsSchema },
  validate: { config: urlAllowListValidator<CrowdstrikeConfig>('url') },
  subActions: crowdstrikeSubActions,
  client: () => ({ errorMessage: crowdstrikeErrorMessage, unansweredMessage: crowdstrikeUnansweredMessage }),
  hostIdsOf: crowdstrikeHostIds,
  // The Test tab reads, by default: agent details changes nothing on the host.
  testParams: { subAction: SUB_ACTION.GetAgentDetails, subActionParams: TEST_AGENT },
  testSubActionParams: {
    [SUB_ACTION.GetAgentDetails]: TEST_AGENT,
    [SUB_ACTION.GetAgentOnlineStatus]: TEST_AGENT,
    [SUB_ACTION.HostActions]: { command: 'contain', ids: ['<agent id>'] },
    [SUB_ACTION.ExecuteRTRCommand]: { command: 'runscript -CloudFile="<script name>"', endpoint_ids: ['<agent id>'] },
    [SUB_ACTION.BatchActiveResponderExecuteRTR]: { command: 'runscript -CloudFile="<script name>"', endpoint_ids: ['<agent id>'] },
    [SUB_ACTION.BatchAdminExecuteRTR]: { command: 'runscript -CloudFile="<script name>"', endpoint_ids: ['<agent id>'] },
    [SUB_ACTION.GetRTRCloudScripts]: {},
  },
});
