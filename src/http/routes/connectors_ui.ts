import { z } from 'zod';
import type { ActionsClient } from '../../actions/actions_client.js';
import { defineRoute, type RouteSpec } from '../route.js';
import { nonEmptyString, objectWithoutEmptyStrings } from '../request_validation.js';
import { connectorResponseSchema, errorResponses, toConnectorResponse } from '../schemas.js';
import { executeBody, refuseSystemAction, updateBody } from './connectors.js';

// Plugboard's routes for its UI's connector flyouts: an edit that keeps the secrets the user
// did not touch (Kibana's PUT replaces them all, so a rename would drop them), and what a test
// run would send before it is sent.

const idParam = z.strictObject({ id: z.string().min(1).meta({ description: 'The connector identifier.' }) });
const TAGS = ['connectors'];

const secretNames = z.array(z.string().min(1)).max(100);

const keepingUpdateBody = updateBody
  .extend({
    keep_secrets: secretNames.default([]).meta({
      description:
        'Secret fields that keep their stored value; a field cannot also be in `secrets`. The other secret fields are those of `secrets`, as with `PUT /api/actions/connector/{id}`.',
    }),
  })
  .meta({ id: 'update_connector_keeping_secrets_request' });

const configuredSecretsResponse = z
  .object({ configured_secrets: secretNames.meta({ description: 'The secret fields that hold a value; never the values.' }) })
  .meta({ id: 'configured_secrets_response' });

const previewResponse = z
  .object({
    preview: z
      .record(z.string(), z.unknown())
      .nullable()
      .meta({ description: 'What the run would send (for an email: from, to, cc, bcc, subject, text, html); null for types that send their params as given, or when the run would be refused.' }),
    refused: z.string().optional().meta({ description: 'Why the run would be refused, in the words of the run (invalid params, no recipient…).' }),
  })
  .meta({ id: 'run_preview_response' });

const typeId = nonEmptyString().meta({ description: 'The type of connector, e.g. `.email`.' });

const unsavedPreviewBody = z
  .strictObject({
    connector_type_id: typeId,
    config: objectWithoutEmptyStrings().default({}).meta({ description: "The connector's configuration." }),
    params: executeBody.shape.params,
  })
  .meta({ id: 'unsaved_run_preview_request' });

const validateBody = z
  .strictObject({
    connector_type_id: typeId,
    config: z.record(z.string(), z.unknown()).optional().meta({ description: 'A config to check, as create would.' }),
    secrets: z.record(z.string(), z.unknown()).optional().meta({ description: 'Secrets to check on their own, as create would (without the check of config and secrets together).' }),
  })
  .meta({ id: 'validate_connector_request' });

const validateResponse = z
  .object({
    config: z.string().optional().meta({ description: "The type's message about the config; absent when it is valid." }),
    secrets: z.string().optional().meta({ description: "The type's message about the secrets; absent when they are valid." }),
  })
  .meta({ id: 'validate_connector_response' });

export function connectorUiRoutes(client: ActionsClient): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/internal/actions/connector/:id/configured_secrets',
      operationId: 'getConfiguredSecrets',
      summary: 'The names of the secret fields a connector has a value for (Plugboard; used by the UI)',
      tags: TAGS,
      access: 'internal',
      params: idParam,
      responses: { 200: { description: 'The configured secret fields', schema: configuredSecretsResponse }, ...errorResponses(401, 403, 404) },
      async handler({ params, scope }) {
        return { body: { configured_secrets: await client.configuredSecrets(scope, params.id) } };
      },
    }),
    defineRoute({
      method: 'PUT',
      url: '/internal/actions/connector/:id',
      operationId: 'updateConnectorKeepingSecrets',
      audit: { action: 'connector_update', object: 'action' },
      summary: 'Update a connector, keeping the stored value of the secret fields named in keep_secrets (Plugboard; used by the UI)',
      tags: TAGS,
      access: 'internal',
      params: idParam,
      body: keepingUpdateBody,
      responses: { 200: { description: 'The updated connector', schema: connectorResponseSchema }, ...errorResponses(400, 401, 403, 404, 409) },
      async handler({ params, body, scope }) {
        const { keep_secrets: keepSecrets, ...input } = body;
        return { body: toConnectorResponse(await client.update(scope, params.id, { ...input, keepSecrets })) };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/internal/actions/connector/:id/_preview_run',
      operationId: 'previewConnectorRun',
      audit: false,
      summary: 'What running a connector now with these params would send, without sending it (Plugboard; used by the UI)',
      tags: TAGS,
      access: 'internal',
      params: idParam,
      body: executeBody,
      responses: { 200: { description: 'The preview', schema: previewResponse }, ...errorResponses(400, 401, 403, 404) },
      async handler({ params, body, scope }) {
        refuseSystemAction(client, params.id);
        return { body: await client.previewRun(scope, params.id, body.params) };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/internal/actions/connector/_validate',
      operationId: 'validateConnectorFields',
      audit: false,
      summary: "Check a config or secrets with the connector type's own rules, storing nothing (Plugboard; used by the UI)",
      tags: TAGS,
      access: 'internal',
      body: validateBody,
      responses: { 200: { description: 'The problems found', schema: validateResponse }, ...errorResponses(400, 401, 403) },
      async handler({ body, scope }) {
        return { body: await client.validateFields(scope, body.connector_type_id, { config: body.config, secrets: body.secrets }) };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/internal/actions/connector/_preview_run',
      operationId: 'previewUnsavedConnectorRun',
      audit: false,
      summary: 'What running an unsaved connector with these params would send, without sending it (Plugboard; used by the UI)',
      tags: TAGS,
      access: 'internal',
      body: unsavedPreviewBody,
      responses: { 200: { description: 'The preview', schema: previewResponse }, ...errorResponses(400, 401, 403) },
      async handler({ body, scope }) {
        return { body: await client.previewUnsavedRun(scope, body.connector_type_id, body.config, body.params) };
      },
    }),
  ];
}
