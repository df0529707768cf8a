import { z } from 'zod';
import { durationError, parseRuleDuration } from '../alerting/duration.js';
import { DEFAULT_DENIED_ADDRESSES, isCidr } from '../net/address_ranges.js';
import { notInterpreted } from './not_interpreted.js';
import { byteSize, duration } from './units.js';
import { jsonIngestSettingSchema } from '../ingest/json_mapping.js';

// One zod schema for the whole configuration. Every object is strict so that a misspelt key
// stops start-up instead of being silently ignored. Names follow kibana.yml where Kibana has
// the setting; Plugboard's own settings live under `plugboard.*`.
//
// The `.meta({ description })` texts are the one-line descriptions of docs/settings.md
// (`npm run docs`). A setting that is accepted but not used is declared with `notInterpreted()`
// and without a default; use `.meta()` (and give the default back) when wiring it up.

/** Where `.index`, `.inference` and the Elasticsearch rules look when elasticsearch.hosts is not set. */
export const DEFAULT_ELASTICSEARCH_HOSTS = ['http://localhost:9200'];

const verificationMode = z.enum(['none', 'certificate', 'full']);
const hostname = z.string().min(1);
const stringOrList = z.union([z.string(), z.array(z.string())]);
const isProxyUrl = (value: string) => URL.canParse(value) && ['http:', 'https:'].includes(new URL(value).protocol);
const cidr = z.string().refine(isCidr, { error: 'must be an address range such as 10.0.0.0/8 or fd00::/8' });

const rateLimitWindow = z.strictObject({
  limit: z.number().int().min(1).meta({ description: 'Number of executions allowed within the window.' }),
  lookbackWindow: duration.meta({ description: 'Length of the sliding window, e.g. `1m`.' }),
});

const customHostSetting = z.strictObject({
  url: z
    .string()
    .min(1)
    .meta({ description: 'The host this entry applies to, as an `https://` or `smtp://` URL; scheme, host and port must match.' }),
  smtp: z
    .strictObject({
      ignoreTLS: z.boolean().optional().meta({ description: 'Talk to this SMTP server without TLS.' }),
      requireTLS: z.boolean().optional().meta({ description: 'Insist on STARTTLS with this SMTP server.' }),
    })
    .optional(),
  ssl: z
    .strictObject({
      verificationMode: verificationMode
        .optional()
        .meta({ description: 'TLS verification for this host, instead of `xpack.actions.ssl.verificationMode`.' }),
      certificateAuthoritiesFiles: stringOrList
        .optional()
        .meta({ description: 'PEM file or files of certificate authorities trusted for this host.' }),
      certificateAuthoritiesData: z
        .string()
        .optional()
        .meta({ description: 'PEM certificate authorities trusted for this host, inline.' }),
    })
    .optional(),
});

export const preconfiguredConnectorSchema = z.strictObject({
  name: z.string().min(1).meta({ description: "The connector's display name." }),
  actionTypeId: z.string().min(1).meta({ description: 'The connector type id, e.g. `.webhook`.' }),
  config: z
    .record(z.string(), z.unknown())
    .default({})
    .meta({ description: "The type's configuration; checked against the type's schema at start-up." }),
  secrets: z
    .record(z.string(), z.unknown())
    .default({})
    .meta({ description: "The type's secrets; checked against the type's schema at start-up." }),
  exposeConfig: z
    .boolean()
    .optional()
    .meta({ description: 'Return `config` in API responses; without it the config of a preconfigured connector is hidden.' }),
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
  enabled: notInterpreted(z.boolean().optional(), "Kibana's switch for the actions plugin (Kibana's default: `true`); Plugboard always runs its connectors."),
  allowedHosts: z
    .array(hostname)
    .default(['*'])
    .meta({ description: 'Host names connectors may send requests to, matched exactly; `*` allows any host, `[]` none.' }),
  enabledActionTypes: z
    .array(z.string().min(1))
    .default(['*'])
    .meta({ description: 'Connector type ids that may be used; `*` allows all, `[]` none. Preconfigured connectors run regardless.' }),
  preconfigured: z
    .record(z.string(), preconfiguredConnectorSchema)
    .default({})
    .superRefine((value, ctx) => {
      for (const id of Object.keys(value)) {
        if (RESERVED_PRECONFIGURED_IDS.has(id)) {
          ctx.addIssue({ code: 'custom', path: [id], message: `"${id}" is not a valid connector id` });
        }
      }
    })
    .meta({ description: 'Connectors defined in the configuration, keyed by connector id; they exist in every space and cannot be changed through the API.' }),
  preconfiguredAlertHistoryEsIndex: z
    .boolean()
    .default(false)
    .meta({ description: "Adds Kibana's preconfigured alert-history index connector (id `preconfigured-alert-history-es-index`)." }),
  proxyUrl: z
    .string()
    .refine(isProxyUrl, { error: 'must be an http:// or https:// URL' })
    .optional()
    .meta({ description: 'Proxy that outbound connector requests go through (`http://` or `https://`): https targets through a CONNECT tunnel, http targets as absolute-form requests.' }),
  proxyHeaders: z
    .record(z.string(), z.string())
    .optional()
    .meta({ description: 'Headers sent to the proxy (on CONNECT and on forwarded http requests), e.g. `Proxy-Authorization`.' }),
  proxyBypassHosts: z.array(hostname).optional().meta({ description: 'Hostnames reached without the proxy; all others use it.' }),
  proxyOnlyHosts: z.array(hostname).optional().meta({ description: 'The only hostnames reached through the proxy; ignored, with a warning, when `proxyBypassHosts` is set too.' }),
  proxyRejectUnauthorizedCertificates: z
    .boolean()
    .optional()
    .meta({ description: 'Older Kibana form of `ssl.proxyVerificationMode`: `false` means `none`. Used only when that setting is absent.' }),
  rejectUnauthorized: z.boolean().optional().meta({ description: 'Older Kibana form of `ssl.verificationMode`: `false` means `none`. Used only when that setting is absent.' }),
  ssl: z
    .strictObject({
      verificationMode: verificationMode
        .optional()
        .meta({
          description:
            'TLS verification of the services connectors call: `full` (chain and hostname, the default), `certificate` (chain only) or `none`.',
        }),
      proxyVerificationMode: verificationMode
        .optional()
        .meta({ description: 'TLS verification of an `https://` proxy: `full` (the default), `certificate` or `none`.' }),
    })
    .prefault({}),
  customHostSettings: z
    .array(customHostSetting)
    .optional()
    .meta({ description: 'Per-host TLS and SMTP settings, matched on scheme, host and port of the target (`https://` and `smtp://` entries).' }),
  maxResponseContentLength: byteSize
    .default(1024 * 1024)
    .meta({ description: 'Largest response body a connector reads from the service it calls.' }),
  responseTimeout: duration
    .default(60_000)
    .meta({ description: 'Time limit of each outbound connector request.' }),
  run: z
    .strictObject({
      maxAttempts: z
        .number()
        .int()
        .min(1)
        .max(10)
        .optional()
        .meta({ description: 'Attempts of a queued action, for every connector type (a per-type override comes first, the type\'s own number after).' }),
      connectorTypeOverrides: z
        .array(
          z.strictObject({
            id: z.string().min(1).meta({ description: 'Connector type id.' }),
            maxAttempts: z.number().int().min(1).max(10).meta({ description: 'Attempts of a queued action of that type.' }),
          }),
        )
        .optional()
        .meta({ description: 'Per connector type overrides of `run.maxAttempts`.' }),
    })
    .prefault({}),
  queued: z
    .strictObject({
      max: z.number().int().min(1).default(1_000_000).meta({ description: 'Most actions that may wait in the queue or run at once; enqueueing past it is refused (`queuedActionsLimitError`).' }),
    })
    .prefault({}),
  email: z
    .strictObject({
      domain_allowlist: z
        .array(z.string())
        .optional()
        .meta({ description: 'Domains that email connectors may send to and from.' }),
      recipient_allowlist: z
        .array(z.string())
        .optional()
        .meta({ description: 'Recipient addresses (wildcards allowed) that email connectors may send to; not together with `domain_allowlist`.' }),
      services: z
        .strictObject({
          enabled: z
            .array(emailServices)
            .default(['*'])
            .meta({ description: 'Email services that email connectors may use; `*` allows all.' }),
          ses: z
            .strictObject({
              host: z
                .string()
                .default('email-smtp.us-east-1.amazonaws.com')
                .meta({ description: 'SMTP host of Amazon SES.' }),
              port: z
                .number()
                .int()
                .min(1)
                .max(65535)
                .default(465)
                .meta({ description: 'SMTP port of Amazon SES.' }),
            })
            .prefault({}),
        })
        .prefault({}),
      maximum_body_length: z
        .number()
        .int()
        .min(1)
        .max(25_000_000)
        .default(25_000_000)
        .meta({ description: 'Longest email body, in characters.' }),
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
  enableFooterInEmail: z
    .boolean()
    .default(true)
    .meta({ description: "Adds Kibana's footer to emails sent for alerts." }),
  microsoftGraphApiUrl: z
    .string()
    .default('https://graph.microsoft.com/v1.0')
    .meta({ description: 'Microsoft Graph API base URL, for email through Microsoft Exchange.' }),
  microsoftGraphApiScope: z
    .string()
    .default('https://graph.microsoft.com/.default')
    .meta({ description: 'OAuth scope requested for the Microsoft Graph API.' }),
  microsoftExchangeUrl: z
    .string()
    .default('https://login.microsoftonline.com')
    .meta({ description: 'Microsoft identity platform URL that Exchange OAuth tokens come from.' }),
  usage: notInterpreted(
    z
      .strictObject({
        url: z.string().optional().meta({ description: "Usage reporting endpoint of Elastic's serverless offering." }),
        enabled: z.boolean().optional().meta({ description: 'Report connector usage (serverless Kibana only).' }),
        ca: z.strictObject({ path: z.string().meta({ description: 'CA certificate file for the usage endpoint.' }) }).optional(),
      })
      .optional(),
    "Connector usage reporting of Elastic's serverless offering.",
  ),
  webhook: z
    .strictObject({
      ssl: z
        .strictObject({
          pfx: z
            .strictObject({
              enabled: z
                .boolean()
                .default(true)
                .meta({ description: 'Allow webhook connectors to use a PFX client certificate (`certType: ssl-pfx`).' }),
            })
            .prefault({}),
        })
        .prefault({}),
    })
    .prefault({}),
  rateLimiter: notInterpreted(
    z.record(z.string(), rateLimitWindow).optional(),
    'Execution limits per connector type, keyed by the type id without its dot.',
  ),
  auth: notInterpreted(
    z
      .strictObject({
        oauth_authorization_code: z
          .strictObject({
            rate_limits: z
              .strictObject({
                authorize: rateLimitWindow.optional().meta({ description: 'Rate limit of the OAuth authorize step.' }),
                callback: rateLimitWindow.optional().meta({ description: 'Rate limit of the OAuth callback.' }),
              })
              .optional(),
          })
          .optional(),
        ears: z.record(z.string(), z.unknown()).optional().meta({ description: 'Settings of a newer Kibana authentication feature; accepted as any map.' }),
      })
      .optional(),
    'Authentication features of newer Kibana versions (OAuth authorization code flow).',
  ),
  relay: notInterpreted(z.record(z.string(), z.unknown()).optional(), 'Settings of a newer Kibana feature; accepted as any map.'),
  inboundEvents: notInterpreted(
    z.record(z.string(), z.unknown()).optional(),
    'Settings of a newer Kibana feature (inbound events); accepted as any map.',
  ),
});

const rateLimit = z
  .strictObject({
    perSecond: z.number().positive().meta({ description: 'Actions that may start per second, on average.' }),
    burst: z.number().int().min(1).meta({ description: 'Actions that may start at once after a quiet period.' }),
  })
  .meta({ description: 'A token bucket.' });

const tokenBudgets = {
  tokensPerMinute: z
    .number()
    .int()
    .min(1)
    .optional()
    .meta({
      description:
        "Generative-AI connectors: no request of the connector starts while its runs' tokens (as their execute events record them) in the last minute reach this; a queued action waits, `_execute` answers 429 with Retry-After. Usage recorded before a restart counts: at start-up the instance reads it back from the event log. No limit when absent.",
    }),
  tokensPerDay: z
    .number()
    .int()
    .min(1)
    .optional()
    .meta({ description: 'As `tokensPerMinute`, over the last 24 hours (including the usage recorded before a restart).' }),
};

const flowLimitsSchema = z.strictObject({
  concurrency: z.number().int().min(1).default(20).meta({ description: "Actions of one connector that may run at once." }),
  rate: rateLimit.optional().meta({ description: 'How fast actions of one connector may start; no limit when absent.' }),
  ...tokenBudgets,
});

const partialFlowLimitsSchema = z.strictObject({
  concurrency: z.number().int().min(1).optional().meta({ description: 'Actions of one connector that may run at once.' }),
  rate: rateLimit.optional().meta({ description: 'How fast actions of one connector may start.' }),
  ...tokenBudgets,
});

// Kibana's server.ssl.*: TLS for Plugboard's own HTTP server. Files are read at start-up.
export const TLS_PROTOCOLS = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;

const serverSsl = z
  .strictObject({
    enabled: z.boolean().default(false).meta({ description: 'Serve HTTPS instead of HTTP; needs `certificate` and `key`, or `keystore.path`.' }),
    certificate: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'PEM file of the server certificate (and its chain). Relative paths of every `server.ssl` file resolve like `path.data`.' }),
    key: z.string().min(1).optional().meta({ description: 'PEM file of the private key of `certificate`.' }),
    keyPassphrase: z.string().optional().meta({ description: 'Passphrase of an encrypted `key`.' }),
    keystore: z
      .strictObject({
        path: z
          .string()
          .min(1)
          .optional()
          .meta({ description: 'PKCS#12 file holding the server key and certificate, instead of `certificate` and `key`.' }),
        password: z.string().optional().meta({ description: 'Password of the PKCS#12 `keystore.path`.' }),
      })
      .prefault({}),
    certificateAuthorities: stringOrList
      .optional()
      .meta({ description: 'PEM file or files of certificate authorities that client certificates must chain to.' }),
    supportedProtocols: z
      .array(z.enum(TLS_PROTOCOLS))
      .min(1)
      .default(['TLSv1.2', 'TLSv1.3'])
      .meta({ description: "TLS versions accepted from clients (Node's OpenSSL may refuse `TLSv1` and `TLSv1.1` regardless)." }),
    clientAuthentication: z
      .enum(['none', 'optional', 'required'])
      .default('none')
      .meta({ description: 'Ask clients for a certificate signed by `certificateAuthorities`: `none`, `optional` (checked when given) or `required`.' }),
  })
  .superRefine((ssl, ctx) => {
    const keystore = ssl.keystore.path !== undefined;
    for (const name of ['certificate', 'key'] as const) {
      if (keystore && ssl[name] !== undefined) {
        ctx.addIssue({ code: 'custom', path: [name], message: 'cannot be used together with server.ssl.keystore.path' });
      } else if (ssl.enabled && !keystore && ssl[name] === undefined) {
        ctx.addIssue({ code: 'custom', path: [name], message: 'must be set when server.ssl.enabled is true (or use server.ssl.keystore.path)' });
      }
    }
    if (!ssl.enabled && ssl.clientAuthentication !== 'none') {
      ctx.addIssue({ code: 'custom', path: ['clientAuthentication'], message: 'needs server.ssl.enabled: true' });
    }
  });

export type ServerSslConfig = z.output<typeof serverSsl>;

/** A rule duration as Kibana writes it (`30s`, `5m`, `1h`, `1d`), kept as text: messages quote it. */
const ruleDuration = z.string().superRefine((value, ctx) => {
  const invalid = durationError(value);
  if (invalid) ctx.addIssue({ code: 'custom', message: invalid });
});

const MAX_ACTIONS_PER_RUN = 100_000;
const MAX_ALERTS_PER_RUN = 5000;

export const alertingConfigSchema = z.strictObject({
  rules: z
    .strictObject({
      minimumScheduleInterval: z
        .strictObject({
          value: ruleDuration
            .refine((value) => durationError(value) !== undefined || parseRuleDuration(value) <= 86_400_000, { message: 'duration cannot exceed one day' })
            .default('1m')
            .meta({ description: 'The shortest schedule a rule may have (Kibana: `1m`, at most `1d`); may be lowered, e.g. to `1s`.' }),
          enforce: z
            .boolean()
            .default(false)
            .meta({ description: 'Refuse (400) rules scheduled more often than `value`; when false, such rules are saved and a warning is logged.' }),
        })
        .prefault({}),
      maxScheduledPerMinute: z
        .number()
        .int()
        .min(0)
        .default(32_000)
        .meta({ description: 'Runs per minute that all enabled rules of every space may add up to; a rule that would pass it is refused (400) on create, update and enable.' }),
      run: z
        .strictObject({
          timeout: ruleDuration.optional().meta({ description: "A rule run longer than this is cancelled, whatever its type's own timeout (Kibana's default: the type's, else `5m`)." }),
          ruleTypeOverrides: z
            .array(z.strictObject({ id: z.string().min(1), timeout: ruleDuration }))
            .optional()
            .meta({ description: 'Run timeouts by rule type id, e.g. `[{id: ".es-query", timeout: "1m"}]`.' }),
          actions: z
            .strictObject({
              max: z
                .number()
                .int()
                .min(0)
                .max(MAX_ACTIONS_PER_RUN)
                .default(MAX_ACTIONS_PER_RUN)
                .meta({ description: 'Actions one rule run may schedule; the rest are skipped with a warning (the circuit breaker).' }),
              connectorTypeOverrides: z
                .array(z.strictObject({ id: z.string().min(1), max: z.number().int().min(0).max(MAX_ACTIONS_PER_RUN) }))
                .optional()
                .meta({ description: 'The same limit by connector type id, e.g. `[{id: ".email", max: 10}]`.' }),
            })
            .prefault({}),
          alerts: z
            .strictObject({
              max: z
                .number()
                .int()
                .min(1)
                .max(MAX_ALERTS_PER_RUN)
                .default(1000)
                .meta({ description: 'Alerts one rule run may report (at most 5000); a type that reports more gets a warning and recovers nothing that run.' }),
            })
            .prefault({}),
        })
        .prefault({}),
      overwriteProducer: z
        .enum(['observability', 'siem', 'stackAlerts'])
        .optional()
        .meta({ description: 'Reports every rule type with this producer instead of its own.' }),
    })
    .prefault({}),
  cancelAlertsOnRuleTimeout: z
    .boolean()
    .default(true)
    .meta({ description: 'When a run times out, its alerts are neither created nor recovered and its actions are not scheduled.' }),
  disabledRuleTypes: z.array(z.string()).optional().meta({ description: 'Rule type ids not to register: their rules cannot be created and do not run.' }),
  enabledRuleTypes: z.array(z.string()).optional().meta({ description: 'When set, only these rule type ids are registered.' }),
  maxEphemeralActionsPerAlert: notInterpreted(z.number().optional(), "Kibana's ephemeral actions, deprecated; Plugboard queues every action."),
  healthCheck: z
    .strictObject({
      interval: notInterpreted(ruleDuration.optional(), 'How often Kibana recomputes the framework health (Kibana: `60m`); Plugboard computes it on each `GET /api/alerting/_health`.'),
    })
    .prefault({}),
  invalidateApiKeysTask: z
    .strictObject({
      interval: notInterpreted(ruleDuration.optional(), "How often Kibana invalidates rules' retired API keys (Kibana: `5m`); Plugboard's rules hold no API keys."),
      removalDelay: notInterpreted(ruleDuration.optional(), "How long Kibana keeps a rule's retired API key before invalidating it (Kibana: `1h`); Plugboard's rules hold no API keys."),
    })
    .prefault({}),
  enableFrameworkAlerts: notInterpreted(z.boolean().optional(), "Kibana's alerts-as-data framework alerts (Kibana: `true`); Plugboard keeps alerts in the rule's task state."),
  rulesSettings: z
    .strictObject({
      enabled: notInterpreted(z.boolean().optional(), "Kibana's rules settings (flapping, query delay) UI and API (Kibana: `true`)."),
      cacheInterval: notInterpreted(z.number().int().optional(), 'How long Kibana caches the rules settings, in milliseconds (Kibana: `60000`).'),
    })
    .prefault({}),
  maintenanceWindow: z
    .strictObject({
      enabled: notInterpreted(z.boolean().optional(), "Kibana's maintenance windows (Kibana: `true`), which Plugboard does not have."),
    })
    .prefault({}),
});

export const configSchema = z.strictObject({
  server: z
    .strictObject({
      port: z
        .number()
        .int()
        .min(0)
        .max(65535)
        .default(5601)
        .meta({ description: 'Port the HTTP server listens on; `0` picks a free one.' }),
      host: z.string().min(1).default('localhost').meta({ description: 'Address the HTTP server listens on.' }),
      maxPayload: byteSize
        .default(1024 * 1024)
        .meta({ description: 'Largest request body accepted; a larger one is answered with 413.' }),
      publicBaseUrl: z
        .string()
        .refine((value) => URL.canParse(value), { error: 'must be a URL' })
        .optional()
        .meta({ description: 'The URL people reach Plugboard at, for links in messages (e.g. the email footer).' }),
      ssl: serverSsl.prefault({}),
    })
    .prefault({}),
  path: z
    .strictObject({
      data: z
        .string()
        .min(1)
        .default('./data')
        .meta({
          description:
            "Directory of the embedded SQLite database and the generated encryption key; a relative path is resolved against the configuration file's directory, or the working directory without a file.",
        }),
    })
    .prefault({}),
  database: z
    .strictObject({
      url: z
        .string()
        .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL (omit it to use the embedded SQLite database)')
        .optional()
        .meta({
          description: 'A `postgres://` URL selects PostgreSQL; without it the embedded SQLite database under `path.data` is used.',
        }),
      pool: z
        .strictObject({
          max: z
            .number()
            .int()
            .min(1)
            .max(200)
            .default(10)
            .meta({ description: 'Most PostgreSQL connections open at once.' }),
        })
        .prefault({}),
    })
    .prefault({}),
  logging: z
    .strictObject({
      root: z
        .strictObject({
          level: z
            .enum(['all', 'fatal', 'error', 'warn', 'info', 'debug', 'trace', 'off'])
            .default('info')
            .meta({ description: 'Least severe level that is logged; `off` logs nothing.' }),
        })
        .prefault({}),
    })
    .prefault({}),
  elasticsearch: z
    .strictObject({
      hosts: z
        .union([z.string(), z.array(z.string())])
        .transform((v) => (Array.isArray(v) ? v : [v]))
        .default(DEFAULT_ELASTICSEARCH_HOSTS)
        .meta({ description: 'Elasticsearch URL or URLs, for connector types that write to Elasticsearch (`.index`).' }),
      username: z
        .string()
        .optional()
        .meta({ description: 'User for Elasticsearch; used together with `elasticsearch.password`.' }),
      password: z.string().optional().meta({ description: 'Password of `elasticsearch.username`.' }),
      serviceAccountToken: z
        .string()
        .optional()
        .meta({ description: 'Service account token for Elasticsearch; when set, it is used instead of username and password.' }),
      requestTimeout: duration.default(30_000).meta({ description: 'Time limit of each Elasticsearch request.' }),
      ssl: z
        .strictObject({
          verificationMode: verificationMode
            .default('full')
            .meta({ description: "TLS verification of Elasticsearch's certificate: `none` turns it off; `certificate` checks as much as `full` (chain and hostname)." }),
          certificateAuthorities: notInterpreted(
            stringOrList.optional(),
            'PEM file or files of certificate authorities trusted for Elasticsearch; Node\'s own trusted authorities are used instead.',
          ),
        })
        .prefault({}),
    })
    .prefault({}),
  savedObjects: z
    .strictObject({
      maxImportPayloadBytes: byteSize
        .default(26_214_400)
        .meta({ description: 'Largest file `POST /api/saved_objects/_import` accepts; a larger one is answered with 413 and nothing is imported.' }),
      maxImportExportSize: z
        .number()
        .int()
        .min(1)
        .default(10_000)
        .meta({ description: 'Most connectors one export may hold and one import file may carry; beyond it the request is refused with 400.' }),
    })
    .prefault({}),
  security: z
    .strictObject({
      elasticPassword: z
        .string()
        .min(6, 'must be at least 6 characters')
        .optional()
        .meta({
          description:
            'Password of the `elastic` superuser, applied at every start; without it a password is generated on the first start and printed once.',
        }),
    })
    .prefault({}),
  xpack: z
    .strictObject({
      actions: actionsConfigSchema.prefault({}),
      alerting: alertingConfigSchema.prefault({}).meta({ description: "Kibana's alerting (rules) settings." }),
      encryptedSavedObjects: z
        .strictObject({
          encryptionKey: z
            .string()
            .min(32, 'must be at least 32 characters')
            .optional()
            .meta({
              description:
                'Key that connector secrets are encrypted with (at least 32 characters); without it one is generated into `encryption.key` under `path.data` on the first start.',
            }),
          keyRotation: z
            .strictObject({
              decryptionOnlyKeys: z
                .array(z.string().min(32, 'must be at least 32 characters'))
                .default([])
                .meta({
                  description:
                    'Earlier encryption keys, used only to read secrets written with them; `plugboard encryption rotate` re-encrypts such secrets.',
                }),
            })
            .prefault({}),
        })
        .prefault({}),
      security: z
        .strictObject({
          session: z
            .strictObject({
              idleTimeout: duration
                .nullable()
                .default(8 * 3_600_000)
                .meta({
                  description:
                    'A browser session unused for this long ends (Kibana: 8h); `0` or `null`: never. Each use of the session restarts the clock.',
                }),
              lifespan: duration
                .nullable()
                .default(30 * 86_400_000)
                .meta({ description: 'A browser session ends this long after login, however much it is used (Kibana: 30d); `0` or `null`: never.' }),
            })
            .prefault({}),
        })
        .prefault({}),
    })
    .prefault({}),
  plugboard: z
    .strictObject({
      tasks: z
        .strictObject({
          maxConcurrency: z
            .number()
            .int()
            .min(1)
            .max(10_000)
            .default(200)
            .meta({ description: 'Tasks one instance runs at once. Actions mostly wait on the network, so this is far above the core count.' }),
          claimBatchSize: z.number().int().min(1).max(1000).default(100).meta({ description: 'Most tasks one claim statement takes.' }),
          leaseDuration: duration
            .default(30_000)
            .meta({ description: 'How long a claimed task belongs to its instance; running tasks renew it. After a crash, its tasks run again once this has passed.' }),
          pollInterval: duration
            .default(1000)
            .meta({ description: 'Fallback poll for due tasks; enqueueing wakes the claimer at once, and so does NOTIFY between PostgreSQL instances.' }),
          timeout: duration.default(300_000).meta({ description: 'A task running longer than this is aborted (Kibana: 5m).' }),
          shutdownGrace: duration
            .default(10_000)
            .meta({ description: 'On SIGTERM, how long running tasks may finish before they are released to other instances.' }),
        })
        .prefault({})
        .meta({ description: 'The task manager that runs queued actions.' }),
      actions: z
        .strictObject({
          flowControl: z
            .strictObject({
              defaults: flowLimitsSchema
                .prefault({})
                .meta({ description: 'Limits for every connector unless its type or itself has others.' }),
              types: z
                .record(z.string(), partialFlowLimitsSchema)
                .default({})
                .meta({ description: 'Limits by connector type id, e.g. `.slack: {rate: {perSecond: 1, burst: 1}}`.' }),
              connectors: z.record(z.string(), partialFlowLimitsSchema).default({}).meta({ description: 'Limits by connector id.' }),
            })
            .prefault({})
            .meta({
              description:
                'Per-connector flow control: concurrency and rate limits, and token budgets for generative-AI connectors, so one slow or limited service does not hold up the others. Kept by each instance.',
            }),
        })
        .prefault({}),
      net: z
        .strictObject({
          deniedAddresses: z
            .array(cidr)
            .default(DEFAULT_DENIED_ADDRESSES)
            .meta({
              description:
                'Address ranges (CIDR) that connectors may never connect to, checked on the address actually connected to after DNS resolution, and on every redirect. Through a proxy, which makes the connection, an address in a range and a name that resolves here into one are refused, and a name this machine cannot resolve is left to the proxy. The default holds the link-local ranges of cloud metadata endpoints; `[]` turns the guard off.',
            }),
        })
        .prefault({}),
      audit: z
        .strictObject({
          file: z
            .string()
            .min(1)
            .optional()
            .meta({
              description:
                'Also write every audit event as a JSON line (ECS fields, as Kibana\'s audit log) to this file, relative to the configuration file. The database always keeps them (`GET /api/security/audit`).',
            }),
        })
        .prefault({}),
      security: z
        .strictObject({
          loginThrottle: z
            .strictObject({
              maxFailuresPerUser: z
                .number()
                .int()
                .min(1)
                .default(10)
                .meta({ description: 'Failed password checks for one username within `window` after which its logins are refused with 429 until the oldest failure leaves the window; a successful login clears them.' }),
              maxFailuresPerAddress: z
                .number()
                .int()
                .min(1)
                .default(50)
                .meta({ description: 'Failed password checks from one client address within `window` after which its logins are refused with 429, whatever the username.' }),
              window: duration.default(300_000).meta({ description: 'The sliding window failed logins are counted in. Counts are kept in memory, per instance.' }),
            })
            .prefault({})
            .meta({ description: 'Throttling of failed logins (Basic credentials and the login form), so that passwords cannot be guessed at speed.' }),
        })
        .prefault({}),
      serviceUrlOverrides: z
        .record(z.string(), z.string().refine((value) => URL.canParse(value), { error: 'must be a URL' }))
        .default({})
        .meta({
          description:
            'Base URLs, by connector type id, that replace the fixed address of a service (e.g. `.slack_api: http://127.0.0.1:8080/api` instead of `https://slack.com/api`), to reach a simulator in tests and demos. For the generative-AI types, whose address is in their config, a connector at the service\'s well-known address (`.gen-ai`: https://api.openai.com, `.bedrock`: https://bedrock-runtime.us-east-1.amazonaws.com, `.gemini`: https://us-central1-aiplatform.googleapis.com) is sent to the given base, its path kept, and `.gemini`\'s service-account token request goes to the base\'s `/token`; other addresses are called as configured. Never set by default.',
        }),
      ingest: z
        .strictObject({
          silenceRetention: duration
            .default(120 * 3_600_000)
            .meta({ description: "How long an expired silence is kept (and listed by `GET /api/v2/silences`) after its end, as Alertmanager's `--data.retention`." }),
          resolveTimeout: duration
            .default(300_000)
            .meta({
              description:
                "Alertmanager's `global.resolve_timeout`: an alert posted without `endsAt` is active until this long after its last post, then resolved (Alertmanager: 5m).",
            }),
          webhookResolveTimeout: duration
            .default(6 * 3_600_000)
            .meta({
              description:
                "How long a firing alert from a webhook payload (Alertmanager's `webhook_config`, Grafana's webhook contact point, and JSON routes whose mapping has a `status`) stays active without being sent again. Those senders repeat a firing alert only every `repeat_interval` (4h by default in both, checked every `group_interval`, 5m) and send its resolution, so this must exceed their `repeat_interval` + `group_interval`; it only ends alerts whose resolution never came (`send_resolved: false`, a sender that lost its state).",
            }),
          resolvedRetention: duration
            .default(3_600_000)
            .meta({
              description:
                'How long a resolved incoming alert is kept (listed, and merged into when re-sent) before the hourly retention task deletes it. Longer than the 15 minutes Prometheus keeps re-sending a resolved alert, so those resends find it.',
            }),
          maxActiveAlerts: z
            .number()
            .int()
            .min(1)
            .default(50_000)
            .meta({
              description:
                'Most incoming alerts active at once, over all spaces. A post that would add active alerts beyond it is refused with 429 and nothing of it is stored (counted in `plugboard_ingest_refused_alerts_total`); refreshes and resolutions of active alerts are still taken.',
            }),
          tokens: z
            .array(
              z
                .strictObject({
                  space: z.string().regex(/^[a-z0-9_-]+$/, 'must be a space id').meta({ description: 'The space whose alert routes the token opens.' }),
                  token: z
                    .string()
                    .min(32, 'must be at least 32 characters')
                    .optional()
                    .meta({ description: 'The token, sent as `Authorization: Bearer <token>`; at least 32 characters (e.g. `openssl rand -hex 32`).' }),
                  tokenFile: z
                    .string()
                    .min(1)
                    .optional()
                    .meta({ description: 'A file holding the token (trailing newline ignored), relative to the configuration file; instead of `token`.' }),
                })
                .refine((entry) => (entry.token === undefined) !== (entry.tokenFile === undefined), { error: 'give exactly one of token and tokenFile' }),
            )
            .default([])
            .meta({
              description:
                "Ingest tokens for alert senders without a user (Prometheus's `authorization: {credentials: …}`, Grafana's contact points): each opens the alert routes (`/api/v2/alerts`, `/api/v2/status`, `/api/ingest/*`) of its space only. Secrets: never logged; compared in constant time.",
            }),
          grafana: z
            .strictObject({
              hmacSecret: z
                .string()
                .min(1)
                .optional()
                .meta({ description: "The secret of the Grafana contact point's HMAC signature (`hmacConfig.secret`); when set (or `hmacSecretFile`), requests to `POST /api/ingest/grafana` must carry a valid signature besides their credentials." }),
              hmacSecretFile: z
                .string()
                .min(1)
                .optional()
                .meta({ description: 'A file holding the HMAC secret (trailing newline ignored), relative to the configuration file; instead of `hmacSecret`.' }),
              hmacHeader: z
                .string()
                .regex(/^[A-Za-z0-9-]+$/, 'must be a header name')
                .optional()
                .meta({ description: "The signature's header (`hmacConfig.header`); without it, Grafana's default `X-Grafana-Alert-Signature` or the UI's `X-Grafana-Alerting-Signature`." }),
              hmacTimestampHeader: z
                .string()
                .regex(/^[A-Za-z0-9-]+$/, 'must be a header name')
                .optional()
                .meta({ description: '`hmacConfig.timestampHeader`: when Grafana sends one, the signed text is `<unix seconds>:<body>` and a timestamp more than 5 minutes away is refused.' }),
            })
            .refine((g) => g.hmacSecret === undefined || g.hmacSecretFile === undefined, { error: 'give at most one of hmacSecret and hmacSecretFile' })
            .prefault({})
            .meta({ description: "Grafana's webhook contact point (`POST /api/ingest/grafana`)." }),
          json: jsonIngestSettingSchema,
        })
        .prefault({})
        .meta({ description: 'Alert ingest: the Alertmanager-compatible API that Prometheus, Grafana and amtool post to.' }),
      eventLog: z
        .strictObject({
          retention: duration
            .default(30 * 86_400_000)
            .meta({ description: 'Events, finished tasks and the AI assistant action\'s conversations older than this are deleted by a recurring task.' }),
        })
        .prefault({}),
    })
    .prefault({})
    .meta({ description: "Plugboard's own settings." }),
});

export type PlugboardConfig = z.output<typeof configSchema>;
export type ActionsConfig = PlugboardConfig['xpack']['actions'];
export type AlertingConfig = PlugboardConfig['xpack']['alerting'];
export type PreconfiguredConnectorConfig = z.output<typeof preconfiguredConnectorSchema>;
