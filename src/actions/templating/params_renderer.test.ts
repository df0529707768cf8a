import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { captureLogger } from '../../../test/helpers/logs.js';
import { serverLogConnectorType } from '../../connector_types/server_log/index.js';
import { webhookConnectorType } from '../../connector_types/webhook/index.js';
import { MAX_RENDER_STEPS } from './limits.js';
import { renderActionParams } from './render_params.js';
import { ParamsRenderer } from './params_renderer.js';

// Params are rendered on the event loop within a small budget, and on the render thread with
// the full limits when they need more; both must give the same answers.

const captured = captureLogger();
const registry = new Registry();
const renderer = new ParamsRenderer(captured.logger, registry);
afterAll(() => renderer.close());

async function rendersBy(): Promise<Record<string, number>> {
  const metric = await registry.getSingleMetric('plugboard_template_renders_total')!.get();
  return Object.fromEntries(metric.values.map((v) => [v.labels.thread as string, v.value]));
}

/** Runs `fn` and tells which thread rendered, by the counter. */
async function threadOf<T>(fn: () => Promise<T>): Promise<{ thread: string; result: T }> {
  const before = await rendersBy();
  const result = await fn();
  const after = await rendersBy();
  const moved = Object.keys(after).filter((thread) => after[thread] !== (before[thread] ?? 0));
  expect(moved).toHaveLength(1);
  return { thread: moved[0], result };
}

describe('ParamsRenderer', () => {
  it('renders alert-sized params on the event loop', async () => {
    const { thread, result } = await threadOf(() => renderer.render(webhookConnectorType, { body: '{"m": "{{context.message}}"}' }, { context: { message: 'CPU "high"' } }));
    expect(thread).toBe('main');
    expect(result).toEqual({ body: '{"m": "CPU \\"high\\""}' });
  });

  it('renders params beyond the small budget on the render thread, as the full renderer would', async () => {
    const cases: Array<[typeof serverLogConnectorType | typeof webhookConnectorType, Record<string, unknown>, Record<string, unknown>]> = [
      // Long templates: 15,000 characters parsed.
      [serverLogConnectorType, { message: '{{x}}'.repeat(3_000), level: 'info' }, { x: 'é' }],
      // Many steps: a list of 5,000 items.
      [webhookConnectorType, { body: '{{#items}}{{.}},{{/items}}' }, { items: Array.from({ length: 5_000 }, (_, i) => i) }],
      // Large variables: 10,000 values, escaped as JSON.
      [webhookConnectorType, { body: '{"first": "{{hosts.0.name}}", "n": {{#EvalMath}}hosts.1.cpu * 2{{/EvalMath}}}' }, { hosts: Array.from({ length: 5_000 }, (_, i) => ({ name: `"web-${i}"`, cpu: i })) }],
    ];
    for (const [def, params, variables] of cases) {
      const { thread, result } = await threadOf(() => renderer.render(def as typeof webhookConnectorType, params as never, variables));
      expect(thread).toBe('render');
      expect(result).toEqual(renderActionParams(def as typeof webhookConnectorType, captured.logger, params as never, variables));
    }
  });

  it("passes the thread's refusals on as 400s naming the field, and its lambdas' warnings to the server's log", async () => {
    const overSteps = '{{#EvalMath}}1{{/EvalMath}}'.repeat(1_500);
    await expect(renderer.render(webhookConnectorType, { body: overSteps }, {})).rejects.toMatchObject({
      statusCode: 400,
      message: `[params.body]: templates take more than the limit of ${MAX_RENDER_STEPS} rendering steps (a tag or list item is one step, a lambda section 100)`,
    });

    const badDate = `${'{{x}}'.repeat(2_000)}{{#FormatDate}}not a date{{/FormatDate}}`;
    const { thread, result } = await threadOf(() => renderer.render(serverLogConnectorType, { message: badDate, level: 'info' }, { x: 1 }));
    expect(thread).toBe('render');
    expect(result.message).toBe(`${'1'.repeat(2_000)}invalid date "not a date"`);
    expect(captured.records().some((r) => r.level === 40 && r.msg === 'mustache render error: invalid date "not a date"')).toBe(true);
  });

  it('fails what the thread holds when it is ended, and starts a new thread for the next render', async () => {
    const heavy = { message: '{{x}}'.repeat(5_000), level: 'info' as const };
    const refused = expect(renderer.render(serverLogConnectorType, heavy, { x: 'y' })).rejects.toMatchObject({
      statusCode: 400,
      message: '[params]: rendering stopped: the server is stopping',
    });
    await renderer.close();
    await refused;
    await expect(renderer.render(serverLogConnectorType, heavy, { x: 'y' })).resolves.toEqual({ message: 'y'.repeat(5_000), level: 'info' });
  });
});
