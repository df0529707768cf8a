import { answerChunks } from '../../actions/answer_chunks.js';
import { defineSubActionConnectorType, urlAllowListValidator } from '../../actions/sub_actions.js';
import { jsonBodyRenderer } from '../lib/render_json_body.js';
import { validateGeminiSecrets } from './auth.js';
import { geminiErrorMessage, geminiStreamFailure } from './errors.js';
import { CONNECTOR_ID, CONNECTOR_NAME, SUB_ACTION, configSchema, secretsSchema, type GeminiConfig } from './schema.js';
import { geminiSubActions, geminiUnansweredMessage } from './service.js';

const HELLO = [{ role: 'user', content: 'Hello world' }];
const TEST_BODY = { body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Hello world' }] }] }) };
const INVOKE = { messages: HELLO };

export const geminiConnectorType = defineSubActionConnectorType({
  id: CONNECTOR_ID,
  name: CONNECTOR_NAME,
  category: 'ai',
  summary: "Send prompts to Google's Gemini models on Vertex AI, with a service account.",
  minimumLicenseRequired: 'enterprise',
  supportedFeatureIds: ['generativeAIForSecurity', 'generativeAIForSearchPlayground', 'generativeAIForObservability'],
  schemas: { config: configSchema, secrets: secretsSchema },
  validate: {
    config: urlAllowListValidator<GeminiConfig>('apiUrl', 'Error configuring Google Gemini action: Error: error validating url'),
    secrets: validateGeminiSecrets,
  },
  streamChunks: (data) => answerChunks(data, geminiStreamFailure),
  subActions: geminiSubActions,
  client: () => ({ errorMessage: geminiErrorMessage, unansweredMessage: geminiUnansweredMessage }),
  renderParameterTemplates: jsonBodyRenderer([SUB_ACTION.Run, SUB_ACTION.Test]),
  testParams: { subAction: SUB_ACTION.Test, subActionParams: TEST_BODY },
  testSubActionParams: {
    [SUB_ACTION.Test]: TEST_BODY,
    [SUB_ACTION.Run]: TEST_BODY,
    [SUB_ACTION.InvokeAI]: INVOKE,
    [SUB_ACTION.InvokeAIRaw]: INVOKE,
    [SUB_ACTION.InvokeStream]: INVOKE,
    [SUB_ACTION.Dashboard]: { dashboardId: 'generative-ai-token-usage' },
  },
});
