import { createHash } from 'node:crypto';
import type { SubAction, SubActionContext } from '../../actions/sub_actions.js';
import {
  SUB_ACTION,
  closeAlertParamsSchema,
  createAlertParamsSchema,
  opsgenieResponseSchema,
  type CloseAlertParams,
  type CreateAlertParams,
  type OpsgenieConfig,
  type OpsgenieSecrets,
} from './schema.js';

type Context = SubActionContext<OpsgenieConfig, OpsgenieSecrets>;

/** Opsgenie's limit for an alert message; Kibana truncates to it rather than failing. */
export const MESSAGE_MAX_LENGTH = 130;
/** Opsgenie's limit for an alias. */
export const ALIAS_MAX_LENGTH = 512;

/**
 * The alias Opsgenie is sent: a longer one becomes `sha-<sha256 hex>`, deterministic, so that
 * closeAlert finds the alert that createAlert opened with the same long alias.
 */
export function opsgenieAlias(alias: string): string {
  if (alias.length <= ALIAS_MAX_LENGTH) return alias;
  return `sha-${createHash('sha256').update(alias).digest('hex')}`;
}

function truncateMessage(ctx: Context, message: string): string {
  if (message.length <= MESSAGE_MAX_LENGTH) return message;
  ctx.logger.warn(`connector "${ctx.connectorId}" message length ${message.length} exceeds ${MESSAGE_MAX_LENGTH} and has been truncated`);
  // Never cut a surrogate pair in half: that would send a lone surrogate (invalid UTF-8).
  const end = /[\uD800-\uDBFF]/.test(message[MESSAGE_MAX_LENGTH - 1]) ? MESSAGE_MAX_LENGTH - 1 : MESSAGE_MAX_LENGTH;
  return message.slice(0, end);
}

/**
 * Resolved against apiUrl as a relative URL, as Kibana does: `https://h/base` gives
 * `https://h/v2/...`, `https://h/base/` gives `https://h/base/v2/...`.
 */
function apiUrl(config: OpsgenieConfig, path: string): URL {
  return new URL(path, config.apiUrl);
}

const authHeaders = (secrets: OpsgenieSecrets) => ({ Authorization: `GenieKey ${secrets.apiKey}` });

/** `<message or the HTTP client's wording>[: <JSON of errors>]`, Opsgenie's errors naming the fields at fault. */
export function opsgenieErrorMessage({ status, data }: { status: number; data: unknown }): string {
  const body = data !== null && typeof data === 'object' ? (data as Record<string, unknown>) : {};
  const main = typeof body.message === 'string' ? body.message : `Request failed with status code ${status}`;
  return body.errors == null ? main : `${main}: ${JSON.stringify(body.errors)}`;
}

const createAlert: SubAction<OpsgenieConfig, OpsgenieSecrets> = {
  name: SUB_ACTION.CreateAlert,
  schema: createAlertParamsSchema,
  async run(ctx: Context, params: CreateAlertParams) {
    const body = {
      ...params,
      message: truncateMessage(ctx, params.message),
      ...(params.alias ? { alias: opsgenieAlias(params.alias) } : {}),
    };
    const res = await ctx.client.request({
      url: apiUrl(ctx.config, 'v2/alerts').toString(),
      method: 'POST',
      body,
      headers: authHeaders(ctx.secrets),
      responseSchema: opsgenieResponseSchema,
    });
    return res.data;
  },
};

const closeAlert: SubAction<OpsgenieConfig, OpsgenieSecrets> = {
  name: SUB_ACTION.CloseAlert,
  schema: closeAlertParamsSchema,
  async run(ctx: Context, { alias, ...rest }: CloseAlertParams) {
    // Encoded, unlike Kibana: an alias with `/`, `?` or `#` would otherwise change the path.
    const url = apiUrl(ctx.config, `v2/alerts/${encodeURIComponent(opsgenieAlias(alias))}/close`);
    url.searchParams.set('identifierType', 'alias');
    const res = await ctx.client.request({
      url: url.toString(),
      method: 'POST',
      body: rest,
      headers: authHeaders(ctx.secrets),
      responseSchema: opsgenieResponseSchema,
    });
    return res.data;
  },
};

export const opsgenieSubActions = [createAlert, closeAlert];
