import type { ConfigurationUtilities } from './types.js';

/**
 * The URL a connector calls when its service's address is in its config (OpenAI, Bedrock,
 * Vertex AI): a URL at the service's well-known base (e.g. https://api.openai.com) moves to the
 * base plugboard.serviceUrlOverrides names for the type, its path kept, so that a connector
 * saved with the default address reaches a simulator in tests and demos; any other URL, or
 * without an override, is called as configured. The config keeps the address it was given,
 * which is what the type's own rules (allowedHosts at save, the provider's dialect) read.
 */
export function atServiceUrl(utils: Pick<ConfigurationUtilities, 'serviceUrl'>, typeId: string, wellKnownBase: string, url: string): string {
  const base = utils.serviceUrl(typeId, wellKnownBase);
  if (base === wellKnownBase || url.slice(0, wellKnownBase.length).toLowerCase() !== wellKnownBase) return url;
  const rest = url.slice(wellKnownBase.length);
  // https://api.openai.com.example.org is another host.
  if (rest !== '' && !/^[/?#]/.test(rest)) return url;
  return base.replace(/\/+$/, '') + rest;
}
