import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ActionExecutor, type RunnableConnector } from './executor.js';
import { ConnectorTypeRegistry } from './registry.js';
import { defineConnectorType, type ConfigurationUtilities, type ConnectorServices } from './types.js';

/** A type that counts how often its config and secrets are checked. */
function countingType() {
  const checks = { config: 0, secrets: 0, connector: 0, runs: 0 };
  const def = defineConnectorType({
    id: '.test-counting',
    name: 'Counting',
    category: 'other',
    summary: 'Counts its checks.',
    minimumLicenseRequired: 'basic',
    supportedFeatureIds: ['alerting'],
    schemas: { config: z.strictObject({ url: z.string() }), secrets: z.strictObject({ token: z.string() }), params: z.strictObject({ n: z.number() }) },
    validate: {
      config(config) {
        checks.config++;
        if (config.url === 'bad') throw new Error('the url is bad');
      },
      secrets() {
        checks.secrets++;
      },
      connector() {
        checks.connector++;
        return null;
      },
    },
    async executor({ connectorId }) {
      checks.runs++;
      return { status: 'ok', actionId: connectorId };
    },
  });
  return { def, checks };
}

const connector = (config: Record<string, unknown>): RunnableConnector => ({
  id: 'counted',
  name: 'Counted',
  typeId: '.test-counting',
  config,
  secrets: { token: 's3cret' },
  isPreconfigured: false,
  isSystemAction: false,
});

function executorFor(def: ReturnType<typeof countingType>['def']): ActionExecutor {
  return new ActionExecutor({
    registry: new ConnectorTypeRegistry([def]),
    services: {} as ConnectorServices,
    configurationUtilities: {} as ConfigurationUtilities,
    logger: pino({ level: 'silent' }),
  });
}

describe('action executor', () => {
  it('checks config and secrets once per loaded connector, params on every run', async () => {
    const { def, checks } = countingType();
    const executor = executorFor(def);
    const loaded = connector({ url: 'https://example.com' });
    for (let i = 0; i < 3; i++) expect(await executor.execute({ connector: loaded, params: { n: i }, source: 'http_request', spaceId: 'default' })).toMatchObject({ status: 'ok' });
    expect(checks).toEqual({ config: 1, secrets: 1, connector: 1, runs: 3 });
    // Bad params are still refused on the run that has them.
    expect(await executor.execute({ connector: loaded, params: { n: 'x' }, source: 'http_request', spaceId: 'default' })).toMatchObject({
      status: 'error',
      message: expect.stringContaining('error validating action params'),
    });
    // Another loaded version of the connector is checked again.
    await executor.execute({ connector: connector({ url: 'https://example.com/v2' }), params: { n: 1 }, source: 'http_request', spaceId: 'default' });
    expect(checks).toMatchObject({ config: 2, secrets: 2, connector: 2 });
  });

  it('answers every run of a connector whose config is invalid with the same error, checked once', async () => {
    const { def, checks } = countingType();
    const executor = executorFor(def);
    const loaded = connector({ url: 'bad' });
    for (let i = 0; i < 2; i++) {
      expect(await executor.execute({ connector: loaded, params: { n: i }, source: 'http_request', spaceId: 'default' })).toEqual({
        status: 'error',
        actionId: 'counted',
        message: 'error validating connector type config: the url is bad',
        retry: false,
        errorSource: 'framework',
      });
    }
    expect(checks).toEqual({ config: 1, secrets: 0, connector: 0, runs: 0 });
  });
});
