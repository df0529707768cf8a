import { z } from 'zod';

export const CONNECTOR_ID = '.sentinelone';
export const CONNECTOR_NAME = 'Sentinel One';

/** The version of SentinelOne's management API the connector calls, under the console URL. */
export const API_PATH = '/web/api/v2.1';

export const SUB_ACTION = {
  GetAgents: 'getAgents',
  IsolateHost: 'isolateHost',
  ReleaseHost: 'releaseHost',
  ExecuteScript: 'executeScript',
  GetRemoteScripts: 'getRemoteScripts',
  GetRemoteScriptStatus: 'getRemoteScriptStatus',
  GetRemoteScriptResults: 'getRemoteScriptResults',
  DownloadRemoteScriptResults: 'downloadRemoteScriptResults',
  FetchAgentFiles: 'fetchAgentFiles',
  DownloadAgentFile: 'downloadAgentFile',
  GetActivities: 'getActivities',
} as const;

export const configSchema = z.strictObject({
  url: z.string().meta({ label: 'SentinelOne tenant URL', help: 'The management console address, e.g. https://<tenant>.sentinelone.net.', placeholder: 'https://<tenant>.sentinelone.net' }),
});

export const secretsSchema = z.strictObject({
  token: z.string().meta({ label: 'API token', help: 'A SentinelOne API token, sent as the APIToken query parameter.', secret: true }),
});

// The agent filters of SentinelOne's `GET /agents` that Kibana accepts (SentinelOneBaseFilterSchema):
// each a text (lists comma-separated), null by default. Built from the API's naming rules rather
// than spelt out one by one: a field with range operators, a list with its `Nin` (not in)
// counterpart, a field matched by `__contains`, and the rest.
const RANGE_FIELDS = ['coreCount', 'cpuCount', 'totalMemory', 'createdAt', 'updatedAt', 'registeredAt', 'decommissionedAt', 'lastActiveDate', 'threatCreatedAt'];
const RANGE_OPERATORS = ['__between', '__gt', '__gte', '__lt', '__lte'];
const LIST_FIELDS = [
  'agentVersions', 'appsVulnerabilityStatuses', 'consoleMigrationStatuses', 'domains', 'installerTypes', 'locationIds', 'machineTypes',
  'networkStatuses', 'operationalStates', 'osTypes', 'rangerStatuses', 'rangerVersions', 'remoteProfilingStates', 'scanStatuses',
];
const CONTAINS_FIELDS = [
  'K8SNodeLabels', 'K8SNodeName', 'K8SType', 'K8SVersion', 'adComputerMember', 'adComputerName', 'adComputerQuery', 'adQuery', 'adUserMember',
  'adUserName', 'adUserQuery', 'agentNamespace', 'agentPodName', 'awsRole', 'awsSecurityGroups', 'awsSubnetIds', 'azureResourceGroup',
  'cloudAccount', 'cloudImage', 'cloudInstanceId', 'cloudInstanceSize', 'cloudLocation', 'cloudNetwork', 'cloudTags', 'clusterName',
  'computerName', 'externalId', 'externalIp', 'gcpServiceAccount', 'lastLoggedInUserName', 'networkInterfaceGatewayMacAddress',
  'networkInterfaceInet', 'networkInterfacePhysical', 'osVersion', 'uuid',
];
const OTHER_FILTERS = [
  'accountIds', 'activeThreats', 'activeThreats__gt', 'adQuery', 'cloudProvider', 'computerName', 'computerName__like', 'countsFor',
  'encryptedApplications', 'filterId', 'filteredGroupIds', 'filteredSiteIds', 'firewallEnabled', 'gatewayIp', 'groupIds',
  'hasLocalConfiguration', 'ids', 'infected', 'isActive', 'isDecommissioned', 'isPendingUninstall', 'isUninstalled', 'isUpToDate',
  'locationEnabled', 'migrationStatus', 'mitigationMode', 'mitigationModeSuspicious', 'networkQuarantineEnabled', 'osArch', 'query',
  'rangerStatus', 'scanStatus', 'siteIds', 'threatContentHash', 'threatHidden', 'threatMitigationStatus', 'threatRebootRequired',
  'threatResolved', 'userActionsNeeded', 'uuid', 'uuids',
];

export const AGENT_FILTER_KEYS: readonly string[] = [
  ...RANGE_FIELDS.flatMap((field) => RANGE_OPERATORS.map((op) => `${field}${op}`)),
  ...LIST_FIELDS.flatMap((field) => [field, `${field}Nin`]),
  ...CONTAINS_FIELDS.map((field) => `${field}__contains`),
  ...OTHER_FILTERS,
].sort();

/** The alerts a host action was taken for (Kibana's security rules fill it; it is not sent). */
const alertIdsField = () => z.array(z.string()).optional().meta({ label: 'Alert ids', help: 'The alerts the action is taken for; not sent to SentinelOne.' });

/** Labels and help of the filters the UI's Test tab draws; the others are labelled with their key. */
const FILTER_META: Record<string, { label: string; help?: string }> = {
  computerName: { label: 'Computer name', help: 'The agent whose computer name is exactly this.' },
  computerName__contains: { label: 'Computer name contains', help: 'Parts of computer names, comma-separated.' },
  uuid: { label: 'Agent UUID', help: 'The agent with this UUID.' },
  uuids: { label: 'Agent UUIDs', help: 'Comma-separated.' },
  ids: { label: 'Agent ids', help: 'Comma-separated.' },
  networkStatuses: { label: 'Network statuses', help: 'connected, connecting, disconnected or disconnecting, comma-separated.' },
  osTypes: { label: 'OS types', help: 'windows, macos, linux, windows_legacy, comma-separated.' },
  siteIds: { label: 'Site ids', help: 'Comma-separated.' },
  groupIds: { label: 'Group ids', help: 'Comma-separated.' },
  isActive: { label: 'Active', help: 'true or false.' },
  query: { label: 'Query', help: 'Free text matched against several agent fields.' },
};

const filterShape: Record<string, z.ZodType> = Object.fromEntries(
  AGENT_FILTER_KEYS.map((key) => [key, z.string().nullable().default(null).meta(FILTER_META[key] ?? { label: key })]),
);

/** SentinelOne's agent filters: strict, each nullable (null is not sent), with the alert ids. */
export const agentFilterSchema = z.strictObject({ ...filterShape, alertIds: alertIdsField() });
export type AgentFilter = { [key: string]: string | null } & { alertIds?: string[] };

const nonEmpty = () => z.string().min(1);

export const executeScriptParamsSchema = z.strictObject({
  filter: z
    .strictObject({
      uuids: nonEmpty().optional().meta({ label: 'Agent UUIDs', help: 'Comma-separated; this or ids is required.' }),
      ids: nonEmpty().optional().meta({ label: 'Agent ids', help: 'Comma-separated; this or uuids is required.' }),
    })
    .meta({ label: 'Agents' }),
  script: z
    .strictObject({
      scriptId: z.string().meta({ label: 'Script id', help: 'A script of the SentinelOne library (getRemoteScripts lists them).' }),
      apiKey: z.string().optional(),
      inputParams: z.string().optional().meta({ label: 'Input parameters' }),
      outputDirectory: z.string().optional(),
      outputDestination: z.enum(['Local', 'None', 'SentinelCloud', 'SingularityXDR']).optional().meta({ label: 'Output destination', help: 'SentinelCloud unless set.' }),
      passwordFromScope: z.strictObject({ scopeLevel: z.string().optional(), scopeId: z.string().optional() }).optional(),
      password: z.string().optional(),
      requiresApproval: z.boolean().optional(),
      scriptName: z.string().optional(),
      scriptRuntimeTimeoutSeconds: z.coerce.number().optional(),
      singularityxdrKeyword: z.string().optional(),
      singularityxdrUrl: z.string().optional(),
      taskDescription: z.string().optional().meta({ label: 'Task description' }),
    })
    .meta({ label: 'Script' }),
  alertIds: alertIdsField(),
});

const nullableText = (label: string, help?: string) => z.string().nullable().default(null).meta({ label, ...(help ? { help } : {}) });
const nullableFlag = (label: string) => z.boolean().nullable().default(null).meta({ label });

export const getRemoteScriptsParamsSchema = z.strictObject({
  query: nullableText('Query'),
  osTypes: nullableText('OS types', 'linux, macos or windows, comma-separated.'),
  scriptType: nullableText('Script type', 'action, artifactCollection or dataCollection, comma-separated.'),
  cursor: nullableText('Cursor', 'The nextCursor of the previous page.'),
  groupIds: nullableText('Group ids'),
  ids: nullableText('Script ids'),
  isAvailableForArs: nullableFlag('Available for Advanced Response Scripts'),
  limit: z.coerce.number().min(1).max(1000).nullable().default(null).meta({ label: 'Limit', help: '1 to 1000.' }),
  siteIds: nullableText('Site ids'),
  skip: z.coerce.number().nullable().default(null).meta({ label: 'Skip' }),
  skipCount: nullableFlag('Skip count'),
  sortBy: nullableText('Sort by'),
  sortOrder: nullableText('Sort order', 'asc or desc.'),
});

// Kibana's schema lets other keys through here (and does not send them).
export const getRemoteScriptStatusParamsSchema = z.looseObject({ parentTaskId: z.string().meta({ label: 'Parent task id', help: 'The parentTaskId executeScript answered.' }) });

export const getRemoteScriptResultsParamsSchema = z.strictObject({ taskIds: z.array(z.string()).meta({ label: 'Task ids' }) });

export const downloadRemoteScriptResultsParamsSchema = z.strictObject({ taskId: nonEmpty().meta({ label: 'Task id' }) });

export const fetchAgentFilesParamsSchema = z.strictObject({
  agentId: nonEmpty().meta({ label: 'Agent id' }),
  zipPassCode: z.string().min(10).meta({ label: 'Zip pass code', help: 'At least 10 characters: the password of the zip SentinelOne makes.' }),
  files: z.array(nonEmpty()).meta({ label: 'Files', help: 'Full paths on the agent.' }),
});

export const downloadAgentFileParamsSchema = z.strictObject({
  agentId: nonEmpty().meta({ label: 'Agent id' }),
  activityId: nonEmpty().meta({ label: 'Activity id', help: 'The activity of the fetch-files upload.' }),
});

const optionalText = (label: string) => nonEmpty().optional().meta({ label });
export const getActivitiesParamsSchema = z
  .strictObject({
    accountIds: optionalText('Account ids'),
    activityTypes: z.string().optional().meta({ label: 'Activity types' }),
    activityUuids: optionalText('Activity UUIDs'),
    agentIds: optionalText('Agent ids'),
    alertIds: optionalText('Alert ids'),
    countOnly: z.boolean().optional().meta({ label: 'Count only' }),
    createdAt__between: optionalText('Created between'),
    createdAt__gt: optionalText('Created after'),
    createdAt__gte: optionalText('Created at or after'),
    createdAt__lt: optionalText('Created before'),
    createdAt__lte: optionalText('Created at or before'),
    cursor: optionalText('Cursor'),
    groupIds: optionalText('Group ids'),
    ids: optionalText('Activity ids'),
    includeHidden: z.boolean().optional().meta({ label: 'Include hidden' }),
    limit: z.coerce.number().optional().meta({ label: 'Limit' }),
    ruleIds: optionalText('Rule ids'),
    siteIds: optionalText('Site ids'),
    skip: z.coerce.number().optional().meta({ label: 'Skip' }),
    skipCount: z.boolean().optional().meta({ label: 'Skip count' }),
    sortBy: optionalText('Sort by'),
    sortOrder: optionalText('Sort order'),
    threatIds: optionalText('Threat ids'),
    userEmails: optionalText('User emails'),
    userIds: optionalText('User ids'),
  })
  .optional();

export type SentinelOneConfig = z.output<typeof configSchema>;
export type SentinelOneSecrets = z.output<typeof secretsSchema>;
export type ExecuteScriptParams = z.output<typeof executeScriptParamsSchema>;
export type GetRemoteScriptsParams = z.output<typeof getRemoteScriptsParamsSchema>;
export type FetchAgentFilesParams = z.output<typeof fetchAgentFilesParamsSchema>;
export type DownloadAgentFileParams = z.output<typeof downloadAgentFileParamsSchema>;
export type GetActivitiesParams = z.output<typeof getActivitiesParamsSchema>;
