import type { Socket } from 'node:net';
import { createTransport, type SMTPTransportOptions, type SendMailOptions } from 'nodemailer';
import type { Logger } from 'pino';
import { answerFacts, type FailureFacts } from '../../actions/failure.js';
import type { ConfigurationUtilities, ExecutorContext, ExecutorResult, PreviewContext } from '../../actions/types.js';
import type { ActionsConfig } from '../../config/schema.js';
import { canonicalHostUrl } from '../../net/custom_host_settings.js';
import { OutboundRequestError } from '../../net/http_client.js';
import { mailboxesOf, parseAddressList } from './addresses.js';
import { markdownToHtml } from './markdown.js';
import { ELASTIC_CLOUD_SMTP, EmailService, FOOTER_BRANDS, TEST_MESSAGE, type EmailAttachment, type EmailConfig, type EmailParams, type EmailSecrets } from './schema.js';
import { addressLabel, checkAddresses, NO_RECIPIENTS_MESSAGE, sesEndpoint, wellKnownService, type SmtpEndpoint } from './validation.js';

type EmailContext = ExecutorContext<EmailConfig, EmailSecrets, EmailParams>;
type ComposeContext = PreviewContext<EmailConfig, EmailParams>;

export const SEND_ERROR_MESSAGE = 'error sending email';
const FOOTER_DIVIDER = '\n\n---\n\n';

/** What is sent, whichever way it goes. */
export interface OutgoingEmail {
  from: string;
  to: string[];
  cc: string[];
  bcc: string[];
  replyTo?: string[];
  subject: string;
  /** The plain-text part (footer included). */
  text: string;
  html: string;
  attachments?: EmailAttachment[];
}

/** A failure of the send itself, with what the queue should know of it. */
class SendError extends Error {
  constructor(
    message: string,
    readonly failure?: FailureFacts,
  ) {
    super(message);
  }
}

function refused(actionId: string, message: string): ExecutorResult {
  // Kibana sets no retry; the queue does not send again an action that would be refused again.
  return { status: 'error', actionId, message, failure: { permanent: true } };
}

/**
 * Cuts a body at xpack.actions.email.maximum_body_length, saying so in the log and, in Kibana's
 * words (its API tests match them), at the top of the body.
 */
export function trimToMaximumLength(text: string, field: string, ctx: Pick<ComposeContext, 'connectorId' | 'logger' | 'configurationUtilities'>): string {
  const max = ctx.configurationUtilities.actionsConfig.email.maximum_body_length;
  if (text.length < max) return text;
  ctx.logger.warn(
    `connector "${ctx.connectorId}": email ${field} of ${text.length} characters reaches xpack.actions.email.maximum_body_length (${max}) and was cut to that length`,
  );
  const notice =
    `Your message's length of ${text.length} exceeded the ${max} bytes limit that is set for the connector "${ctx.connectorId}" and was trimmed. ` +
    'You can modify the limit by increasing the value specified for the xpack.actions.email.maximum_body_length setting.';
  return `${notice}\n\n${text.slice(0, max)}`;
}

/** Kibana's footer: who sent the message and, with server.publicBaseUrl, a link back. */
export function footerText(publicBaseUrl: string | undefined, link: EmailParams['kibanaFooterLink'], brand: keyof typeof FOOTER_BRANDS): string {
  const { sender, linkText } = FOOTER_BRANDS[brand];
  if (!publicBaseUrl) return sender;
  const base = publicBaseUrl.replace(/\/+$/, '');
  return `${sender} [${link.text ?? linkText}](${base}${link.path === '/' ? '' : link.path}).`;
}

/** The HTML part: the action's own, or the message rendered from Markdown (the raw text if that fails). */
function htmlOf(text: string, messageHTML: string | null, logger: Logger): string {
  if (messageHTML != null) return messageHTML;
  try {
    return markdownToHtml(text);
  } catch (err) {
    logger.debug(`error rendering markdown to html: ${(err as Error).message}`);
    return text;
  }
}

/**
 * The checks Kibana repeats at execution (the params were rendered since they were validated)
 * and the content rules of Kibana's executor; the failure result when the action is refused.
 */
export function composeEmail(ctx: ComposeContext): OutgoingEmail | ExecutorResult {
  const { connectorId, config, params, source, configurationUtilities: utils } = ctx;
  const nonBlank = (list: string[]) => list.filter((entry) => entry.trim() !== '');
  const to = nonBlank(params.to);
  const cc = nonBlank(params.cc);
  const bcc = nonBlank(params.bcc);
  const replyTo = params.replyTo && nonBlank(params.replyTo);
  if (to.length + cc.length + bcc.length === 0) return refused(connectorId, NO_RECIPIENTS_MESSAGE);

  const recipientProblem = checkAddresses(utils, [...to, ...cc, ...bcc, ...(replyTo ?? [])]);
  if (recipientProblem) return refused(connectorId, `${addressLabel(replyTo)}: ${recipientProblem}`);
  const senderProblem = checkAddresses(utils, [config.from], { isSender: true });
  if (senderProblem) return refused(connectorId, `[from]: ${senderProblem}`);

  const fromNotification = source === 'notification';
  const htmlAllowed = fromNotification || (config.allowHtml === true && config.service !== EmailService.ElasticCloud);
  if (params.messageHTML != null && !htmlAllowed) {
    // The words Kibana's API tests read from `_execute`, though a connector may also allow HTML.
    return refused(connectorId, 'HTML email can only be sent via notifications');
  }
  if (params.attachments != null && !fromNotification) {
    return refused(connectorId, 'Email attachments can only be sent via notifications');
  }

  let { subject, message, messageHTML } = params;
  const json = config.service === EmailService.Json;
  // Runs started over HTTP (the UI's Test tab, _execute, _enqueue) always send the fixed test text.
  if (source === 'http_request' && !json) {
    subject = TEST_MESSAGE;
    message = TEST_MESSAGE;
    if (messageHTML != null) messageHTML = TEST_MESSAGE;
  }

  let text = trimToMaximumLength(message, 'message', ctx);
  if (messageHTML != null) messageHTML = trimToMaximumLength(messageHTML, 'messageHTML', ctx);
  if (utils.actionsConfig.enableFooterInEmail) {
    text = `${text}${FOOTER_DIVIDER}${footerText(utils.publicBaseUrl, params.kibanaFooterLink, json ? 'kibana' : 'plugboard')}`;
  }
  text = text || 'no message set';

  return {
    from: config.from,
    to,
    cc,
    bcc,
    ...(replyTo && replyTo.length > 0 ? { replyTo } : {}),
    subject,
    text,
    html: htmlOf(text, messageHTML, ctx.logger),
    ...(params.attachments ? { attachments: params.attachments } : {}),
  };
}

/** What a run would send, for the UI's Test tab to show first; the reason when it would be refused. */
export function previewEmail(ctx: ComposeContext): Record<string, unknown> | string {
  const composed = composeEmail(ctx);
  if ('status' in composed) return composed.message ?? 'the email would be refused';
  return { ...composed };
}

// --- SMTP ------------------------------------------------------------------------------------

/** The server a connector sends through, by service (reference §1.2 step 6). */
export function smtpEndpointFor(config: EmailConfig, actionsConfig: ActionsConfig): SmtpEndpoint {
  switch (config.service) {
    case EmailService.Ses:
      return sesEndpoint(actionsConfig);
    case EmailService.Other: {
      // Validated: host and port are set.
      const port = config.port!;
      return { host: config.host!, port, secure: config.secure ?? port === 465 };
    }
    case EmailService.ElasticCloud:
      return { ...ELASTIC_CLOUD_SMTP };
    default: {
      const known = wellKnownService(config.service);
      if (!known) throw new SendError(`[service] value '${config.service}' is not valid`);
      return known;
    }
  }
}

/** Whether the proxy of xpack.actions.proxyUrl carries connections to this host (Kibana's bypass / only rules). */
function proxied(actionsConfig: ActionsConfig, host: string): boolean {
  if (!actionsConfig.proxyUrl) return false;
  const lower = host.toLowerCase();
  if (actionsConfig.proxyBypassHosts) return !actionsConfig.proxyBypassHosts.some((h) => h.toLowerCase() === lower);
  if (actionsConfig.proxyOnlyHosts) return actionsConfig.proxyOnlyHosts.some((h) => h.toLowerCase() === lower);
  return true;
}

function hasCustomHostEntry(actionsConfig: ActionsConfig, server: SmtpEndpoint): boolean {
  const target = canonicalHostUrl(new URL(`smtp://${server.host.includes(':') ? `[${server.host}]` : server.host}:${server.port}`));
  return (actionsConfig.customHostSettings ?? []).some((entry) => {
    try {
      return canonicalHostUrl(new URL(entry.url)) === target;
    } catch {
      return false;
    }
  });
}

/**
 * nodemailer options for a server under the outbound policy (TLS, customHostSettings, proxy,
 * SSRF guard), plus the login. As in Kibana, a plain-text server given by host and port (not a
 * well-known service) and reached without credentials, directly and with no customHostSettings
 * entry of its own, is not held to certificate checks when it offers STARTTLS: such relays
 * rarely have a certificate that would pass.
 */
export function smtpTransportOptions(
  utils: ConfigurationUtilities,
  config: EmailConfig,
  secrets: EmailSecrets,
  server: SmtpEndpoint,
  onSocket: (socket: Socket) => void,
): SMTPTransportOptions {
  const base = utils.smtpTransportOptions({ host: server.host, port: server.port, secure: server.secure });
  const options: SMTPTransportOptions = { ...base };
  const byHostAndPort = config.service === EmailService.Other || config.service === EmailService.ElasticCloud || config.service === EmailService.Ses;
  const relaxed =
    byHostAndPort &&
    !server.secure &&
    secrets.user == null && secrets.password == null && !proxied(utils.actionsConfig, server.host) && !hasCustomHostEntry(utils.actionsConfig, server);
  if (relaxed) options.tls = { ...base.tls, rejectUnauthorized: false };
  if (server.requireTLS && !base.ignoreTLS) options.requireTLS = true;
  if (server.ignoreTLS && !base.requireTLS) options.ignoreTLS = true;
  if (server.authMethod) options.authMethod = server.authMethod;
  if (config.hasAuth && secrets.user != null && secrets.password != null) options.auth = { user: secrets.user, pass: secrets.password };
  const getSocket = base.getSocket!;
  options.getSocket = (socketOptions, callback) =>
    getSocket(socketOptions, (err, info) => {
      if (info && info.connection) onSocket(info.connection);
      callback(err, info);
    });
  return options;
}

function mailOf(email: OutgoingEmail): SendMailOptions {
  return {
    from: email.from,
    to: email.to,
    cc: email.cc,
    bcc: email.bcc,
    ...(email.replyTo ? { replyTo: email.replyTo } : {}),
    subject: email.subject,
    text: email.text,
    html: email.html,
    ...(email.attachments ? { attachments: email.attachments } : {}),
  };
}

async function sendSmtp(ctx: EmailContext, email: OutgoingEmail): Promise<unknown> {
  const { config, secrets, signal, configurationUtilities: utils } = ctx;
  const server = smtpEndpointFor(config, utils.actionsConfig);
  // An abandoned execution (timeout, shutdown) closes its connection rather than leaving it to nodemailer's timeouts.
  const sockets: Socket[] = [];
  const close = (socket: Socket) => socket.destroy(new Error('the execution was aborted'));
  const onSocket = (socket: Socket) => (signal.aborted ? close(socket) : sockets.push(socket));
  const transport = createTransport(smtpTransportOptions(utils, config, secrets, server, onSocket));
  const abort = () => sockets.forEach(close);
  signal.addEventListener('abort', abort, { once: true });
  try {
    signal.throwIfAborted();
    return await transport.sendMail(mailOf(email));
  } finally {
    signal.removeEventListener('abort', abort);
    transport.close();
  }
}

/** Kibana's test-only service: nothing leaves the process; the would-be message comes back. */
async function sendJson(email: OutgoingEmail): Promise<unknown> {
  const info = await createTransport({ jsonTransport: true }).sendMail(mailOf(email));
  const result: Record<string, unknown> = { ...info };
  if (typeof info.message === 'string') {
    try {
      result.message = JSON.parse(info.message);
    } catch {
      // kept as text
    }
  }
  return result;
}

// --- Microsoft Graph -------------------------------------------------------------------------

export function exchangeTokenUrl(config: EmailConfig, actionsConfig: ActionsConfig): string {
  return config.oauthTokenUrl || `${actionsConfig.microsoftExchangeUrl}/${config.tenantId}/oauth2/v2.0/token`;
}

/** Graph recipients: every mailbox of the entries (`Name <a@x>` and lists included). */
function graphRecipients(entries: string[]): Array<{ emailAddress: { address: string; name?: string } }> {
  return entries.flatMap((entry) => {
    const parsed = parseAddressList(entry);
    // Checked at the start of the execution; an entry that still does not parse goes as given.
    if (!parsed) return [{ emailAddress: { address: entry } }];
    return mailboxesOf(parsed).map((m) => ({ emailAddress: { address: m.address, ...(m.name ? { name: m.name } : {}) } }));
  });
}

/** The sendMail body (reference §1.3); reply-to addresses are not sent, as in Kibana. */
export function graphMessage(email: OutgoingEmail): Record<string, unknown> {
  return {
    message: {
      subject: email.subject,
      body: { contentType: 'HTML', content: email.html },
      toRecipients: graphRecipients(email.to),
      ccRecipients: graphRecipients(email.cc),
      bccRecipients: graphRecipients(email.bcc),
      ...(email.attachments
        ? {
            attachments: email.attachments.map((a) => ({
              '@odata.type': '#microsoft.graph.fileAttachment',
              name: a.filename,
              contentType: a.contentType,
              contentBytes: a.content,
            })),
          }
        : {}),
    },
  };
}

/** The mailbox part of the sender, as the `{id | userPrincipalName}` of the Graph path. */
function graphUser(from: string): string {
  const mailbox = mailboxesOf(parseAddressList(from) ?? [])[0];
  return encodeURIComponent(mailbox?.address ?? from).replace(/%40/g, '@');
}

function parsedBody(body: string): unknown {
  if (body === '') return '';
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

async function sendGraph(ctx: EmailContext, email: OutgoingEmail): Promise<unknown> {
  const { connectorId, config, secrets, services, signal, logger, configurationUtilities: utils } = ctx;
  const { actionsConfig } = utils;
  let authorization: string | undefined;
  if (config.clientId && secrets.clientSecret) {
    try {
      authorization = await services.tokens.authorizationHeader({
        connectorId,
        tokenUrl: exchangeTokenUrl(config, actionsConfig),
        clientId: config.clientId,
        clientSecret: secrets.clientSecret,
        scope: actionsConfig.microsoftGraphApiScope,
        signal,
      });
    } catch (err) {
      logger.warn(`Unable to retrieve new access token for connectorId: ${connectorId}: ${(err as Error).message}`);
    }
  }
  if (!authorization) throw new SendError(`Unable to retrieve access token for connectorId: ${connectorId}`);

  const res = await services.http.send({
    url: `${actionsConfig.microsoftGraphApiUrl}/users/${graphUser(config.from)}/sendMail`,
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: authorization },
    body: JSON.stringify(graphMessage(email)),
    signal,
  });
  // Any 4xx may mean the token is no good: the next execution fetches a new one.
  if (res.status >= 400 && res.status < 500) services.tokens.forget(connectorId);
  const data = parsedBody(res.body);
  if (res.status === 202) return data;
  const detail = JSON.stringify(data);
  logger.warn(`error thrown sending Microsoft Exchange email for clientID: ${config.clientId}: ${detail}`);
  throw new SendError(detail, res.status >= 400 ? answerFacts(res) : undefined);
}

// --- result ----------------------------------------------------------------------------------

/** Kibana's email result never sets retry. */
function failed(ctx: EmailContext, err: unknown): ExecutorResult {
  const serviceMessage = err instanceof OutboundRequestError && err.code ? `[${err.code}] ${err.message}` : err instanceof Error ? err.message : String(err);
  ctx.logger.warn(`connector "${ctx.connectorId}": ${SEND_ERROR_MESSAGE}: ${serviceMessage}`);
  return { status: 'error', actionId: ctx.connectorId, message: SEND_ERROR_MESSAGE, serviceMessage, ...(err instanceof SendError && err.failure ? { failure: err.failure } : {}) };
}

export async function executeEmail(ctx: EmailContext): Promise<ExecutorResult> {
  const composed = composeEmail(ctx);
  if ('status' in composed) return composed;
  try {
    let data: unknown;
    if (ctx.config.service === EmailService.Exchange) data = await sendGraph(ctx, composed);
    else if (ctx.config.service === EmailService.Json) data = await sendJson(composed);
    else data = await sendSmtp(ctx, composed);
    return { status: 'ok', actionId: ctx.connectorId, data };
  } catch (err) {
    return failed(ctx, err);
  }
}
