import type { Client as ElasticsearchClient } from '@elastic/elasticsearch';
import type { HookContext } from '../../actions/types.js';
import { badRequest, PlugboardError } from '../../common/errors.js';
import type { InferenceConfig, InferenceSecrets } from './schema.js';

// The Elasticsearch inference endpoint behind a connector (reference §4.2): saving the connector
// creates it (replacing it on update), deleting the connector deletes it.

type Settings = Record<string, unknown>;

/** `{'a.b': 1}` → `{a: {b: 1}}`: Kibana's forms keep settings flat, Elasticsearch reads them nested. */
export function unflatten(flat: Settings | undefined): Settings {
  const out: Settings = {};
  for (const [key, value] of Object.entries(flat ?? {})) {
    const path = key.split('.');
    let node = out;
    for (const part of path.slice(0, -1)) node = (node[part] = typeof node[part] === 'object' && node[part] !== null ? node[part] : {}) as Settings;
    node[path.at(-1)!] = value;
  }
  return out;
}

const statusOf = (err: unknown) => (err as { meta?: { statusCode?: number } }).meta?.statusCode;

/** Whether Elasticsearch has the endpoint (a 404 says it has not). */
export async function endpointExists(es: ElasticsearchClient, taskType: string, inferenceId: string): Promise<boolean> {
  try {
    const { endpoints } = await es.inference.get({ task_type: taskType as never, inference_id: inferenceId });
    return (endpoints ?? []).some((endpoint) => endpoint.inference_id === inferenceId);
  } catch (err) {
    if (statusOf(err) === 404) return false;
    throw err;
  }
}

/** How long a listing waits for Elasticsearch to say which endpoints it has. */
const LISTING_TIMEOUT_MS = 5_000;

/**
 * The inference ids Elasticsearch has; undefined when it cannot say (the listing then hides
 * nothing). Asked once, briefly: a listing must not hang on an Elasticsearch that does not answer.
 */
export async function existingEndpointIds(es: ElasticsearchClient): Promise<Set<string> | undefined> {
  try {
    const { endpoints } = await es.inference.get({}, { requestTimeout: LISTING_TIMEOUT_MS, maxRetries: 0 });
    return new Set((endpoints ?? []).map((endpoint) => endpoint.inference_id));
  } catch {
    return undefined;
  }
}

/** The reason Elasticsearch gave, without the client's framing. */
function reasonOf(err: unknown): string {
  const body = (err as { meta?: { body?: { error?: { reason?: unknown } } } }).meta?.body;
  const reason = body?.error?.reason;
  return typeof reason === 'string' ? reason : (err as Error).message;
}

/**
 * preSaveHook: on create an endpoint of the id and task type must not exist yet; on update it is
 * deleted first; then it is created with the provider's settings and secrets. A refusal of
 * Elasticsearch's refuses the save, with its reason.
 */
export async function createEndpoint(ctx: HookContext<InferenceConfig, InferenceSecrets>): Promise<void> {
  const { config, secrets, isUpdate } = ctx;
  const es = ctx.services.elasticsearch();
  const { taskType, inferenceId } = config;
  try {
    const exists = await endpointExists(es, taskType, inferenceId);
    if (exists && !isUpdate) throw badRequest(`Inference with id ${inferenceId} and task type ${taskType} already exists.`);
    if (exists) await es.inference.delete({ task_type: taskType as never, inference_id: inferenceId });
    await es.inference.put({
      task_type: taskType as never,
      inference_id: inferenceId,
      inference_config: {
        service: config.provider,
        service_settings: { ...unflatten(config.providerConfig), ...unflatten(secrets.providerSecrets) },
        task_settings: unflatten(config.taskTypeConfig),
      },
    });
  } catch (err) {
    if (err instanceof PlugboardError) throw err;
    const reason = reasonOf(err);
    ctx.logger.warn(`connector ${ctx.connectorId}: the inference endpoint ${inferenceId} was not saved: ${reason}`);
    // Refused by Elasticsearch: the user's input (400); not answered, or failing: 502.
    const status = statusOf(err);
    if (status !== undefined && status >= 400 && status < 500) throw badRequest(reason);
    throw new PlugboardError(502, `Elasticsearch could not create the inference endpoint ${inferenceId}: ${reason}`);
  }
}

/** postSaveHook: a connector whose record was not stored leaves no endpoint of its create behind. */
export async function dropUnsavedEndpoint(ctx: HookContext<InferenceConfig, InferenceSecrets> & { wasSuccessful: boolean }): Promise<void> {
  if (ctx.wasSuccessful || ctx.isUpdate) return;
  await deleteEndpoint(ctx);
}

/** postDeleteHook (and the above): the endpoint goes with its connector. */
export async function deleteEndpoint(ctx: Pick<HookContext<InferenceConfig, unknown>, 'config' | 'services'>): Promise<void> {
  await ctx.services.elasticsearch().inference.delete({ task_type: ctx.config.taskType as never, inference_id: ctx.config.inferenceId });
}
