import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { captureLogger } from '../../../test/helpers/logs.js';
import { d3SecurityConnectorType } from '../../connector_types/d3security/index.js';
import { MAX_PARSED_CHARS, MAX_RENDERED_CHARS, MAX_RENDER_STEPS, MAX_SECTION_DEPTH, MAX_TEMPLATE_LENGTH, RenderBudget, TemplateLimitError } from './limits.js';
import { renderActionParams } from './render_params.js';
import { renderTemplate, renderTemplatesDeep, withRenderBudget } from './renderer.js';
import type { EscapeMode } from './escape.js';
import { prepareVariables } from './variables.js';

const { logger } = captureLogger();

const hostile = {
  lt: '<',
  gt: '>',
  amp: '&',
  nl: 'a\nb',
  cr: 'a\r\nb',
  tab: 'a\tb',
  dq: 'say "hi"',
  sq: "it's",
  bt: '`code`',
  bs: 'C:\\path\\n',
  st: '*bold*',
  ul: '_it_',
  st_lt: '*<',
  md: '# [link](x) {a} +-.!|',
  url_ul: 'https://example.com/a_b*c',
  emoji: 'ünï 🔥',
  ctrl: '\u0001\u001f',
  num: 42,
  bool: false,
  nil: null,
};

// Expected output of `{{key}}` for every escape mode, value by value.
const table: Array<[keyof typeof hostile, Record<EscapeMode, string>]> = [
  ['lt', { none: '<', json: '<', markdown: '<', slack: '&lt;', html: '&lt;' }],
  ['gt', { none: '>', json: '>', markdown: '>', slack: '&gt;', html: '&gt;' }],
  ['amp', { none: '&', json: '&', markdown: '&', slack: '&amp;', html: '&amp;' }],
  ['nl', { none: 'a\nb', json: 'a\\nb', markdown: 'a\nb', slack: 'a\nb', html: 'a\nb' }],
  ['cr', { none: 'a\r\nb', json: 'a\\r\\nb', markdown: 'a\r\nb', slack: 'a\r\nb', html: 'a\r\nb' }],
  ['tab', { none: 'a\tb', json: 'a\\tb', markdown: 'a\tb', slack: 'a\tb', html: 'a\tb' }],
  ['dq', { none: 'say "hi"', json: 'say \\"hi\\"', markdown: 'say "hi"', slack: 'say "hi"', html: 'say &quot;hi&quot;' }],
  ['sq', { none: "it's", json: "it's", markdown: "it's", slack: "it's", html: 'it&#39;s' }],
  ['bt', { none: '`code`', json: '`code`', markdown: '\\`code\\`', slack: "'code'", html: '&#x60;code&#x60;' }],
  ['bs', { none: 'C:\\path\\n', json: 'C:\\\\path\\\\n', markdown: 'C:\\\\path\\\\n', slack: 'C:\\path\\n', html: 'C:\\path\\n' }],
  ['st', { none: '*bold*', json: '*bold*', markdown: '\\*bold\\*', slack: '`*bold*`', html: '*bold*' }],
  ['ul', { none: '_it_', json: '_it_', markdown: '\\_it\\_', slack: '`_it_`', html: '_it_' }],
  // In backticks, nothing else needs escaping for Slack.
  ['st_lt', { none: '*<', json: '*<', markdown: '\\*<', slack: '`*<`', html: '*&lt;' }],
  ['md', { none: '# [link](x) {a} +-.!|', json: '# [link](x) {a} +-.!|', markdown: '\\# \\[link\\]\\(x\\) \\{a\\} \\+\\-\\.\\!\\|', slack: '# [link](x) {a} +-.!|', html: '# [link](x) {a} +-.!|' }],
  // A URL keeps its * and _ for Slack (links must work).
  ['url_ul', { none: 'https://example.com/a_b*c', json: 'https://example.com/a_b*c', markdown: 'https://example\\.com/a\\_b\\*c', slack: 'https://example.com/a_b*c', html: 'https:&#x2F;&#x2F;example.com&#x2F;a_b*c' }],
  ['emoji', { none: 'ünï 🔥', json: 'ünï 🔥', markdown: 'ünï 🔥', slack: 'ünï 🔥', html: 'ünï 🔥' }],
  ['ctrl', { none: '\u0001\u001f', json: '\\u0001\\u001f', markdown: '\u0001\u001f', slack: '\u0001\u001f', html: '\u0001\u001f' }],
  ['num', { none: '42', json: '42', markdown: '42', slack: '42', html: '42' }],
  ['bool', { none: 'false', json: 'false', markdown: 'false', slack: 'false', html: 'false' }],
  ['nil', { none: '', json: '', markdown: '', slack: '', html: '' }],
];

describe('escape modes', () => {
  for (const [key, expected] of table) {
    for (const [mode, output] of Object.entries(expected) as Array<[EscapeMode, string]>) {
      it(`${mode}: {{${key}}}`, () => {
        expect(renderTemplate(logger, `{{${key}}}`, hostile, mode)).toBe(output);
      });
    }
  }

  it('leaves triple-brace values unescaped in every mode', () => {
    for (const mode of ['json', 'markdown', 'slack', 'html'] as const) {
      expect(renderTemplate(logger, '{{{dq}}}{{{st}}}{{{lt}}}', hostile, mode)).toBe('say "hi"*bold*<');
    }
  });

  it('keeps a JSON body valid whatever the values, in json mode', () => {
    const body = renderTemplate(logger, '{"text": "{{dq}} {{nl}} {{bs}} {{ctrl}} {{emoji}}"}', hostile, 'json');
    expect(JSON.parse(body)).toEqual({ text: `${hostile.dq} ${hostile.nl} ${hostile.bs} ${hostile.ctrl} ${hostile.emoji}` });
  });

  it('returns an error text for a broken template, and passes null and undefined through', () => {
    expect(renderTemplate(logger, 'x {{a}', {}, 'none')).toBe('error rendering mustache template "x {{a}": Unclosed tag at 6');
    expect(renderTemplate(logger, null, {}, 'none')).toBeNull();
    expect(renderTemplate(logger, undefined, {}, 'none')).toBeUndefined();
  });
});

describe('variables', () => {
  it('render objects as JSON, arrays joined or asJSON, and expand dotted keys into objects', () => {
    const variables = {
      context: { host: 'web-1', load: [1, 2] },
      tags: ['a', 'b"c'],
      'kibana.alert.reason': 'disk full',
      kibana: { space: 'default' },
      'rule.name': 'Disk',
    };
    expect(renderTemplate(logger, '{{context}}|{{tags}}|{{tags.asJSON}}|{{context.load.asJSON}}', variables, 'none')).toBe(
      '{"host":"web-1","load":[1,2]}|a,b"c|["a","b\\"c"]|[1,2]',
    );
    expect(renderTemplate(logger, '{{kibana.alert.reason}} in {{kibana.space}}, rule {{rule.name}}', variables, 'none')).toBe('disk full in default, rule Disk');
    // The merged object renders as JSON with both parts.
    expect(JSON.parse(renderTemplate(logger, '{{{kibana}}}', variables, 'none'))).toEqual({ alert: { reason: 'disk full' }, space: 'default' });
    // Sections iterate arrays and test values.
    expect(renderTemplate(logger, '{{#tags}}[{{.}}]{{/tags}}{{^missing}}none{{/missing}}', variables, 'none')).toBe('[a][b"c]none');
  });

  it('drop keys that would reach the prototype, and copy the input', () => {
    const input = JSON.parse('{"__proto__": {"polluted": true}, "a.__proto__.b": 1, "constructor.prototype.c": 2, "ok": {"x": 1}}') as Record<string, unknown>;
    const prepared = prepareVariables(input, new RenderBudget());
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(prepared)).toEqual(['ok']);
    (prepared.ok as Record<string, unknown>).x = 2;
    expect((input.ok as Record<string, unknown>).x).toBe(1);
  });
});

describe('lambdas', () => {
  const variables = { a: 2, b: 5, when: '2024-03-10T14:05:00.000Z', amount: 1234.567, weird: 'not a date', hj: '{x: 1, y: [true, "s"]}' };

  it.each([
    ['{{#EvalMath}} a * b + 1 {{/EvalMath}}', '11'],
    ['{{#EvalMath}}round(b / 3, 2){{/EvalMath}}', '1.67'],
    ['{{#ParseHjson}}{{hj}}{{/ParseHjson}}', '{"x":1,"y":[true,"s"]}'],
    ['{{#FormatDate}}{{when}}{{/FormatDate}}', '2024-03-10 02:05pm'],
    ['{{#FormatDate}}{{when}}; America/New_York; dddd MMM D, YYYY HH:mm z{{/FormatDate}}', 'Sunday Mar 10, 2024 10:05 EDT'],
    ['{{#FormatNumber}}{{amount}}; de-DE; style: currency, currency: EUR{{/FormatNumber}}', '1.234,57\u00a0€'],
    ['{{#FormatNumber}}{{amount}};; maximumFractionDigits: 1{{/FormatNumber}}', '1,234.6'],
    ['{{#EncodeURI}} https://x.example/a b?q=ü&r=1 {{/EncodeURI}}', '%20https://x.example/a%20b?q=%C3%BC&r=1%20'],
    ['{{#EncodeURIComponent}}a b&c/d{{/EncodeURIComponent}}', 'a%20b%26c%2Fd'],
  ])('%s → %s', (template, expected) => {
    expect(renderTemplate(logger, template, variables, 'none')).toBe(expected);
  });

  it.each([
    ['{{#EvalMath}}a +{{/EvalMath}}', /^error evaluating tinymath expression "a \+": /],
    ['{{#ParseHjson}}{x: [}{{/ParseHjson}}', /^error parsing Hjson "\{x: \[\}": /],
    ['{{#FormatDate}}{{/FormatDate}}', /^error parsing date - value is empty$/],
    ['{{#FormatDate}}{{weird}}{{/FormatDate}}', /^invalid date "not a date"$/],
    ['{{#FormatDate}}{{when}}; Mars/Olympus{{/FormatDate}}', /^unknown timeZone value "Mars\/Olympus"$/],
    ['{{#FormatNumber}}{{amount}}{{/FormatNumber}}', /^invalid format, missing semicolons: '1234.567'$/],
    ['{{#FormatNumber}}lots;;{{/FormatNumber}}', /^invalid number: 'lots'$/],
    ['{{#FormatNumber}}1;; style{{/FormatNumber}}', /^invalid options: missing colon in option: 'style'$/],
    ['{{#FormatNumber}}1;; style: currency{{/FormatNumber}}', /^error formatting number: /],
  ])('writes the failure of %s in place, and logs it as a warning', (template, expected) => {
    const captured = captureLogger();
    const output = renderTemplate(captured.logger, template, variables, 'none');
    expect(output).toMatch(expected);
    expect(captured.records()).toEqual([expect.objectContaining({ level: 40, msg: `mustache render error: ${output}` })]);
  });

  it('lets variables of the same name win over a lambda', () => {
    expect(renderTemplate(logger, '{{EvalMath}}', { EvalMath: 'mine' }, 'none')).toBe('mine');
  });
});

describe('renderTemplatesDeep', () => {
  it('renders every string of a nested value without escaping, and keeps the rest', () => {
    const params = { literal: 0, flags: { on: true, off: null }, list: ['{{a}}', '{{st}}'], deep: { text: '<{{b}}>' } };
    expect(renderTemplatesDeep(logger, params, { a: 1, b: '&', st: '*' })).toEqual({ literal: 0, flags: { on: true, off: null }, list: ['1', '*'], deep: { text: '<&>' } });
    expect(renderTemplatesDeep(logger, { broken: '{{a}' }, {})).toEqual({ broken: 'error rendering mustache template "{{a}": Unclosed tag at 4' });
  });
});

describe('limits', () => {
  const nested = (name: string, depth: number, inner: string) => `{{#${name}}}`.repeat(depth) + inner + `{{/${name}}}`.repeat(depth);
  const refusal = (fn: () => unknown): TemplateLimitError => {
    try {
      fn();
    } catch (err) {
      if (err instanceof TemplateLimitError) return err;
      throw err;
    }
    throw new Error('rendered without breaking a limit');
  };

  it("refuses the issue's nested lambdas by their size or depth, naming the limit", () => {
    const encode = nested('EncodeURI', 3000, 'x');
    expect(refusal(() => renderTemplate(logger, encode, {}, 'none'))).toMatchObject({
      message: `template is ${encode.length} characters long; the limit is ${MAX_TEMPLATE_LENGTH}`,
      template: encode,
    });
    const math = nested('EvalMath', 2000, '1');
    expect(refusal(() => renderTemplate(logger, math, {}, 'none')).message).toBe(`template is nested 2000 sections deep; the limit is ${MAX_SECTION_DEPTH}`);
    expect(refusal(() => renderTemplate(logger, nested('a', 3000, 'x'), { a: true }, 'none')).message).toBe('template is nested 3000 sections deep; the limit is 32');
  });

  it('renders up to the limits of length and depth, inverted sections counting as sections', () => {
    const longest = 'x{{a}}'.padEnd(MAX_TEMPLATE_LENGTH, 'y');
    expect(renderTemplate(logger, longest, { a: '-' }, 'none')).toBe(`x-${'y'.repeat(MAX_TEMPLATE_LENGTH - 6)}`);
    expect(refusal(() => renderTemplate(logger, `${longest}y`, {}, 'none')).message).toBe(`template is ${MAX_TEMPLATE_LENGTH + 1} characters long; the limit is ${MAX_TEMPLATE_LENGTH}`);
    expect(renderTemplate(logger, nested('a', MAX_SECTION_DEPTH, '{{b}}'), { a: true, b: 'deep' }, 'none')).toBe('deep');
    const tooDeep = `{{^none}}${nested('a', MAX_SECTION_DEPTH, '{{b}}')}{{/none}}`;
    expect(refusal(() => renderTemplate(logger, tooDeep, { a: true }, 'none')).message).toBe('template is nested 33 sections deep; the limit is 32');
  });

  it('passes text without tags through whatever its length', () => {
    const text = 'no tags { here } '.repeat(40_000);
    expect(renderTemplate(logger, text, {}, 'json')).toBe(text);
  });

  it('bounds the text lambda sections parse again when nested', () => {
    // Each of the 32 levels parses the text inside it again: about 32 × 6 KiB.
    const encoded = nested('EncodeURI', 32, '%{{a}}'.repeat(1000));
    expect(refusal(() => renderTemplate(logger, encoded, { a: 'é' }, 'none')).message).toBe(
      `templates parse more than the limit of ${MAX_PARSED_CHARS} characters (a lambda section's text counts each time it is rendered)`,
    );
    // A few levels are fine, each encoding what the level inside produced.
    expect(renderTemplate(logger, nested('EncodeURI', 3, '%{{a}}'), { a: 'é' }, 'none')).toBe('%252525%2525C3%2525A9');
  });

  it('bounds the text produced, list items and lambda output included', () => {
    const items = Array.from({ length: 20 }, (_, i) => i);
    const big = 'y'.repeat(MAX_RENDERED_CHARS / 16);
    expect(refusal(() => renderTemplate(logger, '{{#items}}{{big}}{{/items}}', { items, big }, 'none')).message).toBe(
      `templates render more than the limit of ${MAX_RENDERED_CHARS} characters (a lambda section's output counts at each level)`,
    );
    expect(renderTemplate(logger, '{{#items}}{{big}}{{/items}}', { items: items.slice(0, 15), big }, 'none')).toHaveLength(15 * big.length);
    // EncodeURI makes each é six characters: 6 × 200,000 is over the limit, though its input is not.
    expect(refusal(() => renderTemplate(logger, '{{#EncodeURI}}{{e}}{{/EncodeURI}}', { e: 'é'.repeat(200_000) }, 'none')).message).toMatch(/^templates render more than/);
  });

  it('bounds the rendering steps, a lambda section counting as a hundred', () => {
    const items = Array.from({ length: 1000 }, (_, i) => i);
    expect(refusal(() => renderTemplate(logger, '{{#items}}{{#items}}{{/items}}{{/items}}', { items }, 'none')).message).toBe(
      `templates take more than the limit of ${MAX_RENDER_STEPS} rendering steps (a tag or list item is one step, a lambda section 100)`,
    );
    const doubled = '{{#items}}{{#EvalMath}}{{.}} * 2{{/EvalMath}},{{/items}}';
    expect(renderTemplate(logger, doubled, { items: items.slice(0, 500) }, 'none')).toBe(items.slice(0, 500).map((i) => `${i * 2},`).join(''));
    expect(refusal(() => renderTemplate(logger, doubled, { items }, 'none')).message).toMatch(/^templates take more than the limit/);
  });

  it("shares one budget among an action's templates, parsing a template rendered twice once", () => {
    const template = (n: number) => `${n}{{a}}`.padEnd(MAX_PARSED_CHARS / 2 - 10, '.');
    const params = { one: template(1), two: template(2), three: template(3) };
    expect(renderTemplatesDeep(logger, params, {})).toEqual({ one: expect.stringMatching(/^1\.+$/), two: expect.stringMatching(/^2\.+$/), three: expect.stringMatching(/^3\.+$/) });
    expect(refusal(() => withRenderBudget(() => renderTemplatesDeep(logger, params, {}))).template).toBe(params.three);
    const again = withRenderBudget(() => [1, 2, 3, 4].map(() => renderTemplate(logger, params.one, {}, 'none')));
    expect(new Set(again)).toEqual(new Set([renderTemplate(logger, params.one, {}, 'none')]));
  });

  it('keeps nothing of the templates it rendered', () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const heapAfterGc = () => {
      gc();
      return process.memoryUsage().heapUsed;
    };
    // 30 distinct templates just under the length limit: mustache's own cache kept about 2 MiB of each.
    const template = (n: number) => `${n}x{{a}}`.repeat(MAX_TEMPLATE_LENGTH / 8);
    renderTemplate(logger, template(-1), { a: 1 }, 'none');
    const before = heapAfterGc();
    for (let n = 0; n < 30; n++) expect(renderTemplate(logger, template(n), { a: 1 }, 'none')).toMatch(new RegExp(`^${n}x1`));
    expect(heapAfterGc() - before).toBeLessThan(8 * 1024 * 1024);
  });
});

describe('renderActionParams', () => {
  it('answers a template over a limit with a 400 naming its field, inside sub-action params too', () => {
    const params = { subAction: 'run', subActionParams: { body: '{"a": "{{#a}}'.repeat(40) + '{{/a}}"}'.repeat(40) } };
    expect(() => renderActionParams(d3SecurityConnectorType, logger, params, {})).toThrow(
      expect.objectContaining({ statusCode: 400, message: '[params.subActionParams.body]: template is nested 40 sections deep; the limit is 32' }),
    );
    const fine = { subAction: 'run', subActionParams: { body: '{"a": "{{a}}"}' } };
    expect(renderActionParams(d3SecurityConnectorType, logger, fine, { a: 'x"y' })).toEqual({ subAction: 'run', subActionParams: { body: '{"a": "x\\"y"}' } });
  });
});
