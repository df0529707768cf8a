import { pino } from 'pino';
import type { ConfigurationUtilities, ConnectorServices, ExecutorContext } from '../../actions/types.js';
import { AllowedHosts } from '../../net/allowed_hosts.js';
import { OutboundHttp } from '../../net/http_client.js';

export function makeConfigurationUtilities(
  overrides: { allowedHosts?: string[]; webhookPfxEnabled?: boolean } = {},
): ConfigurationUtilities {
  return {
    allowedHosts: new AllowedHosts(overrides.allowedHosts ?? ['*']),
    webhookPfxEnabled: overrides.webhookPfxEnabled ?? true,
  };
}

export function makeServices(allowedHosts: string[] = ['*']): ConnectorServices {
  return {
    http: new OutboundHttp({
      allowedHosts: new AllowedHosts(allowedHosts),
      maxResponseContentLength: 1024 * 1024,
      responseTimeoutMs: 60_000,
    }),
    elasticsearch: () => {
      throw new Error('no Elasticsearch in webhook tests');
    },
  };
}

export function makeContext<C, S, P>(
  parts: { config: C; secrets: S; params: P },
  overrides: { services?: ConnectorServices; configurationUtilities?: ConfigurationUtilities } = {},
): ExecutorContext<C, S, P> {
  return {
    connectorId: 'webhook-test',
    connectorName: 'A webhook',
    ...parts,
    services: overrides.services ?? makeServices(),
    configurationUtilities: overrides.configurationUtilities ?? makeConfigurationUtilities(),
    logger: pino({ level: 'silent' }),
    signal: new AbortController().signal,
    source: 'http_request',
    isPreconfigured: false,
  };
}
