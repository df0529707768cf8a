import type { ConnectorTypeDefinition } from '../actions/types.js';
import { bedrockConnectorType } from './bedrock/index.js';
import { casesWebhookConnectorType } from './cases_webhook/index.js';
import { crowdstrikeConnectorType } from './crowdstrike/index.js';
import { d3SecurityConnectorType } from './d3security/index.js';
import { emailConnectorType } from './email/index.js';
import { esIndexConnectorType } from './es_index/index.js';
import { genAiConnectorType } from './openai/index.js';
import { geminiConnectorType } from './gemini/index.js';
import { inferenceConnectorType } from './inference/index.js';
import { jiraConnectorType } from './jira/index.js';
import { microsoftDefenderEndpointConnectorType } from './microsoft_defender_endpoint/index.js';
import { observabilityAiAssistantConnectorType } from './observability_ai_assistant/index.js';
import { opsgenieConnectorType } from './opsgenie/index.js';
import { pagerDutyConnectorType } from './pagerduty/index.js';
import { resilientConnectorType } from './resilient/index.js';
import { sentinelOneConnectorType } from './sentinelone/index.js';
import { serverLogConnectorType } from './server_log/index.js';
import { serviceNowItomConnectorType } from './servicenow/itom/index.js';
import { serviceNowItsmConnectorType } from './servicenow/itsm/index.js';
import { serviceNowSirConnectorType } from './servicenow/sir/index.js';
import { slackConnectorType } from './slack/index.js';
import { slackApiConnectorType } from './slack_api/index.js';
import { swimlaneConnectorType } from './swimlane/index.js';
import { teamsConnectorType } from './teams/index.js';
import { theHiveConnectorType } from './thehive/index.js';
import { tinesConnectorType } from './tines/index.js';
import { torqConnectorType } from './torq/index.js';
import { webhookConnectorType } from './webhook/index.js';
import { xmattersConnectorType } from './xmatters/index.js';
import { xsoarConnectorType } from './xsoar/index.js';

/** The one explicit registry of connector types: a type exists when it is listed here. */
export const CONNECTOR_TYPES: ConnectorTypeDefinition[] = [
  bedrockConnectorType,
  casesWebhookConnectorType,
  crowdstrikeConnectorType,
  d3SecurityConnectorType,
  emailConnectorType,
  esIndexConnectorType,
  genAiConnectorType,
  geminiConnectorType,
  inferenceConnectorType,
  jiraConnectorType,
  microsoftDefenderEndpointConnectorType,
  observabilityAiAssistantConnectorType,
  opsgenieConnectorType,
  pagerDutyConnectorType,
  resilientConnectorType,
  sentinelOneConnectorType,
  serverLogConnectorType,
  serviceNowItomConnectorType,
  serviceNowItsmConnectorType,
  serviceNowSirConnectorType,
  slackConnectorType,
  slackApiConnectorType,
  swimlaneConnectorType,
  teamsConnectorType,
  theHiveConnectorType,
  tinesConnectorType,
  torqConnectorType,
  webhookConnectorType,
  xmattersConnectorType,
  xsoarConnectorType,
];
