import { z } from 'zod';

// CrowdStrike Falcon (reference §6): config, secrets and the params of each sub-action.

export const CONNECTOR_ID = '.crowdstrike';
export const CONNECTOR_NAME = 'CrowdStrike';

export const SUB_ACTION = {
  GetAgentDetails: 'getAgentDetails',
  GetAgentOnlineStatus: 'getAgentOnlineStatus',
  HostActions: 'hostActions',
  ExecuteRTRCommand: 'executeRTRCommand',
  BatchActiveResponderExecuteRTR: 'batchActiveResponderExecuteRTR',
  BatchAdminExecuteRTR: 'batchAdminExecuteRTR',
  GetRTRCloudScripts: 'getRTRCloudScripts',
} as const;

export const configSchema = z.strictObject({
  url: z.string().meta({ label: 'CrowdStrike API URL', help: "The API base URL of your Falcon cloud, e.g. https://api.crowdstrike.com or https://api.eu-1.crowdstrike.com." }),
});

export const secretsSchema = z.strictObject({
  clientId: z.string().meta({ label: 'Client ID', help: 'The ID of a Falcon API client (Hosts: read and write; Real time response for RTR).', secret: true }),
  clientSecret: z.string().meta({ label: 'Client secret', help: "That API client's secret.", secret: true }),
});

const ids = z.array(z.string()).meta({ label: 'Host IDs', help: 'Falcon agent ids (AIDs) of the hosts.' });

export const agentIdsParamsSchema = z.strictObject({ ids });

export const hostActionsParamsSchema = z.strictObject({
  command: z.enum(['contain', 'lift_containment']).meta({ label: 'Command', help: 'contain isolates the hosts from the network; lift_containment releases them.' }),
  actionParameters: z.record(z.string(), z.unknown()).optional().meta({ label: 'Action parameters', help: 'Sent as action_parameters, one {name, value} per entry.' }),
  ids,
  alertIds: z.array(z.string()).optional().meta({ label: 'Alert IDs', help: 'Accepted as in Kibana; not sent to CrowdStrike.' }),
  comment: z.string().optional().meta({ label: 'Comment', help: 'Accepted as in Kibana; not sent to CrowdStrike.' }),
});

/**
 * Kibana takes any object here; Plugboard checks the two fields it reads and lets others
 * through (so what Kibana accepts is still accepted).
 */
export const rtrParamsSchema = z.looseObject({
  command: z.string().meta({ label: 'Command', help: 'The RTR command line; only runscript is supported, e.g. runscript -CloudFile="collect" .' }),
  endpoint_ids: z.array(z.string()).meta({ label: 'Host IDs', help: 'Falcon agent ids (AIDs) of the hosts to run it on.' }),
});

export const cloudScriptsParamsSchema = z.looseObject({});

export type CrowdstrikeConfig = z.output<typeof configSchema>;
export type CrowdstrikeSecrets = z.output<typeof secretsSchema>;
export type AgentIdsParams = z.output<typeof agentIdsParamsSchema>;
export type HostActionsParams = z.output<typeof hostActionsParamsSchema>;
export type RtrParams = z.output<typeof rtrParamsSchema>;
