/** How values substituted into a template are escaped (reference §9). */
export type EscapeMode = 'none' | 'json' | 'markdown' | 'slack' | 'html';
export const ESCAPE_MODES: readonly EscapeMode[] = ['none', 'json', 'markdown', 'slack', 'html'];

const HTML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '/': '&#x2F;',
  '`': '&#x60;',
  '=': '&#x3D;',
};

/** Mustache's own HTML escaping, the default of `{{x}}` in mustache.js. */
function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`=/]/g, (c) => HTML_ENTITIES[c]);
}

/** The inside of a JSON string literal, so `"{{x}}"` in a JSON body stays valid JSON. */
function escapeJson(value: string): string {
  return JSON.stringify(value).slice(1, -1);
}

/** A backslash before each character Markdown treats as syntax. */
function escapeMarkdown(value: string): string {
  return value.replace(/[\\`*_{}[\]()#+\-.!|]/g, (c) => `\\${c}`);
}

function isUrl(value: string): boolean {
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

/**
 * Slack mrkdwn: a value with `*` or `_` (bold and italic markers) that is not a URL goes in
 * backticks, where Slack formats nothing; other values have `& < >` escaped, as Slack
 * requires. Backticks inside become `'` in both cases, so they cannot close the code span.
 */
function escapeSlack(value: string): string {
  const noBackticks = value.replace(/`/g, "'");
  if (/[*_]/.test(value) && !isUrl(value)) return `\`${noBackticks}\``;
  return noBackticks.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export const ESCAPERS: Record<EscapeMode, (value: string) => string> = {
  none: (value) => value,
  json: escapeJson,
  markdown: escapeMarkdown,
  slack: escapeSlack,
  html: escapeHtml,
};
