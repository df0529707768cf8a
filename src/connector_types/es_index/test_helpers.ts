import type { Client } from '@elastic/elasticsearch';
import { pino } from 'pino';
import type { ConfigurationUtilities, ExecutorContext } from '../../actions/types.js';
import { AllowedHosts } from '../../net/allowed_hosts.js';
import { OutboundHttp } from '../../net/http_client.js';

export const configurationUtilities: ConfigurationUtilities = {
  allowedHosts: new AllowedHosts(['*']),
  webhookPfxEnabled: true,
};

/** An executor context whose Elasticsearch is `client` (the http service is unused by .index). */
export function makeContext<C, S, P>(parts: { config: C; secrets: S; params: P }, client: Client): ExecutorContext<C, S, P> {
  return {
    connectorId: 'index-test',
    connectorName: 'An index connector',
    ...parts,
    services: {
      http: new OutboundHttp({
        allowedHosts: new AllowedHosts(['*']),
        maxResponseContentLength: 1024 * 1024,
        responseTimeoutMs: 60_000,
      }),
      elasticsearch: () => client,
    },
    configurationUtilities,
    logger: pino({ level: 'silent' }),
    signal: new AbortController().signal,
    source: 'http_request',
    isPreconfigured: false,
  };
}
