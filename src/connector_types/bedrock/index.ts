import { defineSubActionConnectorType, urlAllowListValidator } from '../../actions/sub_actions.js';
import { jsonBodyRenderer } from '../lib/render_json_body.js';
import { CONNECTOR_ID, CONNECTOR_NAME, SUB_ACTION, configSchema, secretsSchema, type BedrockConfig } from './schema.js';
import { bedrockSubActions, bedrockUnansweredMessage } from './service.js';
import { bedrockErrorMessage } from './errors.js';
import { bedrockStreamChunks } from './tokens.js';

const HELLO = [{ role: 'user', content: 'Hello world' }];
const TEST_BODY = { body: JSON.stringify({ anthropic_version: 'bedrock-2023-05-31', messages: HELLO, max_tokens: 256 }) };
const INVOKE = { messages: HELLO };
const CONVERSE = { messages: [{ role: 'user', content: [{ text: 'Hello world' }] }] };

export const bedrockConnectorType = defineSubActionConnectorType({
  id: CONNECTOR_ID,
  name: CONNECTOR_NAME,
  category: 'ai',
  summary: 'Invoke Amazon Bedrock models (InvokeModel and Converse, streamed or not), signed with an AWS access key.',
  minimumLicenseRequired: 'enterprise',
  supportedFeatureIds: ['generativeAIForSecurity', 'generativeAIForObservability', 'generativeAIForSearchPlayground', 'workflows'],
  schemas: { config: configSchema, secrets: secretsSchema },
  validate: {
    config: urlAllowListValidator<BedrockConfig>('apiUrl', 'Error configuring Amazon Bedrock action: Error: error validating url'),
  },
  streamChunks: bedrockStreamChunks,
  subActions: bedrockSubActions,
  client: () => ({ errorMessage: bedrockErrorMessage, unansweredMessage: bedrockUnansweredMessage }),
  renderParameterTemplates: jsonBodyRenderer([SUB_ACTION.Run, SUB_ACTION.Test]),
  testParams: { subAction: SUB_ACTION.Test, subActionParams: TEST_BODY },
  testSubActionParams: {
    [SUB_ACTION.Test]: TEST_BODY,
    [SUB_ACTION.Run]: TEST_BODY,
    [SUB_ACTION.InvokeAI]: INVOKE,
    [SUB_ACTION.InvokeStream]: INVOKE,
    [SUB_ACTION.InvokeAIRaw]: INVOKE,
    [SUB_ACTION.Converse]: CONVERSE,
    [SUB_ACTION.ConverseStream]: CONVERSE,
    [SUB_ACTION.Dashboard]: { dashboardId: 'generative-ai-token-usage' },
  },
});
