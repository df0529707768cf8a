import { defineConnectorType } from '../../actions/types.js';
import { withoutControlCharacters } from '../lib/strings.js';
import { configSchema, LOG_LEVELS, paramsSchema, secretsSchema } from './schema.js';

export const serverLogConnectorType = defineConnectorType({
  id: '.server-log',
  name: 'Server log',
  category: 'other',
  summary: 'Add a message to the Plugboard log.',
  minimumLicenseRequired: 'basic',
  supportedFeatureIds: ['alerting', 'uptime', 'siem'],
  schemas: { config: configSchema, secrets: secretsSchema, params: paramsSchema },
  testParams: { message: 'Test message from Plugboard', level: 'info' },
  async executor({ connectorId, params, logger }) {
    try {
      logger[params.level as (typeof LOG_LEVELS)[number]](`Server log: ${withoutControlCharacters(params.message)}`);
    } catch (err) {
      return { status: 'error', actionId: connectorId, message: 'error logging message', serviceMessage: (err as Error).message };
    }
    return { status: 'ok', actionId: connectorId };
  },
});
