import { z } from 'zod';
import type { Connector } from '../actions/actions_client.js';
import type { ActionResult } from '../actions/types.js';

// Response shapes, in Kibana's snake_case. They document the API (OpenAPI) and the
// transforms below produce exactly them.

/** A query flag, `true` or `false` (default false), as Kibana's boolean query parameters. */
export const queryFlag = z.enum(['true', 'false']).default('false').transform((value) => value === 'true');

export const errorResponseSchema = z
  .object({ statusCode: z.number().int(), error: z.string(), message: z.string() })
  .meta({ id: 'error_response' });

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  406: 'Not acceptable',
  409: 'Conflict',
  413: 'Too many results',
  429: 'Too many requests',
};

/** The documented error answers of a route, all with the `{statusCode, error, message}` body. */
export function errorResponses(...statuses: number[]): Record<number, { description: string; schema: typeof errorResponseSchema }> {
  return Object.fromEntries(statuses.map((status) => [status, { description: ERROR_DESCRIPTIONS[status], schema: errorResponseSchema }]));
}

export const connectorResponseSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    config: z.record(z.string(), z.unknown()).optional(),
    connector_type_id: z.string(),
    is_preconfigured: z.boolean(),
    is_deprecated: z.boolean(),
    is_missing_secrets: z.boolean().optional(),
    is_system_action: z.boolean(),
    is_connector_type_deprecated: z.boolean(),
    referenced_by_count: z.number().int().optional(),
    auth_mode: z
      .literal('shared')
      .optional()
      .meta({
        description:
          "Whose credentials the connector uses: `shared`, its own secrets for every user (Kibana's `per-user` OAuth connectors do not exist here). Returned by the get route, as Kibana returns it.",
      }),
  })
  .meta({ id: 'connector_response' });

export const connectorTypeResponseSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    enabled: z.boolean(),
    enabled_in_config: z.boolean(),
    enabled_in_license: z.boolean(),
    minimum_license_required: z.enum(['basic', 'standard', 'gold', 'platinum', 'enterprise', 'trial']),
    supported_feature_ids: z.array(z.string()),
    is_system_action_type: z.boolean(),
    is_deprecated: z.boolean(),
    allow_multiple_system_actions: z
      .boolean()
      .optional()
      .meta({ description: 'Of a system action type that says so: whether a rule may use its connector in more than one action.' }),
    sub_feature: z
      .literal('endpointSecurity')
      .optional()
      .meta({ description: 'Of an endpoint-security type: the sub-feature whose privilege (`endpoint_security_execute`) runs it.' }),
    source: z.literal('stack'),
  })
  .meta({ id: 'connector_type_response' });

export const executeResponseSchema = z
  .object({
    status: z.enum(['ok', 'error']),
    connector_id: z.string(),
    message: z.string().optional(),
    service_message: z.string().optional(),
    data: z.unknown().optional(),
    retry: z.union([z.boolean(), z.string(), z.null()]).optional(),
    errorSource: z.enum(['user', 'framework']).optional(),
  })
  .meta({ id: 'execute_response' });

export function toConnectorResponse(c: Connector): z.infer<typeof connectorResponseSchema> {
  return {
    id: c.id,
    name: c.name,
    ...(c.config !== undefined ? { config: c.config } : {}),
    connector_type_id: c.typeId,
    is_preconfigured: c.isPreconfigured,
    is_deprecated: c.isDeprecated,
    ...(c.isMissingSecrets !== undefined ? { is_missing_secrets: c.isMissingSecrets } : {}),
    is_system_action: c.isSystemAction,
    is_connector_type_deprecated: c.isConnectorTypeDeprecated,
    ...(c.referencedByCount !== undefined ? { referenced_by_count: c.referencedByCount } : {}),
    ...(c.authMode !== undefined ? { auth_mode: c.authMode } : {}),
  };
}

export function toExecuteResponse(r: ActionResult): z.infer<typeof executeResponseSchema> {
  return {
    status: r.status,
    connector_id: r.actionId,
    ...(r.message !== undefined ? { message: r.message } : {}),
    ...(r.serviceMessage ? { service_message: r.serviceMessage } : {}),
    ...(r.data !== undefined ? { data: r.data } : {}),
    ...(r.retry !== undefined ? { retry: r.retry instanceof Date ? r.retry.toISOString() : r.retry } : {}),
    ...(r.errorSource !== undefined ? { errorSource: r.errorSource } : {}),
  };
}
