import { describe, expect, it } from 'vitest';
import { validateParams } from '../../actions/validation.js';
import { bedrockConnectorType } from '../bedrock/index.js';
import { geminiConnectorType } from '../gemini/index.js';
import { inferenceConnectorType } from '../inference/index.js';
import { makeConfigurationUtilities } from '../lib/test_context.js';
import { genAiConnectorType } from '../openai/index.js';
import { alertsContext, alertsForPrompt, answerOf, chatParams, LLM_TYPES, MAX_ALERTS_IN_CONTEXT, seedConversation } from './chat.js';
import { obsAiRuleActionAdapter, observabilityAiAssistantConnectorType } from './index.js';

const ctx = { configurationUtilities: makeConfigurationUtilities() };
const alert = (id: string, status: string) => ({ kibana: { alert: { instance: { id }, status } } });
const chunk = (data: Record<string, unknown>[]) => ({ count: data.length, data });
const RULE = { id: 'r1', name: 'Disk', tags: ['t'], consumer: 'alerts', producer: 'alerts', ruleTypeId: 'test' };

describe('the Observability AI Assistant rule-action adapter', () => {
  const alerts = { new: chunk([alert('a', 'active')]), ongoing: chunk([alert('o', 'active')]), recovered: chunk([alert('b', 'recovered')]), all: chunk([]) };

  it('makes a legacy message one prompt over every status, and fills rule and the new and recovered alerts', () => {
    const built = obsAiRuleActionAdapter.buildActionParams({ alerts, rule: RULE, ruleUrl: undefined, spaceId: 'default', params: { connector: 'llm', message: 'Why?' } });
    expect(built).toEqual({
      connector: 'llm',
      prompts: [{ statuses: ['active', 'recovered', 'untracked'], message: 'Why?' }],
      rule: { id: 'r1', name: 'Disk', tags: ['t'], ruleUrl: null },
      alerts: { new: [alert('a', 'active')], recovered: [alert('b', 'recovered')] },
    });
    // What it builds is what the executor's schema takes.
    expect(() => validateParams(observabilityAiAssistantConnectorType, built, ctx)).not.toThrow();
  });

  it('keeps prompts and forward as given', () => {
    const prompts = [{ statuses: ['recovered'], message: 'Fixed?' }];
    const forward = { connectorId: 'log', params: { message: '{{answer}}' } };
    const built = obsAiRuleActionAdapter.buildActionParams({ alerts, rule: RULE, ruleUrl: 'http://k/r1', spaceId: 'default', params: { connector: 'llm', prompts, forward } });
    expect(built).toMatchObject({ prompts, forward, rule: { ruleUrl: 'http://k/r1' } });
  });

  it('refuses stored params without a connector, or with fields it does not know', () => {
    expect(obsAiRuleActionAdapter.ruleActionParamsSchema.safeParse({ prompts: [] }).success).toBe(false);
    expect(obsAiRuleActionAdapter.ruleActionParamsSchema.safeParse({ connector: 'llm', other: 1 }).success).toBe(false);
  });
});

describe('the chat of a prompt', () => {
  const messages = seedConversation('What happened?', alertsContext({ id: 'r1', name: 'Disk', tags: [], ruleUrl: null }, { new: [alert('a', 'active')], recovered: [] }));

  it.each([
    ['.gen-ai', genAiConnectorType],
    ['.bedrock', bedrockConnectorType],
    ['.gemini', geminiConnectorType],
    ['.inference', inferenceConnectorType],
  ] as const)('asks %s with params its own schema accepts, prompt and alert context in the user turn', (typeId, def) => {
    const params = chatParams(typeId, messages);
    expect(() => validateParams(def, params, ctx)).not.toThrow();
    expect(JSON.stringify(params)).toContain('What happened?');
    expect(JSON.stringify(params)).toContain('Result of get_alerts_context');
  });

  it('reads the answer of each type', () => {
    for (const typeId of LLM_TYPES.filter((t) => t !== '.inference')) expect(answerOf(typeId, { message: 'hi', usage: {} })).toBe('hi');
    expect(answerOf('.inference', { choices: [{ message: { content: 'hi' } }] })).toBe('hi');
    expect(answerOf('.gen-ai', {})).toBeUndefined();
  });

  it('keeps the alerts whose status a prompt names, and caps the context', () => {
    const all = { new: [alert('a', 'active')], recovered: [alert('b', 'recovered')] };
    expect(alertsForPrompt(all, ['recovered'])).toEqual({ new: [], recovered: [alert('b', 'recovered')] });
    const many = Array.from({ length: MAX_ALERTS_IN_CONTEXT + 3 }, (_, i) => alert(`x${i}`, 'active'));
    const context = JSON.parse(alertsContext({ id: 'r', name: 'n', tags: [], ruleUrl: null }, { new: many, recovered: [] }));
    expect(context.new).toHaveLength(MAX_ALERTS_IN_CONTEXT);
    expect(context.omitted_alerts).toBe(3);
  });
});
