import { z } from 'zod';

export const CONNECTOR_ID = '.email';
export const CONNECTOR_NAME = 'Email';

/** Values of `service` with behaviour of their own; any nodemailer well-known name is also valid. */
export const EmailService = {
  Gmail: 'gmail',
  Outlook365: 'outlook365',
  Ses: 'ses',
  ElasticCloud: 'elastic_cloud',
  Exchange: 'exchange_server',
  Other: 'other',
  /** Kibana's test-only transport: nothing is sent, the would-be message is returned as JSON. */
  Json: '__json',
} as const;

/** The `xpack.actions.email.services.enabled` name of each service that setting governs. */
export const SERVICE_SETTING_NAMES: Record<string, string> = {
  gmail: 'google-mail',
  outlook365: 'microsoft-outlook',
  ses: 'amazon-ses',
  elastic_cloud: 'elastic-cloud',
  exchange_server: 'microsoft-exchange',
  other: 'other',
};

/** The SMTP relay of Elastic Cloud deployments. */
export const ELASTIC_CLOUD_SMTP = { host: 'dockerhost', port: 10025, secure: false } as const;

/**
 * What runs started over HTTP (the UI's Test tab, `_execute`, `_enqueue`) send instead of the
 * user's subject and message, as Kibana does, so that a connector cannot relay any text. No API
 * client reads it (the `__json` service, which they read, keeps the params), so it names Plugboard.
 */
export const TEST_MESSAGE = 'This is a test email from Plugboard';

export const MAX_ADDRESS_LENGTH = 512;
export const MAX_RECIPIENTS = 100;
export const MAX_REPLY_TO = 10;

const nullableString = () => z.string().nullable().default(null);

export const configSchema = z.strictObject({
  service: z.string().default(EmailService.Other).meta({
    label: 'Service',
    help: 'Where the mail is sent from: a known service, or another SMTP server given by host and port. The API also accepts other well-known service names, such as hotmail.',
  }),
  host: nullableString().meta({ label: 'Host', help: 'SMTP host; required with service Other.' }),
  port: z.coerce
    .number()
    .int()
    .min(1)
    .max(65535)
    .nullable()
    .default(null)
    .meta({ label: 'Port', help: 'SMTP port; required with service Other.' }),
  secure: z
    .boolean()
    .nullable()
    .default(null)
    .meta({ label: 'Secure', help: 'TLS from the first byte; when unset, true for port 465 only (otherwise STARTTLS is used when offered).' }),
  from: z.string().meta({ label: 'Sender', help: 'The From address, e.g. alerts@example.com or Alerts <alerts@example.com>.' }),
  hasAuth: z.boolean().default(true).meta({ label: 'Require authentication', help: 'Log in to the SMTP server with user and password.' }),
  tenantId: nullableString().meta({ label: 'Tenant ID', help: 'Microsoft Entra tenant; MS Exchange Server only.' }),
  clientId: nullableString().meta({ label: 'Client ID', help: 'Application (client) ID; MS Exchange Server only.' }),
  oauthTokenUrl: nullableString().meta({
    label: 'Token URL',
    help: 'OAuth2 token endpoint, instead of the Microsoft login address set for the server; MS Exchange Server only.',
  }),
  // Newest Kibana reads this flag, but its schema entry is not published yet (unconfirmed):
  // an optional boolean, absent meaning false.
  allowHtml: z
    .boolean()
    .optional()
    .meta({ label: 'Allow HTML', help: 'Let actions send their own HTML body; not with Elastic Cloud.' }),
});

export const secretsSchema = z.strictObject({
  user: nullableString().meta({ label: 'Username', help: 'SMTP user.', secret: true }),
  password: nullableString().meta({ label: 'Password', help: 'SMTP password.', secret: true }),
  clientSecret: nullableString().meta({ label: 'Client secret', help: 'OAuth2 client secret; MS Exchange Server only.', secret: true }),
});

/** Entries that are empty or only whitespace are dropped: a cleared UI field is not a recipient. */
const recipients = (label: string, help: string) =>
  z
    .array(z.string().max(MAX_ADDRESS_LENGTH))
    .max(MAX_RECIPIENTS)
    .default([])
    .transform((list) => list.filter((entry) => entry.trim() !== ''))
    .meta({ label, help });

const attachmentSchema = z.strictObject({
  content: z.string().meta({ label: 'Content' }),
  contentType: z.string().optional().meta({ label: 'Content type' }),
  filename: z.string().meta({ label: 'File name' }),
  encoding: z.string().optional().meta({ label: 'Encoding', help: 'How content is encoded, e.g. base64.' }),
});

/**
 * Who the footer says sent the email. Kibana's API tests read the `__json` service's result, so
 * that service keeps Kibana's words; the emails Plugboard sends name Plugboard.
 */
export const FOOTER_BRANDS = {
  kibana: { sender: 'This message was sent by Elastic.', linkText: 'Go to Elastic' },
  plugboard: { sender: 'This message was sent by Plugboard.', linkText: 'Go to Plugboard' },
} as const;

export const paramsSchema = z.strictObject({
  to: recipients('To', 'Recipient addresses (at most 100, each at most 512 characters).'),
  cc: recipients('Cc', 'Carbon-copy addresses.'),
  bcc: recipients('Bcc', 'Blind carbon-copy addresses: in the envelope, not in the headers.'),
  replyTo: z
    .array(z.string().max(MAX_ADDRESS_LENGTH))
    .max(MAX_REPLY_TO)
    .optional()
    .meta({ label: 'Reply to', help: 'At most 10 addresses; not sent with MS Exchange Server.' }),
  subject: z.string().meta({ label: 'Subject' }),
  message: z.string().meta({ label: 'Message', help: 'Markdown; sent as the text part and, rendered, as the HTML part.' }),
  messageHTML: z
    .string()
    .nullable()
    .default(null)
    .meta({ label: 'HTML message', help: 'The HTML part instead of the rendered message; only for notifications, or connectors that allow HTML.' }),
  // Set by code (e.g. a link to the alert), not by users.
  kibanaFooterLink: z
    .strictObject({
      path: z.string().default('/').meta({ label: 'Path', help: 'Appended to the public address of the server.' }),
      text: z
        .string()
        .optional()
        .meta({ label: 'Text', help: `Default: "${FOOTER_BRANDS.plugboard.linkText}" ("${FOOTER_BRANDS.kibana.linkText}" with the __json service, as in Kibana).` }),
    })
    .prefault({})
    .meta({ label: 'Footer link', help: 'The link of the footer when the server has a public address (server.publicBaseUrl).' }),
  attachments: z
    .array(attachmentSchema)
    .optional()
    .meta({ label: 'Attachments', help: 'Only accepted from notifications.' }),
});

export type EmailConfig = z.output<typeof configSchema>;
export type EmailSecrets = z.output<typeof secretsSchema>;
export type EmailParams = z.output<typeof paramsSchema>;
export type EmailAttachment = z.output<typeof attachmentSchema>;
