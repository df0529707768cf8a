import { parentPort } from 'node:worker_threads';
import { pino } from 'pino';
import { CONNECTOR_TYPES } from '../../connector_types/index.js';
import { PlugboardError } from '../../common/errors.js';
import type { ConnectorTypeDefinition } from '../types.js';
import { renderActionParams } from './render_params.js';
import type { RenderReply, RenderRequest } from './render_thread.js';

// The render thread: renders params that need more than the event loop's small budget, with
// the full limits, so that the server's requests and actions go on meanwhile.

const types = new Map<string, ConnectorTypeDefinition>(CONNECTOR_TYPES.map((def) => [def.id, def]));
// A type the registry was given at run time only (tests) renders with the default rules.
const plainType = { renderParameterTemplates: undefined } as unknown as ConnectorTypeDefinition;

let warnings: string[] = [];
// The lambdas' warnings go back with the reply, for the server's own logger.
const logger = pino({ level: 'warn', base: undefined }, { write: (line: string) => void warnings.push((JSON.parse(line) as { msg: string }).msg) });

function reply(request: RenderRequest): RenderReply {
  warnings = [];
  try {
    const params = renderActionParams(types.get(request.typeId) ?? plainType, logger, request.params, request.variables, request.actionId);
    return { id: request.id, params, warnings };
  } catch (err) {
    if (err instanceof PlugboardError && err.statusCode === 400) return { id: request.id, badRequest: err.message, warnings };
    return { id: request.id, failure: (err as Error).message, warnings };
  }
}

parentPort!.on('message', (request: RenderRequest) => parentPort!.postMessage(reply(request)));
