import { z } from 'zod';
import type { ActionsClient } from '../../actions/actions_client.js';
import { badRequest } from '../../common/errors.js';
import type { Accepts, StreamableOutcome } from '../../actions/actions_client.js';
import { acceptsEventStream, streamableResponse } from '../event_stream.js';
import { acceptsOctetStream, downloadResponse } from '../file_download.js';
import { defineRoute, type RouteSpec } from '../route.js';
import { nonEmptyString, objectWithoutEmptyStrings } from '../request_validation.js';
import {
  connectorResponseSchema,
  connectorTypeResponseSchema,
  errorResponses,
  executeResponseSchema,
  toConnectorResponse,
  toExecuteResponse,
} from '../schemas.js';

export const CONNECTOR_ID_MAX_LENGTH = 36;

/** The connector id rule of current Kibana: 1–36 lowercase letters, digits and hyphens. */
export const connectorIdSchema = z
  .string()
  .min(1)
  .superRefine((value, ctx) => {
    if (value.length > CONNECTOR_ID_MAX_LENGTH) {
      ctx.addIssue({ code: 'custom', message: `Connector ID must be ${CONNECTOR_ID_MAX_LENGTH} characters or less.` });
    } else if (!/^[a-z0-9-]+$/.test(value)) {
      ctx.addIssue({ code: 'custom', message: 'Connector ID must contain only lowercase letters, numbers, and hyphens.' });
    }
  })
  .meta({ description: 'An identifier for the connector.' });

/**
 * System connectors run only for rules and other internal callers: every route that runs an
 * action refuses them first, before authorization, as Kibana's execute route does.
 */
export function refuseSystemAction(client: ActionsClient, id: string): void {
  if (client.isSystemAction(id)) throw badRequest('Execution of system action is not allowed');
}

const STREAMABLE_RESULT =
  'The execution result; for params that answer with a stream, asked with `Accept: text/event-stream`, server-sent events: a `chunk` event per chunk of the answer, then a `result` event; for params that answer a file, asked with `Accept: application/octet-stream`, the file (docs/api.md)';

/** The answers beside JSON that a request's Accept header asks for. */
function acceptsOf(accept: string | undefined): Accepts {
  return { acceptStream: acceptsEventStream(accept), acceptFile: acceptsOctetStream(accept) };
}

/** A run's answer to a caller that reads streams or files: the file, the event stream, or JSON. */
function readableAnswer(outcome: StreamableOutcome) {
  return outcome.downloads ? downloadResponse(outcome) : streamableResponse(outcome);
}

const idParam = z.strictObject({ id: z.string().min(1).meta({ description: 'The connector identifier.' }) });
const optionalIdParam = z.strictObject({ id: connectorIdSchema.optional() });
const featureQuery = z.strictObject({
  feature_id: z.string().max(100).optional().meta({ description: 'A feature the connector types must support, e.g. `alerting`.' }),
});

const createBody = z
  .strictObject({
    name: nonEmptyString().meta({ description: 'The display name for the connector.' }),
    connector_type_id: nonEmptyString().meta({ description: 'The type of connector, e.g. `.webhook`.' }),
    config: objectWithoutEmptyStrings().default({}).meta({ description: "The connector's configuration; its fields depend on the type." }),
    secrets: objectWithoutEmptyStrings().default({}).meta({ description: "The connector's secrets; stored encrypted, never returned." }),
  })
  .meta({ id: 'create_connector_request' });

export const updateBody = z
  .strictObject({
    name: nonEmptyString().meta({ description: 'The display name for the connector.' }),
    config: objectWithoutEmptyStrings().default({}),
    secrets: objectWithoutEmptyStrings().default({}),
  })
  .meta({ id: 'update_connector_request' });

export const executeBody = z
  .strictObject({ params: z.record(z.string(), z.unknown()).meta({ description: "The action's parameters; they depend on the type." }) })
  .meta({ id: 'run_connector_request' });

const renderBody = z
  .strictObject({
    params: z.record(z.string(), z.unknown()).meta({ description: "The action's parameters, with mustache templates such as `{{context.message}}`." }),
    variables: z
      .record(z.string(), z.unknown())
      .optional()
      .meta({ description: 'The values the templates refer to, as a rule would give them (`context`, `alert`, `rule`…).' }),
  })
  .meta({ id: 'render_connector_params_request' });

const renderResponseSchema = z
  .object({ params: z.record(z.string(), z.unknown()).meta({ description: 'The parameters as the connector would receive them.' }) })
  .meta({ id: 'render_connector_params_response' });

const testBody = z
  .strictObject({
    connector_type_id: nonEmptyString(),
    name: nonEmptyString().optional(),
    config: objectWithoutEmptyStrings().default({}),
    secrets: objectWithoutEmptyStrings().default({}),
    params: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'test_connector_request' });

const authStatusResponse = z
  .record(
    z.string(),
    z.object({
      user_auth_status: z.enum(['connected', 'not_connected', 'not_applicable']).meta({
        description: '`not_applicable` for a connector with shared credentials, which is every connector here.',
      }),
    }),
  )
  .meta({ id: 'connectors_auth_status_response', description: 'By connector id: the stored connectors of the space and the preconfigured ones.' });

const errors = errorResponses(400, 401, 403);
const TAGS = ['connectors'];

export function connectorRoutes(client: ActionsClient): RouteSpec[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/api/actions/connector/:id?',
      operationId: 'createConnector',
      audit: { action: 'connector_create', object: 'action' },
      summary: 'Create a connector (with an optional id)',
      tags: TAGS,
      params: optionalIdParam,
      body: createBody,
      responses: {
        200: { description: 'The new connector', schema: connectorResponseSchema },
        ...errors,
        ...errorResponses(409),
      },
      async handler({ params, body, scope }) {
        const connector = await client.create(scope, {
          id: params.id,
          name: body.name,
          typeId: body.connector_type_id,
          config: body.config,
          secrets: body.secrets,
        });
        return { body: toConnectorResponse(connector) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/actions/connector/:id',
      operationId: 'getConnector',
      summary: 'Get a connector',
      tags: TAGS,
      params: idParam,
      responses: { 200: { description: 'The connector', schema: connectorResponseSchema }, ...errors, ...errorResponses(404) },
      async handler({ params, scope }) {
        return { body: toConnectorResponse(await client.get(scope, params.id)) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/actions/connectors',
      operationId: 'getConnectors',
      summary: 'List the connectors of the space, with preconfigured ones, sorted by name',
      tags: TAGS,
      responses: { 200: { description: 'The connectors', schema: z.array(connectorResponseSchema) }, ...errors },
      async handler({ scope }) {
        return { body: (await client.getAll(scope)).map(toConnectorResponse) };
      },
    }),
    defineRoute({
      method: 'PUT',
      url: '/api/actions/connector/:id',
      operationId: 'updateConnector',
      audit: { action: 'connector_update', object: 'action' },
      summary: 'Update the name, config and secrets of a connector',
      tags: TAGS,
      params: idParam,
      body: updateBody,
      responses: { 200: { description: 'The updated connector', schema: connectorResponseSchema }, ...errors, ...errorResponses(404) },
      async handler({ params, body, scope }) {
        return { body: toConnectorResponse(await client.update(scope, params.id, body)) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/actions/connector/:id',
      operationId: 'deleteConnector',
      audit: { action: 'connector_delete', object: 'action' },
      summary: 'Delete a connector',
      tags: TAGS,
      params: idParam,
      responses: { 204: { description: 'Deleted' }, ...errors, ...errorResponses(404) },
      async handler({ params, scope }) {
        await client.delete(scope, params.id);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/actions/connector/:id/_execute',
      operationId: 'runConnector',
      audit: { action: 'connector_execute', object: 'action' },
      summary: 'Run a connector now and return its result',
      tags: TAGS,
      params: idParam,
      body: executeBody,
      responses: { 200: { description: STREAMABLE_RESULT, schema: executeResponseSchema }, ...errors, ...errorResponses(404) },
      async handler({ params, body, scope, signal, request }) {
        refuseSystemAction(client, params.id);
        const accepts = acceptsOf(request.headers.accept);
        if (accepts.acceptStream || accepts.acceptFile) return readableAnswer(await client.executeStreamable(scope, params.id, body.params, signal, accepts));
        return { body: toExecuteResponse(await client.execute(scope, params.id, body.params, signal)) };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/actions/connector/:id/_render',
      operationId: 'renderConnectorParams',
      audit: false,
      summary: "Fill a connector's params templates with variables, without running it (Plugboard)",
      tags: TAGS,
      params: idParam,
      body: renderBody,
      responses: { 200: { description: 'The params with their templates filled in', schema: renderResponseSchema }, ...errors, ...errorResponses(404) },
      async handler({ params, body, scope }) {
        return { body: { params: await client.render(scope, params.id, body.params, body.variables ?? {}) } };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/actions/connector/_test',
      operationId: 'testConnector',
      audit: { action: 'connector_test' },
      summary: 'Run a connector that is not saved (Plugboard)',
      tags: TAGS,
      access: 'public',
      body: testBody,
      responses: { 200: { description: STREAMABLE_RESULT, schema: executeResponseSchema }, ...errors },
      async handler({ body, scope, signal, request }) {
        const accepts = acceptsOf(request.headers.accept);
        const outcome = await client.testUnsaved(
          scope,
          {
            name: body.name ?? 'Unsaved connector',
            typeId: body.connector_type_id,
            config: body.config,
            secrets: body.secrets,
            params: body.params,
          },
          signal,
          accepts,
        );
        return accepts.acceptStream || accepts.acceptFile ? readableAnswer(outcome) : { body: toExecuteResponse(outcome.result) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/actions/connector_types',
      operationId: 'getConnectorTypes',
      summary: 'List the connector types (system types excluded)',
      tags: TAGS,
      query: featureQuery,
      responses: { 200: { description: 'The connector types', schema: z.array(connectorTypeResponseSchema) }, ...errorResponses(401) },
      async handler({ query }) {
        return { body: client.listTypes({ featureId: query.feature_id }) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/internal/actions/connectors',
      operationId: 'getConnectorsInternal',
      summary: 'List the connectors including system connectors (used by the UI)',
      tags: TAGS,
      access: 'internal',
      responses: { 200: { description: 'The connectors', schema: z.array(connectorResponseSchema) }, ...errors },
      async handler({ scope }) {
        return { body: (await client.getAll(scope, { includeSystem: true })).map(toConnectorResponse) };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/internal/actions/connectors/_me/auth_status',
      operationId: 'getConnectorsAuthStatus',
      audit: false,
      summary: "Whether the caller has connected each connector with their own credentials (used by Kibana's UI)",
      tags: TAGS,
      access: 'internal',
      responses: { 200: { description: 'The status of each connector', schema: authStatusResponse }, ...errorResponses(401, 403) },
      async handler({ scope }) {
        const statuses = await client.getAuthStatus(scope);
        return { body: Object.fromEntries(Object.entries(statuses).map(([id, s]) => [id, { user_auth_status: s.userAuthStatus }])) };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/internal/actions/connector_types',
      operationId: 'getConnectorTypesInternal',
      summary: 'List the connector types including system types (used by the UI)',
      tags: TAGS,
      access: 'internal',
      query: featureQuery,
      responses: { 200: { description: 'The connector types', schema: z.array(connectorTypeResponseSchema) }, ...errorResponses(401) },
      async handler({ query }) {
        return { body: client.listTypes({ featureId: query.feature_id, includeSystem: true }) };
      },
    }),
  ];
}
