import { parse as parseHjson } from 'hjson';
import moment from 'moment-timezone';
import type { Logger } from 'pino';
import { evaluate as evaluateMath } from 'tinymath';

// The template functions of reference §9. A failure is written into the output in place of
// the section, and logged as a warning: the message still goes out, showing what went wrong.

type Render = (text: string) => string;
export type Lambda = () => (this: Record<string, unknown>, text: string, render: Render) => string;

const DEFAULT_TIME_ZONE = 'UTC';
const DEFAULT_DATE_FORMAT = 'YYYY-MM-DD hh:mma';
const TIME_ZONES = new Set(moment.tz.names());

function failure(logger: Logger, message: string): string {
  logger.warn(`mustache render error: ${message}`);
  return message;
}

/** `{{#EvalMath}}a + b * 2{{/EvalMath}}`: tinymath over the current variables. */
function evalMath(logger: Logger, variables: Record<string, unknown>, expression: string): string {
  try {
    return `${evaluateMath(expression, variables) as unknown as string}`;
  } catch (err) {
    return failure(logger, `error evaluating tinymath expression "${expression}": ${(err as Error).message}`);
  }
}

/** `{{#ParseHjson}}{a: 1}{{/ParseHjson}}`: Hjson in, JSON text out. */
function hjsonToJson(logger: Logger, text: string): string {
  try {
    return JSON.stringify(parseHjson(text));
  } catch (err) {
    return failure(logger, `error parsing Hjson "${text}": ${(err as Error).message}`);
  }
}

/** `{{#FormatDate}}date; timeZone; format{{/FormatDate}}` with moment's format tokens. */
function formatDate(logger: Logger, text: string): string {
  const [date = '', zone = '', format = ''] = text.split(';', 3).map((part) => part.trim());
  if (date === '') return failure(logger, 'error parsing date - value is empty');
  const parsed = moment(new Date(date));
  if (Number.isNaN(new Date(date).valueOf()) || !parsed.isValid()) return failure(logger, `invalid date "${date}"`);
  const timeZone = zone || DEFAULT_TIME_ZONE;
  if (!TIME_ZONES.has(timeZone)) return failure(logger, `unknown timeZone value "${timeZone}"`);
  return parsed.tz(timeZone).format(format || DEFAULT_DATE_FORMAT);
}

/**
 * `{{#FormatNumber}}number; locales; options{{/FormatNumber}}` with Intl.NumberFormat: both
 * semicolons are required; locales (comma-separated) default to en-US; options are
 * `key: value` pairs, values read as numbers or booleans where they are ones.
 */
function formatNumber(logger: Logger, text: string): string {
  const [numberText, localesText, optionsText] = text.split(';', 3).map((part) => part.trim());
  if (localesText === undefined || optionsText === undefined) return failure(logger, `invalid format, missing semicolons: '${text}'`);
  const value = parseFloat(numberText);
  if (Number.isNaN(value)) return failure(logger, `invalid number: '${numberText}'`);
  const locales = localesText
    .split(',')
    .map((l) => l.trim())
    .filter(Boolean);
  const options: Record<string, string | number | boolean> = {};
  for (const pair of optionsText.split(',').map((p) => p.trim()).filter(Boolean)) {
    const colon = pair.indexOf(':');
    if (colon < 0) return failure(logger, `invalid options: missing colon in option: '${pair}'`);
    const raw = pair.slice(colon + 1).trim();
    const asNumber = parseFloat(raw);
    options[pair.slice(0, colon).trim()] = !Number.isNaN(asNumber) ? asNumber : raw === 'true' ? true : raw === 'false' ? false : raw;
  }
  try {
    return new Intl.NumberFormat(locales.length > 0 ? locales : ['en-US'], options).format(value);
  } catch (err) {
    return failure(logger, `error formatting number: ${(err as Error).message}`);
  }
}

/** The lambdas, as mustache section functions; `this` is the current view. */
export function templateLambdas(logger: Logger): Record<string, Lambda> {
  return {
    EvalMath: () =>
      function (text, render) {
        return evalMath(logger, this, render(text.trim()));
      },
    ParseHjson: () => (text, render) => hjsonToJson(logger, render(text.trim())),
    FormatDate: () => (text, render) => formatDate(logger, render(text.trim()).trim()),
    FormatNumber: () => (text, render) => formatNumber(logger, render(text.trim()).trim()),
    // Not trimmed: leading and trailing spaces are part of what is encoded.
    EncodeURI: () => (text, render) => encodeURI(render(text)),
    EncodeURIComponent: () => (text, render) => encodeURIComponent(render(text)),
  };
}
