import type { Client as ElasticsearchClient } from '@elastic/elasticsearch';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { SMTPTransportOptions } from 'nodemailer';
import type { ActionsConfig } from '../config/schema.js';
import type { AllowedHosts } from '../net/allowed_hosts.js';
import type { SmtpServer } from '../net/smtp_connection.js';
import type { OutboundHttp } from '../net/http_client.js';
import type { ClientCredentialsTokens } from '../net/oauth_client_credentials.js';
import type { FailureFacts } from './failure.js';
import type { TicketOperations } from './follow/run.js';

export type LicenseType = 'basic' | 'standard' | 'gold' | 'platinum' | 'enterprise' | 'trial';

/** Kibana's feature ids, as reported in `supported_feature_ids`. */
export const FEATURE_IDS = [
  'alerting',
  'uptime',
  'siem',
  'cases',
  'generativeAIForSecurity',
  'generativeAIForObservability',
  'generativeAIForSearchPlayground',
  'endpointSecurity',
  'federated',
  'workflows',
  'agentBuilder',
] as const;
export type FeatureId = (typeof FEATURE_IDS)[number];

/** What an endpoint-security (EDR) sub-action does: reads a host's state, or changes the host. */
export type EndpointKind = 'reads' | 'changesHost';

/** Internal (camelCase) result of one execution; the HTTP layer renames fields. */
export interface ActionResult {
  status: 'ok' | 'error';
  actionId: string;
  message?: string;
  serviceMessage?: string;
  data?: unknown;
  /**
   * Kibana's: false: never retry; true or absent: retry with backoff; a Date: retry at that time.
   * Plugboard's queue decides from what happened instead (FailureFacts), when it knows.
   */
  retry?: boolean | Date | null;
  errorSource?: 'user' | 'framework';
}

/** The tokens a generative-AI call used, as its execute event records them (Kibana's gen_ai usage). */
export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

/**
 * What a type's executor answers: Kibana's result, for a failure the facts its queue reads,
 * and the tokens a success used, when the type counts them: a promise when they are known only
 * once a streamed answer has been read (its execute event is then written when it settles;
 * null, or a rejection, writes it without usage).
 */
export type ExecutorResult = ActionResult & { failure?: FailureFacts; usage?: TokenUsage | Promise<TokenUsage | null> };

/** Where an execution came from; Kibana also uses saved-object types such as `alert`. */
export type ExecutionSource = 'http_request' | 'background_task' | 'notification' | (string & {});

/** Framework services handed to validators and executors. */
export interface ConfigurationUtilities {
  allowedHosts: AllowedHosts;
  webhookPfxEnabled: boolean;
  /** The xpack.actions settings, for types that have settings of their own (email, Microsoft Graph…). */
  actionsConfig: ActionsConfig;
  /** server.publicBaseUrl, when set. */
  publicBaseUrl?: string;
  /** The base URL of a type's fixed service: `defaultUrl` unless plugboard.serviceUrlOverrides names another. */
  serviceUrl(typeId: string, defaultUrl: string): string;
  /** Under the same policy as HTTP: TLS, customHostSettings, proxy, SSRF guard (for email). */
  smtpTransportOptions(server: SmtpServer): SMTPTransportOptions;
}

export interface ConnectorServices {
  /** All outbound HTTP goes through here (allowedHosts, SSRF guard, proxy, TLS, limits). */
  http: OutboundHttp;
  /** OAuth2 client-credentials tokens, cached per connector; fetched through `http`. */
  tokens: ClientCredentialsTokens;
  /** The Elasticsearch of `elasticsearch.hosts`, created on first use. */
  elasticsearch(): ElasticsearchClient;
  /**
   * For system action types only (the AI assistant): runs another connector of the space in
   * this process, as the server, with its own execute event. Absent where nothing wires it.
   */
  connectors?: InProcessConnectors;
  /** For the AI assistant system action: where its conversations are kept. Absent where nothing wires it. */
  aiConversations?: AiConversationStore;
}

/**
 * A connector run by another action in the same process (ConnectorServices.connectors). With
 * `variables`, the params are templates first rendered as that connector's type renders a
 * rule action's. Refusals (unknown connector, invalid params, token budget) reject.
 */
export interface InProcessConnectors {
  /** The type of a connector of the space; undefined when there is none with this id. */
  typeOf(spaceId: string, connectorId: string): Promise<string | undefined>;
  run(spaceId: string, connectorId: string, params: Record<string, unknown>, opts: { signal?: AbortSignal; source: ExecutionSource; variables?: Record<string, unknown> }): Promise<{ result: ActionResult; usage: TokenUsage | null }>;
}

/** One message of a stored AI conversation. */
export interface AiConversationMessage {
  role: 'system' | 'user' | 'assistant' | 'function';
  content: string;
  /** A function message: the (fake) function whose result it carries, as Kibana's get_alerts_context. */
  name?: string;
}

/** A conversation the AI assistant system action held, as stored (migration 020). */
export interface NewAiConversation {
  spaceId: string;
  title: string;
  connectorId: string;
  connectorTypeId: string;
  messages: AiConversationMessage[];
  ruleId: string | null;
  /** The rule run's execution uuid (its rule execution log entry). */
  ruleExecutionId: string | null;
  /** The id of the action's own execution (its task). */
  actionExecutionId: string | null;
  usage: TokenUsage | null;
  status: 'ok' | 'error';
  error: string | null;
}

export interface AiConversationStore {
  /** Stores it; resolves to its id. */
  save(conversation: NewAiConversation): Promise<string>;
}

/** A run's alerts by status, as a system action's adapter reads them (the alerting summary). */
export interface AlertsByStatus {
  new: { count: number; data: Record<string, unknown>[] };
  ongoing: { count: number; data: Record<string, unknown>[] };
  recovered: { count: number; data: Record<string, unknown>[] };
  all: { count: number; data: Record<string, unknown>[] };
}

/** Builds a system action's params from a rule run (Kibana's connector adapter). */
export interface RuleActionAdapter {
  /** The params a rule stores for the action; checked when the rule is saved. */
  ruleActionParamsSchema: z.ZodType;
  buildActionParams(opts: {
    alerts: AlertsByStatus;
    rule: { id: string; tags: string[]; name: string; consumer: string; producer: string; ruleTypeId: string };
    ruleUrl: string | undefined;
    spaceId: string;
    params: Record<string, unknown>;
  }): Record<string, unknown>;
}

export interface ExecutorContext<C, S, P> {
  connectorId: string;
  connectorName: string;
  config: C;
  secrets: S;
  params: P;
  services: ConnectorServices;
  configurationUtilities: ConfigurationUtilities;
  logger: Logger;
  signal: AbortSignal;
  source: ExecutionSource;
  isPreconfigured: boolean;
  /** The space the connector runs in (absent in unit tests that build a context by hand). */
  spaceId?: string;
  /** Set when a rule run queued the action: the rule and its run's execution uuid. */
  rule?: { id: string; executionId: string };
  /** The action's own execution id (its task's, or one made for a run within a request). */
  executionId?: string;
}

/** What a type needs to tell what a run would send, without sending it. */
export type PreviewContext<C, P> = Pick<ExecutorContext<C, unknown, P>, 'connectorId' | 'config' | 'params' | 'source' | 'configurationUtilities' | 'logger'>;

export interface ValidatorContext {
  configurationUtilities: ConfigurationUtilities;
}

export interface HookContext<C, S> {
  connectorId: string;
  config: C;
  secrets: S;
  isUpdate: boolean;
  logger: Logger;
  /** What the hook may reach (the types whose connectors stand for something in Elasticsearch). */
  services: ConnectorServices;
}

/**
 * One connector type. Schemas are zod; UI metadata (labels, help, secret fields) lives in
 * the schemas through `.meta()`.
 */
/** Where the UI groups a type among the create flyout's cards (Kibana has no categories). */
export const CONNECTOR_CATEGORIES = ['messaging', 'paging', 'itsm', 'soar', 'edr', 'ai', 'other'] as const;
export type ConnectorCategory = (typeof CONNECTOR_CATEGORIES)[number];

export interface ConnectorTypeDefinition<C = any, S = any, P = any> {
  id: string;
  name: string;
  category: ConnectorCategory;
  /** One sentence for the type's card in the UI (Kibana's `selectMessage`). */
  summary: string;
  minimumLicenseRequired: LicenseType;
  supportedFeatureIds: FeatureId[];
  /**
   * A system action type (Kibana's `.cases`, the AI assistants): it gets one in-memory
   * connector, `system-connector-<id>`, which cannot be created, updated, deleted or run through
   * the HTTP API; rules and other internal callers run it.
   */
  isSystemActionType?: boolean;
  /** Of a system action type: whether a rule may use its connector in more than one action. */
  allowMultipleSystemActions?: boolean;
  /** Of a system action type: how a rule run builds its params (without one, rules skip it with a warning). */
  ruleActionAdapter?: RuleActionAdapter;
  isDeprecated?: boolean;
  /** Whether one connector of the type is deprecated by its config (Kibana's is_deprecated, e.g. ServiceNow on the Table API). */
  isConnectorDeprecated?(config: unknown): boolean;
  maxAttempts?: number;
  schemas: { config: z.ZodType<C>; secrets: z.ZodType<S>; params: z.ZodType<P> };
  /** Extra checks after the schema; throw an Error whose message is the reason. */
  validate?: {
    config?(config: C, ctx: ValidatorContext): void;
    secrets?(secrets: S, ctx: ValidatorContext): void;
    params?(params: P, ctx: ValidatorContext): void;
    /** Cross-field check of config and secrets; returns an error text or null. */
    connector?(config: C, secrets: S): string | null;
    /**
     * Schema-valid params that a run requested over HTTP (`_execute`, the unsaved test) is
     * refused for outright, with a 400 before anything runs; returns the reason or null. Other
     * params problems stay error results of the run, as in Kibana.
     */
    requestedRun?(params: P): string | null;
  };
  /**
   * Whether a run of these params answers with a stream (its `data` a Node Readable or an async
   * iterable, as Kibana's streaming sub-actions): only a caller that reads one may run it
   * (ActionsClient.execute with `acceptStream`); a JSON answer cannot carry it, and a queued or
   * rule action has no reader (the executor fails it, for good).
   */
  streamsAnswer?(params: P): boolean;
  /**
   * Whether a run of these params answers a file (its `data` the service's bytes as a Node
   * Readable, never held whole; see src/actions/file_answer.ts): only a caller that reads one may run it
   * (ActionsClient.execute with `acceptFile`); queued and rule actions are refused it, as streams.
   */
  downloadsAnswer?(params: P): boolean;
  /**
   * A streamed answer's chunks as text, for the HTTP event stream (src/http/event_stream.ts);
   * without it the answer is read as server-sent events, or an iterator's items as JSON.
   */
  streamChunks?(data: unknown): AsyncIterable<string>;
  /**
   * Endpoint-security types (EDR): the ids of the hosts a call names, for its audit record (see
   * SubAction.endpoint for what each sub-action is). It is given the params as sent, before the
   * sub-action's own schema (a failed run is audited too): read them defensively; a throw or a
   * non-array counts as no hosts.
   */
  hostIdsOf?(params: P): string[];
  /**
   * Endpoint-security types: what the sub-action these params name does (SubAction.endpoint),
   * undefined when it is marked neither way or unknown. Derived by defineSubActionConnectorType;
   * the guard rails read it (src/actions/endpoint_security.ts).
   */
  endpointKindOf?(params: P): EndpointKind | undefined;
  /** A returned error is the user's (Kibana's errorSource rule); throw an ExecutorError to say otherwise. */
  executor(ctx: ExecutorContext<C, S, P>): Promise<ExecutorResult>;
  /**
   * Fills the params' templates with variables, each field escaped for where it goes (see
   * src/actions/templating). Without it every string is rendered with no escaping.
   */
  renderParameterTemplates?(logger: Logger, params: P, variables: Record<string, unknown>, actionId?: string): P;
  /**
   * What a run with these params would send (the message after the type's own rules), worked
   * out without sending: the UI shows it before a test is run. A string is why the run would be
   * refused. Types whose runs send their params as given need none.
   */
  previewRun?(ctx: PreviewContext<C, P>): Record<string, unknown> | string;
  /** Default params for the UI's Test tab. */
  testParams?: P;
  /** By sub-action: the subActionParams the Test tab starts from when that sub-action is chosen. */
  testSubActionParams?: Record<string, Record<string, unknown>>;
  /**
   * Types made of sub-actions whose params schema cannot list them (defineSubActionConnectorType):
   * each sub-action's own params schema (null: it takes none), for the Test tab's forms.
   */
  subActionSchemas?: ReadonlyArray<{ name: string; schema: z.ZodType | null }>;
  /** Ticketing types whose rule actions may follow their alerts (`follow_alert`): the ticket's operations. */
  follow?: TicketOperations<C, S, P>;
  /**
   * Which of the type's saved connectors GET /api/actions/connectors lists (Kibana hides AI
   * connectors whose inference endpoint is gone); asked only when the space has some. Undefined:
   * all of them.
   */
  listedConnectors?(services: ConnectorServices): Promise<{ listed(config: C): boolean } | undefined>;
  /**
   * What outside Plugboard a connector of this config stands for (`.inference`: its
   * Elasticsearch endpoint), when several connectors may name the same one: a copy into another
   * space, or an import, names its source's. The postDelete hook then runs only once the last
   * connector naming it is deleted.
   */
  sharedResource?(config: C): string;
  /**
   * Kibana's type hooks: preSave runs before a create or update is stored (what it throws
   * refuses the save), postSave after it (wasSuccessful: whether it was stored), postDelete after
   * a delete; the latter two are logged, never refused.
   */
  hooks?: {
    preSave?(ctx: HookContext<C, S>): Promise<void>;
    postSave?(ctx: HookContext<C, S> & { wasSuccessful: boolean }): Promise<void>;
    postDelete?(ctx: { connectorId: string; config: C; logger: Logger; services: ConnectorServices }): Promise<void>;
  };
}

/** Keeps the generic parameters of a definition inferred from its schemas. */
export function defineConnectorType<C, S, P>(def: ConnectorTypeDefinition<C, S, P>): ConnectorTypeDefinition<C, S, P> {
  return def;
}
