import { defineSubActionConnectorType, urlAllowListValidator, type SubActionParams } from '../../actions/sub_actions.js';
import type { ValidatorContext } from '../../actions/types.js';
import { defenderErrorMessage, defenderUnansweredMessage } from './errors.js';
import { CONNECTOR_ID, CONNECTOR_NAME, SUB_ACTION, TEST_MACHINE_ID, configSchema, secretsSchema, type DefenderConfig } from './schema.js';
import { defenderHostIds, defenderSubActions } from './service.js';

const allowedOAuthServer = urlAllowListValidator<DefenderConfig>('oAuthServerUrl');
const allowedApi = urlAllowListValidator<DefenderConfig>('apiUrl');

export const microsoftDefenderEndpointConnectorType = defineSubActionConnectorType({
  id: CONNECTOR_ID,
  name: CONNECTOR_NAME,
  category: 'edr',
  summary: 'Query, isolate and release machines and run scripts on them with Microsoft Defender for Endpoint.',
  minimumLicenseRequired: 'enterprise',
  supportedFeatureIds: ['endpointSecurity'],
  schemas: { config: configSchema, secrets: secretsSchema },
  // Both addresses it calls, as Kibana checks them.
  validate: {
    config(config: DefenderConfig, ctx: ValidatorContext) {
      allowedOAuthServer(config, ctx);
      allowedApi(config, ctx);
    },
  },
  subActions: defenderSubActions,
  client: () => ({ errorMessage: defenderErrorMessage, unansweredMessage: defenderUnansweredMessage }),
  hostIdsOf: (params: SubActionParams) => defenderHostIds(params),
  // The Test tab reads by default: testConnector is the sub-action Kibana lets run without the
  // endpoint-security privilege; it only ever names a machine that does not exist.
  testParams: { subAction: SUB_ACTION.TestConnector, subActionParams: {} },
  // Host-changing starts name the test machine, which does not exist: a run changes nothing until the user names one.
  testSubActionParams: {
    [SUB_ACTION.TestConnector]: {},
    [SUB_ACTION.GetAgentDetails]: { id: TEST_MACHINE_ID },
    [SUB_ACTION.GetAgentList]: { page: 1, pageSize: 20 },
    [SUB_ACTION.GetActions]: { page: 1, pageSize: 20, sortField: 'creationDateTimeUtc', sortDirection: 'desc' },
    [SUB_ACTION.GetLibraryFiles]: {},
    [SUB_ACTION.IsolateHost]: { id: TEST_MACHINE_ID, comment: 'Isolated from Plugboard' },
    [SUB_ACTION.ReleaseHost]: { id: TEST_MACHINE_ID, comment: 'Released from Plugboard' },
    [SUB_ACTION.RunScript]: { id: TEST_MACHINE_ID, comment: 'Run from Plugboard', parameters: { scriptName: 'test' } },
    [SUB_ACTION.GetActionResults]: { id: 'machine-action-id' },
    [SUB_ACTION.CancelAction]: { actionId: 'machine-action-id', comment: 'Cancelled from Plugboard' },
  },
});
