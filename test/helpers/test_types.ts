import { z } from 'zod';
import { defineConnectorType } from '../../src/actions/types.js';
import { badRequest } from '../../src/common/errors.js';

/** A connector type with a secret, for tests of storage and execution that need no network. */
export const secretEchoType = defineConnectorType({
  id: '.test-secret-echo',
  name: 'Test secret echo',
  category: 'other',
  summary: 'A type for tests.',
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
  category: 'other',
  summary: 'A type for tests.',
  minimumLicenseRequired: 'basic',
  supportedFeatureIds: ['alerting'],
  isSystemActionType: true,
  schemas: { config: z.strictObject({}), secrets: z.strictObject({}), params: z.strictObject({}) },
  async executor({ connectorId }) {
    return { status: 'ok', actionId: connectorId };
  },
});

/** Records the hook calls it receives; preSave refuses a config with `refuse: true`. */
export const hookCalls: Array<{ hook: string; connectorId: string; isUpdate?: boolean; wasSuccessful?: boolean }> = [];
export const hookedType = defineConnectorType({
  id: '.test-hooked',
  name: 'Test hooked',
  category: 'other',
  summary: 'A type for tests.',
  minimumLicenseRequired: 'basic',
  supportedFeatureIds: ['alerting'],
  schemas: { config: z.strictObject({ refuse: z.boolean().default(false) }), secrets: z.strictObject({}), params: z.strictObject({}) },
  async executor({ connectorId }) {
    return { status: 'ok', actionId: connectorId };
  },
  hooks: {
    async preSave({ connectorId, config, isUpdate }) {
      hookCalls.push({ hook: 'preSave', connectorId, isUpdate });
      if (config.refuse) throw badRequest('refused by the preSave hook');
    },
    async postSave({ connectorId, isUpdate, wasSuccessful }) {
      hookCalls.push({ hook: 'postSave', connectorId, isUpdate, wasSuccessful });
    },
    async postDelete({ connectorId }) {
      hookCalls.push({ hook: 'postDelete', connectorId });
      throw new Error('postDelete errors are only logged');
    },
  },
});

/** Waits until its signal aborts (the execution timeout), then gives up as a real client would. */
export const hangingType = defineConnectorType({
  id: '.test-hanging',
  name: 'Test hanging',
  category: 'other',
  summary: 'A type for tests.',
  minimumLicenseRequired: 'basic',
  supportedFeatureIds: ['alerting'],
  schemas: { config: z.strictObject({}), secrets: z.strictObject({}), params: z.strictObject({}) },
  executor: ({ signal }) =>
    new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('request aborted')))),
});
