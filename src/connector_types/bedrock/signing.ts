import aws4 from 'aws4';

// AWS Signature Version 4 (reference §2.3), made by aws4 as Kibana makes it.

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface SignableRequest {
  /** The URL as it will be sent (already normalised): its path is what is signed. */
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * The request's headers with `X-Amz-Date` and `Authorization` added, signed for `service` in
 * `region`. An `X-Amz-Date` already among the headers is the signing time. Host and
 * Content-Length are left to the HTTP client, which sends them as signed (Content-Length is not
 * signed at all, so a client that frames the body otherwise still matches).
 */
export function signRequest(request: SignableRequest, scope: { region: string; service: string }, credentials: AwsCredentials): Record<string, string> {
  const url = new URL(request.url);
  // extraHeadersToIgnore is aws4's (its typings leave it out).
  const options: aws4.Request & { extraHeadersToIgnore: Record<string, boolean> } = {
    host: url.host,
    path: `${url.pathname}${url.search}`,
    method: request.method,
    headers: { ...request.headers },
    body: request.body,
    region: scope.region,
    service: scope.service,
    extraHeadersToIgnore: { 'content-length': true },
  };
  const signed = aws4.sign(options, credentials);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers ?? {})) {
    if (!/^(host|content-length)$/i.test(name)) headers[name] = String(value);
  }
  return headers;
}

/** A region-like label of an AWS host (`bedrock-runtime.eu-west-3.amazonaws.com`, a VPC endpoint's too). */
const REGION_LABEL = /(?:^|\.)([a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d)\./;

/** The region requests are signed for: the config's, else the one in an amazonaws.com host, else us-east-1. */
export function regionOf(apiUrl: string, configured: string | undefined, fallback: string): string {
  if (configured) return configured;
  let host: string;
  try {
    host = new URL(apiUrl).hostname;
  } catch {
    return fallback;
  }
  if (!/\.amazonaws\.com(\.cn)?$/.test(host)) return fallback;
  return REGION_LABEL.exec(host)?.[1] ?? fallback;
}
