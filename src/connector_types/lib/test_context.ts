import type { Client as ElasticsearchClient } from '@elastic/elasticsearch';
import { pino } from 'pino';
import type { ConfigurationUtilities, ConnectorServices, ExecutorContext } from '../../actions/types.js';
import { AllowedHosts } from '../../net/allowed_hosts.js';
import { OutboundHttp } from '../../net/http_client.js';

// What a connector type's own tests need to call its validators and executor directly, with
// the real outbound HTTP layer and Kibana's default limits.

export function makeConfigurationUtilities(
  overrides: { allowedHosts?: string[]; webhookPfxEnabled?: boolean } = {},
): ConfigurationUtilities {
  return {
    allowedHosts: new AllowedHosts(overrides.allowedHosts ?? ['*']),
    webhookPfxEnabled: overrides.webhookPfxEnabled ?? true,
  };
}

export function makeServices(overrides: { allowedHosts?: string[]; elasticsearch?: ElasticsearchClient } = {}): ConnectorServices {
  return {
    http: new OutboundHttp({
      allowedHosts: new AllowedHosts(overrides.allowedHosts ?? ['*']),
      maxResponseContentLength: 1024 * 1024,
      responseTimeoutMs: 60_000,
    }),
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
