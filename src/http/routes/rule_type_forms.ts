import { z } from 'zod';
import type { RuleTypeRegistry } from '../../alerting/rule_type_registry.js';
import { inputJsonSchema } from '../../common/json_schema.js';
import { defineRoute, type RouteSpec } from '../route.js';
import { errorResponses } from '../schemas.js';

const variableSchema = z.object({ name: z.string(), description: z.string() });

const formSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    category: z.string(),
    params_schema: z.record(z.string(), z.unknown()).meta({ description: 'JSON Schema of the rule\'s `params` (from the schema the server validates them with).' }),
    action_groups: z.array(z.object({ id: z.string(), name: z.string() })).meta({ description: 'The type\'s action groups, `recovered` last.' }),
    default_action_group_id: z.string(),
    recovery_action_group_id: z.string(),
    action_variables: z
      .object({ context: z.array(variableSchema), state: z.array(variableSchema), params: z.array(variableSchema), alert: z.array(variableSchema).meta({ description: 'Variables under `alert.*` that the type adds to each alert (such as `alert.labels`).' }), summary: z.array(variableSchema).meta({ description: 'Variables the type adds to its summaries (such as `group.labels`).' }) })
      .meta({ description: 'The variables its actions may use beyond the general ones (`rule.*`, `alert.*`, `date`, …).' }),
    default_schedule_interval: z.string().nullable().meta({ description: 'The interval a new rule of the type starts with (null: none given).' }),
  })
  .meta({ id: 'rule_type_form' });

/**
 * What the UI needs to draw a rule type's forms (Plugboard's counterpart of the connector type
 * forms): the JSON Schema of its params, its action groups and its action variables.
 */
export function ruleTypeFormRoutes(registry: RuleTypeRegistry): RouteSpec[] {
  let forms: Array<z.infer<typeof formSchema>> | undefined;
  return [
    defineRoute({
      method: 'GET',
      url: '/internal/alerting/rule_type_forms',
      operationId: 'getRuleTypeForms',
      summary: 'The forms of the rule types: params schema, action groups with Recovered, action variables and default interval (Plugboard; used by the UI)',
      tags: ['alerting'],
      access: 'internal',
      responses: { 200: { description: 'One form per registered rule type', schema: z.array(formSchema) }, ...errorResponses(401) },
      async handler() {
        forms ??= registry.list().map((type) => ({
          id: type.id,
          name: type.name,
          category: type.category,
          params_schema: inputJsonSchema(type.schemas.params),
          action_groups: type.actionGroups.map(({ id, name }) => ({ id, name })),
          default_action_group_id: type.defaultActionGroupId,
          recovery_action_group_id: type.recoveryActionGroup.id,
          action_variables: {
            context: type.actionVariables.context.map(({ name, description }) => ({ name, description })),
            state: type.actionVariables.state.map(({ name, description }) => ({ name, description })),
            params: type.actionVariables.params.map(({ name, description }) => ({ name, description })),
            alert: type.actionVariables.alert.map(({ name, description }) => ({ name, description })),
            summary: type.actionVariables.summary.map(({ name, description }) => ({ name, description })),
          },
          default_schedule_interval: type.defaultScheduleInterval ?? null,
        }));
        return { body: forms };
      },
    }),
  ];
}
