import { z } from 'zod';

export const CONNECTOR_ID = '.webhook';
export const CONNECTOR_NAME = 'Webhook';

export const WEBHOOK_METHODS = ['post', 'put', 'patch', 'get', 'delete'] as const;
export type WebhookMethod = (typeof WEBHOOK_METHODS)[number];

export const AuthType = {
  Basic: 'webhook-authentication-basic',
  SSL: 'webhook-authentication-ssl',
  OAuth2ClientCredentials: 'webhook-oauth2-client-credentials',
  QueryParam: 'http-authentication-query-param',
} as const;
export type AuthTypeValue = (typeof AuthType)[keyof typeof AuthType];

export const SSLCertType = { CRT: 'ssl-crt-key', PFX: 'ssl-pfx' } as const;

/** The UI's limit on the number of headers. */
export const MAX_HEADERS = 20;

const headersSchema = z.record(z.string(), z.string());

export const configSchema = z.strictObject({
  url: z.string().meta({ label: 'URL', help: 'The address the request is sent to.' }),
  method: z
    .enum(WEBHOOK_METHODS)
    .default('post')
    .meta({ label: 'Method', help: 'GET and DELETE requests send no body.' }),
  headers: headersSchema
    .nullable()
    .default(null)
    .meta({ label: 'Headers', help: `Sent with every request (at most ${MAX_HEADERS} in the UI).` }),
  hasAuth: z.boolean().default(true).meta({ label: 'Require authentication' }),
  // Stored as given: absent or null with hasAuth means basic, which is applied when the
  // request is built (a default here would show in every config Kibana's clients read back).
  authType: z
    .enum([AuthType.Basic, AuthType.SSL, AuthType.OAuth2ClientCredentials, AuthType.QueryParam])
    .nullable()
    .optional()
    .meta({
      label: 'Authentication type',
      help: 'When unset, basic authentication is used if authentication is required.',
    }),
  certType: z
    .enum([SSLCertType.CRT, SSLCertType.PFX])
    .optional()
    .meta({ label: 'Certificate type', help: 'CRT and key files, or a PFX file.' }),
  ca: z.string().optional().meta({ label: 'CA file', help: 'The certificate authority to trust for the server certificate, as a PEM file (base64-encoded in the API).' }),
  verificationMode: z
    .enum(['none', 'certificate', 'full'])
    .optional()
    .meta({ label: 'Verification mode', help: 'How the server certificate is verified.' }),
  accessTokenUrl: z.string().optional().meta({ label: 'Access token URL', help: 'OAuth2 token endpoint.' }),
  clientId: z.string().optional().meta({ label: 'Client ID', help: 'OAuth2 client id.' }),
  scope: z.string().optional().meta({ label: 'Scope', help: 'OAuth2 scope.' }),
  additionalFields: z
    .string()
    .nullish()
    .meta({ label: 'Additional fields', help: 'A JSON object of extra fields for the OAuth2 token request.' }),
});

export const secretsSchema = z.strictObject({
  user: z.string().nullable().default(null).meta({ label: 'Username', secret: true }),
  password: z
    .string()
    .nullable()
    .default(null)
    .meta({ label: 'Password', help: 'Also the passphrase of a CRT key or PFX file.', secret: true }),
  crt: z.string().nullable().default(null).meta({ label: 'CRT file', help: 'Base64-encoded.', secret: true }),
  key: z.string().nullable().default(null).meta({ label: 'Key file', help: 'Base64-encoded.', secret: true }),
  pfx: z.string().nullable().default(null).meta({ label: 'PFX file', help: 'Base64-encoded.', secret: true }),
  clientSecret: z.string().nullable().default(null).meta({ label: 'Client secret', help: 'OAuth2.', secret: true }),
  secretHeaders: headersSchema
    .nullable()
    .default(null)
    .meta({ label: 'Secret headers', help: 'Stored encrypted; they win over headers of the same name.', secret: true }),
});

export const paramsSchema = z.strictObject({
  body: z.string().optional().meta({ label: 'Body', help: 'Sent as it is; GET and DELETE requests send none.' }),
});

export type WebhookConfig = z.output<typeof configSchema>;
export type WebhookSecrets = z.output<typeof secretsSchema>;
export type WebhookParams = z.output<typeof paramsSchema>;
