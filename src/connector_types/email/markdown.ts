import MarkdownIt from 'markdown-it';

// The HTML part of an email whose action gave only `message`, rendered as Kibana's email
// connector renders it (`htmlFromMarkdown` in send_email.ts): markdown-it's default preset with
// linkify. Raw HTML stays off (the default), so tags in the message come out as text, and
// markdown-it's link validation drops script-capable schemes.
const markdown = new MarkdownIt({ linkify: true });

/** The HTML of a Markdown text. */
export function markdownToHtml(text: string): string {
  return markdown.render(text);
}
