import { z } from 'zod';
import { defineConnectorType } from '../../src/actions/types.js';

/** A connector type with a secret, for tests of storage and execution that need no network. */
export const secretEchoType = defineConnectorType({
  id: '.test-secret-echo',
  name: 'Test secret echo',
  minimumLicenseRequired: 'basic',
  supportedFeatureIds: ['alerting'],
  schemas: {
    config: z.strictObject({ label: z.string().default('none') }),
    secrets: z.strictObject({ token: z.string() }),
    params: z.strictObject({ fail: z.boolean().default(false), throw: z.boolean().default(false) }),
  },
  async executor({ connectorId, secrets, params }) {
    if (params.throw) throw new Error(`exploded while holding ${secrets.token}`);
    if (params.fail) return { status: 'error', actionId: connectorId, message: 'failed', serviceMessage: `token was ${secrets.token}` };
    return { status: 'ok', actionId: connectorId, data: { tokenLength: secrets.token.length } };
  },
});

/** A system connector type: one in-memory connector, hidden from public routes. */
export const systemType = defineConnectorType({
  id: '.test-system',
  name: 'Test system action',
  minimumLicenseRequired: 'basic',
  supportedFeatureIds: ['alerting'],
  isSystemActionType: true,
  schemas: { config: z.strictObject({}), secrets: z.strictObject({}), params: z.strictObject({}) },
  async executor({ connectorId }) {
    return { status: 'ok', actionId: connectorId };
  },
});
