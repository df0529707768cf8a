import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { validateConfig, validateParams } from '../../../actions/validation.js';
import { installZod3Messages } from '../../../common/zod_messages.js';
import { makeConfigurationUtilities, makeContext, makeServices, runAsAction, thrownMessage } from '../../lib/test_context.js';
import { startServiceNowSimulator, type ServiceNowSimulator } from '../simulator.js';
import { prepareEvent } from './event.js';
import { serviceNowItomConnectorType as def } from './index.js';
import type { ItomEvent } from './schema.js';

installZod3Messages();

const ctx = { configurationUtilities: makeConfigurationUtilities() };
const USER = { username: 'elastic-itom', password: 'itom-password-123' };
const addEvent = (event: Record<string, unknown>) => ({ subAction: 'addEvent', subActionParams: event });
const eventOf = (event: Record<string, unknown>) => (validateParams(def, addEvent(event), ctx) as { subActionParams: ItomEvent }).subActionParams;

describe('.servicenow-itom definition and validation', () => {
  it("has Kibana's identity (no cases), the base config without usesTableApi, and strict event params", () => {
    expect(def).toMatchObject({ id: '.servicenow-itom', name: 'ServiceNow ITOM', minimumLicenseRequired: 'platinum', supportedFeatureIds: ['alerting', 'siem', 'workflows'] });
    expect(def.isConnectorDeprecated).toBeUndefined();
    expect(validateConfig(def, { apiUrl: 'https://dev.service-now.com' }, ctx)).toEqual({ apiUrl: 'https://dev.service-now.com', isOAuth: false, userIdentifierValue: null, clientId: null, jwtKeyId: null });
    expect(thrownMessage(() => validateConfig(def, { apiUrl: 'https://dev.service-now.com', usesTableApi: true }, ctx))).toBe(
      "error validating connector type config: Unrecognized key(s) in object: 'usesTableApi'",
    );
    expect(eventOf({})).toEqual({
      source: null,
      event_class: null,
      resource: null,
      node: null,
      metric_name: null,
      type: null,
      severity: null,
      description: null,
      additional_info: null,
      message_key: '{{rule.id}}:{{alert.id}}',
      time_of_event: null,
    });
    expect(thrownMessage(() => validateParams(def, addEvent({ ci: 'x' }), ctx))).toBe("error validating action params: Field \"subActionParams\": Unrecognized key(s) in object: 'ci'");
    expect(thrownMessage(() => validateParams(def, { subAction: 'pushToService', subActionParams: {} }, ctx))).toMatch(/^error validating action params: Field "subAction": Invalid discriminator value/);
    expect(() => validateParams(def, def.testParams, ctx)).not.toThrow();
  });

  it('sends time_of_event in GMT as yyyy-MM-dd HH:mm:ss (a date or epoch milliseconds), drops it when not a date, and leaves out null fields', () => {
    expect(prepareEvent(eventOf({ source: 'Elastic', time_of_event: '2021-10-13T10:51:44.981Z' }))).toEqual({ source: 'Elastic', message_key: '{{rule.id}}:{{alert.id}}', time_of_event: '2021-10-13 10:51:44' });
    expect(prepareEvent(eventOf({ time_of_event: ' 1634122304981 ' })).time_of_event).toBe('2021-10-13 10:51:44');
    expect(prepareEvent(eventOf({ time_of_event: 'not a date', message_key: null }))).toEqual({});
  });
});

describe('.servicenow-itom against a ServiceNow instance', () => {
  let sim: ServiceNowSimulator;
  const run = (params: unknown, secrets: Record<string, unknown> = {}) =>
    runAsAction(
      def,
      makeContext(
        {
          config: { apiUrl: sim.url, isOAuth: false, userIdentifierValue: null, clientId: null, jwtKeyId: null } as never,
          secrets: { ...USER, clientSecret: null, privateKey: null, privateKeyPassword: null, ...secrets } as never,
          params: validateParams(def, params, ctx) as never,
        },
        { services: makeServices() },
      ),
    );

  beforeAll(async () => {
    sim = await startServiceNowSimulator(USER);
  });
  afterAll(() => sim.close());
  beforeEach(() => {
    sim.requests.length = 0;
    sim.events.length = 0;
  });

  it('posts the event to Event Management (no health check) and answers {}; ServiceNow de-duplicates by message_key', async () => {
    const event = { source: 'Elastic', node: 'web-1', type: 'Disk', resource: '/dev/sda1', metric_name: 'disk.used', severity: '2', description: 'Disk 91%', message_key: 'rule-1:alert-1' };
    const { result } = await run(addEvent(event));
    expect(result).toMatchObject({ status: 'ok', data: {} });
    expect(sim.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /api/global/em/jsonv2']);
    expect(JSON.parse(sim.requests[0].body)).toEqual({ records: [event] });
    await run(addEvent({ ...event, severity: '0', description: 'Disk 60%' }));
    expect(sim.events).toEqual([{ key: 'rule-1:alert-1', fields: { ...event, severity: '0', description: 'Disk 60%' }, count: 2 }]);
    // Without a message key, ServiceNow keys the event by source, node, type, resource and metric name.
    await run(addEvent({ ...event, message_key: null }));
    await run(addEvent({ ...event, message_key: null, severity: '1' }));
    expect(sim.events.map((e) => [e.key, e.count])).toEqual([
      ['rule-1:alert-1', 2],
      ['Elasticweb-1Disk/dev/sda1disk.used', 2],
    ]);
  });

  it("lists em_event's choices; words failures as Kibana does, without endpoint for addEvent", async () => {
    await run({ subAction: 'getChoices', subActionParams: { fields: ['severity'] } });
    expect(sim.requests[0].path).toBe('/api/now/table/sys_choice?sysparm_query=name=task^ORname=em_event^element=severity^language=en&sysparm_fields=label,value,dependent_value,element');
    const denied = await run(addEvent({ source: 'Elastic' }), { password: 'wrong-password-xyz' });
    expect(denied.result).toMatchObject({
      status: 'error',
      errorSource: 'framework',
      retry: true,
      serviceMessage: '[Action][ServiceNow]: Unable to add event. Error: Request failed with status code 401 Reason: User Not Authenticated: Required to provide Auth information',
    });
    expect(denied.failure).toEqual({ httpStatus: 401 });
    sim.failNext(429, JSON.stringify({ error: { message: 'Rate limit exceeded', detail: null }, status: 'failure' }), { 'Retry-After': '10' });
    const limited = await run(addEvent({ source: 'Elastic' }));
    expect(limited.failure?.httpStatus).toBe(429);
    expect(limited.failure?.retryAt).toBeInstanceOf(Date);
    expect((await run({ subAction: 'addEvent', subActionParams: {} }, { password: null })).result.serviceMessage).toBe('[Action]ServiceNow: Wrong configuration.');
  });
});
