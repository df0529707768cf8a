import type { Client as ElasticsearchClient } from '@elastic/elasticsearch';
import { pino } from 'pino';
import { readReturned, readThrown, type ReadOutcome } from '../../actions/executor.js';
import type { ConfigurationUtilities, ConnectorServices, ConnectorTypeDefinition, ExecutorContext } from '../../actions/types.js';
import { OutboundHttp } from '../../net/http_client.js';
import { loadConfig } from '../../config/load.js';
import type { PlugboardConfig } from '../../config/schema.js';
import { networkPolicyFromConfig, type NetworkPolicy } from '../../net/network_policy.js';
import { smtpTransportOptions } from '../../net/smtp_connection.js';
import { ClientCredentialsTokens } from '../../net/oauth_client_credentials.js';

// What a connector type's own tests need to call its validators and executor directly, with
// the real outbound HTTP layer and Kibana's default limits.

/**
 * ConfigurationUtilities as the server builds them, from `settings` (dotted keys, as in a
 * configuration file) over Kibana's defaults; allowedHosts defaults to `*`.
 */
export function makeConfigurationUtilities(
  overrides: { allowedHosts?: string[]; webhookPfxEnabled?: boolean; settings?: Record<string, unknown>; policy?: NetworkPolicy } = {},
): ConfigurationUtilities {
  const config = testConfig({ allowedHosts: overrides.allowedHosts, settings: overrides.settings });
  const policy = overrides.policy ?? networkPolicyFromConfig(config, process.cwd(), () => undefined);
  return {
    allowedHosts: policy.allowedHosts,
    webhookPfxEnabled: overrides.webhookPfxEnabled ?? config.xpack.actions.webhook.ssl.pfx.enabled,
    actionsConfig: config.xpack.actions,
    publicBaseUrl: config.server.publicBaseUrl,
    serviceUrl: (typeId, defaultUrl) => config.plugboard.serviceUrlOverrides[typeId] ?? defaultUrl,
    smtpTransportOptions: (server) => smtpTransportOptions(policy, server),
  };
}

/** The network policy of `settings` over Kibana's defaults; allowedHosts defaults to `*`. */
export function makeNetworkPolicy(overrides: { allowedHosts?: string[]; deniedAddresses?: string[]; settings?: Record<string, unknown> } = {}): NetworkPolicy {
  const settings = { ...(overrides.deniedAddresses ? { 'plugboard.net.deniedAddresses': overrides.deniedAddresses } : {}), ...overrides.settings };
  return networkPolicyFromConfig(testConfig({ allowedHosts: overrides.allowedHosts, settings }), process.cwd(), () => undefined);
}

function testConfig(opts: { allowedHosts?: string[]; settings?: Record<string, unknown> }): PlugboardConfig {
  const settings = { 'xpack.actions.allowedHosts': opts.allowedHosts ?? ['*'], ...opts.settings };
  return loadConfig({ settings: settings as never }).config;
}

export function makeServices(
  overrides: { allowedHosts?: string[]; policy?: NetworkPolicy; elasticsearch?: ElasticsearchClient; maxResponseContentLength?: number; responseTimeoutMs?: number } = {},
): ConnectorServices {
  const http = new OutboundHttp({
    policy: overrides.policy ?? makeNetworkPolicy({ allowedHosts: overrides.allowedHosts }),
    maxResponseContentLength: overrides.maxResponseContentLength ?? 1024 * 1024,
    responseTimeoutMs: overrides.responseTimeoutMs ?? 60_000,
  });
  return {
    http,
    tokens: new ClientCredentialsTokens(http),
    elasticsearch: () => {
      if (!overrides.elasticsearch) throw new Error('this test gave the connector no Elasticsearch');
      return overrides.elasticsearch;
    },
  };
}

export function makeContext<C, S, P>(
  parts: { config: C; secrets: S; params: P },
  overrides: { connectorId?: string; services?: ConnectorServices; configurationUtilities?: ConfigurationUtilities } = {},
): ExecutorContext<C, S, P> {
  return {
    connectorId: overrides.connectorId ?? 'test-connector',
    connectorName: 'A test connector',
    ...parts,
    services: overrides.services ?? makeServices(),
    configurationUtilities: overrides.configurationUtilities ?? makeConfigurationUtilities(),
    logger: pino({ level: 'silent' }),
    signal: new AbortController().signal,
    source: 'http_request',
    isPreconfigured: false,
  };
}

/**
 * Runs a type's executor and reads its answer as the action executor does: the result clients
 * read (a throw becomes Kibana's error result), and the facts of a failure for the queue.
 */
export async function runAsAction<C, S, P>(def: ConnectorTypeDefinition<C, S, P>, ctx: ExecutorContext<C, S, P>): Promise<ReadOutcome> {
  try {
    return readReturned(ctx.connectorId, await def.executor(ctx));
  } catch (err) {
    return readThrown(ctx.connectorId, err);
  }
}

/** The message of what `fn` throws; fails the test when it throws nothing. */
export function thrownMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected a failure');
}

/** A streamed answer read as the HTTP event stream reads it (the type's streamChunks): its chunks, and what ended it in failure. */
export async function readStreamChunks(def: Pick<ConnectorTypeDefinition, 'streamChunks'>, data: unknown): Promise<{ chunks: string[]; failure?: unknown }> {
  const chunks: string[] = [];
  try {
    for await (const chunk of def.streamChunks!(data)) chunks.push(chunk);
  } catch (failure) {
    return { chunks, failure };
  }
  return { chunks };
}
