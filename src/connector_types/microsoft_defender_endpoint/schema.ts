import { z } from 'zod';

// Kibana's schemas of reference §8.1 and §8.3: every field a non-empty string, all strict.

export const CONNECTOR_ID = '.microsoft_defender_endpoint';
export const CONNECTOR_NAME = 'Microsoft Defender for Endpoint';

export const SUB_ACTION = {
  GetAgentDetails: 'getAgentDetails',
  GetAgentList: 'getAgentList',
  IsolateHost: 'isolateHost',
  ReleaseHost: 'releaseHost',
  RunScript: 'runScript',
  GetActions: 'getActions',
  GetActionResults: 'getActionResults',
  GetLibraryFiles: 'getLibraryFiles',
  CancelAction: 'cancelAction',
  TestConnector: 'testConnector',
} as const;

/** The machine id testConnector names: Defender answers ResourceNotFound, which proves the call was authorised. */
export const TEST_MACHINE_ID = 'elastic-connector-test';

const text = () => z.string().min(1);

export const configSchema = z.strictObject({
  clientId: text().meta({ label: 'Application client ID', help: 'The client (application) id of the app registered in Microsoft Entra ID.' }),
  tenantId: text().meta({ label: 'Tenant ID', help: 'The directory (tenant) id of the Microsoft Entra ID tenant.' }),
  oAuthServerUrl: text().meta({ label: 'OAuth server URL', help: 'The Microsoft Entra ID address (https://login.microsoftonline.com); tokens are requested at its /<tenant id>/oauth2/v2.0/token.' }),
  oAuthScope: text().meta({ label: 'OAuth scope', help: 'The scope of the tokens requested (https://securitycenter.onmicrosoft.com/windowsatpservice/.default).' }),
  apiUrl: text().meta({ label: 'API URL', help: 'The Defender for Endpoint API address (https://api.securitycenter.microsoft.com).' }),
});

export const secretsSchema = z.strictObject({
  clientSecret: text().meta({ label: 'Client secret value', help: "The value (not the id) of the registered app's client secret.", secret: true }),
});

/** A filter value: one (`eq`) or several (`in`). */
const oneOrMore = <T extends z.ZodType>(item: T) => z.union([item, z.array(item).min(1)]);
const filterText = () => oneOrMore(text()).optional();

const paging = {
  page: z.coerce.number().min(1).optional().meta({ label: 'Page', help: 'The page, from 1 (default 1).' }),
  pageSize: z.coerce.number().min(1).max(1000).optional().meta({ label: 'Page size', help: 'Entries per page, 1 to 1000 (default 20).' }),
};

export const HEALTH_STATUSES = ['Active', 'Inactive', 'ImpairedCommunication', 'NoSensorData', 'NoSensorDataImpairedCommunication', 'Unknown'] as const;
export const ACTION_STATUSES = ['Pending', 'InProgress', 'Succeeded', 'Failed', 'TimeOut', 'Cancelled'] as const;
export const ACTION_TYPES = [
  'RunAntiVirusScan',
  'Offboard',
  'LiveResponse',
  'CollectInvestigationPackage',
  'Isolate',
  'Unisolate',
  'StopAndQuarantineFile',
  'RestrictCodeExecution',
  'UnrestrictCodeExecution',
] as const;

const machineId = () => text().meta({ label: 'Machine ID', help: 'The Defender id of the machine.' });

export const agentDetailsParamsSchema = z.strictObject({ id: machineId() });

export const agentListParamsSchema = z.strictObject({
  computerDnsName: filterText(),
  id: filterText(),
  version: filterText(),
  deviceValue: filterText(),
  aaDeviceId: filterText(),
  machineTags: filterText(),
  lastSeen: filterText(),
  exposureLevel: filterText(),
  onboardingStatus: filterText(),
  lastIpAddress: filterText(),
  healthStatus: oneOrMore(z.enum(HEALTH_STATUSES)).optional(),
  osPlatform: filterText(),
  riskScore: filterText(),
  rbacGroupId: filterText(),
  ...paging,
});

export const hostActionParamsSchema = z.strictObject({
  id: machineId(),
  comment: text().meta({ label: 'Comment', help: 'Why, as Defender records it with the action.' }),
});

export const runScriptParamsSchema = z.strictObject({
  id: machineId(),
  comment: text().optional().meta({ label: 'Comment', help: 'Why, as Defender records it with the action.' }),
  parameters: z.strictObject({
    scriptName: text().meta({ label: 'Script name', help: 'A script of the live response library (getLibraryFiles).' }),
    args: text().optional().meta({ label: 'Arguments', help: 'Given to the script; --noargs when empty.' }),
  }),
});

export const cancelParamsSchema = z.strictObject({
  comment: text().meta({ label: 'Comment', help: 'Why the action is cancelled.' }),
  actionId: text().meta({ label: 'Action ID', help: 'The machine action to cancel.' }),
});

export const getActionsParamsSchema = z.strictObject({
  id: filterText(),
  status: oneOrMore(z.enum(ACTION_STATUSES)).optional(),
  machineId: filterText(),
  type: oneOrMore(z.enum(ACTION_TYPES)).optional(),
  requestor: filterText(),
  creationDateTimeUtc: filterText(),
  ...paging,
  sortField: text().optional().meta({ label: 'Sort field', help: 'A machine action field to order by.' }),
  sortDirection: z.enum(['asc', 'desc']).optional().meta({ label: 'Sort direction', help: 'desc by default.' }),
});

export const getActionResultsParamsSchema = z.strictObject({ id: text().meta({ label: 'Action ID', help: 'A live response (runScript) action whose first result file is downloaded.' }) });

export const emptyParamsSchema = z.strictObject({});

export type DefenderConfig = z.output<typeof configSchema>;
export type DefenderSecrets = z.output<typeof secretsSchema>;
export type AgentListParams = z.output<typeof agentListParamsSchema>;
export type GetActionsParams = z.output<typeof getActionsParamsSchema>;
export type HostActionParams = z.output<typeof hostActionParamsSchema>;
export type RunScriptParams = z.output<typeof runScriptParamsSchema>;
export type CancelParams = z.output<typeof cancelParamsSchema>;
