import wellKnown from 'nodemailer/lib/well-known';
import type { ActionsConfig } from '../../config/schema.js';
import type { ConfigurationUtilities, ValidatorContext } from '../../actions/types.js';
import { invalidAddressesMessage, withoutMustacheTemplates, type EmailAllowlists, type ValidateAddressesOptions } from './addresses.js';
import { ELASTIC_CLOUD_SMTP, EmailService, SERVICE_SETTING_NAMES, type EmailConfig, type EmailParams, type EmailSecrets } from './schema.js';

export const NO_RECIPIENTS_MESSAGE = 'At least one entry in [to], [cc], or [bcc] is required';

export function allowlistsOf(actionsConfig: ActionsConfig): EmailAllowlists {
  const { domain_allowlist: domainAllowlist, recipient_allowlist: recipientAllowlist } = actionsConfig.email;
  return { domainAllowlist, recipientAllowlist };
}

export function checkAddresses(utils: ConfigurationUtilities, addresses: string[], options?: ValidateAddressesOptions): string | undefined {
  return invalidAddressesMessage(addresses, allowlistsOf(utils.actionsConfig), options);
}

/** An SMTP server a service name stands for. */
export interface SmtpEndpoint {
  host: string;
  port: number;
  secure: boolean;
  requireTLS?: boolean;
  ignoreTLS?: boolean;
  authMethod?: string;
}

/** nodemailer's well-known entry for a service name (names, aliases and domains, any case). */
export function wellKnownService(service: string): SmtpEndpoint | undefined {
  const entry = wellKnown(service);
  if (!entry || !entry.host) return undefined;
  const port = Number(entry.port ?? (entry.secure ? 465 : 587));
  return {
    host: entry.host,
    port,
    secure: entry.secure ?? port === 465,
    ...(entry.requireTLS ? { requireTLS: true } : {}),
    ...(entry.ignoreTLS ? { ignoreTLS: true } : {}),
    ...(entry.authMethod ? { authMethod: entry.authMethod } : {}),
  };
}

/** The host a (non-`other`) service name resolves to, for the allowedHosts check. */
function serviceHost(service: string): string | undefined {
  if (service === EmailService.ElasticCloud) return ELASTIC_CLOUD_SMTP.host;
  return wellKnownService(service)?.host;
}

/**
 * The SES server the connector must use. Plugboard's settings always hold one (they default to
 * AWS's us-east-1 endpoint, where Kibana has none unless set), so a connector that leaves host,
 * port and secure unset takes these instead of failing Kibana's match check; values it does set
 * must match, with Kibana's messages.
 */
export function sesEndpoint(actionsConfig: ActionsConfig): SmtpEndpoint {
  const { host, port } = actionsConfig.email.services.ses;
  return { host, port, secure: true };
}

function validateSes(config: EmailConfig, actionsConfig: ActionsConfig): void {
  const ses = sesEndpoint(actionsConfig);
  const host = config.host ?? ses.host;
  const port = config.port ?? ses.port;
  const secure = config.secure ?? ses.secure;
  if (host !== ses.host && port !== ses.port) {
    throw new Error('[ses.host]/[ses.port] does not match with the configured AWS SES host/port combination');
  }
  if (host !== ses.host) throw new Error('[ses.host] does not match with the configured AWS SES host');
  if (port !== ses.port) throw new Error('[ses.port] does not match with the configured AWS SES port');
  if (secure !== ses.secure) throw new Error(`[ses.secure] must be ${ses.secure} for AWS SES`);
}

/** Kibana's config checks, in Kibana's order, so that the first failure is the one reported. */
export function validateEmailConfig(config: EmailConfig, { configurationUtilities: utils }: ValidatorContext): void {
  const enabled = utils.actionsConfig.email.services.enabled;
  const settingName = SERVICE_SETTING_NAMES[config.service];
  if (settingName && !enabled.includes('*') && !enabled.includes(settingName as (typeof enabled)[number])) {
    throw new Error(`[service]: "${settingName}" is not in the list of enabled email services: ${enabled.join(',')}`);
  }

  const fromProblem = checkAddresses(utils, [config.from], { isSender: true });
  if (fromProblem) throw new Error(`[from]: ${fromProblem}`);

  if (config.allowHtml === true && config.service === EmailService.ElasticCloud) {
    throw new Error('[allowHtml]: cannot be true when [service] is "elastic_cloud"');
  }

  if (config.oauthTokenUrl && !utils.allowedHosts.isUriAllowed(config.oauthTokenUrl)) {
    throw new Error(`[oauthTokenUrl]: host name value for '${config.oauthTokenUrl}' is not in the allowedHosts configuration`);
  }

  switch (config.service) {
    case EmailService.Json:
      return;
    case EmailService.Exchange:
      if (config.clientId == null && config.tenantId == null) throw new Error('[clientId]/[tenantId] is required');
      if (config.clientId == null) throw new Error('[clientId] is required');
      if (config.tenantId == null) throw new Error('[tenantId] is required');
      return;
    case EmailService.Ses:
      return validateSes(config, utils.actionsConfig);
    case EmailService.Other:
      if (config.host == null && config.port == null) throw new Error('[host]/[port] is required');
      if (config.host == null) throw new Error('[host] is required');
      if (config.port == null) throw new Error('[port] is required');
      if (!utils.allowedHosts.isHostnameAllowed(config.host)) {
        throw new Error(`[host] value '${config.host}' is not in the allowedHosts configuration`);
      }
      return;
    default: {
      const host = serviceHost(config.service);
      if (host === undefined) throw new Error(`[service] value '${config.service}' is not valid`);
      if (!utils.allowedHosts.isHostnameAllowed(host)) {
        throw new Error(`[service] value '${config.service}' resolves to host '${host}' which is not in the allowedHosts configuration`);
      }
    }
  }
}

/** Exchange needs its client secret; SMTP with authentication needs user and password. */
export function validateEmailConnector(config: EmailConfig, secrets: EmailSecrets): string | null {
  if (config.service === EmailService.Exchange) return secrets.clientSecret == null ? '[clientSecret] is required' : null;
  if (config.hasAuth) {
    if (secrets.user == null) return '[user] is required';
    if (secrets.password == null) return '[password] is required';
  }
  return null;
}

/** The label of an address problem: `[to/cc/bcc]`, with `/replyTo` when reply-to addresses were checked. */
export function addressLabel(replyTo: string[] | undefined): string {
  return replyTo && replyTo.length > 0 ? '[to/cc/bcc/replyTo]' : '[to/cc/bcc]';
}

/** Kibana's message when to, cc and bcc hold no recipient (the schema has dropped blank entries). */
export function missingRecipients(params: EmailParams): string | null {
  return params.to.length + params.cc.length + params.bcc.length === 0 ? NO_RECIPIENTS_MESSAGE : null;
}

/**
 * At least one recipient, and every address well formed and allowed; addresses that hold a
 * mustache template are checked at execution, once rendered.
 */
export function validateEmailParams(params: EmailParams, { configurationUtilities: utils }: ValidatorContext): void {
  const { to, cc, bcc, replyTo } = params;
  const noRecipient = missingRecipients(params);
  if (noRecipient) throw new Error(noRecipient);
  const addresses = [...withoutMustacheTemplates([...to, ...cc, ...bcc]), ...(replyTo ?? [])];
  const problem = checkAddresses(utils, addresses, { treatMustacheTemplatesAsValid: true });
  if (problem) throw new Error(`${addressLabel(replyTo)}: ${problem}`);
}
