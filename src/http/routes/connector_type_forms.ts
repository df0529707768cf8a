import { z } from 'zod';
import { CONNECTOR_CATEGORIES } from '../../actions/types.js';
import type { ConnectorTypeRegistry } from '../../actions/registry.js';
import { inputJsonSchema } from '../../common/json_schema.js';
import { defineRoute, type RouteSpec } from '../route.js';
import { errorResponses } from '../schemas.js';

const formSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    category: z.enum(CONNECTOR_CATEGORIES),
    summary: z.string(),
    config_schema: z.record(z.string(), z.unknown()).meta({ description: 'JSON Schema of `config`; each field carries `label`, `help` and `secret`.' }),
    secrets_schema: z.record(z.string(), z.unknown()),
    params_schema: z.record(z.string(), z.unknown()),
    test_params: z.record(z.string(), z.unknown()).nullable().meta({ description: "The params the Test tab starts from." }),
    test_sub_action_params: z
      .record(z.string(), z.record(z.string(), z.unknown()))
      .nullable()
      .meta({ description: 'By sub-action: the `subActionParams` the Test tab starts from when that sub-action is chosen.' }),
    sub_actions: z
      .array(z.object({ name: z.string(), params_schema: z.record(z.string(), z.unknown()).nullable() }))
      .nullable()
      .meta({ description: "Types whose `params_schema` leaves the sub-action free: each sub-action and the JSON Schema of its `subActionParams` (null: none)." }),
    run_preview: z.boolean().meta({ description: 'Whether a run may send other than its params (an email test sends a fixed text): the Test tab then shows `_preview_run` first.' }),
    follows_alerts: z.boolean().meta({ description: "Whether a rule's per-alert action on the type may follow its alerts (`follow_alert`)." }),
  })
  .meta({ id: 'connector_type_form' });

/**
 * What the UI needs to draw a type's forms and check them before sending: the JSON Schema of
 * its config, secrets and params (from the same zod schemas the server validates with), its
 * category and card text, and its test params.
 */
export function connectorTypeFormRoutes(registry: ConnectorTypeRegistry): RouteSpec[] {
  let forms: Array<z.infer<typeof formSchema>> | undefined;
  return [
    defineRoute({
      method: 'GET',
      url: '/internal/actions/connector_type_forms',
      operationId: 'getConnectorTypeForms',
      summary: 'The forms of the connector types: schemas with labels, categories, test params, and each sub-action with its params schema and test params (Plugboard; used by the UI)',
      tags: ['connectors'],
      access: 'internal',
      responses: { 200: { description: 'One form per type', schema: z.array(formSchema) }, ...errorResponses(401) },
      async handler() {
        forms ??= registry
          .list()
          .filter((def) => !def.isSystemActionType)
          .map((def) => ({
            id: def.id,
            name: def.name,
            category: def.category,
            summary: def.summary,
            config_schema: inputJsonSchema(def.schemas.config),
            secrets_schema: inputJsonSchema(def.schemas.secrets),
            params_schema: inputJsonSchema(def.schemas.params),
            test_params: (def.testParams as Record<string, unknown> | undefined) ?? null,
            test_sub_action_params: def.testSubActionParams ?? null,
            sub_actions: def.subActionSchemas?.map(({ name, schema }) => ({ name, params_schema: schema ? inputJsonSchema(schema) : null })) ?? null,
            run_preview: def.previewRun !== undefined,
            follows_alerts: def.follow !== undefined,
          }));
        return { body: forms };
      },
    }),
  ];
}
