import { z } from 'zod';
import { byteSize, duration } from './units.js';

// One zod schema for the whole configuration. Every object is strict so that a misspelt key
// stops start-up instead of being silently ignored. Names follow kibana.yml where Kibana has
// the setting; Plugboard's own settings live under `plugboard.*`.

const verificationMode = z.enum(['none', 'certificate', 'full']);
const hostname = z.string().min(1);
const stringOrList = z.union([z.string(), z.array(z.string())]);

const rateLimitWindow = z.strictObject({ limit: z.number().int().min(1), lookbackWindow: duration });

const customHostSetting = z.strictObject({
  url: z.string().min(1),
  smtp: z
    .strictObject({ ignoreTLS: z.boolean().optional(), requireTLS: z.boolean().optional() })
    .optional(),
  ssl: z
    .strictObject({
      verificationMode: verificationMode.optional(),
      certificateAuthoritiesFiles: stringOrList.optional(),
      certificateAuthoritiesData: z.string().optional(),
    })
    .optional(),
});

export const preconfiguredConnectorSchema = z.strictObject({
  name: z.string().min(1),
  actionTypeId: z.string().min(1),
  config: z.record(z.string(), z.unknown()).default({}),
  secrets: z.record(z.string(), z.unknown()).default({}),
  exposeConfig: z.boolean().optional(),
});

const RESERVED_PRECONFIGURED_IDS = new Set(['', '__proto__', 'constructor']);

const emailServices = z.enum([
  'google-mail',
  'microsoft-exchange',
  'microsoft-outlook',
  'amazon-ses',
  'elastic-cloud',
  'other',
  '*',
]);

export const actionsConfigSchema = z.strictObject({
  enabled: z.boolean().default(true),
  allowedHosts: z.array(hostname).default(['*']),
  enabledActionTypes: z.array(z.string().min(1)).default(['*']),
  preconfigured: z
    .record(z.string(), preconfiguredConnectorSchema)
    .default({})
    .superRefine((value, ctx) => {
      for (const id of Object.keys(value)) {
        if (RESERVED_PRECONFIGURED_IDS.has(id)) {
          ctx.addIssue({ code: 'custom', path: [id], message: `"${id}" is not a valid connector id` });
        }
      }
    }),
  preconfiguredAlertHistoryEsIndex: z.boolean().default(false),
  proxyUrl: z.string().optional(),
  proxyHeaders: z.record(z.string(), z.string()).optional(),
  proxyBypassHosts: z.array(hostname).optional(),
  proxyOnlyHosts: z.array(hostname).optional(),
  proxyRejectUnauthorizedCertificates: z.boolean().optional(),
  rejectUnauthorized: z.boolean().optional(),
  ssl: z
    .strictObject({
      verificationMode: verificationMode.default('full'),
      proxyVerificationMode: verificationMode.default('full'),
    })
    .prefault({}),
  customHostSettings: z.array(customHostSetting).optional(),
  maxResponseContentLength: byteSize.default(1024 * 1024),
  responseTimeout: duration.default(60_000),
  run: z
    .strictObject({
      maxAttempts: z.number().int().min(1).max(10).optional(),
      connectorTypeOverrides: z
        .array(z.strictObject({ id: z.string().min(1), maxAttempts: z.number().int().min(1).max(10) }))
        .optional(),
    })
    .prefault({}),
  queued: z.strictObject({ max: z.number().int().min(1).default(1_000_000) }).prefault({}),
  email: z
    .strictObject({
      domain_allowlist: z.array(z.string()).optional(),
      recipient_allowlist: z.array(z.string()).optional(),
      services: z
        .strictObject({
          enabled: z.array(emailServices).default(['*']),
          ses: z
            .strictObject({
              host: z.string().default('email-smtp.us-east-1.amazonaws.com'),
              port: z.number().int().min(1).max(65535).default(465),
            })
            .prefault({}),
        })
        .prefault({}),
      maximum_body_length: z.number().int().min(1).max(25_000_000).default(25_000_000),
    })
    .prefault({})
    .superRefine((value, ctx) => {
      if (value.domain_allowlist && value.recipient_allowlist) {
        ctx.addIssue({
          code: 'custom',
          path: ['recipient_allowlist'],
          message: 'cannot be used together with email.domain_allowlist',
        });
      }
    }),
  enableFooterInEmail: z.boolean().default(true),
  microsoftGraphApiUrl: z.string().default('https://graph.microsoft.com/v1.0'),
  microsoftGraphApiScope: z.string().default('https://graph.microsoft.com/.default'),
  microsoftExchangeUrl: z.string().default('https://login.microsoftonline.com'),
  usage: z
    .strictObject({
      url: z.string().default('https://usage-api.usage-api/api/v1/usage'),
      enabled: z.boolean().default(true),
      ca: z.strictObject({ path: z.string() }).optional(),
    })
    .prefault({}),
  webhook: z
    .strictObject({
      ssl: z
        .strictObject({ pfx: z.strictObject({ enabled: z.boolean().default(true) }).prefault({}) })
        .prefault({}),
    })
    .prefault({}),
  rateLimiter: z.record(z.string(), rateLimitWindow).optional(),
  // Newer Kibana settings for features Plugboard does not have yet: accepted so that a
  // pasted kibana.yml starts, but not interpreted.
  auth: z
    .strictObject({
      oauth_authorization_code: z
        .strictObject({
          rate_limits: z
            .strictObject({ authorize: rateLimitWindow.optional(), callback: rateLimitWindow.optional() })
            .optional(),
        })
        .optional(),
      ears: z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
  relay: z.record(z.string(), z.unknown()).optional(),
  inboundEvents: z.record(z.string(), z.unknown()).optional(),
});

export const configSchema = z.strictObject({
  server: z
    .strictObject({
      port: z.number().int().min(0).max(65535).default(5601),
      host: z.string().min(1).default('localhost'),
      maxPayload: byteSize.default(1024 * 1024),
    })
    .prefault({}),
  path: z.strictObject({ data: z.string().min(1).default('./data') }).prefault({}),
  database: z
    .strictObject({
      url: z
        .string()
        .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL (omit it to use the embedded SQLite database)')
        .optional(),
      pool: z.strictObject({ max: z.number().int().min(1).max(200).default(10) }).prefault({}),
    })
    .prefault({}),
  logging: z
    .strictObject({
      root: z
        .strictObject({
          level: z.enum(['all', 'fatal', 'error', 'warn', 'info', 'debug', 'trace', 'off']).default('info'),
        })
        .prefault({}),
    })
    .prefault({}),
  elasticsearch: z
    .strictObject({
      hosts: z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v : [v])).default([
        'http://localhost:9200',
      ]),
      username: z.string().optional(),
      password: z.string().optional(),
      serviceAccountToken: z.string().optional(),
      requestTimeout: duration.default(30_000),
      ssl: z
        .strictObject({
          verificationMode: verificationMode.default('full'),
          certificateAuthorities: stringOrList.optional(),
        })
        .prefault({}),
    })
    .prefault({}),
  security: z
    .strictObject({ elasticPassword: z.string().min(6, 'must be at least 6 characters').optional() })
    .prefault({}),
  xpack: z
    .strictObject({
      actions: actionsConfigSchema.prefault({}),
      encryptedSavedObjects: z
        .strictObject({
          encryptionKey: z.string().min(32, 'must be at least 32 characters').optional(),
          keyRotation: z
            .strictObject({
              decryptionOnlyKeys: z.array(z.string().min(32, 'must be at least 32 characters')).default([]),
            })
            .prefault({}),
        })
        .prefault({}),
    })
    .prefault({}),
  plugboard: z.strictObject({}).prefault({}),
});

export type PlugboardConfig = z.output<typeof configSchema>;
export type ActionsConfig = PlugboardConfig['xpack']['actions'];
export type PreconfiguredConnectorConfig = z.output<typeof preconfiguredConnectorSchema>;
