import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { validateConfig, validateParams } from '../../../actions/validation.js';
import { installZod3Messages } from '../../../common/zod_messages.js';
import { makeConfigurationUtilities, makeContext, makeServices, runAsAction, thrownMessage } from '../../lib/test_context.js';
import { startServiceNowSimulator, type ServiceNowSimulator } from '../simulator.js';
import { serviceNowSirConnectorType as def } from './index.js';
import { observablesOf, prepareSirParams } from './observables.js';
import type { SirPushParams } from './schema.js';

installZod3Messages();

const ctx = { configurationUtilities: makeConfigurationUtilities() };
const USER = { username: 'elastic-secops', password: 'sir-password-123' };
const SECRETS = { ...USER, clientSecret: null, privateKey: null, privateKeyPassword: null };
const INCIDENT = { short_description: 'Malware on web-1', description: 'Seen by Defend', category: 'malware', priority: '1' };
const push = (incident: Record<string, unknown>, comments: unknown = null) => ({ subAction: 'pushToService', subActionParams: { incident, comments } });
const pushParams = (incident: Record<string, unknown>) => (validateParams(def, push(incident), ctx) as { subActionParams: SirPushParams }).subActionParams;

describe('.servicenow-sir definition and validation', () => {
  it("has Kibana's identity (no uptime), the common config and params with observables as text or lists", () => {
    expect(def).toMatchObject({ id: '.servicenow-sir', name: 'ServiceNow SecOps', minimumLicenseRequired: 'platinum', supportedFeatureIds: ['alerting', 'cases', 'siem', 'workflows'] });
    expect(validateConfig(def, { apiUrl: 'https://dev.service-now.com' }, ctx)).toMatchObject({ usesTableApi: true, isOAuth: false });
    expect(pushParams({ short_description: 'x' }).incident).toMatchObject({ dest_ip: null, source_ip: null, malware_hash: null, malware_url: null, priority: null, correlation_id: '{{rule.id}}:{{alert.id}}' });
    expect(pushParams({ short_description: 'x', dest_ip: ['10.0.0.1'], source_ip: '10.0.0.2' }).incident).toMatchObject({ dest_ip: ['10.0.0.1'], source_ip: '10.0.0.2' });
    expect(thrownMessage(() => validateParams(def, push({ short_description: 'x', dest_ip: 1 }), ctx))).toMatch(/^error validating action params: Field "subActionParams\.incident\.dest_ip"/);
    expect(thrownMessage(() => validateParams(def, { subAction: 'closeIncident', subActionParams: { incident: {} } }, ctx))).toMatch(/^error validating action params: Field "subAction": Invalid discriminator value/);
    expect(() => validateParams(def, def.testParams, ctx)).not.toThrow();
  });

  it('joins observable lists on the Table API and leaves them out through the app; groups them by type, once each', () => {
    const params = pushParams({ short_description: 'x', dest_ip: ['10.0.0.1', '10.0.0.2'], source_ip: '10.0.0.3', malware_hash: null, malware_url: 'https://evil.example/a' });
    expect(prepareSirParams(true, params).incident).toMatchObject({ dest_ip: '10.0.0.1,10.0.0.2', source_ip: '10.0.0.3', malware_hash: null, malware_url: 'https://evil.example/a' });
    expect(prepareSirParams(false, params).incident).toMatchObject({ dest_ip: null, source_ip: null, malware_hash: null, malware_url: null });
    expect(
      observablesOf(pushParams({ short_description: 'x', dest_ip: '10.0.0.1, 10.0.0.2|10.0.0.1', source_ip: ['10.0.0.2', '10.0.0.3', ''], malware_hash: 'abc\ndef\tabc', malware_url: [] }).incident),
    ).toEqual([
      { value: '10.0.0.1', type: 'ipv4-addr' },
      { value: '10.0.0.2', type: 'ipv4-addr' },
      { value: '10.0.0.3', type: 'ipv4-addr' },
      { value: 'abc', type: 'SHA256' },
      { value: 'def', type: 'SHA256' },
    ]);
  });
});

describe('.servicenow-sir against a ServiceNow instance', () => {
  let sim: ServiceNowSimulator;
  const run = (params: unknown, config: Record<string, unknown> = {}) =>
    runAsAction(
      def,
      makeContext(
        { config: { apiUrl: sim.url, isOAuth: false, userIdentifierValue: null, clientId: null, jwtKeyId: null, usesTableApi: false, ...config } as never, secrets: SECRETS as never, params: validateParams(def, params, ctx) as never },
        { services: makeServices() },
      ),
    );
  const paths = () => sim.requests.map((r) => `${r.method} ${r.path}`);

  beforeAll(async () => {
    sim = await startServiceNowSimulator(USER);
  });
  afterAll(() => sim.close());
  beforeEach(() => {
    sim.requests.length = 0;
  });

  it('creates the security incident through the app, then adds its observables in one bulk call after a health check', async () => {
    const { result } = await run(push({ ...INCIDENT, dest_ip: ['10.0.0.1'], source_ip: '10.0.0.2,10.0.0.1', malware_hash: 'a1b2', malware_url: 'https://evil.example/x' }, [{ commentId: 'c1', comment: 'triaged' }]));
    const incident = [...sim.tables.get('sn_si_incident')!.values()].at(-1)!;
    const pushedDate = new Date(`${incident.sys_created_on} GMT`).toISOString();
    expect(result.data).toEqual({
      id: incident.sys_id,
      title: incident.number,
      url: `${sim.url}/nav_to.do?uri=sn_si_incident.do?sys_id=${incident.sys_id}`,
      pushedDate,
      comments: [{ commentId: 'c1', pushedDate }],
    });
    expect(incident.number).toMatch(/^SIR/);
    expect(incident).toMatchObject({ ...INCIDENT, dest_ip: '', caller_id: USER.username });
    expect(paths()).toEqual([
      'GET /api/x_elas2_sir_int/elastic_api/health',
      'POST /api/now/import/x_elas2_sir_int_elastic_si_incident',
      `GET /api/now/v2/table/sn_si_incident/${incident.sys_id}`,
      'GET /api/x_elas2_sir_int/elastic_api/health',
      'POST /api/now/import/x_elas2_sir_int_elastic_si_incident',
      `GET /api/now/v2/table/sn_si_incident/${incident.sys_id}`,
      'GET /api/x_elas2_sir_int/elastic_api/health',
      `POST /api/x_elas2_sir_int/elastic_api/incident/${incident.sys_id}/observables/bulk`,
    ]);
    expect(JSON.parse(sim.requests[1].body)).toMatchObject({ u_dest_ip: null, u_source_ip: null, u_malware_hash: null, u_malware_url: null, u_priority: '1' });
    expect(JSON.parse(sim.requests[7].body)).toEqual([
      { value: '10.0.0.1', type: 'ipv4-addr' },
      { value: '10.0.0.2', type: 'ipv4-addr' },
      { value: 'a1b2', type: 'SHA256' },
      { value: 'https://evil.example/x', type: 'URL' },
    ]);
    expect(sim.observables.filter((o) => o.incidentId === incident.sys_id)).toHaveLength(4);
  });

  it('sends no observables call without observables, and on the Table API writes them as incident fields', async () => {
    await run(push(INCIDENT));
    expect(paths().filter((p) => p.includes('observables'))).toEqual([]);
    sim.requests.length = 0;
    await run(push({ ...INCIDENT, dest_ip: ['10.0.0.1', '10.0.0.2'] }), { usesTableApi: true });
    expect(paths()).toEqual(['POST /api/now/v2/table/sn_si_incident', expect.stringMatching(/^GET \/api\/now\/v2\/table\/sn_si_incident\//)]);
    expect(JSON.parse(sim.requests[0].body)).toMatchObject({ dest_ip: '10.0.0.1,10.0.0.2' });
  });

  it('words a failed observables call as Kibana does (endpoint other), after the incident was written', async () => {
    sim.failNextOn(/\/observables\/bulk$/, 500, { error: { message: 'Internal error', detail: 'Observable table is locked' }, status: 'failure' });
    const { result, failure } = await run(push({ ...INCIDENT, malware_url: 'https://evil.example/y' }));
    const incident = [...sim.tables.get('sn_si_incident')!.values()].at(-1)!;
    expect(incident.short_description).toBe(INCIDENT.short_description);
    expect(result).toMatchObject({
      status: 'error',
      errorSource: 'framework',
      serviceMessage: `[Action][ServiceNow]: Unable to add observables to security incident with id ${incident.sys_id}. Error: Request failed with status code 500 Reason: Internal error: Observable table is locked [status=500] [method=post] [endpoint=other]`,
    });
    expect(failure).toEqual({ httpStatus: 500 });
  });

  it('answers getIncident with {} and refuses handshake, as Kibana', async () => {
    expect((await run({ subAction: 'getIncident', subActionParams: { externalId: 'x' } })).result).toMatchObject({ status: 'ok', data: {} });
    expect((await run({ subAction: 'handshake', subActionParams: {} })).result.serviceMessage).toBe('[Action][ExternalService] subAction handshake not implemented.');
    const choices = (await run({ subAction: 'getChoices', subActionParams: { fields: ['priority'] } })).result.data as unknown[];
    expect(choices).toHaveLength(5);
    expect(sim.requests.at(-1)!.path).toContain('sysparm_query=name=task^ORname=sn_si_incident^element=priority^language=en');
  });
});
