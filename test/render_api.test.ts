import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDialects } from './helpers/databases.js';
import { startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';
import { startStatusSink, type StatusSink } from './helpers/status_sink.js';

const dialects = await availableDialects();

// POST /api/actions/connector/{id}/_render: params filled from variables with the type's
// escaping, nothing sent.

describe.each(dialects)('render API on %s', (dialect) => {
  let pb: TestPlugboard;
  let sink: StatusSink;
  beforeAll(async () => {
    sink = await startStatusSink();
    pb = await startTestPlugboard({
      dialect,
      settings: { 'xpack.actions.preconfigured': { 'ops-log': { name: 'Ops log', actionTypeId: '.server-log' } } },
    });
    await pb.api('POST', '/api/actions/connector/hook', {
      name: 'Hook',
      connector_type_id: '.webhook',
      config: { url: `${sink.url}/hook`, hasAuth: false },
      secrets: {},
    });
  });
  afterAll(async () => {
    await pb.close();
    await sink.close();
  });

  const variables = {
    context: { message: 'CPU "high"\non web-1 \\ 95%', host: 'web-1' },
    alert: { id: 'a-1' },
    'kibana.alert.reason': 'threshold met',
  };

  it("escapes a webhook body as JSON, so the rendered body stays valid JSON, and sends nothing", async () => {
    const before = sink.requests.length;
    const res = await pb.api('POST', '/api/actions/connector/hook/_render', {
      params: { body: '{"text": "{{context.message}}", "reason": "{{kibana.alert.reason}}", "ctx": {{{context}}}}' },
      variables,
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.params.body)).toEqual({ text: variables.context.message, reason: 'threshold met', ctx: variables.context });
    expect(sink.requests.length).toBe(before);
  });

  it('renders other types without escaping, in any space, preconfigured connectors included', async () => {
    await pb.api('POST', '/api/spaces/space', { id: 'ops', name: 'Ops' });
    const res = await pb.api('POST', '/s/ops/api/actions/connector/ops-log/_render', {
      params: { message: 'Alert {{alert.id}}: {{context.message}} <{{missing}}>', level: 'warn' },
      variables,
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ params: { message: `Alert a-1: ${variables.context.message} <>`, level: 'warn' } });
    // Without variables, templates render empty.
    const bare = await pb.api('POST', '/api/actions/connector/ops-log/_render', { params: { message: 'x{{a}}y' } });
    expect(bare.body).toEqual({ params: { message: 'xy', level: 'info' } });
  });

  it('answers 404 for an unknown connector and 400 for params the type refuses', async () => {
    const missing = await pb.api('POST', '/api/actions/connector/nope/_render', { params: {} });
    expect(missing.status).toBe(404);
    expect(missing.body.message).toBe('Saved object [action/nope] not found');
    const invalid = await pb.api('POST', '/api/actions/connector/ops-log/_render', { params: { message: 'x', level: 'loud' } });
    expect(invalid.status).toBe(400);
    expect(invalid.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    expect(invalid.body.message).toMatch(/^error validating action params: /);
    const noParams = await pb.api('POST', '/api/actions/connector/ops-log/_render', { variables: {} });
    expect(noParams.status).toBe(400);
    expect(noParams.body.message).toContain('params');
  });

  it("answers the issue's hostile templates with a 400 naming the field and the limit, and keeps serving", async () => {
    const nested = (name: string, depth: number, inner: string) => `{{#${name}}}`.repeat(depth) + inner + `{{/${name}}}`.repeat(depth);
    const math = await pb.api('POST', '/api/actions/connector/hook/_render', { params: { body: nested('EvalMath', 2000, '1') } });
    expect(math.status).toBe(400);
    expect(math.body).toEqual({ statusCode: 400, error: 'Bad Request', message: '[params.body]: template is nested 2000 sections deep; the limit is 32' });
    const encode = await pb.api('POST', '/api/actions/connector/ops-log/_render', { params: { message: nested('EncodeURI', 3000, 'x') } });
    expect(encode.status).toBe(400);
    expect(encode.body.message).toBe('[params.message]: template is 84001 characters long; the limit is 65536');
    // 30 distinct templates of 650 KB: each refused before it is parsed.
    for (let n = 0; n < 30; n++) {
      const res = await pb.api('POST', '/api/actions/connector/ops-log/_render', { params: { message: `${n}{{a}}`.padEnd(650_000, 'x') } });
      expect(res.status).toBe(400);
      expect(res.body.message).toBe('[params.message]: template is 650000 characters long; the limit is 65536');
    }
    const fine = await pb.api('POST', '/api/actions/connector/hook/_render', { params: { body: '{"n": {{#EvalMath}}a * 2{{/EvalMath}}}' }, variables: { a: 21 } });
    expect(fine.body).toEqual({ params: { body: '{"n": 42}' } });
  });

  it('renders templates beyond the small on-loop budget on the render thread, and counts where each was rendered', async () => {
    const rendered = async () => {
      const metrics = await pb.api('GET', '/metrics');
      const count = (thread: string) => Number(new RegExp(`^plugboard_template_renders_total\\{thread="${thread}"\\} (\\d+)$`, 'm').exec(metrics.text)?.[1] ?? 0);
      return { main: count('main'), render: count('render') };
    };
    const before = await rendered();
    const heavy = await pb.api('POST', '/api/actions/connector/hook/_render', {
      params: { body: `[${'"{{x}}",'.repeat(2_000)}"{{#EncodeURIComponent}}{{x}}{{/EncodeURIComponent}}"]` },
      variables: { x: 'a "b"' },
    });
    expect(heavy.status).toBe(200);
    expect(JSON.parse(heavy.body.params.body)).toEqual([...Array.from({ length: 2_000 }, () => 'a "b"'), 'a%20%5C%22b%5C%22']);
    const light = await pb.api('POST', '/api/actions/connector/ops-log/_render', { params: { message: '{{x}}' }, variables: { x: 1 } });
    expect(light.body).toEqual({ params: { message: '1', level: 'info' } });
    expect(await rendered()).toEqual({ main: before.main + 1, render: before.render + 1 });
  });
});
