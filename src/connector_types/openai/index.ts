import { answerChunks } from '../../actions/answer_chunks.js';
import { defineSubActionConnectorType, urlAllowListValidator } from '../../actions/sub_actions.js';
import { jsonBodyRenderer } from '../lib/render_json_body.js';
import { providerTls, validateGenAiSecrets } from './providers.js';
import { CONNECTOR_ID, CONNECTOR_NAME, SUB_ACTION, configSchema, secretsSchema, type GenAiConfig } from './schema.js';
import { genAiErrorMessage, genAiSubActions, genAiUnansweredMessage } from './service.js';
import { openAiStreamFailure } from './tokens.js';

const HELLO = [{ role: 'user', content: 'Hello world' }];
const TEST_BODY = { body: JSON.stringify({ messages: HELLO }) };
const INVOKE = { messages: HELLO };

export const genAiConnectorType = defineSubActionConnectorType({
  id: CONNECTOR_ID,
  name: CONNECTOR_NAME,
  category: 'ai',
  summary: 'Send chat completions to OpenAI, Azure OpenAI or any OpenAI-compatible server.',
  minimumLicenseRequired: 'enterprise',
  supportedFeatureIds: ['generativeAIForSecurity', 'generativeAIForObservability', 'generativeAIForSearchPlayground'],
  schemas: { config: configSchema, secrets: secretsSchema },
  validate: {
    config: urlAllowListValidator<GenAiConfig>('apiUrl', 'Error configuring OpenAI action: Error: error validating url'),
    secrets: validateGenAiSecrets,
  },
  streamChunks: (data) => answerChunks(data, openAiStreamFailure),
  subActions: genAiSubActions,
  client: (ctx) => {
    const tls = providerTls(ctx.config, ctx.secrets);
    return { errorMessage: genAiErrorMessage, unansweredMessage: genAiUnansweredMessage, ...(tls ? { tls } : {}) };
  },
  renderParameterTemplates: jsonBodyRenderer([SUB_ACTION.Run, SUB_ACTION.Test]),
  testParams: { subAction: SUB_ACTION.Test, subActionParams: TEST_BODY },
  testSubActionParams: {
    [SUB_ACTION.Test]: TEST_BODY,
    [SUB_ACTION.Run]: TEST_BODY,
    [SUB_ACTION.Stream]: { ...TEST_BODY, stream: false },
    [SUB_ACTION.InvokeAI]: INVOKE,
    [SUB_ACTION.InvokeStream]: INVOKE,
    [SUB_ACTION.InvokeAsyncIterator]: INVOKE,
    [SUB_ACTION.Dashboard]: { dashboardId: 'generative-ai-token-usage' },
  },
});
