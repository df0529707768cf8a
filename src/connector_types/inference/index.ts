import { answerChunks } from '../../actions/answer_chunks.js';
import { defineSubActionConnectorType } from '../../actions/sub_actions.js';
import { createEndpoint, deleteEndpoint, dropUnsavedEndpoint, existingEndpointIds } from './endpoint.js';
import { CONNECTOR_ID, CONNECTOR_NAME, PROVIDERS, SUB_ACTION, TASK_TYPES, configSchema, secretsSchema, type InferenceConfig } from './schema.js';
import { inferenceStreamFailure, inferenceSubActions } from './service.js';

const CHAT = { body: { messages: [{ role: 'user', content: 'Hello world' }] } };

/** Kibana's config validator: a provider and task type Elasticsearch's inference API knows. */
function validateConfig(config: InferenceConfig): void {
  const prefix = 'Error configuring Inference API action: Error:';
  if (!(PROVIDERS as readonly string[]).includes(config.provider)) throw new Error(`${prefix} API Provider is not supported: ${config.provider} by Inference Endpoint.`);
  if (!(TASK_TYPES as readonly string[]).includes(config.taskType)) throw new Error(`${prefix} Task type is not supported: ${config.taskType} by Inference Endpoint.`);
}

export const inferenceConnectorType = defineSubActionConnectorType({
  id: CONNECTOR_ID,
  name: CONNECTOR_NAME,
  category: 'ai',
  summary: "Send prompts, ranking and embedding requests to a model through Elasticsearch's inference API.",
  minimumLicenseRequired: 'enterprise',
  supportedFeatureIds: ['generativeAIForSecurity', 'generativeAIForSearchPlayground', 'generativeAIForObservability'],
  schemas: { config: configSchema, secrets: secretsSchema },
  validate: { config: validateConfig },
  streamChunks: (data) => answerChunks(data, inferenceStreamFailure),
  subActions: inferenceSubActions,
  // Elasticsearch is reached through its own client, not the outbound HTTP client.
  client: () => ({ errorMessage: ({ statusText }) => statusText }),
  hooks: { preSave: createEndpoint, postSave: dropUnsavedEndpoint, postDelete: deleteEndpoint },
  // A copy into another space, or an import, names its source's endpoint: it goes with the last of them.
  sharedResource: (config) => config.inferenceId,
  // Kibana hides connectors whose endpoint is gone; when Elasticsearch cannot say, none.
  async listedConnectors(services) {
    const ids = await existingEndpointIds(services.elasticsearch());
    return ids && { listed: (config) => ids.has(config.inferenceId) };
  },
  testParams: { subAction: SUB_ACTION.UnifiedCompletion, subActionParams: CHAT },
  testSubActionParams: {
    [SUB_ACTION.UnifiedCompletionStream]: CHAT,
    [SUB_ACTION.UnifiedCompletionAsyncIterator]: CHAT,
    [SUB_ACTION.Completion]: { input: 'Hello world' },
    [SUB_ACTION.Rerank]: { input: ['Paris is in France', 'Berlin is in Germany'], query: 'Where is Paris?' },
    [SUB_ACTION.TextEmbedding]: { input: 'Hello world', inputType: 'ingest' },
    [SUB_ACTION.SparseEmbedding]: { input: 'Hello world' },
  },
});
