import { createPrivateKey } from 'node:crypto';
import { answerFacts, ExecutorError } from '../../actions/failure.js';
import type { SubActionContext } from '../../actions/sub_actions.js';
import { signRs256Jwt } from '../../net/jwt.js';
import { TokenRequestError } from '../../net/oauth_client_credentials.js';
import { CLOUD_PLATFORM_SCOPE, CONNECTOR_ID, GOOGLE_TOKEN_URL, type GeminiConfig, type GeminiSecrets } from './schema.js';

// Access tokens of a Google service account (reference §3.2): the JWT bearer grant of RFC 7523
// as Google's auth libraries make it (an RS256 assertion signed with the account's private key,
// issued by its client_email for the cloud-platform scope, valid one hour), posted to the
// credentials' token_uri (Google's when absent; plugboard.serviceUrlOverrides['.gemini'], the base
// of a simulator of Google's token endpoint and Vertex AI, over both: its /token). The request goes through the outbound policy like every other (allowedHosts applies),
// and the token is kept per connector until it expires (ClientCredentialsTokens).

const LIFETIME_SECONDS = 3600;

const TOKEN_FAILURE = 'Unable to retrieve access token. Ensure the service account has the right permissions and the Vertex AI endpoint is enabled in the GCP project.';
/** Kibana's words (and spelling) when Google answers without a token; not wrapped in TOKEN_FAILURE. */
const NO_TOKEN = 'Error occurred while retrieving the access token. Ensure that the credentials are vaild.';

interface ServiceAccount {
  type: 'service_account';
  client_email: string;
  private_key: string;
  private_key_id?: string;
  token_uri?: string;
}

/** Kibana's secrets validator: JSON, of a service account. */
export function validateGeminiSecrets(secrets: GeminiSecrets): void {
  if (!secrets.credentialsJson) throw new Error('Google Service Account credentials JSON is required.');
  let parsed: unknown;
  try {
    parsed = JSON.parse(secrets.credentialsJson);
  } catch {
    throw new Error('Invalid JSON format for credentials.');
  }
  const type = (parsed as { type?: unknown } | null)?.type;
  if (type !== 'service_account') throw new Error(`Invalid credential type. Only "service_account" credentials are supported. Type was "${String(type)}".`);
}

function serviceAccountOf(secrets: GeminiSecrets): ServiceAccount {
  let parsed: Partial<ServiceAccount>;
  try {
    parsed = JSON.parse(secrets.credentialsJson) as Partial<ServiceAccount>;
  } catch {
    throw new ExecutorError('Failed to parse credentials JSON file: Invalid JSON format', 'framework', { permanent: true });
  }
  // google-auth-library's words for a key file without these.
  if (typeof parsed.client_email !== 'string') throw tokenFailure('The incoming JSON object does not contain a client_email field');
  if (typeof parsed.private_key !== 'string') throw tokenFailure('The incoming JSON object does not contain a private_key field');
  return parsed as ServiceAccount;
}

function tokenFailure(reason: string, facts?: ConstructorParameters<typeof ExecutorError>[2]): ExecutorError {
  return new ExecutorError(`${TOKEN_FAILURE} Error: ${reason}`, 'framework', facts ?? { permanent: true });
}

/** google-auth-library's wording of a refused grant: `<error>: <error_description>`, or the status. */
function refusalOf(err: TokenRequestError): string {
  const { status, body } = err.response;
  if (typeof body?.error === 'string') return `${body.error}: ${String(body.error_description)}`;
  return status === 200 ? err.message : `Request failed with status code ${status}`;
}

/** The URL the grant is posted to, and the assertion's audience. */
export function tokenUrlOf(ctx: Pick<SubActionContext<GeminiConfig, GeminiSecrets>, 'configurationUtilities'>, account: { token_uri?: string }): string {
  const simulator = ctx.configurationUtilities.serviceUrl(CONNECTOR_ID, '');
  return simulator ? `${simulator.replace(/\/+$/, '')}/token` : account.token_uri || GOOGLE_TOKEN_URL;
}

/** `Bearer <access token>` for the connector's service account, fetched when none is kept. */
export async function authorizationHeader(ctx: SubActionContext<GeminiConfig, GeminiSecrets>, signal?: AbortSignal): Promise<string> {
  const account = serviceAccountOf(ctx.secrets);
  const tokenUrl = tokenUrlOf(ctx, account);
  try {
    ctx.configurationUtilities.allowedHosts.ensureUriAllowed(tokenUrl);
  } catch (err) {
    throw tokenFailure((err as Error).message);
  }
  const claims = { iss: account.client_email, scope: CLOUD_PLATFORM_SCOPE, aud: tokenUrl };
  const sign = () => {
    let key;
    try {
      key = createPrivateKey(account.private_key);
    } catch (err) {
      // The parser's reason never quotes the key.
      throw tokenFailure((err as Error).message);
    }
    const iat = Math.floor(Date.now() / 1000);
    return signRs256Jwt({ typ: 'JWT', ...(account.private_key_id ? { kid: account.private_key_id } : {}) }, { ...claims, iat, exp: iat + LIFETIME_SECONDS }, key);
  };
  try {
    return await ctx.services.tokens.authorizationHeader({
      connectorId: ctx.connectorId,
      tokenUrl,
      clientId: '',
      clientSecret: '',
      jwtAssertion: { sign, signedFrom: [claims, account.private_key, account.private_key_id ?? null] },
      signal: signal ? AbortSignal.any([ctx.signal, signal]) : ctx.signal,
    });
  } catch (err) {
    if (err instanceof ExecutorError) throw err;
    if (err instanceof TokenRequestError) {
      const { status, body } = err.response;
      if (status === 200 && !body?.access_token) throw new ExecutorError(NO_TOKEN, 'framework', answerFacts(err.response));
      throw tokenFailure(refusalOf(err), answerFacts(err.response));
    }
    // No answer (a refused connection, a timeout, an address the network policy denies): worth trying again.
    throw tokenFailure((err as Error).message, {});
  }
}

/** Drops the connector's token, after Vertex AI refused it. */
export function forgetToken(ctx: SubActionContext<GeminiConfig, GeminiSecrets>): void {
  ctx.services.tokens.forget(ctx.connectorId);
}
