import { z } from 'zod';
import { DEFAULT_RESOLVE_COMMENT, type FollowAlertOption } from '../../actions/follow/policy.js';
import { durationError } from '../../alerting/duration.js';
import type { RegisteredRuleType } from '../../alerting/rule_type_registry.js';
import type { CreateRuleInput, RuleActionInput, RulesClient, UpdateRuleInput } from '../../alerting/rules_client.js';
import type { RuleAction, RuleNotifyWhen, RuleRecord } from '../../storage/rules_repository.js';
import { badRequest } from '../../common/errors.js';
import { defineRoute, type RouteSpec } from '../route.js';
import { errorResponses } from '../schemas.js';

// Kibana's rules API (reference kibana-alerting-rules.md §1): /api/alerting and /internal/alerting,
// also under /s/{space_id}; request and response fields in Kibana's snake_case.

const NOTIFY_WHEN = ['onActionGroupChange', 'onActiveAlert', 'onThrottleInterval'] as const;

const duration = z.string().superRefine((value, ctx) => {
  const invalid = durationError(value);
  if (invalid) ctx.addIssue({ code: 'custom', message: invalid });
});

const notifyWhen = z
  .string()
  .refine((value) => (NOTIFY_WHEN as readonly string[]).includes(value), { error: (issue) => `string is not a valid RuleNotifyWhenType: ${String(issue.input)}` })
  .transform((value) => value as RuleNotifyWhen);

const hours = z.strictObject({ start: z.string(), end: z.string() });

const actionSchema = z.strictObject({
  group: z.string().optional().meta({ description: "The rule type's action group the action runs for; not for system connectors." }),
  id: z.string().meta({ description: 'The connector id.' }),
  params: z.record(z.string(), z.unknown()).default({}).meta({ description: "The connector's params; strings may hold mustache variables." }),
  frequency: z
    .strictObject({
      summary: z.boolean(),
      notify_when: notifyWhen,
      throttle: duration.nullable(),
    })
    .optional()
    .meta({ description: 'When the action runs; required unless the rule has a rule-level `notify_when` or `throttle`.' }),
  uuid: z.string().optional(),
  alerts_filter: z
    .strictObject({
      query: z.strictObject({ kql: z.string(), filters: z.array(z.unknown()), dsl: z.string().optional() }).optional(),
      timeframe: z
        .strictObject({
          days: z.array(z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4), z.literal(5), z.literal(6), z.literal(7)])),
          hours,
          timezone: z.string(),
        })
        .optional(),
    })
    .optional(),
  use_alert_data_for_template: z.boolean().optional(),
  follow_alert: z
    .strictObject({
      reopen_within: duration.nullable().default(null).meta({ description: 'A closed ticket fired again within this time (e.g. `24h`) is reopened; null: a new ticket.' }),
      resolve: z.enum(['close', 'comment', 'none']).default('close').meta({ description: 'On resolve: comment and close the ticket, only comment, or nothing.' }),
      resolve_comment: z.string().min(1).default(DEFAULT_RESOLVE_COMMENT).meta({ description: "The resolve comment; mustache variables as the action's params." }),
      jira: z
        .strictObject({
          close_transition: z.string().min(1).optional().meta({ description: 'The transition that closes (default: the first to a done status).' }),
          reopen_transition: z.string().min(1).optional().meta({ description: 'The transition that reopens (default: the first to a status not done).' }),
        })
        .optional(),
    })
    .optional()
    .meta({ description: "Plugboard's: the ticket this action opens follows the alert: updated while it fires, commented and closed when it resolves, reopened or replaced when it fires again (.jira, .servicenow, .cases-webhook; per-alert actions)." }),
});

const flapping = z.strictObject({
  look_back_window: z.number().int().min(2).max(20),
  status_change_threshold: z.number().int().min(2).max(20),
  enabled: z.boolean().optional(),
});

const updateFields = {
  name: z.string().meta({ description: "The rule's name; names need not be unique." }),
  tags: z.array(z.string()).default([]),
  schedule: z.strictObject({ interval: duration.meta({ description: 'How often the rule runs, e.g. `1m` (`s`, `m`, `h`, `d`).' }) }),
  throttle: duration.nullable().optional().meta({ description: 'Deprecated: per-action `frequency.throttle` replaces it.' }),
  params: z.record(z.string(), z.unknown()).default({}).meta({ description: "The rule type's params." }),
  actions: z.array(actionSchema).default([]),
  notify_when: notifyWhen.nullable().optional(),
  alert_delay: z.strictObject({ active: z.number().int().min(0) }).optional(),
  flapping: flapping.nullable().optional(),
};

const createBody = z
  .strictObject({
    ...updateFields,
    rule_type_id: z.string().meta({ description: 'The rule type, e.g. `.index-threshold`.' }),
    consumer: z.string().meta({ description: 'The application the rule belongs to, e.g. `alerts` or `stackAlerts`.' }),
    enabled: z.boolean().default(true),
  })
  .meta({ id: 'create_rule_request' });

const updateBody = z.strictObject(updateFields).meta({ id: 'update_rule_request' });

const listOf = z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v : [v]));

const findQuery = z.strictObject({
  per_page: z.coerce.number().int().min(0).default(10),
  page: z.coerce.number().int().min(1).default(1),
  search: z.string().optional().meta({ description: 'A simple_query_string over `search_fields`, e.g. `my*`.' }),
  default_search_operator: z.enum(['OR', 'AND']).default('OR'),
  search_fields: listOf.optional().meta({ description: 'Rule attributes to search, e.g. `name` (repeat the parameter for several).' }),
  sort_field: z.string().optional().meta({ description: 'A rule attribute, e.g. `name`, `updatedAt`, `executionStatus.status`.' }),
  sort_order: z.enum(['asc', 'desc']).optional(),
  has_reference: z
    .string()
    .optional()
    .meta({ description: 'JSON `{"type":"action","id":"<connector id>"}`: only rules with an action on that connector.' }),
  fields: listOf.optional().meta({ description: 'Only these rule attributes, e.g. `name` (repeat for several).' }),
  filter: z.string().optional().meta({ description: 'KQL on the attributes, e.g. `alert.attributes.enabled:true and alert.attributes.tags:prod`.' }),
  filter_consumers: listOf.optional(),
});

const hasReference = z.strictObject({ type: z.string(), id: z.string() });

const idParam = z.strictObject({ id: z.string().min(1).meta({ description: 'The rule identifier.' }) });
const optionalIdParam = z.strictObject({ id: z.string().min(1).optional() });
const alertParams = z.strictObject({ rule_id: z.string().min(1), alert_id: z.string().min(1) });
const disableBody = z.strictObject({ untrack: z.boolean().default(false) }).optional();

const ruleResponseSchema = z
  .object({
    id: z.string(),
    enabled: z.boolean(),
    name: z.string(),
    tags: z.array(z.string()),
    rule_type_id: z.string(),
    consumer: z.string(),
    schedule: z.object({ interval: z.string() }),
    actions: z.array(z.record(z.string(), z.unknown())),
    params: z.record(z.string(), z.unknown()),
    scheduled_task_id: z.string().optional(),
    created_by: z.string().nullable(),
    updated_by: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
    api_key_owner: z.string().nullable(),
    throttle: z.string().nullable(),
    mute_all: z.boolean(),
    notify_when: z.enum(NOTIFY_WHEN).nullable(),
    muted_alert_ids: z.array(z.string()),
    execution_status: z.record(z.string(), z.unknown()),
    last_run: z.record(z.string(), z.unknown()).nullable().optional(),
    next_run: z.string().nullable().optional(),
    revision: z.number().int(),
    running: z.boolean().nullable().optional(),
    alert_delay: z.object({ active: z.number() }).optional(),
    flapping: z.object({ look_back_window: z.number(), status_change_threshold: z.number() }).nullable().optional(),
  })
  .meta({ id: 'rule_response' });

const findResponseSchema = z
  .object({ page: z.number().int(), per_page: z.number().int(), total: z.number().int(), data: z.array(ruleResponseSchema.partial()) })
  .meta({ id: 'find_rules_response' });

const ruleTypeResponseSchema = z.object({ id: z.string(), name: z.string() }).catchall(z.unknown()).meta({ id: 'rule_type_response' });

const healthStatus = z.object({ status: z.enum(['ok', 'warn', 'error']), timestamp: z.string() });
const healthResponseSchema = z
  .object({
    is_sufficiently_secure: z.boolean(),
    has_permanent_encryption_key: z.boolean(),
    alerting_framework_health: z.object({ decryption_health: healthStatus, execution_health: healthStatus, read_health: healthStatus }),
  })
  .meta({ id: 'alerting_health_response' });

function toActionInput(a: z.output<typeof actionSchema>): RuleActionInput {
  return {
    id: a.id,
    group: a.group,
    params: a.params,
    uuid: a.uuid,
    ...(a.frequency ? { frequency: { summary: a.frequency.summary, notifyWhen: a.frequency.notify_when, throttle: a.frequency.throttle } } : {}),
    ...(a.alerts_filter ? { alertsFilter: a.alerts_filter } : {}),
    ...(a.use_alert_data_for_template !== undefined ? { useAlertDataForTemplate: a.use_alert_data_for_template } : {}),
    ...(a.follow_alert ? { followAlert: followAlertInput(a.follow_alert) } : {}),
  };
}

function followAlertInput(f: NonNullable<z.output<typeof actionSchema>['follow_alert']>): FollowAlertOption {
  const jira = f.jira && { ...(f.jira.close_transition ? { closeTransition: f.jira.close_transition } : {}), ...(f.jira.reopen_transition ? { reopenTransition: f.jira.reopen_transition } : {}) };
  return { reopenWithin: f.reopen_within, resolve: f.resolve, resolveComment: f.resolve_comment, ...(jira ? { jira } : {}) };
}

function followAlertResponse(f: FollowAlertOption): Record<string, unknown> {
  const jira = f.jira && { ...(f.jira.closeTransition ? { close_transition: f.jira.closeTransition } : {}), ...(f.jira.reopenTransition ? { reopen_transition: f.jira.reopenTransition } : {}) };
  return { reopen_within: f.reopenWithin, resolve: f.resolve, resolve_comment: f.resolveComment, ...(jira ? { jira } : {}) };
}

function toUpdateInput(body: z.output<typeof updateBody>): UpdateRuleInput {
  return {
    name: body.name,
    tags: body.tags,
    schedule: body.schedule,
    params: body.params,
    actions: body.actions.map(toActionInput),
    throttle: body.throttle,
    notifyWhen: body.notify_when,
    alertDelay: body.alert_delay,
    flapping: body.flapping && { lookBackWindow: body.flapping.look_back_window, statusChangeThreshold: body.flapping.status_change_threshold, ...(body.flapping.enabled !== undefined ? { enabled: body.flapping.enabled } : {}) },
  };
}

function actionResponse(a: RuleAction): Record<string, unknown> {
  return {
    group: a.group,
    id: a.id,
    params: a.params,
    connector_type_id: a.actionTypeId,
    ...(a.frequency ? { frequency: { summary: a.frequency.summary, notify_when: a.frequency.notifyWhen, throttle: a.frequency.throttle } } : {}),
    uuid: a.uuid,
    ...(a.alertsFilter ? { alerts_filter: a.alertsFilter } : {}),
    ...(a.useAlertDataForTemplate !== undefined ? { use_alert_data_for_template: a.useAlertDataForTemplate } : {}),
    ...(a.followAlert ? { follow_alert: followAlertResponse(a.followAlert) } : {}),
  };
}

const snakeCase = (text: string) => text.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Objects in Kibana's response are snake_case down to their leaves (`last_execution_date`, `alerts_count`…). */
function snakeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snakeKeys);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [snakeCase(k), snakeKeys(v)]));
  return value;
}

/**
 * Kibana's rule response (§1.7). With `fields` (find), only those attributes, plus the id and
 * the attributes authorization reads (rule type, consumer), as Kibana's find returns.
 */
export function toRuleResponse(rule: RuleRecord, fields?: string[]): Record<string, unknown> {
  const all: Array<[attribute: string, key: string, value: unknown]> = [
    ['enabled', 'enabled', rule.enabled],
    ['name', 'name', rule.name],
    ['tags', 'tags', rule.tags],
    ['alertTypeId', 'rule_type_id', rule.alertTypeId],
    ['consumer', 'consumer', rule.consumer],
    ['schedule', 'schedule', rule.schedule],
    ['actions', 'actions', [...rule.actions.map(actionResponse), ...rule.systemActions.map((a) => ({ id: a.id, params: a.params, uuid: a.uuid, connector_type_id: a.actionTypeId }))]],
    ['params', 'params', rule.params],
    ['scheduledTaskId', 'scheduled_task_id', rule.scheduledTaskId ?? undefined],
    ['createdBy', 'created_by', rule.createdBy],
    ['updatedBy', 'updated_by', rule.updatedBy],
    ['createdAt', 'created_at', rule.createdAt],
    ['updatedAt', 'updated_at', rule.updatedAt],
    ['apiKeyOwner', 'api_key_owner', rule.apiKeyOwner],
    ['throttle', 'throttle', rule.throttle],
    ['muteAll', 'mute_all', rule.muteAll],
    ['notifyWhen', 'notify_when', rule.notifyWhen],
    ['mutedInstanceIds', 'muted_alert_ids', rule.mutedInstanceIds],
    ['executionStatus', 'execution_status', snakeKeys(rule.executionStatus)],
    ['lastRun', 'last_run', rule.lastRun === null ? undefined : snakeKeys(rule.lastRun)],
    ['nextRun', 'next_run', rule.nextRun ?? undefined],
    ['revision', 'revision', rule.revision],
    ['running', 'running', rule.running],
    ['alertDelay', 'alert_delay', rule.alertDelay ?? undefined],
    ['flapping', 'flapping', rule.flapping === null ? undefined : { look_back_window: rule.flapping.lookBackWindow, status_change_threshold: rule.flapping.statusChangeThreshold }],
  ];
  const wanted = fields && new Set([...fields, 'alertTypeId', 'consumer']);
  const out: Record<string, unknown> = { id: rule.id };
  for (const [attribute, key, value] of all) {
    if (value !== undefined && (!wanted || wanted.has(attribute))) out[key] = value;
  }
  return out;
}

/** `GET rule_types` (§1.9): the caller's privilege decides `authorized_consumers`. */
function toRuleTypeResponse(type: RegisteredRuleType, privilege: 'read' | 'all'): Record<string, unknown> {
  const access = { read: true, all: privilege === 'all' };
  return {
    id: type.id,
    name: type.name,
    category: type.category,
    producer: type.producer,
    action_groups: type.actionGroups,
    default_action_group_id: type.defaultActionGroupId,
    recovery_action_group: type.recoveryActionGroup,
    // Kibana's three lists; the payload's `alert.*` variables are in the rule type forms.
    action_variables: { context: type.actionVariables.context, state: type.actionVariables.state, params: type.actionVariables.params },
    ...(type.defaultScheduleInterval ? { default_schedule_interval: type.defaultScheduleInterval } : {}),
    ...(type.ruleTaskTimeout ? { rule_task_timeout: type.ruleTaskTimeout } : {}),
    ...(type.doesSetRecoveryContext !== undefined ? { does_set_recovery_context: type.doesSetRecoveryContext } : {}),
    minimum_license_required: type.minimumLicenseRequired,
    is_exportable: type.isExportable,
    enabled_in_license: true,
    authorized_consumers: Object.fromEntries([...new Set(['alerts', 'stackAlerts', type.producer])].map((c) => [c, access])),
    has_alerts_mappings: false,
    has_fields_for_a_a_d: false,
  };
}

const TAGS = ['alerting'];
const errors = errorResponses(400, 401, 403);

export function ruleRoutes(client: RulesClient): RouteSpec[] {
  const noContent = async () => ({ status: 204 });
  return [
    defineRoute({
      method: 'POST',
      url: '/api/alerting/rule/:id?',
      operationId: 'createRule',
      audit: { action: 'rule_create', object: 'alert' },
      summary: 'Create a rule (with an optional id)',
      tags: TAGS,
      params: optionalIdParam,
      body: createBody,
      responses: { 200: { description: 'The new rule', schema: ruleResponseSchema }, ...errors, ...errorResponses(409) },
      async handler({ params, body, scope }) {
        const input: CreateRuleInput = { ...toUpdateInput(body), id: params.id, alertTypeId: body.rule_type_id, consumer: body.consumer, enabled: body.enabled };
        return { body: toRuleResponse(await client.create(scope, input)) };
      },
    }),
    ...['/api/alerting/rule/:id', '/internal/alerting/rule/:id'].map((url) =>
      defineRoute({
        method: 'GET',
        url,
        operationId: url.startsWith('/internal') ? 'getRuleInternal' : 'getRule',
        access: url.startsWith('/internal') ? 'internal' : 'public',
        summary: 'Get a rule',
        tags: TAGS,
        params: idParam,
        responses: { 200: { description: 'The rule', schema: ruleResponseSchema }, ...errors, ...errorResponses(404) },
        async handler({ params, scope }) {
          return { body: toRuleResponse(await client.get(scope, params.id)) };
        },
      }),
    ),
    defineRoute({
      method: 'PUT',
      url: '/api/alerting/rule/:id',
      operationId: 'updateRule',
      audit: { action: 'rule_update', object: 'alert' },
      summary: 'Update a rule (a full replace of its name, tags, schedule, params and actions)',
      tags: TAGS,
      params: idParam,
      body: updateBody,
      responses: { 200: { description: 'The rule', schema: ruleResponseSchema }, ...errors, ...errorResponses(404, 409) },
      async handler({ params, body, scope }) {
        return { body: toRuleResponse(await client.update(scope, params.id, toUpdateInput(body))) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/alerting/rule/:id',
      operationId: 'deleteRule',
      audit: { action: 'rule_delete', object: 'alert' },
      summary: 'Delete a rule and its task',
      tags: TAGS,
      params: idParam,
      responses: { 204: { description: 'Deleted' }, ...errors, ...errorResponses(404) },
      async handler({ params, scope }) {
        await client.delete(scope, params.id);
        return noContent();
      },
    }),
    ...['/api/alerting/rules/_find', '/internal/alerting/rules/_find'].map((url) =>
      defineRoute({
        method: url.startsWith('/internal') ? 'POST' : 'GET',
        url,
        operationId: url.startsWith('/internal') ? 'findRulesInternal' : 'findRules',
        access: url.startsWith('/internal') ? 'internal' : 'public',
        audit: false,
        summary: 'Find rules (search, KQL filter, sort, paging)',
        tags: TAGS,
        ...(url.startsWith('/internal') ? { body: findQuery } : { query: findQuery }),
        responses: { 200: { description: 'A page of rules', schema: findResponseSchema }, ...errors },
        async handler({ query, body, scope }) {
          const q = (url.startsWith('/internal') ? body : query) as z.output<typeof findQuery>;
          const reference = q.has_reference ? parseHasReference(q.has_reference) : undefined;
          const result = await client.find(scope, {
            page: q.page,
            perPage: q.per_page,
            search: q.search,
            defaultSearchOperator: q.default_search_operator,
            searchFields: q.search_fields,
            sortField: q.sort_field,
            sortOrder: q.sort_order,
            hasReference: reference,
            fields: q.fields,
            filter: q.filter,
            consumers: q.filter_consumers,
          });
          return { body: { page: result.page, per_page: result.perPage, total: result.total, data: result.data.map((r) => toRuleResponse(r, q.fields)) } };
        },
      }),
    ),
    defineRoute({
      method: 'POST',
      url: '/api/alerting/rule/:id/_enable',
      operationId: 'enableRule',
      audit: { action: 'rule_enable', object: 'alert' },
      summary: 'Enable a rule: its task is scheduled',
      tags: TAGS,
      params: idParam,
      responses: { 204: { description: 'Enabled' }, ...errors, ...errorResponses(404) },
      async handler({ params, scope }) {
        await client.enable(scope, params.id);
        return noContent();
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/alerting/rule/:id/_disable',
      operationId: 'disableRule',
      audit: { action: 'rule_disable', object: 'alert' },
      summary: 'Disable a rule: its task is removed',
      tags: TAGS,
      params: idParam,
      body: disableBody,
      responses: { 204: { description: 'Disabled' }, ...errors, ...errorResponses(404) },
      async handler({ params, body, scope }) {
        await client.disable(scope, params.id, { untrack: body?.untrack ?? false });
        return noContent();
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/internal/alerting/rule/:id/_run_soon',
      operationId: 'runRuleSoon',
      access: 'internal',
      audit: { action: 'rule_run_soon', object: 'alert' },
      summary: "Run the rule now instead of at its next interval; what prevents it is answered as text with 200",
      tags: TAGS,
      params: idParam,
      responses: { 200: { description: 'The rule cannot run now: why, as text' }, 204: { description: 'The run is queued' }, ...errors, ...errorResponses(404) },
      async handler({ params, scope }) {
        const refused = await client.runSoon(scope, params.id);
        return refused === undefined ? noContent() : { status: 200, body: refused, headers: { 'content-type': 'text/plain; charset=utf-8' } };
      },
    }),
    ...(
      [
        ['_mute_all', 'muteAllAlerts', 'Mute all alerts: the rule runs, but schedules no actions', (s, p) => client.muteAll(s, p.id)],
        ['_unmute_all', 'unmuteAllAlerts', 'Unmute all alerts', (s, p) => client.unmuteAll(s, p.id)],
        ['_update_api_key', 'updateRuleApiKey', "Update the rule's API key (its owner becomes the caller)", (s, p) => client.updateApiKey(s, p.id)],
      ] as Array<[string, string, string, (scope: Parameters<RulesClient['muteAll']>[0], p: { id: string }) => Promise<void>]>
    ).map(([suffix, operationId, summary, run]) =>
      defineRoute({
        method: 'POST',
        url: `/api/alerting/rule/:id/${suffix}`,
        operationId,
        audit: { action: `rule_${suffix.slice(1)}`, object: 'alert' },
        summary,
        tags: TAGS,
        params: idParam,
        responses: { 204: { description: 'Done' }, ...errors, ...errorResponses(404) },
        async handler({ params, scope }) {
          await run(scope, params);
          return noContent();
        },
      }),
    ),
    ...(['_mute', '_unmute'] as const).map((suffix) =>
      defineRoute({
        method: 'POST',
        url: `/api/alerting/rule/:rule_id/alert/:alert_id/${suffix}`,
        operationId: suffix === '_mute' ? 'muteAlert' : 'unmuteAlert',
        audit: { action: `rule_alert${suffix}`, object: 'alert' },
        summary: suffix === '_mute' ? 'Mute one alert of a rule: no actions for it' : 'Unmute one alert of a rule',
        tags: TAGS,
        params: alertParams,
        responses: { 204: { description: 'Done' }, ...errors, ...errorResponses(404) },
        async handler({ params, scope }) {
          if (suffix === '_mute') await client.muteAlert(scope, params.rule_id, params.alert_id);
          else await client.unmuteAlert(scope, params.rule_id, params.alert_id);
          return noContent();
        },
      }),
    ),
    defineRoute({
      method: 'GET',
      url: '/api/alerting/rule_types',
      operationId: 'getRuleTypes',
      summary: 'List the rule types the caller may use',
      tags: TAGS,
      responses: { 200: { description: 'The rule types', schema: z.array(ruleTypeResponseSchema) }, ...errorResponses(401) },
      async handler({ scope }) {
        const { types, privilege } = await client.listRuleTypes(scope);
        return { body: privilege ? types.map((t) => toRuleTypeResponse(t, privilege)) : [] };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/alerting/_health',
      operationId: 'getAlertingHealth',
      summary: "The alerting framework's health",
      tags: TAGS,
      responses: { 200: { description: 'Health', schema: healthResponseSchema }, ...errorResponses(401, 403) },
      async handler({ scope }) {
        const health = await client.health(scope);
        return {
          body: {
            is_sufficiently_secure: true,
            has_permanent_encryption_key: true,
            alerting_framework_health: {
              decryption_health: health.decrypt,
              execution_health: health.execute,
              read_health: health.read,
            },
          },
        };
      },
    }),
  ];
}

function parseHasReference(text: string): { type: string; id: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const parsed = hasReference.safeParse(value);
  if (!parsed.success) throw badRequest('[request query.has_reference]: expected a JSON object {"type": "action", "id": "<connector id>"}');
  return parsed.data;
}
